#!/usr/bin/env bats
# The loop target: one file or block device behind the device.

load helpers

@test "loop: fio write+verify, zero copy on and off" {
	local zc
	for zc in on off; do
		make_file "$T/l.img" 64M
		add_dev -t loop -f "$T/l.img" --zero-copy=$zc
		fio_verify "$DEV"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
	done
	expect_nothing_left
}

@test "loop: device content equals the backing file (zero copy on and off)" {
	local zc
	random_file "$T/data" $((24 << 20))
	for zc in on off; do
		make_file "$T/l.img" 32M
		add_dev -t loop -f "$T/l.img" --zero-copy=$zc
		[ "$(blockdev --getsize64 "$DEV")" -eq $((32 << 20)) ] || fail "size"
		dd if="$T/data" of="$DEV" bs=256k seek=20 oflag=direct 2>/dev/null ||
			fail "write failed"
		run fio --name=w --ioengine=io_uring --direct=1 --filename="$DEV" \
			--rw=randwrite --bsrange=4k-512k --iodepth=32 --size=32M \
			--io_size=8M --verify_state_save=0
		[ "$status" -eq 0 ] || fail "fio failed"
		local sum_dev sum_file
		sum_dev=$(dd if="$DEV" bs=1M iflag=direct 2>/dev/null | sha256sum)
		sum_file=$(sha256sum <"$T/l.img")
		[ "$sum_dev" = "$sum_file" ] || fail "zc=$zc: device and file differ"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
		# what the device wrote is in the file after del too
		cmp <(dd if="$T/l.img" bs=256k skip=20 count=1 2>/dev/null) \
			<(head -c 262144 "$T/data") || fail "file lost the written data"
	done
	expect_nothing_left
}

@test "loop: discard and write-zeroes punch the file and read back zeroes" {
	make_file "$T/l.img" 32M
	random_file "$T/data" $((32 << 20))
	dd if="$T/data" of="$T/l.img" bs=1M conv=notrunc 2>/dev/null
	add_dev -t loop -f "$T/l.img"
	[ "$(cat /sys/block/ublkb$ID/queue/discard_max_bytes)" -gt 0 ] ||
		fail "discard is not enabled"
	local blocks_before=$(stat -c %b "$T/l.img")
	blkdiscard -o $((4 << 20)) -l $((8 << 20)) "$DEV" || fail "blkdiscard failed"
	blkdiscard -z -o $((20 << 20)) -l $((1 << 20)) "$DEV" || fail "zeroout failed"
	cmp -n $((8 << 20)) <(dd if="$DEV" bs=1M skip=4 count=8 iflag=direct 2>/dev/null) \
		/dev/zero || fail "discarded range does not read as zeroes"
	cmp -n $((1 << 20)) <(dd if="$DEV" bs=1M skip=20 count=1 iflag=direct 2>/dev/null) \
		/dev/zero || fail "zeroed range does not read as zeroes"
	cmp <(dd if="$T/l.img" bs=1M count=4 2>/dev/null) \
		<(head -c $((4 << 20)) "$T/data") || fail "data before the discard changed"
	cmp <(dd if="$T/l.img" bs=1M skip=12 count=8 2>/dev/null) \
		<(dd if="$T/data" bs=1M skip=12 count=8 2>/dev/null) ||
		fail "data after the discard changed"
	local blocks_after=$(stat -c %b "$T/l.img")
	[ "$blocks_after" -lt "$blocks_before" ] ||
		fail "the file has no hole after discard ($blocks_before -> $blocks_after blocks)"
}

@test "loop: ext4 mkfs, mount, copy, umount, remount, checksums" {
	make_file "$T/l.img" 128M
	add_dev -t loop -f "$T/l.img"
	ext4_roundtrip "$DEV"
	# the file system survives del and a new device on the same file
	"$UBLKCTL" del -n "$ID" || fail "del failed"
	add_dev -t loop -f "$T/l.img" --zero-copy=off
	MNT=$T/mnt
	mount "$DEV" "$MNT" || fail "mount after re-add failed"
	(cd "$MNT/src" && sha256sum -c --quiet "$T/sums") || fail "checksums differ after re-add"
	umount "$MNT"
	MNT=
}

@test "loop: size is the file size rounded down to the block size" {
	make_file "$T/odd.img" $(((8 << 20) + 1000))
	add_dev -t loop -f "$T/odd.img"
	[ "$(blockdev --getsize64 "$DEV")" -eq $(((8 << 20) + 512)) ] || fail "512: wrong size"
	"$UBLKCTL" del -n "$ID"
	add_dev -t loop -f "$T/odd.img" --block-size 4096
	[ "$(blockdev --getsize64 "$DEV")" -eq $((8 << 20)) ] || fail "4096: wrong size"
	[ "$(dev_field "$ID" size)" -eq $((8 << 20)) ] || fail "list size"
}

@test "loop: a block device as backing store, relative path made absolute" {
	make_file "$T/b.img" 48M
	local bdev
	bdev=$(losetup -f --show "$T/b.img") || skip "no kernel loop device"
	LOOP_DEVS+=("$bdev")
	add_dev -t loop -f "$bdev"
	[ "$(blockdev --getsize64 "$DEV")" -eq $((48 << 20)) ] || fail "size of a block device"
	fio_verify "$DEV"
	"$UBLKCTL" del -n "$ID"
	make_file "$T/rel.img" 8M
	cd "$T"
	add_dev -t loop -f rel.img
	[ "$(dev_json "$ID" | jq -r '.files[0]')" = "$T/rel.img" ] || fail "file path is not absolute"
}

# open_modes ID FILE: the access mode (0 read-only, 1 write-only, 2
# read-write) of every fd of device ID's server on FILE, one a line.
open_modes() {
	local pid fd flags
	pid=$(server_pid "$1")
	for fd in /proc/"$pid"/fd/*; do
		[ "$(readlink "$fd")" = "$2" ] || continue
		flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$pid/fdinfo/${fd##*/}")
		echo $((8#$flags & 3))
	done
}

@test "loop: --read-only opens the file read-only" {
	make_file "$T/ro.img" 8M
	add_dev -t loop -f "$T/ro.img" --read-only
	[ "$(blockdev --getro "$DEV")" -eq 1 ] || fail "not read-only"
	dd if="$DEV" of=/dev/null bs=1M iflag=direct 2>/dev/null || fail "read failed"
	[ "$(dev_json "$ID" | jq '.flags | length')" -gt 0 ] || fail "no flags listed"
	# root could open even a 0444 file for writing: look at the fd itself
	[ -n "$(open_modes "$ID" "$T/ro.img")" ] || fail "the server does not hold the file"
	[ -z "$(open_modes "$ID" "$T/ro.img" | grep -v '^0$')" ] ||
		fail "the server holds the file open for writing"
	ublkctl del -n "$ID"
	# and the same look sees a writable one
	add_dev -t loop -f "$T/ro.img"
	[ "$(open_modes "$ID" "$T/ro.img" | sort -u)" = 2 ] || fail "a writable device's file is not read-write"
}
