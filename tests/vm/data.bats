#!/usr/bin/env bats
# What discard, write-zeroes and FUA do to the backing: files punch holes
# and keep zeroed ranges allocated when asked to (NOUNMAP); block devices
# get their own discard and zero-out, and ublk offers only what the
# backing has; FUA writes reach the backing as O_DSYNC writes, not as
# flushes of the whole file.  Each with the BPF fast path off and on.

load backing-helpers

# fill_file PATH MIB: a fully allocated file of random data.
fill_file() {
	head -c $(($2 << 20)) /dev/urandom >"$1"
	cp "$1" "$T/orig"
}

# same_as_orig FILE OFF LEN: FILE's range is still what fill_file wrote.
same_as_orig() {
	cmp <(dd if="$1" bs=4k skip=$(($2 / 4096)) count=$(($3 / 4096)) status=none) \
		<(dd if="$T/orig" bs=4k skip=$(($2 / 4096)) count=$(($3 / 4096)) status=none)
}

# zeroing_keeps_space FILE TARGET_ARGS...: on a device over FILE (loop)
# or FILE and another (stripe), write-zeroes with NOUNMAP (fallocate -z)
# keeps FILE's space, without it (fallocate -p) punches a hole.
zeroing_keeps_space() {
	local file=$1 bpf blocks
	shift
	for bpf in $(bpf_modes); do
		head -c $((16 << 20)) /dev/urandom >"$T/other.img"
		fill_file "$file" 16
		add_dev "$@" --bpf=$bpf
		[ "$(cat /sys/block/ublkb$ID/queue/write_zeroes_max_bytes)" -gt 0 ] ||
			fail "bpf=$bpf: write-zeroes is not offered"
		blocks=$(stat -c %b "$file")
		fallocate -z -o $((4 << 20)) -l 65536 "$DEV" || fail "bpf=$bpf: fallocate -z failed"
		zeroes "$DEV" $((4 << 20)) 65536 || fail "bpf=$bpf: zeroed range is not zero"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
		[ "$(stat -c %b "$file")" -eq "$blocks" ] ||
			fail "bpf=$bpf: NOUNMAP write-zeroes freed space: $blocks -> $(stat -c %b "$file") blocks"
		add_dev "$@" --bpf=$bpf
		fallocate -p -o $((8 << 20)) -l 65536 "$DEV" || fail "bpf=$bpf: fallocate -p failed"
		zeroes "$DEV" $((8 << 20)) 65536 || fail "bpf=$bpf: punched range is not zero"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
		[ "$(stat -c %b "$file")" -lt "$blocks" ] ||
			fail "bpf=$bpf: write-zeroes without NOUNMAP left the space allocated"
		same_as_orig "$file" 0 $((1 << 20)) || fail "bpf=$bpf: data before the ranges changed"
	done
	expect_nothing_left
}

@test "data: loop on tmpfs: write-zeroes keeps the space with NOUNMAP, punches without" {
	zeroing_keeps_space "$T/l.img" -t loop -f "$T/l.img"
}

@test "data: loop on ext4 (zero range): write-zeroes keeps the space with NOUNMAP, punches without" {
	small_ext4 "$T/fs" 64
	zeroing_keeps_space "$T/fs/l.img" -t loop -f "$T/fs/l.img"
}

@test "data: stripe: write-zeroes keeps the space with NOUNMAP, punches without" {
	zeroing_keeps_space "$T/a.img" -t stripe -f "$T/a.img" -f "$T/other.img"
}

@test "data: loop over a disk without discard offers neither discard nor write-zeroes" {
	local bpf
	nullb nodisc 64 0
	for bpf in $(bpf_modes); do
		dd if=/dev/urandom of=/dev/nodisc bs=1M count=8 oflag=direct status=none
		add_dev -t loop -f /dev/nodisc --bpf=$bpf
		[ "$(cat /sys/block/ublkb$ID/queue/discard_max_bytes)" -eq 0 ] ||
			fail "bpf=$bpf: discard is offered over a disk without it"
		[ "$(cat /sys/block/ublkb$ID/queue/write_zeroes_max_bytes)" -eq 0 ] ||
			fail "bpf=$bpf: write-zeroes is offered over a disk without it"
		run blkdiscard -o 0 -l 1M "$DEV"
		[ "$status" -ne 0 ] && [[ $output == *"Operation not supported"* ]] ||
			fail "bpf=$bpf: blkdiscard did not fail with EOPNOTSUPP: $output"
		# zero-out still works: the block layer writes zeroes itself
		blkdiscard -z -o 1M -l 1M "$DEV" || fail "bpf=$bpf: blkdiscard -z failed"
		zeroes "$DEV" $((1 << 20)) $((1 << 20)) || fail "bpf=$bpf: zeroed range is not zero"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
	done
	expect_nothing_left
}

