#!/usr/bin/env bats
# ublk BPF (kernel/patches) under real asynchronous IO and faults: backing
# files on ext4 over a null_blk disk that completes from a timer interrupt
# (so bpf aio's ->ki_complete() runs in hard irq context and the lanes'
# done lists fill), parts of split requests falling short, aio submitted
# from ->aio_done(), failing allocations, and a server killed or quiesced
# while bpf aio is held back.  Every test fails on a kernel splat in dmesg.

load ../kbpf/helpers

BATS_TEST_TIMEOUT=400

setup_file() { kbpf_setup_file; }
setup() {
	kbpf_setup
	SRC=$BATS_TEST_TMPDIR/src
	head -c 4M /dev/urandom >"$SRC"
}
teardown() {
	[ -n "${UPPER:-}" ] && umount "$UPPER" 2>/dev/null
	kbpf_teardown
	kbpf_faults_off
	kbpf_async_disk_remove
}
teardown_file() { kbpf_teardown_file; }

# fio_ok OUT: fio's output says no IO failed
fio_ok() {
	grep -q "err= 0" "$1" || { cat "$1" >&2; return 1; }
	! grep -qE 'verify: bad|fio: .*error' "$1" || { cat "$1" >&2; return 1; }
}

# verified random writes of 4k..256k at QD64 from two jobs, then random
# reads and writes: the patterns that split requests over chunks and keep
# many aio in flight
fio_verify_mix() {
	fio --name=mix --filename="$DEV" --rw=randwrite --bsrange=4k-256k \
		--iodepth=64 --numjobs=2 --size=12M --offset_increment=12M \
		--ioengine=io_uring --direct=1 --allow_file_create=0 \
		--verify=crc32c --do_verify=1 --verify_state_save=0 \
		--output="$BATS_TEST_TMPDIR/fio1.out"
	fio_ok "$BATS_TEST_TMPDIR/fio1.out"
	fio --name=rw --filename="$DEV" --rw=randrw --bsrange=4k-256k \
		--iodepth=64 --numjobs=2 --size=24M --time_based --runtime=6 \
		--ioengine=io_uring --direct=1 --allow_file_create=0 \
		--output="$BATS_TEST_TMPDIR/fio2.out"
	fio_ok "$BATS_TEST_TMPDIR/fio2.out"
}

