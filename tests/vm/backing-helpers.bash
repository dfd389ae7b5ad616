# Block devices to put behind ublk devices, for data.bats, aliasing.bats
# and backing.bats: null_blk disks (with or without discard), kernel loop
# devices, small ext4 file systems, dm targets.  Everything made here is
# taken down after the test's ublk devices are gone.
#
# Load with `load backing-helpers` (it loads helpers itself).

load helpers

NULLBS=()
DMS=()
MOUNTS=()

teardown() {
	local x
	vm_teardown
	for x in "${MOUNTS[@]}"; do umount "$x" 2>/dev/null; done
	for x in "${DMS[@]}"; do dmsetup remove "$x" 2>/dev/null; done
	for x in "${NULLBS[@]}"; do
		echo 0 >"/sys/kernel/config/nullb/$x/power" 2>/dev/null
		rmdir "/sys/kernel/config/nullb/$x" 2>/dev/null
	done
	return 0
}

# nullb NAME MIB DISCARD: a memory-backed null_blk disk /dev/NAME of MIB
# MiB, with discard (1) or without (0).
nullb() {
	local d=/sys/kernel/config/nullb/$1
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	mkdir "$d" || fail "null_blk $1: configfs mkdir failed"
	NULLBS+=("$1")
	echo 1 >"$d/memory_backed"
	echo "$2" >"$d/size"
	echo "$3" >"$d/discard"
	echo 1 >"$d/power" || fail "null_blk $1: power on failed"
	[ -b "/dev/$1" ] || fail "null_blk $1: no /dev/$1"
}

# loopdev FILE: a kernel loop device over FILE; prints its path.
loopdev() {
	local l
	l=$(losetup -f --show "$1") || fail "losetup $1 failed"
	LOOP_DEVS+=("$l")
	echo "$l"
}

# small_ext4 DIR MIB: an ext4 file system of MIB MiB mounted on DIR.
small_ext4() {
	local l
	truncate -s "$2M" "$T/fs.$$.img"
	mkfs.ext4 -q -F "$T/fs.$$.img" || fail "mkfs.ext4 failed"
	l=$(losetup -f --show "$T/fs.$$.img") || fail "losetup failed"
	LOOP_DEVS+=("$l")
	mkdir -p "$1"
	mount "$l" "$1" || fail "mount $l failed"
	MOUNTS+=("$1")
}

# blk_stat DEV FIELD: a field of /sys/block/DEV/stat (1-based):
# 5 write ios, 12 discard ios, 16 flush ios.
blk_stat() {
	awk -v f="$2" '{ print $f }' "/sys/block/$(basename "$1")/stat"
}

# bpf_modes: the --bpf modes to run data tests with here.
bpf_modes() {
	if "$UBLKCTL" features --json | jq -e '.bpf == true' >/dev/null; then
		echo off on
	else
		echo off
	fi
}

# zeroes DEV OFF LEN: the byte range reads back as zeroes (O_DIRECT).
zeroes() {
	cmp -n "$3" <(dd if="$1" bs=4k skip=$(($2 / 4096)) count=$(($3 / 4096)) \
		iflag=direct status=none) /dev/zero
}
