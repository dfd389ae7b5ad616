#!/usr/bin/env bats
# The qcow2 target under faults: images it refuses, metadata pointing
# outside the file, QEMU's image locks, kill -9 of the server (qemu-img
# check must find no corruption) and recovery under fio verify.

load helpers

setup_file() {
	command -v qemu-img >/dev/null || skip "qemu-img missing (make deps)"
}

# bad_add MESSAGE ARGS...: `ublkctl add ARGS...` fails with exit 1 and
# one line (the caller checks once that nothing was left behind).
bad_add() {
	local msg=$1
	shift
	ublkctl add "$@"
	expect_failure 1 "ublkctl: add: $msg"
}

# poke FILE OFFSET BYTES: overwrite bytes (printf escapes) in place.
poke() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# be64 FILE OFFSET: a big-endian 64-bit number of the file.
be64() {
	od -A n -t u8 --endian=big -j "$2" -N 8 "$1" | tr -d ' '
}

# A test that fails with IO in flight leaves a device someone holds:
# deleted first, so that its users (fio) can end.
teardown() {
	"$UBLKCTL" del -a --force >/dev/null 2>&1
	vm_teardown
}

# wait_writes ID N: poll until the disk has completed N writes (10 s).
wait_writes() {
	local i
	for i in $(seq 200); do
		[ "$(awk '{ print $5 }' "/sys/block/ublkb$1/stat")" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "device $1 did not complete $2 writes"
}

# wait_write_locked IMG: poll /proc/locks until some process holds QEMU's
# "write" lock byte (101) of IMG (10 s).  Probing with qemu-io instead
# would race the holder for the lock: a probe that opens the image first
# makes the holder fail to open it.
wait_write_locked() {
	local ino i
	ino=$(stat -c %i "$1")
	for i in $(seq 200); do
		# lines: N: OFDLCK ADVISORY READ -1 MAJ:MIN:INODE START END
		awk -v ino="$ino" '$2 == "OFDLCK" && $(NF - 2) ~ (":" ino "$") &&
			$(NF - 1) <= 101 && $NF >= 101 { f = 1 } END { exit !f }' /proc/locks &&
			return 0
		sleep 0.05
	done
	fail "no process holds the write lock of $1: $(cat /proc/locks)"
}

# check_no_corruption IMG: qemu-img check exits 0 (clean) or 3 (leaks only).
check_no_corruption() {
	run qemu-img check "$1"
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ] ||
		fail "qemu-img check $1: status $status (corruption)"
}

@test "qcow2: refusals name the problem, exit 1, leave nothing behind" {
	local g=$T/g.qcow2 bad=$T/bad.qcow2
	qemu-img create -q -f qcow2 "$g" 8M
	make_file "$T/raw.img" 8M
	bad_add "$T/raw.img: not a qcow2 image" -t qcow2 -f "$T/raw.img"
	head -c 90 "$g" >"$bad"
	bad_add "$bad: truncated qcow2 header" -t qcow2 -f "$bad"
	cp "$g" "$bad"; poke "$bad" 79 '\x20'
	bad_add "$bad: unknown qcow2 incompatible features 0x20" -t qcow2 -f "$bad"
	cp "$g" "$bad"; poke "$bad" 35 '\x01'
	bad_add "$bad: encrypted qcow2 images are not supported" -t qcow2 -f "$bad"
	cp "$g" "$bad"; poke "$bad" 79 '\x02'
	bad_add "$bad: the qcow2 image is marked corrupt ('qemu-img check -r all' may repair it)" \
		-t qcow2 -f "$bad"
	cp "$g" "$bad"; poke "$bad" 79 '\x01'
	bad_add "$bad: the qcow2 image is dirty (its refcounts need repair: 'qemu-img check -r all')" \
		-t qcow2 -f "$bad"
	cp "$g" "$bad"; poke "$bad" 40 '\x00\x00\x01\x00'
	bad_add "$bad: the qcow2 L1 table lies outside the file" -t qcow2 -f "$bad"
	cp "$g" "$bad"; poke "$bad" 48 '\x00\x00\x01\x00'
	bad_add "$bad: the qcow2 refcount table lies outside the file" -t qcow2 -f "$bad"
	rm -f "$bad"; qemu-img create -q -f qcow2 -o data_file="$T/data.raw" "$bad" 8M
	bad_add "$bad: qcow2 external data files are not supported" -t qcow2 -f "$bad"
	rm -f "$bad"; qemu-img create -q -f qcow2 -o extended_l2=on "$bad" 8M
	bad_add "$bad: qcow2 extended L2 entries are not supported" -t qcow2 -f "$bad"
	rm -f "$bad"; qemu-img create -q -f qcow2 -u -b missing.qcow2 -F qcow2 "$bad" 8M
	bad_add "$bad: backing file $T/missing.qcow2: No such file or directory" -t qcow2 -f "$bad"
	bad_add "--zero-copy=on: the qcow2 target needs copy mode (it merges request data in userspace)" \
		-t qcow2 -f "$g" --zero-copy=on
	bad_add "--bpf=on: no BPF program for target qcow2" -t qcow2 -f "$g" --bpf=on
	ublkctl add -t loop -f "$T/raw.img" --cache-size 1M
	expect_failure 2 "ublkctl: add: --cache-size does not apply to target 'loop'"
	expect_nothing_left
}

