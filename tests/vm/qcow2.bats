#!/usr/bin/env bats
# The qcow2 target: QEMU images written and read through the device, with
# qemu-img and qemu-io (QEMU's own tools) as the independent oracles.
# Images are small (TCG is slow); every test ends with del, qemu-img check
# and a comparison of what QEMU reads with what the device read.

load helpers

setup_file() {
	command -v qemu-img >/dev/null || skip "qemu-img missing (make deps)"
}

# dev_sum DEV [COUNT]: sha256 of what the device reads (COUNT MiB: all).
dev_sum() {
	dd if="$1" bs=1M ${2:+count=$2} iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1
}

# image_sum IMG [ARGS...]: sha256 of the image's virtual disk, as QEMU reads it.
image_sum() {
	qemu-img convert -O raw "$@" "$T/conv.raw" || fail "qemu-img convert failed"
	sha256sum <"$T/conv.raw" | cut -d' ' -f1
}

# check_clean IMG: qemu-img check finds neither corruption nor leaks.
check_clean() {
	run qemu-img check "$1"
	[ "$status" -eq 0 ] || fail "qemu-img check $1: status $status"
	grep -q "No errors were found" <<<"$output" || fail "qemu-img check $1 not clean"
}

# fio_rw DEV SIZE MAXBS [QD]: random writes of 512 B..MAXBS over the first
# SIZE of DEV, then a crc32c verify of all of them.
fio_rw() {
	run fio --name=w --ioengine=io_uring --direct=1 --filename="$1" \
		--rw=randwrite --bsrange=512-"$3" --iodepth="${4:-16}" --size="$2" \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
	[ "$status" -eq 0 ] || fail "fio write+verify on $1 failed"
}

# del_check IMG [CONVERT ARGS...]: delete the device, the image must be
# clean and read as the device did.
del_check() {
	local img=$1 sum
	shift
	sum=$(dev_sum "$DEV")
	"$UBLKCTL" del -n "$ID" || fail "del failed"
	check_clean "$img"
	[ "$(image_sum "$@" "$img")" = "$sum" ] || fail "$img: qemu-img convert differs from the device"
}

@test "qcow2: fio verify on new images (4K/64K/2M clusters, compat 0.10/1.1, refcount bits 1/16/64); qemu-img check clean, convert equals the device" {
	local conf cs compat bits
	for conf in 65536:1.1:16 4096:0.10:16 2M:1.1:64 4096:1.1:1; do
		IFS=: read -r cs compat bits <<<"$conf"
		rm -f "$T/d.qcow2"
		qemu-img create -q -f qcow2 -o cluster_size=$cs,compat=$compat,refcount_bits=$bits \
			"$T/d.qcow2" 8M || fail "qemu-img create $conf"
		add_dev -t qcow2 -f "$T/d.qcow2"
		[ "$(blockdev --getsize64 "$DEV")" -eq $((8 << 20)) ] || fail "$conf: size"
		run fio --ioengine=io_uring --direct=1 --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --verify_state_save=0 --filename="$DEV" \
			--name=rand-4k-1m-qd32 --rw=randwrite --bsrange=4k-1M --iodepth=32 \
				--offset=0 --size=4M \
			--name=seq-4k-256k-qd8 --rw=write --bsrange=4k-256k --iodepth=8 \
				--offset=4M --size=4M
		[ "$status" -eq 0 ] || fail "$conf: fio write+verify failed"
		del_check "$T/d.qcow2"
	done
	expect_nothing_left
}

