#!/usr/bin/env bats
# ublk BPF (kernel/patches): bpf aio to backing files registered by the
# server (loop, stripe with split requests), and lifetime: deleting the
# device, killing and recovering the server, rebinding, all with IO in
# flight.  Every test fails on a kernel splat in dmesg.

load ../kbpf/helpers

BATS_TEST_TIMEOUT=300

setup_file() { kbpf_setup_file; }
setup() {
	kbpf_setup
	F0=$BATS_TEST_TMPDIR/file0
	F1=$BATS_TEST_TMPDIR/file1
	SRC=$BATS_TEST_TMPDIR/src
	truncate -s 64M "$F0" "$F1"
	head -c 4M /dev/urandom >"$SRC"
}
teardown() { kbpf_teardown; }
teardown_file() { kbpf_teardown_file; }

@test "loop: reads, writes, flushes and discards go to the backing file through bpf aio" {
	kbpf_start -B "$F0" -p "$PROGS/aio.bpf.o:loop_ops"
	dd if="$SRC" of="$DEV" bs=256k seek=4 oflag=direct conv=fsync
	cmp -n 4M "$SRC" <(dd if="$F0" bs=1M skip=1 count=4 2>/dev/null)
	cmp -n 4M "$SRC" <(dd if="$DEV" bs=64k skip=16 count=64 iflag=direct 2>/dev/null)
	blkdiscard -o 1M -l 1M "$DEV"
	cmp -n 1M /dev/zero <(dd if="$DEV" bs=1M skip=1 count=1 iflag=direct 2>/dev/null)
	blkdiscard -z -o 2M -l 1M "$DEV"
	cmp -n 1M /dev/zero <(dd if="$DEV" bs=1M skip=2 count=1 iflag=direct 2>/dev/null)
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "stripe: requests split over 64 KiB chunks of two files complete after their last part" {
	kbpf_start -B "$F0" -B "$F1" -p "$PROGS/aio.bpf.o:stripe_ops"
	dd if="$SRC" of="$DEV" bs=512k oflag=direct conv=fsync
	for i in $(seq 0 63); do
		cmp <(dd if="$SRC" bs=64k skip="$i" count=1 2>/dev/null) \
			<(dd if="$BATS_TEST_TMPDIR/file$((i % 2))" bs=64k \
				skip=$((i / 2)) count=1 2>/dev/null)
	done
	cmp "$SRC" <(dd if="$DEV" bs=512k count=8 iflag=direct 2>/dev/null)
	# requests starting and ending inside chunks
	cmp <(dd if="$SRC" bs=4k skip=3 count=40 2>/dev/null) \
		<(dd if="$DEV" bs=4k skip=3 count=40 iflag=direct 2>/dev/null)
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "an aio to a file the device doesn't have fails the request" {
	kbpf_start -B "$F0" -p "$PROGS/aio.bpf.o:badfile_ops"
	run dd if="$DEV" of=/dev/null bs=4k count=1 iflag=direct
	[ "$status" -ne 0 ]
	kbpf_stop
	kbpf_check_dmesg
}

@test "deleting the device with bpf aio in flight neither hangs nor leaks" {
	kbpf_start -q 2 -B "$F0" -p "$PROGS/aio.bpf.o:loop_ops"
	fio --name=del --filename="$DEV" --rw=randrw --bs=16k --iodepth=32 \
		--ioengine=io_uring --direct=1 --allow_file_create=0 --time_based --runtime=30 --size=32M \
		--numjobs=2 --output=/dev/null &
	fio_pid=$!
	sleep 4
	kbpf_stop
	kbpf_wait_pid "$fio_pid" 60
	[ ! -e "/sys/block/ublkb$DEV_ID" ]
	[ ! -e "$DEV" ]
	kbpf_check_dmesg
}

@test "killing the server with IO in flight and recovering keeps the program bound" {
	kbpf_start -r -S 20 -B "$F0" -f "$F0" -p "$PROGS/aio.bpf.o:loopmix_ops"
	dd if="$SRC" of="$DEV" bs=4k oflag=direct conv=fsync
	fio --name=rec --filename="$DEV" --rw=randread --bs=4k --iodepth=16 \
		--ioengine=io_uring --direct=1 --allow_file_create=0 --time_based --runtime=12 --size=4M \
		--output="$BATS_TEST_TMPDIR/fio.out" &
	fio_pid=$!
	sleep 3
	kill -KILL "$SRV_PID"
	kbpf_wait_pid "$SRV_PID" 30
	sleep 2
	kbpf_start -R "$DEV_ID" -f "$F0"
	wait "$fio_pid"
	grep -q "err= 0" "$BATS_TEST_TMPDIR/fio.out"
	# even blocks still come from the program, odd ones from the new server
	cmp "$SRC" <(dd if="$DEV" bs=4k count=1024 iflag=direct 2>/dev/null)
	kbpf_stop
	[ "$SERVED" -gt 0 ]
	kbpf_check_dmesg
}

@test "rebinding and unbinding during verified writes loses and corrupts nothing" {
	kbpf_start -q 2 -B "$F0" -f "$F0"
	fio --name=verify --filename="$DEV" --rw=randwrite --bs=8k --size=16M \
		--iodepth=16 --ioengine=io_uring --direct=1 --allow_file_create=0 --verify=crc32c \
		--do_verify=1 --verify_state_save=0 --loops=3 --output="$BATS_TEST_TMPDIR/fio.out" &
	fio_pid=$!
	while kill -0 "$fio_pid" 2>/dev/null; do
		"$KBPF" bind "$DEV_ID" "$PROGS/aio.bpf.o" loop_ops
		sleep 0.5
		"$KBPF" bind "$DEV_ID" "$PROGS/aio.bpf.o" loopmix_ops
		sleep 0.5
		"$KBPF" unbind "$DEV_ID"
		sleep 0.5
	done
	wait "$fio_pid"
	grep -q "err= 0" "$BATS_TEST_TMPDIR/fio.out"
	kbpf_stop
	kbpf_check_dmesg
}