@test "stripe on ext4 over an interrupt-completing disk: verified 4k-256k randrw, QD64, 2 jobs" {
	kbpf_async_disk
	truncate -s 64M "$FS/f0" "$FS/f1"
	kbpf_start -q 2 -B "$FS/f0" -B "$FS/f1" -p "$PROGS/aio.bpf.o:stripe_ops"
	fio_verify_mix
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "an aio allocated and submitted from ->aio_done(): verified 4k-256k randrw on ext4" {
	kbpf_async_disk
	truncate -s 64M "$FS/f0"
	kbpf_start -q 2 -B "$FS/f0" -p "$PROGS/chain.bpf.o:chain_ops"
	fio_verify_mix
	dd if="$SRC" of="$DEV" bs=1M oflag=direct conv=fsync
	cmp "$SRC" <(dd if="$FS/f0" bs=1M count=4 2>/dev/null)
	cmp "$SRC" <(dd if="$DEV" bs=1M count=4 iflag=direct 2>/dev/null)
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "buffered writeback of ext4 on a BPF loop device (merged requests of several bios) reads back" {
	kbpf_async_disk
	truncate -s 128M "$FS/f0"
	kbpf_start -q 2 -B "$FS/f0" -p "$PROGS/aio.bpf.o:loop_ops"
	mkfs.ext4 -q -F "$DEV"
	UPPER=$BATS_TEST_TMPDIR/upper
	mkdir "$UPPER"
	mount "$DEV" "$UPPER"
	for i in 1 2 3 4 5 6; do
		head -c 3M /dev/urandom >"$BATS_TEST_TMPDIR/data$i"
		cp "$BATS_TEST_TMPDIR/data$i" "$UPPER/"
	done
	umount "$UPPER"
	mount "$DEV" "$UPPER"
	for i in 1 2 3 4 5 6; do
		cmp "$BATS_TEST_TMPDIR/data$i" "$UPPER/data$i"
	done
	umount "$UPPER"
	UPPER=
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "a stripe part ending at the end of its file fails the read, never returns stale bytes" {
	F0=$BATS_TEST_TMPDIR/f0 F1=$BATS_TEST_TMPDIR/f1
	head -c 1M /dev/urandom >"$F0"
	head -c 1M /dev/urandom >"$F1"
	truncate -s 16k "$F1"
	kbpf_start -B "$F0" -B "$F1" -p "$PROGS/aio.bpf.o:stripe_ops"
	# parts: file 0 [0, 64k), file 1 [0, 64k) (16k there), file 0 [64k, 128k)
	run "$KBPF" read "$DEV" 0 196608
	[ "$status" -eq 1 ] || { echo "read of 192k returned $status" >&2; false; }
	[[ $output == *"kbpf: read:"* ]]
	# what is there reads back right
	cmp <(cat <(head -c 64k "$F0") "$F1") <("$KBPF" read "$DEV" 0 81920)
	kbpf_stop
	kbpf_check_dmesg
}

@test "a stripe part written short on a full file system fails the write, never reports it done" {
	F0=$BATS_TEST_TMPDIR/f0
	mkdir "$BATS_TEST_TMPDIR/small"
	mount -t tmpfs -o size=16k tmpfs "$BATS_TEST_TMPDIR/small"
	F1=$BATS_TEST_TMPDIR/small/f1
	truncate -s 4M "$F0" "$F1"
	kbpf_start -B "$F0" -B "$F1" -p "$PROGS/aio.bpf.o:stripe_ops"
	run dd if="$SRC" of="$DEV" bs=192k count=1 oflag=direct
	kill -TERM "$SRV_PID"
	kbpf_wait_pid "$SRV_PID" 60
	SRV_PID=
	umount "$BATS_TEST_TMPDIR/small"
	[ "$status" -ne 0 ] || { echo "a 192k write with 16k of room succeeded" >&2; false; }
	[[ $output == *"No space left on device"* || $output == *"Input/output error"* ]]
	kbpf_check_dmesg
}

@test "an aio submitted again from ->aio_done() does its IO again" {
	F0=$BATS_TEST_TMPDIR/f0 F1=$BATS_TEST_TMPDIR/f1
	cp "$SRC" "$F0"
	# file 1, where every IO goes first, holds something else
	tr '\0' '\253' </dev/zero | head -c 4M >"$F1"
	kbpf_start -B "$F0" -B "$F1" -p "$PROGS/chain.bpf.o:resubmit_ops"
	cmp "$SRC" <(dd if="$DEV" bs=256k count=16 iflag=direct 2>/dev/null)
	head -c 1M /dev/urandom >"$BATS_TEST_TMPDIR/new"
	dd if="$BATS_TEST_TMPDIR/new" of="$DEV" bs=64k seek=8 oflag=direct conv=fsync
	cmp "$BATS_TEST_TMPDIR/new" <(dd if="$F0" bs=64k skip=8 count=16 2>/dev/null)
	cmp "$BATS_TEST_TMPDIR/new" <(dd if="$DEV" bs=64k skip=8 count=16 iflag=direct 2>/dev/null)
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "a program resubmitting an aio for ever fails the request instead of hanging" {
	F0=$BATS_TEST_TMPDIR/f0
	cp "$SRC" "$F0"
	kbpf_start -B "$F0" -p "$PROGS/chain.bpf.o:forever_ops"
	run timeout 60 dd if="$DEV" of=/dev/null bs=4k count=1 iflag=direct
	[ "$status" -eq 1 ] || { echo "dd exited $status (124: hung)" >&2; false; }
	[[ $output == *"Input/output error"* ]]
	kbpf_stop
	dmesg | sed -n "/$MARK/,\$p" | grep -q 'too many aio for one request'
	kbpf_check_dmesg
}

@test "failing slab and page allocations during split stripe IO reach no reader or writer" {
	kbpf_async_disk
	truncate -s 64M "$FS/f0" "$FS/f1"
	kbpf_start -q 2 -B "$FS/f0" -B "$FS/f1" -p "$PROGS/aio.bpf.o:stripe_ops"
	# only allocations that may not sleep fail (ignore-gfp-wait), as in
	# the program's context
	kbpf_faults_on failslab 25
	kbpf_faults_on fail_page_alloc 10
	fio_verify_mix
	kbpf_faults_off
	kbpf_stop
	# faults were injected, and none reached fio
	dmesg | sed -n "/$MARK/,\$p" | grep -q 'FAULT_INJECTION: forcing a failure'
	kbpf_check_dmesg
}

# queue_threads PID: kbpf serve's threads besides its main one, not
# counting io_uring's workers (iou-wrk-*)
queue_threads() {
	local t n=0
	for t in /proc/"$1"/task/*; do
		[[ $(cat "$t/comm" 2>/dev/null) == iou-* ]] || n=$((n + 1))
	done
	echo $((n - 1))
}

# held IO: files on ext4 on a dm-linear device that is suspended while
# bpf aio is in flight
kill_or_quiesce_with_held_aio() {
	local how=$1 flags=$2 i
	kbpf_async_disk dm
	truncate -s 64M "$FS/f0"
	cp "$SRC" "$FS/f0"
	kbpf_start -r -F "$flags" -B "$FS/f0" -f "$FS/f0" -p "$PROGS/aio.bpf.o:loopmix_ops"
	fio --name=held --filename="$DEV" --rw=randread --bs=4k --iodepth=16 \
		--ioengine=io_uring --direct=1 --allow_file_create=0 --time_based \
		--runtime=20 --size=4M --output="$BATS_TEST_TMPDIR/fio.out" &
	fio_pid=$!
	sleep 2
	dmsetup suspend --noflush --nolockfs kbpfdm
	# wait for requests that the program holds
	for ((i = 0; i < 100; i++)); do
		read -r r w <"/sys/block/ublkb$DEV_ID/inflight"
		[ "$((r + w))" -gt 0 ] && break
		sleep 0.1
	done
	[ "$((r + w))" -gt 0 ]
	old=$SRV_PID
	if [ "$how" = kill ]; then
		kill -KILL "$old"
		# the dying server must not wait for (or spin on) the held aio
		kbpf_wait_pid "$old" 15 || { dmsetup resume kbpfdm; echo "killed server still there" >&2; false; }
	else
		"$KBPF" quiesce "$DEV_ID" 10000
		# every FETCH command ends: the server's queue thread returns
		for ((i = 0; i < 150; i++)); do
			[ "$(queue_threads "$old")" -eq 0 ] && break
			sleep 0.1
		done
		[ "$(queue_threads "$old")" -eq 0 ] ||
			{ dmsetup resume kbpfdm; echo "queue thread still waits after QUIESCE_DEV" >&2; false; }
		kill -KILL "$old"
		kbpf_wait_pid "$old" 15
	fi
	SRV_PID=
	# the old server is gone for good while the aio is still held:
	# recovery starts at once (START_USER_RECOVERY needs its char device
	# released, which waits for all its commands)
	kbpf_start -R "$DEV_ID" -B "$FS/f0" -f "$FS/f0" ||
		{ dmsetup resume kbpfdm; false; }
	dmsetup resume kbpfdm
	wait "$fio_pid"
	fio_ok "$BATS_TEST_TMPDIR/fio.out"
	cmp "$SRC" <(dd if="$DEV" bs=4k count=1024 iflag=direct 2>/dev/null)
	kbpf_stop
	kbpf_check_dmesg
}

@test "killing the server while bpf aio is held back: it exits at once, recover works" {
	kill_or_quiesce_with_held_aio kill 0
}

@test "QUIESCE_DEV while bpf aio is held back ends every FETCH command, recover works" {
	kill_or_quiesce_with_held_aio quiesce $((1 << 12))
}