@test "qcow2: requests over many host-cluster runs: in place on the fast path (16 runs), the slow path past 32" {
	local img=$T/f.qcow2 i cmds=()
	# 256 clusters of 4K written last to first: no two neighbours are
	# neighbours in the file, every cluster is a run of its own
	for ((i = 255; i >= 0; i--)); do
		cmds+=(-c "write -P $((i % 251 + 1)) $((i * 4096)) 4k")
	done
	qemu-img create -q -f qcow2 -o cluster_size=4096 "$img" 2M
	qemu-io "${cmds[@]}" "$img" >/dev/null || fail "qemu-io write failed"
	qemu-img convert -O raw "$img" "$T/want.raw"
	add_dev -t qcow2 -f "$img"
	cmp <(dd if="$DEV" bs=64k count=16 iflag=direct 2>/dev/null) <(head -c 1M "$T/want.raw") ||
		fail "64K reads (16 runs each) read wrong"
	cmp <(dd if="$DEV" bs=1M count=1 iflag=direct 2>/dev/null) <(head -c 1M "$T/want.raw") ||
		fail "a 1M read (256 runs) reads wrong"
	random_file "$T/new.raw" $((1 << 20))
	dd if="$T/new.raw" of="$DEV" bs=64k oflag=direct 2>/dev/null || fail "64K writes failed"
	cmp <(dd if="$DEV" bs=1M count=1 iflag=direct 2>/dev/null) "$T/new.raw" ||
		fail "64K writes in place read back wrong"
	random_file "$T/new.raw" $((1 << 20))
	dd if="$T/new.raw" of="$DEV" bs=1M oflag=direct 2>/dev/null || fail "a 1M write failed"
	cmp <(dd if="$DEV" bs=64k count=16 iflag=direct 2>/dev/null) "$T/new.raw" ||
		fail "a 1M write in place reads back wrong"
	del_check "$img"
}

@test "qcow2: a tiny L2 cache (--cache-size) and two queues: fio verify, check clean, the state keeps the cache size" {
	# 2K clusters: 32 L2 tables of 512K for the 8 the cache holds
	qemu-img create -q -f qcow2 -o cluster_size=2048 "$T/c.qcow2" 16M
	add_dev -t qcow2 -f "$T/c.qcow2" --cache-size 16K -q 2
	grep -q '"cache_size":16384' "$STATE_DIR/$ID.json" || fail "state lacks the cache size"
	fio_rw "$DEV" 16M 1M 32
	del_check "$T/c.qcow2"
}

@test "qcow2: data written by qemu-io reads back right, read-only device" {
	qemu-img create -q -f qcow2 "$T/d.qcow2" 16M
	qemu-io -c 'write -P 0xab 0 1M' -c 'write -P 0xcd 5M 100k' \
		-c 'write -z 64k 64k' -c 'write -P 0x11 15M 1M' "$T/d.qcow2" >/dev/null ||
		fail "qemu-io write failed"
	add_dev -t qcow2 -f "$T/d.qcow2" --read-only
	[ "$(image_sum "$T/d.qcow2" -U)" = "$(dev_sum "$DEV")" ] || fail "device differs from qemu-img"
	cmp -n 4096 <(dd if="$DEV" bs=4k skip=16 count=1 iflag=direct 2>/dev/null) /dev/zero ||
		fail "the zero cluster does not read as zeroes"
	run dd if=/dev/zero of="$DEV" bs=4k count=1 oflag=direct
	[ "$status" -ne 0 ] || fail "a write to the read-only device succeeded"
}

@test "qcow2: compressed images (zlib, zstd) read right; writes copy the clusters out" {
	local ct
	random_file "$T/src.raw" $((2 << 20))
	dd if=/dev/zero of="$T/src.raw" bs=1M count=1 seek=2 2>/dev/null
	for ct in zlib zstd; do
		qemu-img convert -c -O qcow2 -o compression_type=$ct "$T/src.raw" "$T/c.qcow2" ||
			fail "qemu-img convert -c ($ct)"
		add_dev -t qcow2 -f "$T/c.qcow2"
		[ "$(dev_sum "$DEV")" = "$(sha256sum <"$T/src.raw" | cut -d' ' -f1)" ] ||
			fail "$ct: compressed image reads wrong"
		fio_rw "$DEV" 3M 128k
		del_check "$T/c.qcow2"
	done
}

