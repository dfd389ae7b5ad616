# Shared helpers for the VM tests: they run as root inside the test kernel
# (tests/vm/run), where /dev/ublk-control exists.  Every test starts and
# ends with no ublk device; backing files live in $BATS_TEST_TMPDIR (tmpfs).
#
# Load with `load helpers` at the top of a .bats file.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# UBLKCTL_BIN: another build to test (say, one with a fix reverted)
UBLKCTL=${UBLKCTL_BIN:-$REPO/build/ublkctl}
STATE_DIR=${UBLKCTL_RUN_DIR:-/run/ublkctl}
TRY_LINE="Try 'ublkctl --help' for more information."

# Print a diagnostic and fail the test.
fail() {
	{
		printf '%s\n' "$*"
		printf -- '--- status: %s\n' "${status-}"
		printf -- '--- stdout:\n%s\n' "${output-}"
		printf -- '--- stderr:\n%s\n' "${stderr-}"
	} >&2
	return 1
}

setup() {
	[ -e /dev/ublk-control ] || skip "no ublk driver (run inside tests/vm/run)"
	[ -x "$UBLKCTL" ] || fail "$UBLKCTL is missing: run make first"
	T=$BATS_TEST_TMPDIR
	FG_PIDS=()
	LOOP_DEVS=()
	MNT=
}

teardown() { vm_teardown; }
vm_teardown() {
	local p l
	[ -n "${MNT:-}" ] && umount "$MNT" 2>/dev/null
	for p in "${FG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${FG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	"$UBLKCTL" del -a >/dev/null 2>&1 || true
	for l in "${LOOP_DEVS[@]}"; do losetup -d "$l" 2>/dev/null; done
	return 0
}

# ublkctl ARGS...: run the binary, stdout in $output, stderr in $stderr.
ublkctl() {
	run --separate-stderr "$UBLKCTL" "$@"
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1"
}

# expect_failure STATUS MESSAGE: one exact error line (plus the "Try" line
# for usage errors), nothing on stdout.
expect_failure() {
	local want_status=$1 msg=$2
	expect_status "$want_status"
	[ -z "$output" ] || fail "an error printed something on stdout"
	[ "${stderr_lines[0]-}" = "$msg" ] || fail "expected stderr: $msg"
	if [ "$want_status" -eq 2 ]; then
		[ "${#stderr_lines[@]}" -eq 2 ] && [ "${stderr_lines[1]}" = "$TRY_LINE" ] ||
			fail "a usage error ends with: $TRY_LINE"
	else
		[ "${#stderr_lines[@]}" -eq 1 ] || fail "the error is more than one line"
	fi
}

# add_dev ARGS...: `ublkctl add ARGS...` must succeed, print only the
# device path and leave a live block device: sets $DEV and $ID.
add_dev() {
	ublkctl add "$@"
	expect_status 0
	[ -z "$stderr" ] || fail "add printed on stderr"
	[[ $output =~ ^/dev/ublkb([0-9]+)$ ]] || fail "add did not print /dev/ublkbN alone"
	DEV=$output
	ID=${BASH_REMATCH[1]}
	[ -b "$DEV" ] || fail "$DEV is not a block device after add returned"
}

# dev_json ID: the device's entry of `list --json`.
dev_json() {
	"$UBLKCTL" list --json | jq -ce --argjson id "$1" '.devices[] | select(.id == $id)'
}

# dev_field ID KEY: one key of the device's entry (jq -r).
dev_field() {
	dev_json "$1" | jq -r ".$2"
}

# server_pid ID: the pid the kernel reports for the device's server.
server_pid() {
	dev_field "$1" pid
}

