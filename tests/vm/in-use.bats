#!/usr/bin/env bats
# Backing files used twice, and devices in use: the same file twice in a
# device, a file another device serves, a mounted disk, disks whose IO
# would wait for ever; `del` of a device that is mounted or open.

load backing-helpers

# refused MESSAGE ARGS...: `ublkctl ARGS` fails with exit 1 and exactly
# "ublkctl: add: MESSAGE", leaving no new device, state or server.
refused() {
	local msg=$1 before
	shift
	before=$(ls /sys/class/ublk-char 2>/dev/null | tr '\n' ' ')
	ublkctl "$@"
	expect_failure 1 "ublkctl: add: $msg"
	[ "$(ls /sys/class/ublk-char 2>/dev/null | tr '\n' ' ')" = "$before" ] ||
		fail "a device was left behind"
}

@test "in-use: the same file twice in a stripe, under any name, is refused" {
	make_file "$T/a.img" 16M
	make_file "$T/b.img" 16M
	ln "$T/a.img" "$T/hard.img"
	ln -s "$T/b.img" "$T/sym.img"
	refused "$T/a.img: the same file as $T/a.img, given twice" \
		add -t stripe -f "$T/a.img" -f "$T/a.img"
	refused "$T/hard.img: the same file as $T/a.img, given twice" \
		add -t stripe -f "$T/a.img" -f "$T/b.img" -f "$T/hard.img"
	refused "$T/sym.img: the same file as $T/b.img, given twice" \
		add -t stripe -f "$T/b.img" -f "$T/sym.img"
	nullb twice 16 0
	ln -s /dev/twice "$T/disk"
	refused "$T/disk: the same file as /dev/twice, given twice" \
		add -t stripe -f /dev/twice -f "$T/disk"
	expect_nothing_left
}

@test "in-use: a file another device serves is refused unless --shared" {
	local first
	make_file "$T/a.img" 16M
	add_dev -t loop -f "$T/a.img"
	first=$ID
	ln "$T/a.img" "$T/other-name.img"
	refused "$T/other-name.img: device $first serves it already (--shared allows that)" \
		add -t loop -f "$T/other-name.img"
	make_file "$T/b.img" 16M
	refused "$T/a.img: device $first serves it already (--shared allows that)" \
		add -t stripe -f "$T/b.img" -f "$T/a.img"
	add_dev -t loop -f "$T/a.img" --shared
	[ "$(dev_field "$ID" files[0])" = "$T/a.img" ] || fail "second device's file"
	# what one device writes, the other reads
	dd if=/dev/urandom of="$T/pat" bs=64k count=1 status=none
	dd if="$T/pat" of="/dev/ublkb$first" bs=64k oflag=direct status=none
	cmp <(dd if="$DEV" bs=64k count=1 iflag=direct status=none) "$T/pat" ||
		fail "the shared file differs between the devices"
}

@test "in-use: a mounted disk is refused; a disk another device serves needs --shared" {
	local first
	nullb mnt 64 0
	mkfs.ext4 -q -F /dev/mnt
	mkdir -p "$T/m"
	mount /dev/mnt "$T/m"
	MOUNTS+=("$T/m")
	refused "/dev/mnt: in use (mounted, or held by another device)" add -t loop -f /dev/mnt
	umount "$T/m"
	add_dev -t loop -f /dev/mnt
	first=$ID
	refused "/dev/mnt: device $first serves it already (--shared allows that)" \
		add -t loop -f /dev/mnt
	# the first device holds the disk: nobody can mount it under it
	run mount /dev/mnt "$T/m"
	[ "$status" -ne 0 ] || { umount "$T/m"; fail "mounted a disk a device serves"; }
	add_dev -t loop -f /dev/mnt --shared
}