@test "qcow2: backing chain of three (raw, qcow2, qcow2, relative names) reads right, writes touch only the top; list shows the chain" {
	local json
	mkdir -p "$T/imgs"
	random_file "$T/imgs/base.raw" $((4 << 20))
	(cd "$T/imgs" &&
		qemu-img create -q -f qcow2 -b base.raw -F raw mid.qcow2 4M &&
		qemu-io -c 'write -P 0x5a 1M 2M' -c 'write -P 0x6b 3999k 7k' mid.qcow2 >/dev/null &&
		qemu-img create -q -f qcow2 -o cluster_size=4096 -b mid.qcow2 -F qcow2 top.qcow2 4M &&
		qemu-io -c 'write -P 0x7c 2M 5k' top.qcow2 >/dev/null) || fail "chain setup"
	(cd "$T/imgs" && sha256sum base.raw mid.qcow2) >"$T/lower.sums"
	add_dev -t qcow2 -f "$T/imgs/top.qcow2"
	json=$(dev_json "$ID")
	[ "$(jq -c .backing <<<"$json")" = "[\"$T/imgs/mid.qcow2\",\"$T/imgs/base.raw\"]" ] ||
		fail "list: backing is $(jq -c .backing <<<"$json")"
	[ "$(jq -r .cluster_size <<<"$json")" = 4096 ] || fail "list: cluster size"
	[ "$(jq -r .target <<<"$json")" = qcow2 ] || fail "list: target"
	[ "$(jq -c .files <<<"$json")" = "[\"$T/imgs/top.qcow2\"]" ] || fail "list: files"
	[ "$(image_sum "$T/imgs/top.qcow2" -U)" = "$(dev_sum "$DEV")" ] || fail "chain reads wrong"
	fio_rw "$DEV" 4M 64k
	del_check "$T/imgs/top.qcow2"
	(cd "$T/imgs" && sha256sum -c --quiet "$T/lower.sums") || fail "a backing file changed"
}

@test "qcow2: an internal snapshot keeps its content after writes through the device" {
	random_file "$T/src.raw" $((8 << 20))
	qemu-img convert -O qcow2 "$T/src.raw" "$T/s.qcow2"
	qemu-img snapshot -c snap1 "$T/s.qcow2" || fail "snapshot -c"
	add_dev -t qcow2 -f "$T/s.qcow2"
	fio_rw "$DEV" 8M 256k 32
	del_check "$T/s.qcow2"
	[ "$(image_sum -l snap1 "$T/s.qcow2")" = "$(sha256sum <"$T/src.raw" | cut -d' ' -f1)" ] ||
		fail "the snapshot changed"
}

@test "qcow2: discard and write-zeroes read back zeroes, image stays clean" {
	random_file "$T/src.raw" $((8 << 20))
	qemu-img convert -O qcow2 "$T/src.raw" "$T/z.qcow2"
	add_dev -t qcow2 -f "$T/z.qcow2"
	[ "$(cat /sys/block/ublkb$ID/queue/discard_max_bytes)" -gt 0 ] || fail "no discard"
	blkdiscard -z -o $((1 << 20)) -l $((2 << 20)) "$DEV" || fail "zeroout"
	blkdiscard -z -o $((5 << 20)) -l 12288 "$DEV" || fail "partial zeroout"
	blkdiscard -o $((6 << 20)) -l $((2 << 20)) "$DEV" || fail "discard"
	cmp -n $((2 << 20)) <(dd if="$DEV" bs=1M skip=1 count=2 iflag=direct 2>/dev/null) /dev/zero ||
		fail "zeroed range does not read as zeroes"
	cmp -n 12288 <(dd if="$DEV" bs=4k skip=1280 count=3 iflag=direct 2>/dev/null) /dev/zero ||
		fail "partly zeroed cluster does not read as zeroes"
	cmp <(dd if="$DEV" bs=1M count=1 iflag=direct 2>/dev/null) <(head -c 1M "$T/src.raw") ||
		fail "data before the zeroed range changed"
	cmp <(dd if="$DEV" bs=4k skip=1283 count=253 iflag=direct 2>/dev/null) \
		<(tail -c +$(((5 << 20) + 12288 + 1)) "$T/src.raw" | head -c $((253 * 4096))) ||
		fail "data after the partly zeroed range changed"
	del_check "$T/z.qcow2"
}

@test "qcow2: ext4 mkfs, copy, umount, qemu-img check, remount, checksums" {
	qemu-img create -q -f qcow2 "$T/e.qcow2" 32M
	add_dev -t qcow2 -f "$T/e.qcow2"
	ext4_roundtrip "$DEV"
	"$UBLKCTL" del -n "$ID" || fail "del failed"
	check_clean "$T/e.qcow2"
	add_dev -t qcow2 -f "$T/e.qcow2"
	MNT=$T/mnt
	mount "$DEV" "$MNT" || fail "mount after re-add failed"
	(cd "$MNT/src" && sha256sum -c --quiet "$T/sums") || fail "checksums differ after re-add"
	umount "$MNT" || fail "umount"
	MNT=
	"$UBLKCTL" del -n "$ID" || fail "del failed"
	expect_nothing_left
}
