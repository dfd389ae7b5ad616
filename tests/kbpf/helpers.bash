# Helpers for tests/vm/kbpf-*.bats (run inside the test VM, as root).
# shellcheck shell=bash

KBPF_DIR=${BATS_TEST_DIRNAME}/../kbpf
KBPF=$KBPF_DIR/build/kbpf
PROGS=$KBPF_DIR/build

# Build the tool and programs if needed; skip everything on a kernel
# without UBLK_F_BPF.
kbpf_setup_file() {
	make -s -C "$KBPF_DIR" >&2 || return 1
	"$KBPF" features >/dev/null ||
		skip "kernel without UBLK_F_BPF"
}

# Mark dmesg so that kbpf_check_dmesg only looks at this test's lines.
kbpf_setup() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	SRV_PID=
	MARK="kbpf-test-$BATS_TEST_NUMBER-$$"
	echo "$MARK" >/dev/kmsg
}

kbpf_teardown() {
	if [ -n "${SRV_PID:-}" ] && kill -0 "$SRV_PID" 2>/dev/null; then
		kill -TERM "$SRV_PID"
		kbpf_wait_pid "$SRV_PID" 30 || kill -KILL "$SRV_PID"
	fi
	# a tool writing to a vanished device node may have made a file
	if [ -n "${DEV:-}" ] && [ -f "$DEV" ]; then
		rm -f "$DEV"
	fi
	# a failing test's device must not leak into the next one
	for d in /sys/class/ublk-char/ublkc*; do
		[ -e "$d" ] || continue
		echo "leftover device $d" >&2
	done
}

# kbpf_wait_pid PID SECONDS
kbpf_wait_pid() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	return 1
}

# Fail on kernel splats logged since kbpf_setup.
kbpf_check_dmesg() {
	local log
	log=$(dmesg | sed -n "/$MARK/,\$p")
	if grep -E 'BUG:|WARNING:|KASAN:|kmemleak|Oops|INFO: task .* blocked' <<<"$log"; then
		return 1
	fi
}

# kbpf_start [serve options]: start a server in the background; sets
# SRV_PID, SRV_OUT, DEV_ID and DEV.
kbpf_start() {
	local i
	SRV_OUT=$BATS_TEST_TMPDIR/srv.out
	"$KBPF" serve "$@" >"$SRV_OUT" 2>&1 &
	SRV_PID=$!
	for ((i = 0; i < 300; i++)); do
		if grep -q ' ready$' "$SRV_OUT"; then
			DEV_ID=$(sed -n 's/^ublkb\([0-9]*\) ready$/\1/p' "$SRV_OUT" | tail -n 1)
			DEV=/dev/ublkb$DEV_ID
			[ -b "$DEV" ] || { echo "$DEV is no block device" >&2; return 1; }
			return 0
		fi
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$SRV_OUT" >&2
	return 1
}

# kbpf_stop: stop the server; sets SERVED (requests the server handled).
kbpf_stop() {
	kill -TERM "$SRV_PID"
	kbpf_wait_pid "$SRV_PID" 60 || { echo "server did not exit" >&2; return 1; }
	SRV_PID=
	SERVED=$(sed -n 's/^served //p' "$SRV_OUT")
	[ -n "$SERVED" ] || { cat "$SRV_OUT" >&2; return 1; }
}

# kbpf_serve_null_ops: a device with null_ops bound (it completes every
# request in the kernel) serves reads and writes, and its server none.
kbpf_serve_null_ops() {
	kbpf_start -p "$PROGS/basic.bpf.o:null_ops"
	dd if="$DEV" of=/dev/null bs=64k count=64 iflag=direct
	dd if=/dev/zero of="$DEV" bs=64k count=64 oflag=direct
	block_is_not_server_data "$DEV" 3
	kbpf_stop
	[ "$SERVED" -eq 0 ]
}

# struct_ops_maps: the struct_ops maps alive (each keeps ublk_drv loaded)
struct_ops_maps() {
	bpftool map show | grep -E '^[0-9]+: struct_ops ' || true
}

# block_other_bytes DEV BLOCK: how many bytes of 4 KiB block BLOCK are
# not the server's 0x5a ('Z') filler; fails when the read fails
block_other_bytes() {
	(set -o pipefail
		dd if="$1" bs=4k skip="$2" count=1 iflag=direct status=none | tr -d Z | wc -c)
}