@test "in-use: disks whose IO would wait for ever are refused at once" {
	local lower pid dm size
	make_file "$T/a.img" 16M
	add_dev -t loop -f "$T/a.img"
	lower=$ID
	size=$(blockdev --getsz "$DEV")
	dmsetup create inuse-lin --table "0 $size linear $DEV 0" || fail "dmsetup create"
	DMS+=(inuse-lin)
	dm=/dev/$(dmsetup info -c --noheadings -o blkdevname inuse-lin)
	pid=$(server_pid "$lower")
	kill -KILL "$pid"
	wait_state "$lower" quiesced
	refused "/dev/ublkb$lower: ublk device $lower is quiesced: IO on it would wait until it is served again" \
		add -t loop -f "/dev/ublkb$lower"
	refused "$dm: ublk device $lower is quiesced: IO on it would wait until it is served again" \
		add -t loop -f "$dm"
	"$UBLKCTL" recover -n "$lower" || fail "recover failed"
	dmsetup suspend inuse-lin
	refused "$dm: device-mapper device $(basename "$dm") is suspended: IO on it would wait until it is resumed" \
		add -t loop -f "$dm"
	dmsetup resume inuse-lin
	dmsetup remove inuse-lin
	DMS=()
	"$UBLKCTL" del -n "$lower" || fail "del failed"
	expect_nothing_left
}

@test "in-use: a first read that never completes fails add after 10 s" {
	local dm i
	nullb slow 16 0
	dmsetup create inuse-slow --table "0 32768 delay /dev/slow 0 20000" || fail "dmsetup create"
	DMS+=(inuse-slow)
	dm=/dev/$(dmsetup info -c --noheadings -o blkdevname inuse-slow)
	SECONDS=0
	refused "$dm: a read did not complete within 10 s" add -t loop -f "$dm"
	[ "$SECONDS" -lt 18 ] || fail "add took $SECONDS s"
	# the probe ends by itself once the delayed read completes
	for i in $(seq 300); do
		[ -z "$(ublkctl_pids)" ] && break
		sleep 0.1
	done
	expect_nothing_left
}

@test "in-use: del of a mounted or open device is refused, --force deletes it" {
	local mask
	make_file "$T/a.img" 64M
	add_dev -t loop -f "$T/a.img"
	mkfs.ext4 -q -F "$DEV"
	MNT=$T/mnt
	mkdir -p "$MNT"
	mount "$DEV" "$MNT" || fail "mount failed"
	ublkctl del -n "$ID"
	expect_failure 1 "ublkctl: del: device $ID: in use (mounted or open): not deleted; --force deletes it anyway"
	# without safe stop in the driver, an exclusive open finds the mount
	mask=$(printf '0x%x' $(( ~(1 << 17) & 0xffffffffffffffff )))
	UBLKCTL_FEATURE_MASK=$mask run --separate-stderr "$UBLKCTL" del -n "$ID"
	expect_failure 1 "ublkctl: del: device $ID: in use (mounted or open): not deleted; --force deletes it anyway"
	ublkctl del -a
	expect_failure 1 "ublkctl: del: device $ID: in use (mounted or open): not deleted; --force deletes it anyway"
	echo still >"$MNT/f" && sync || fail "the file system broke under a refused del"
	umount "$MNT"
	MNT=

	# a process that has the disk open (fd 3 is bats's own)
	sleep 600 <"$DEV" &
	local holder=$!
	ublkctl del -n "$ID"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	expect_failure 1 "ublkctl: del: device $ID: in use (mounted or open): not deleted; --force deletes it anyway"

	mount "$DEV" "$T/mnt" || fail "second mount failed"
	MNT=$T/mnt
	ublkctl del -n "$ID" --force
	expect_status 0
	[ "$stderr" = "ublkctl: del: warning: device $ID was in use: deleted anyway; its users get IO errors, and id $ID stays taken until the last of them closes it" ] ||
		fail "expected the --force warning"
	[ ! -e "$DEV" ] || fail "$DEV is still there"
	[ ! -e "$STATE_DIR/$ID.json" ] || fail "state left"
	run bash -c "echo x >'$MNT/g' && sync -f '$MNT'"
	[ "$status" -ne 0 ] || fail "writes to the deleted device's file system succeeded"
	umount "$MNT"
	MNT=
	expect_nothing_left
}
