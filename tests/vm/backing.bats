#!/usr/bin/env bats
# Hostile backings: what is not a file or disk, a file truncated under the
# device, a full file system, a disk that fails.  Each ends with exact
# errors, a server that goes on serving and a del that works.

load backing-helpers

# dd_fails WHAT ERROR DD_ARGS...: dd fails with "dd: error WHAT ...: ERROR".
dd_fails() {
	local what=$1 err=$2
	shift 2
	run dd "$@" status=none
	[ "$status" -ne 0 ] || fail "dd $* succeeded"
	[[ $output == "dd: error $what "*": $err"* ]] ||
		fail "expected dd to fail $what with '$err': $output"
}

@test "backing: a FIFO, a socket and a character device are refused" {
	mkfifo "$T/fifo"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock"
	local f
	for f in "$T/fifo" "$T/sock" /dev/null; do
		ublkctl add -t loop -f "$f"
		expect_failure 1 "ublkctl: add: $f: not a regular file or block device"
		make_file "$T/a.img" 16M
		ublkctl add -t stripe -f "$T/a.img" -f "$f"
		expect_failure 1 "ublkctl: add: $f: not a regular file or block device"
	done
	expect_nothing_left
}

@test "backing: a file truncated under the device gives IO errors past its end" {
	local bpf
	for bpf in $(bpf_modes); do
		random_file "$T/l.img" $((32 << 20))
		add_dev -t loop -f "$T/l.img" --bpf=$bpf
		# not a multiple of 4K: the read at 16M comes back short first
		truncate -s $(((16 << 20) + 2048)) "$T/l.img"
		cmp <(dd if="$DEV" bs=64k skip=16 count=16 iflag=direct status=none) \
			<(dd if="$T/l.img" bs=64k skip=16 count=16 status=none) ||
			fail "bpf=$bpf: data before the new end changed"
		dd_fails reading "Input/output error" if="$DEV" of=/dev/null bs=4k \
			skip=4096 count=1 iflag=direct
		dd_fails reading "Input/output error" if="$DEV" of=/dev/null bs=1M \
			skip=20 count=1 iflag=direct
		# the server is still there and serving
		[ "$(dev_field "$ID" state)" = live ] || fail "bpf=$bpf: device not live"
		dd if="$DEV" of=/dev/null bs=4k count=1 iflag=direct status=none ||
			fail "bpf=$bpf: read before the end failed"
		"$UBLKCTL" del -n "$ID" || fail "bpf=$bpf: del failed"
	done
	expect_nothing_left
}

@test "backing: a full file system gives ENOSPC, not EIO, and keeps what was written" {
	local bpf
	small_ext4 "$T/fs" 32
	for bpf in $(bpf_modes); do
		rm -f "$T/fs/sparse.img"
		truncate -s 64M "$T/fs/sparse.img"
		random_file "$T/pat" $((4 << 20))
		add_dev -t loop -f "$T/fs/sparse.img" --bpf=$bpf
		dd if="$T/pat" of="$DEV" bs=1M oflag=direct status=none ||
			fail "bpf=$bpf: first write failed"
		dd_fails writing "No space left on device" if=/dev/urandom of="$DEV" \
			bs=1M seek=4 count=60 oflag=direct
		cmp <(dd if="$DEV" bs=1M count=4 iflag=direct status=none) "$T/pat" ||
			fail "bpf=$bpf: data written before the file system filled changed"
		[ "$(dev_field "$ID" state)" = live ] || fail "bpf=$bpf: device not live"
		"$UBLKCTL" del -n "$ID" || fail "bpf=$bpf: del failed"
		cmp <(head -c $((4 << 20)) "$T/fs/sparse.img") "$T/pat" ||
			fail "bpf=$bpf: the file lost the data"
	done
	expect_nothing_left
}

@test "backing: a disk that fails (dm-error) gives EIO where it fails, data elsewhere" {
	local bpf dm
	nullb eio 16 0
	dmsetup create backing-err --table "0 16384 linear /dev/eio 0
16384 16384 error" || fail "dmsetup create"
	DMS+=(backing-err)
	dm=/dev/$(dmsetup info -c --noheadings -o blkdevname backing-err)
	random_file "$T/pat" $((1 << 20))
	for bpf in $(bpf_modes); do
		add_dev -t loop -f "$dm" --bpf=$bpf
		dd if="$T/pat" of="$DEV" bs=1M oflag=direct status=none ||
			fail "bpf=$bpf: write to the good half failed"
		dd_fails reading "Input/output error" if="$DEV" of=/dev/null bs=1M \
			skip=10 count=1 iflag=direct
		dd_fails writing "Input/output error" if="$T/pat" of="$DEV" bs=1M \
			seek=12 oflag=direct
		cmp <(dd if="$DEV" bs=1M count=1 iflag=direct status=none) "$T/pat" ||
			fail "bpf=$bpf: the good half lost its data"
		[ "$(dev_field "$ID" state)" = live ] || fail "bpf=$bpf: device not live"
		"$UBLKCTL" del -n "$ID" || fail "bpf=$bpf: del failed"
	done
	expect_nothing_left
}

@test "backing: a full submission queue fails the IO, and the queue goes on" {
	make_file "$T/a.img" 8M
	make_file "$T/b.img" 8M
	# a flush of a stripe needs an SQE per file; the hook lets the ring
	# hold one, and the kernel take none of it until the queue waits
	UBLKCTL_TEST_SQ_LIMIT=1 add_dev -t stripe -f "$T/a.img" -f "$T/b.img" \
		-q 1 --bpf=off
	run timeout 60 dd if=/dev/zero of="$DEV" bs=4k count=1 oflag=direct conv=fsync status=none
	[ "$status" -ne 124 ] || fail "the flush hung"
	[[ $output == "dd: fsync failed for '$DEV': Input/output error" ]] ||
		fail "expected the flush to fail with EIO: $output"
	random_file "$T/pat" 32768
	dd if="$T/pat" of="$DEV" bs=32k count=1 oflag=direct status=none ||
		fail "a write after the failed flush failed"
	cmp <(dd if="$DEV" bs=32k count=1 iflag=direct status=none) "$T/pat" ||
		fail "the write did not read back"
	"$UBLKCTL" del -n "$ID" || fail "del failed"
	expect_nothing_left
}