# wait_state ID STATE: poll `list` until the device reaches STATE (10 s).
wait_state() {
	local i
	for i in $(seq 100); do
		[ "$(dev_field "$1" state)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "device $1 did not reach state $2 (now: $(dev_field "$1" state))"
}

# ublkctl_pids: processes running our binary (servers included); one
# find, not a readlink per process (forks are slow under TCG).
ublkctl_pids() {
	find /proc/[0-9]*/exe -maxdepth 0 -lname "$UBLKCTL" 2>/dev/null |
		cut -d/ -f3 | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# expect_nothing_left: no ublk device, no state file, no server.
expect_nothing_left() {
	local devs state procs
	devs=$(ls /sys/class/ublk-char 2>/dev/null || true)
	state=$(ls -A "$STATE_DIR" 2>/dev/null || true)
	procs=$(ublkctl_pids)
	[ -z "$devs" ] || fail "ublk devices left: $devs"
	[ -z "$state" ] || fail "state files left in $STATE_DIR: $state"
	[ -z "$procs" ] || fail "ublkctl processes left: $procs"
	! compgen -G '/dev/ublkb*' >/dev/null || fail "block devices left: $(ls /dev/ublkb*)"
}

# make_file PATH SIZE: a sparse backing file.
make_file() {
	rm -f "$1"
	truncate -s "$2" "$1"
}

# random_file PATH BYTES
random_file() {
	head -c "$2" /dev/urandom >"$1"
}

# fio_verify DEV: write + crc32c verify with random and sequential IO,
# 4k..1M blocks and queue depths 1..64, all at once on separate regions of
# the first 36 MiB.  Fails the test on any error or verify mismatch.
fio_verify() {
	run fio --ioengine=io_uring --direct=1 --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --verify_state_save=0 --filename="$1" \
		--name=rand-4k-1m-qd64 --rw=randwrite --bsrange=4k-1M --iodepth=64 \
			--offset=0 --size=8M \
		--name=seq-4k-qd1 --rw=write --bs=4k --iodepth=1 \
			--offset=8M --size=2M \
		--name=rand-1m-qd8 --rw=randwrite --bs=1M --iodepth=8 \
			--offset=16M --size=8M \
		--name=seq-4k-256k-qd16 --rw=write --bsrange=4k-256k --iodepth=16 \
			--offset=24M --size=8M \
		--name=rand-4k-qd32 --rw=randwrite --bs=4k --iodepth=32 \
			--offset=32M --size=4M
	[ "$status" -eq 0 ] || fail "fio write+verify on $1 failed"
	! grep -qiE 'verify failed|bad magic|crc32c: verify' <<<"$output" ||
		fail "fio reported a verify mismatch"
}

# ext4_roundtrip DEV: mkfs.ext4, mount, copy files in, umount, mount
# again, compare checksums.
ext4_roundtrip() {
	local dev=$1 src=$T/src i
	mkdir -p "$src"
	for i in 1 2 3 4 5 6; do
		random_file "$src/f$i" $((i * 97 * 1024 + i * 13))
	done
	random_file "$src/big" $((3 * 1024 * 1024))
	(cd "$src" && sha256sum f? big) >"$T/sums"
	run mkfs.ext4 -q -F "$dev"
	[ "$status" -eq 0 ] || fail "mkfs.ext4 $dev failed"
	MNT=$T/mnt
	mkdir -p "$MNT"
	mount "$dev" "$MNT" || fail "mount $dev failed"
	cp -a "$src" "$MNT/" || fail "copy into the file system failed"
	umount "$MNT" || fail "umount failed"
	echo 3 >/proc/sys/vm/drop_caches
	mount "$dev" "$MNT" || fail "second mount failed"
	run bash -c "cd '$MNT/src' && sha256sum -c --quiet '$T/sums'"
	[ "$status" -eq 0 ] || fail "checksums differ after remount"
	umount "$MNT" || fail "final umount failed"
	MNT=
}

# Start a rate-limited fio write+verify on $DEV in the background, slow
# enough to be still running when a test kills the server under it; sets
# fio_pid (declare it local in the caller) and logs to $T/fio.log.
start_verified_writer() {
	fio --name=rec --ioengine=io_uring --direct=1 --filename="$DEV" \
		--rw=randwrite --bsrange=4k-64k --iodepth=32 --size=24M \
		--rate_iops=1500 --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0 >"$T/fio.log" 2>&1 &
	fio_pid=$!
}

# recovery_case ARGS...: add with ARGS, run fio write+verify, kill -9 the
# server in the middle, recover, and check fio passes and list shows the
# new server.
recovery_case() {
	add_dev "$@"
	local old new fio_pid i
	old=$(server_pid "$ID")
	[ "$old" -gt 0 ] || fail "no server pid"
	start_verified_writer
	sleep 1.5
	kill -0 "$fio_pid" 2>/dev/null || fail "fio ended before the server was killed: $(cat "$T/fio.log")"
	kill -9 "$old"
	wait_state "$ID" quiesced
	[ "$(server_pid "$ID")" = null ] || fail "a dead server still has a pid in list"
	kill -0 "$fio_pid" 2>/dev/null || fail "fio did not wait for the dead server: $(cat "$T/fio.log")"

	ublkctl recover -n "$ID"
	expect_status 0
	[ -z "$stderr" ] || fail "recover printed on stderr"
	[ "$(dev_field "$ID" state)" = live ] || fail "not live after recover"
	new=$(server_pid "$ID")
	[ "$new" != null ] && [ "$new" != "$old" ] || fail "list shows pid $new (old $old)"
	[ "$(readlink /proc/$new/exe)" = "$UBLKCTL" ] || fail "pid $new is not our server"
	grep -q "\"pid\":$new" "$STATE_DIR/$ID.json" || fail "state file does not have the new pid"

	wait "$fio_pid"
	status=$?
	output=$(cat "$T/fio.log")
	[ "$status" -eq 0 ] || fail "fio failed across the recovery"
	! grep -qi 'verify failed' <<<"$output" || fail "fio verify mismatch"
}
