#!/usr/bin/env bats
# ublk BPF (kernel/patches): what UBLK_U_CMD_SET_BPF_FILES accepts, the
# privilege the BPF control commands need, and the device flags UBLK_F_BPF
# is refused with.  Every test fails on a kernel splat in dmesg.

load ../kbpf/helpers

BATS_TEST_TIMEOUT=300

setup_file() { kbpf_setup_file; }
setup() {
	kbpf_setup
	F0=$BATS_TEST_TMPDIR/file0
	SRC=$BATS_TEST_TMPDIR/src
	head -c 4M /dev/urandom >"$SRC"
	cp "$SRC" "$F0"
	truncate -s 64M "$F0"
}
teardown() {
	[ -n "${MNT:-}" ] && umount "$MNT" 2>/dev/null
	kbpf_teardown
}
teardown_file() { kbpf_teardown_file; }

# refused SPEC MESSAGE: SET_BPF_FILES with SPEC fails with MESSAGE, and the
# device keeps serving from its old table
refused() {
	run "$KBPF" setfiles "$DEV_ID" "$1"
	[ "$status" -eq 1 ] || { echo "$1: accepted ($output)" >&2; return 1; }
	[ "$output" = "kbpf: SET_BPF_FILES: $2" ] || { echo "$1: $output" >&2; return 1; }
	cmp -n 1M "$SRC" <(dd if="$DEV" bs=64k count=16 iflag=direct 2>/dev/null)
}

@test "SET_BPF_FILES refuses what bpf aio can't do plain positioned IO on" {
	kbpf_start -B "$F0" -p "$PROGS/aio.bpf.o:loop_ops"
	refused @bad "Bad file descriptor"
	refused @pipe "Invalid argument"
	refused @socket "Invalid argument"
	refused @uring "Invalid argument"
	# char devices: /dev/ublkcN (its server holds it open alone) is one
	refused /dev/ublk-control "Invalid argument"
	refused /dev/null "Invalid argument"
	refused "$F0:append" "Invalid argument"
	# its own disk: its IO would wait for itself
	refused "$DEV" "Too many levels of symbolic links"
	kbpf_stop
	kbpf_check_dmesg
}

@test "SET_BPF_FILES refuses a file on a file system mounted from the device" {
	kbpf_start -B "$F0" -p "$PROGS/aio.bpf.o:loop_ops"
	mkfs.ext4 -q -F "$DEV"
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir "$MNT"
	mount "$DEV" "$MNT"
	truncate -s 16M "$MNT/inner"
	run "$KBPF" setfiles "$DEV_ID" "$MNT/inner"
	[ "$status" -eq 1 ]
	[ "$output" = "kbpf: SET_BPF_FILES: Too many levels of symbolic links" ]
	# a regular file elsewhere and a block device are fine
	run "$KBPF" setfiles "$DEV_ID" "$F0"
	[ "$status" -eq 0 ]
	umount "$MNT"
	MNT=
	kbpf_stop
	kbpf_check_dmesg
}

@test "a block device backs bpf aio; a read-only file serves reads and fails writes" {
	F1=$BATS_TEST_TMPDIR/file1
	cp "$F0" "$F1"
	lo=$(losetup -f --show --direct-io=on "$F1")
	kbpf_start -B "$F0" -p "$PROGS/aio.bpf.o:loop_ops"
	"$KBPF" setfiles "$DEV_ID" "$lo"
	cmp "$SRC" <(dd if="$DEV" bs=256k count=16 iflag=direct 2>/dev/null)
	"$KBPF" setfiles "$DEV_ID" "$F0:ro"
	cmp "$SRC" <(dd if="$DEV" bs=256k count=16 iflag=direct 2>/dev/null)
	run dd if=/dev/zero of="$DEV" bs=4k count=1 oflag=direct
	[ "$status" -ne 0 ]
	cmp "$SRC" <(head -c 4M "$F0")
	kbpf_stop
	losetup -d "$lo"
	kbpf_check_dmesg
}

@test "replacing the file table over and over under verified writes loses nothing" {
	kbpf_start -q 2 -B "$F0" -p "$PROGS/aio.bpf.o:loop_ops"
	fio --name=verify --filename="$DEV" --rw=randwrite --bsrange=4k-128k --size=16M \
		--iodepth=32 --ioengine=io_uring --direct=1 --allow_file_create=0 \
		--verify=crc32c --do_verify=1 --verify_state_save=0 --loops=2 \
		--output="$BATS_TEST_TMPDIR/fio.out" &
	fio_pid=$!
	n=0
	while kill -0 "$fio_pid" 2>/dev/null; do
		"$KBPF" setfiles "$DEV_ID" "$F0" >/dev/null
		n=$((n + 1))
	done
	wait "$fio_pid"
	grep -q "err= 0" "$BATS_TEST_TMPDIR/fio.out"
	# how many fit in depends on the machine; some must have
	[ "$n" -ge 2 ] || { echo "only $n replacements during fio" >&2; false; }
	kbpf_stop
	kbpf_check_dmesg
}

@test "BIND_BPF, UNBIND_BPF and SET_BPF_FILES need CAP_SYS_ADMIN" {
	kbpf_start -B "$F0" -p "$PROGS/aio.bpf.o:loop_ops"
	nocap=(setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin --)
	run "${nocap[@]}" "$KBPF" setfiles "$DEV_ID" "$F0"
	[ "$output" = "kbpf: SET_BPF_FILES: Operation not permitted" ]
	run "${nocap[@]}" "$KBPF" unbind "$DEV_ID"
	[ "$output" = "kbpf: UNBIND_BPF: Operation not permitted" ]
	# loading struct_ops needs CAP_SYS_ADMIN (or CAP_BPF) too: bind by
	# hand is refused at one of the two
	run "${nocap[@]}" "$KBPF" bind "$DEV_ID" "$PROGS/aio.bpf.o" loop_ops
	[ "$status" -eq 1 ]
	# still bound: nothing reached the server
	cmp -n 1M "$SRC" <(dd if="$DEV" bs=64k count=16 iflag=direct 2>/dev/null)
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "UBLK_F_BPF is refused with unprivileged, batch, zoned and integrity devices" {
	# root gets UBLK_F_UNPRIVILEGED_DEV dropped: ask without CAP_SYS_ADMIN
	nocap=(setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin --)
	run timeout 20 "${nocap[@]}" "$KBPF" serve -F $((1 << 5))
	[ "$output" = "kbpf: ADD_DEV: Invalid argument" ] || { echo "unprivileged: $status $output" >&2; false; }
	# an accepted combination would serve until the timeout
	for flag in $((1 << 15)) $(((1 << 8) | (1 << 7))) $(((1 << 16) | (1 << 7))); do
		run timeout 20 "$KBPF" serve -F "$flag"
		[ "$status" -eq 1 ] || { echo "flags $flag: $status" >&2; false; }
		[ "$output" = "kbpf: ADD_DEV: Invalid argument" ] ||
			{ echo "flags $flag: $output" >&2; false; }
	done
	[ -z "$(ls /sys/class/ublk-char/)" ]
	kbpf_check_dmesg
}
