#!/usr/bin/env bats
# The stripe target: chunk k of the device lives in file k mod n at offset
# (k div n) * chunk; size = n * (smallest file rounded down to the chunk).

load helpers

# check_layout PATTERN CHUNK FILE...: each file holds exactly the chunks of
# PATTERN (what was written to the device) the layout gives it.
check_layout() {
	local pattern=$1 chunk=$2
	shift 2
	local n=$# size k f i=0 file
	size=$(stat -c %s "$pattern")
	rm -f "$T"/expect.*
	for ((k = 0; k < size / chunk; k++)); do
		f=$((k % n))
		dd if="$pattern" of="$T/expect.$f" bs="$chunk" skip=$k \
			seek=$((k / n)) count=1 conv=notrunc status=none
	done
	for file in "$@"; do
		cmp -n $((size / n)) "$T/expect.$i" "$file" ||
			fail "$file does not hold the chunks the layout gives it"
		i=$((i + 1))
	done
}

# layout_case NFILES CHUNK FILESIZE WRITE_BS
layout_case() {
	local n=$1 chunk=$2 fsize=$3 bs=$4 i args=() files=()
	for ((i = 0; i < n; i++)); do
		make_file "$T/s$i.img" "$fsize"
		args+=(-f "$T/s$i.img")
		files+=("$T/s$i.img")
	done
	add_dev -t stripe --chunk-size "$chunk" "${args[@]}"
	[ "$(blockdev --getsize64 "$DEV")" -eq $((n * fsize)) ] || fail "size"
	random_file "$T/pattern" $((n * fsize))
	# an IO size that crosses chunk boundaries
	dd if="$T/pattern" of="$DEV" bs="$bs" oflag=direct status=none ||
		fail "writing the pattern failed"
	cmp <(dd if="$DEV" bs=64k iflag=direct status=none) "$T/pattern" ||
		fail "the device does not read back what was written"
	"$UBLKCTL" del -n "$ID" || fail "del failed"
	check_layout "$T/pattern" "$chunk" "${files[@]}"
}

@test "stripe: layout with 2 files, 4K chunks" {
	layout_case 2 4096 $((128 << 10)) 12k
}

@test "stripe: layout with 3 files, 4K chunks" {
	layout_case 3 4096 $((128 << 10)) 12k
}

@test "stripe: layout with 2 files, 64K chunks" {
	layout_case 2 65536 $((2 << 20)) 96k
}

@test "stripe: layout with 3 files, 64K chunks" {
	layout_case 3 65536 $((2 << 20)) 1M
}

@test "stripe: size uses the smallest file rounded down to the chunk" {
	make_file "$T/a" 1M
	make_file "$T/b" $(((1 << 20) + 5000))
	make_file "$T/c" 3M
	ublkctl add -t stripe -f "$T/a" -f "$T/b" -f "$T/c"
	expect_status 0
	[[ $output =~ ^/dev/ublkb([0-9]+)$ ]] || fail "add did not print the device"
	DEV=$output ID=${BASH_REMATCH[1]}
	# b's extra bytes are less than a chunk: only c is worth a word
	[ "$stderr" = "ublkctl: add: warning: $T/c: only the first 1M of its 3M are used (as much as the smallest file, $T/a, has)" ] ||
		fail "expected one warning about c"
	[ "$(blockdev --getsize64 "$DEV")" -eq $((3 << 20)) ] || fail "size"
	[ "$(dev_field "$ID" chunk_size)" -eq 65536 ] || fail "default chunk is not 64K"
}

@test "stripe: fio write+verify, zero copy on and off" {
	local zc i
	for zc in on off; do
		for i in 0 1 2; do make_file "$T/s$i.img" 16M; done
		add_dev -t stripe -f "$T/s0.img" -f "$T/s1.img" -f "$T/s2.img" \
			--chunk-size 16K --zero-copy=$zc
		fio_verify "$DEV"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
	done
	expect_nothing_left
}

@test "stripe: ext4 mkfs, mount, copy, umount, remount, checksums" {
	make_file "$T/s0.img" 48M
	make_file "$T/s1.img" 48M
	add_dev -t stripe -f "$T/s0.img" -f "$T/s1.img" --chunk-size 4K
	ext4_roundtrip "$DEV"
}

@test "stripe: discard across chunks reads back zeroes, other data intact" {
	make_file "$T/s0.img" 4M
	make_file "$T/s1.img" 4M
	random_file "$T/pattern" $((8 << 20))
	add_dev -t stripe -f "$T/s0.img" -f "$T/s1.img" --chunk-size 64K
	dd if="$T/pattern" of="$DEV" bs=1M oflag=direct status=none || fail "write failed"
	blkdiscard -o $((96 << 10)) -l $((256 << 10)) "$DEV" || fail "blkdiscard failed"
	cmp -n $((256 << 10)) <(dd if="$DEV" bs=32k skip=3 count=8 iflag=direct status=none) \
		/dev/zero || fail "discarded range is not zeroes"
	cmp <(dd if="$DEV" bs=32k count=3 iflag=direct status=none) \
		<(head -c $((96 << 10)) "$T/pattern") || fail "data before the range changed"
	cmp <(dd if="$DEV" bs=32k skip=11 iflag=direct status=none) \
		<(dd if="$T/pattern" bs=32k skip=11 status=none) || fail "data after the range changed"
}