# block_is_server_data DEV BLOCK: block BLOCK reads as the server's filler
block_is_server_data() {
	local n
	n=$(block_other_bytes "$1" "$2") && [ "$n" -eq 0 ]
}

# block_is_not_server_data DEV BLOCK: block BLOCK reads, and not as the
# server's filler ('! block_is_server_data' would assert nothing in the
# middle of a bats test: a negated command does not trip errexit)
block_is_not_server_data() {
	local n
	n=$(block_other_bytes "$1" "$2") && [ "$n" -gt 0 ]
}

# With kmemleak (debug kernel): scan at the end of a file and fail on a
# suspected leak allocated from ublk or BPF code; print all of them.
kbpf_teardown_file() {
	local f=/sys/kernel/debug/kmemleak
	[ -e "$f" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -e "$f" ] || return 0
	sleep 6
	echo scan >"$f"
	echo scan >"$f"
	[ -s "$f" ] || return 0
	cat "$f" >&2
	! grep -qE 'ublk|bpf_struct_ops|bpf_map' "$f"
}

# kbpf_async_disk [dm]: an ext4 file system at $FS on a memory-backed
# null_blk disk whose requests complete from a timer interrupt, so that
# O_DIRECT file IO on it completes asynchronously, in hard irq context.
# With "dm", through a dm-linear device kbpfdm that tests may suspend.
kbpf_async_disk() {
	local cfg=/sys/kernel/config/nullb dev
	[ -d "$cfg" ] || mount -t configfs configfs /sys/kernel/config || return 1
	# the disk is named after its configfs directory
	mkdir "$cfg/kbpfnull" || return 1
	KBPF_NULLB=$cfg/kbpfnull
	echo 256 >"$KBPF_NULLB/size"
	echo 1 >"$KBPF_NULLB/memory_backed"
	# 512-byte blocks: kbpf's devices have those, and bpf aio passes
	# their IO on to O_DIRECT files unchanged
	echo 512 >"$KBPF_NULLB/blocksize"
	echo 2 >"$KBPF_NULLB/irqmode"
	echo 20000 >"$KBPF_NULLB/completion_nsec"
	echo 1 >"$KBPF_NULLB/power"
	dev=/dev/kbpfnull
	if [ "${1:-}" = dm ]; then
		dmsetup create kbpfdm --table "0 $(blockdev --getsz "$dev") linear $dev 0" ||
			return 1
		KBPF_DM=kbpfdm
		# no udev here to make /dev/mapper's link; devtmpfs has the node
		dev=/dev/$(dmsetup info -c --noheadings -o blkdevname kbpfdm)
	fi
	mkfs.ext4 -q -F "$dev" || return 1
	FS=$BATS_TEST_TMPDIR/fs
	mkdir -p "$FS"
	mount "$dev" "$FS"
}

kbpf_async_disk_remove() {
	[ -n "${KBPF_NULLB:-}" ] || return 0
	if [ -n "${KBPF_DM:-}" ]; then
		dmsetup resume "$KBPF_DM" 2>/dev/null
	fi
	umount "$FS" 2>/dev/null
	if [ -n "${KBPF_DM:-}" ]; then
		dmsetup remove "$KBPF_DM"
		KBPF_DM=
	fi
	rmdir "$KBPF_NULLB"
	KBPF_NULLB=
}

# kbpf_faults_on NAME PERCENT: make NAME (failslab, fail_page_alloc) fail
# PERCENT of the allocations that may not sleep, logging each failure.
kbpf_faults_on() {
	local d=/sys/kernel/debug/$1
	[ -d /sys/kernel/debug/failslab ] ||
		mount -t debugfs debugfs /sys/kernel/debug || return 1
	echo Y >"$d/ignore-gfp-wait"
	echo 0 >"$d/space"
	echo 1 >"$d/interval"
	echo -1 >"$d/times"
	echo 1 >"$d/verbose"
	echo "$2" >"$d/probability"
}

kbpf_faults_off() {
	local f
	for f in failslab fail_page_alloc; do
		[ -e "/sys/kernel/debug/$f/probability" ] &&
			echo 0 >"/sys/kernel/debug/$f/probability"
	done
	return 0
}