@test "qcow2: an L2 entry pointing outside the file fails that IO with EIO only" {
	local img=$T/m.qcow2 l1 l2
	qemu-img create -q -f qcow2 "$img" 8M
	qemu-io -c 'write -P 0x22 0 128k' "$img" >/dev/null || fail "qemu-io"
	l1=$(be64 "$img" 40)
	l2=$(( $(be64 "$img" "$l1") & 0x00fffffffffffe00 ))
	# cluster 1 at 64 GiB, far beyond the end of the file
	poke "$img" $((l2 + 8)) '\x80\x00\x00\x10\x00\x00\x00\x00'
	add_dev -t qcow2 -f "$img"
	run dd if="$DEV" of=/dev/null bs=64k skip=1 count=1 iflag=direct
	[ "$status" -ne 0 ] || fail "a read of the bad cluster succeeded"
	grep -q "Input/output error" <<<"$output" || fail "not EIO: $output"
	cmp -n 65536 <(dd if="$DEV" bs=64k count=1 iflag=direct 2>/dev/null) \
		<(head -c 65536 /dev/zero | tr '\0' '\042') || fail "the good cluster reads wrong"
	dd if=/dev/urandom of="$DEV" bs=64k seek=3 count=1 oflag=direct 2>/dev/null ||
		fail "a write elsewhere failed"
	[ "$(dev_field "$ID" state)" = live ] || fail "the device stopped serving"
}

@test "qcow2: QEMU and ublkctl refuse each other's writes (image locks)" {
	local img=$T/l.qcow2 qpid
	qemu-img create -q -f qcow2 "$img" 8M
	add_dev -t qcow2 -f "$img"
	run qemu-io -c 'write 0 4k' "$img"
	[ "$status" -ne 0 ] || fail "qemu-io wrote an image ublkctl serves"
	grep -q 'Failed to get "write" lock' <<<"$output" || fail "qemu-io: $output"
	"$UBLKCTL" del -n "$ID" || fail "del"
	run qemu-io -c 'write -P 0x33 0 4k' "$img"
	[ "$status" -eq 0 ] || fail "qemu-io could not write after del: $output"

	qemu-io -c 'sleep 100000' "$img" >/dev/null 2>&1 &
	qpid=$!
	FG_PIDS+=("$qpid")
	wait_write_locked "$img"
	bad_add "$img: failed to get the \"write\" lock: the image is in use by another process" \
		-t qcow2 -f "$img"
	bad_add "$img: failed to get the \"write\" lock: the image is in use by another process" \
		-t qcow2 -f "$img" --read-only
	expect_nothing_left
	kill "$qpid"
	wait "$qpid" || true
	add_dev -t qcow2 -f "$img" --read-only
	[ "$(dd if="$DEV" bs=4k count=1 iflag=direct 2>/dev/null | tr -d '\063' | wc -c)" -eq 0 ] ||
		fail "qemu-io's data does not read back"
}

@test "qcow2: kill -9 under a write load, del --force: qemu-img check finds no corruption (3 rounds)" {
	local img=$T/k.qcow2 round
	qemu-img create -q -f qcow2 -o cluster_size=4096 "$img" 16M
	for round in 1 2 3; do
		add_dev -t qcow2 -f "$img"
		fio --name=k --ioengine=io_uring --direct=1 --filename="$DEV" \
			--rw=randwrite --bsrange=512-256k --iodepth=32 --time_based \
			--runtime=60 >/dev/null 2>&1 &
		FG_PIDS+=($!)
		# the kill comes after a random number of completed writes
		wait_writes "$ID" $((RANDOM % 64 + 1))
		kill -9 "$(server_pid "$ID")"
		"$UBLKCTL" del --force -n "$ID" || fail "round $round: del failed"
		wait "${FG_PIDS[-1]}" || true
		check_no_corruption "$img"
	done
	expect_nothing_left
}

@test "qcow2: kill -9 and recover under fio verify loses nothing" {
	qemu-img create -q -f qcow2 -o cluster_size=4096 "$T/r.qcow2" 32M
	recovery_case -t qcow2 -f "$T/r.qcow2"
	[ "$(dev_field "$ID" target)" = qcow2 ] || fail "list: target after recover"
	"$UBLKCTL" del -n "$ID" || fail "del"
	check_no_corruption "$T/r.qcow2"
	expect_nothing_left
}