@test "data: loop and stripe over disks with discard pass discard down as discard" {
	local bpf before
	nullb disca 64 1
	nullb discb 64 1
	for bpf in $(bpf_modes); do
		dd if=/dev/urandom of=/dev/disca bs=1M count=8 oflag=direct status=none
		add_dev -t loop -f /dev/disca --bpf=$bpf
		[ "$(cat /sys/block/ublkb$ID/queue/discard_max_bytes)" -gt 0 ] ||
			fail "bpf=$bpf: discard is not offered over a disk with it"
		before=$(blk_stat /dev/disca 12)
		blkdiscard -o 1M -l 1M "$DEV" || fail "bpf=$bpf: blkdiscard failed"
		[ "$(blk_stat /dev/disca 12)" -gt "$before" ] ||
			fail "bpf=$bpf: the backing disk saw no discard"
		zeroes "$DEV" $((1 << 20)) $((1 << 20)) || fail "bpf=$bpf: discarded range is not zero"
		"$UBLKCTL" del -n "$ID" || fail "del failed"

		add_dev -t stripe -f /dev/disca -f /dev/discb --bpf=$bpf
		before=$(( $(blk_stat /dev/disca 12) + $(blk_stat /dev/discb 12) ))
		blkdiscard -o 2M -l 1M "$DEV" || fail "bpf=$bpf: stripe blkdiscard failed"
		[ $(( $(blk_stat /dev/disca 12) + $(blk_stat /dev/discb 12) )) -gt "$before" ] ||
			fail "bpf=$bpf: the stripe's disks saw no discard"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
	done
	expect_nothing_left
}

@test "data: FUA is offered and a FUA write reaches the backing as O_DSYNC, not as a flush" {
	local bpf l flush_dev flush_back
	truncate -s 32M "$T/back.img"
	l=$(loopdev "$T/back.img")
	for bpf in $(bpf_modes); do
		add_dev -t loop -f "$l" --bpf=$bpf
		[ "$(cat /sys/block/ublkb$ID/queue/fua)" = 1 ] || fail "bpf=$bpf: FUA not offered"
		sync
		flush_dev=$(blk_stat "$DEV" 16)
		flush_back=$(blk_stat "$l" 16)
		# O_DIRECT|O_DSYNC on a disk: a write with REQ_FUA, then a flush
		dd if=/dev/urandom of="$DEV" bs=4k count=1 seek=100 oflag=direct,dsync status=none ||
			fail "bpf=$bpf: dsync write failed"
		# without FUA the block layer would add a flush for the write
		[ "$(blk_stat "$DEV" 16)" -eq $((flush_dev + 1)) ] ||
			fail "bpf=$bpf: the FUA write became a flush: $flush_dev -> $(blk_stat "$DEV" 16) flushes"
		# the backing loop device has no FUA: a dsync write there is
		# write + flush, and the flush after it one more
		[ "$(blk_stat "$l" 16)" -ge $((flush_back + 2)) ] ||
			fail "bpf=$bpf: the write reached the backing without O_DSYNC: $flush_back -> $(blk_stat "$l" 16) flushes"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
	done
	expect_nothing_left
}

@test "data: short reads and writes go on with the rest (zero copy on and off)" {
	local zc
	for zc in on off; do
		make_file "$T/l.img" 64M
		# the hook: every read and write of the backing does 4K at most
		UBLKCTL_TEST_SHORT_IO=4096 add_dev -t loop -f "$T/l.img" --zero-copy=$zc --bpf=off
		fio_verify "$DEV"
		random_file "$T/pat" $((1 << 20))
		dd if="$T/pat" of="$DEV" bs=1M seek=40 oflag=direct status=none ||
			fail "zc=$zc: 1M write failed"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
		cmp <(dd if="$T/l.img" bs=1M skip=40 count=1 status=none) "$T/pat" ||
			fail "zc=$zc: the file does not hold the 1M write"
	done
	expect_nothing_left
}
