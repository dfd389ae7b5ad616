# Running the kernel's own ublk selftests (built by scripts/kselftest-build)
# inside the VM; sourced by tests/kselftest/run and tests/vm/kselftest.bats.
#
# A selftest is a script that exits 0 when it passed, 4 (kselftest's skip)
# when it could not run here, anything else when it failed.

KSELFTEST_SKIP=4
# Per test; the selftests' own settings file says 150 s, for real hardware.
KSELFTEST_TIMEOUT=${KSELFTEST_TIMEOUT:-600}

# kselftest_dir: print the directory of the selftests built for this tree.
kselftest_dir() {
	local repo
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	"$repo/scripts/kselftest-build" --cached
}

# kselftest_one DIR TEST LOG: run DIR/TEST with its own scratch directory
# (the selftests write their backing files and mount points under
# $TMPDIR), its output in LOG; return its exit status (124: timed out).
kselftest_one() {
	local dir=$1 test=$2 log=$3 tmp status=0
	tmp=$(mktemp -d /tmp/kselftest.XXXXXX) || return 1
	(cd "$tmp" && TMPDIR=$tmp timeout -k 10 "$KSELFTEST_TIMEOUT" "$dir/$test") \
		>"$log" 2>&1 </dev/null || status=$?
	# A test that failed or timed out may leave devices behind: remove
	# them so that the next test starts clean.
	if [ "$status" -ne 0 ] && [ "$status" -ne "$KSELFTEST_SKIP" ]; then
		"$dir/kublk" del -a >>"$log" 2>&1 || true
	fi
	umount -q "$tmp"/*/* 2>/dev/null || true
	rm -rf --one-file-system "$tmp"
	return "$status"
}

# kselftest_last_words LOG: the last line a selftest printed that says
# something (why it skipped itself, usually), past the start and end marks
# and the noise of the udevadm that the VM lacks.
kselftest_last_words() {
	grep -v -e '^ublk selftest: ' -e 'udevadm: command not found' "$1" | tail -n 1
}
