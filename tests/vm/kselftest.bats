#!/usr/bin/env bats
# A fast subset of the kernel's own ublk selftests (tools/testing/selftests/
# ublk of linux-source-7.2 with kernel/series, and their server kublk, built
# by `make kselftest`), each its own test.  A selftest that exits 0 passes,
# one that exits 4 (kselftest's skip) is reported as skipped, any other
# status fails and shows the selftest's output.  The subset takes about two
# minutes under TCG; it was chosen from the whole suite's timings to cover
# the feature list, zero copy, batch IO, recovery, teardown and ext4 on the
# loop target.  `make check-kselftest` runs the whole suite.

bats_require_minimum_version 1.5.0
load ../kselftest/lib

setup_file() {
	KSELFTEST_DIR=$(kselftest_dir)
	export KSELFTEST_DIR
}

setup() {
	[ -e /dev/ublk-control ] || skip "no ublk driver (run inside tests/vm/run)"
}

# selftest NAME: run test_NAME.sh
selftest() {
	local t=test_$1.sh log=$BATS_TEST_TMPDIR/log status=0
	kselftest_one "$KSELFTEST_DIR" "$t" "$log" || status=$?
	case $status in
	0) ;;
	"$KSELFTEST_SKIP") skip "$t skipped itself: $(kselftest_last_words "$log")" ;;
	*)
		cat "$log"
		echo "$t exited with status $status$([ "$status" -ne 124 ] || echo ' (timed out)')"
		return 1 ;;
	esac
}

@test "kselftest generic_13: kublk names every feature the driver reports" {
	selftest generic_13
}

@test "kselftest generic_03: DMA and segment limits with zero copy" {
	selftest generic_03
}

@test "kselftest generic_06: fast cleanup when a queue's IOs are all in the server" {
	selftest generic_06
}

@test "kselftest generic_10: the device's size is updated" {
	selftest generic_10
}

@test "kselftest generic_16: stop --safe" {
	selftest generic_16
}

@test "kselftest generic_17: teardown after an incomplete recovery" {
	selftest generic_17
}

@test "kselftest batch_01: UBLK_F_BATCH_IO serves IO" {
	selftest batch_01
}

@test "kselftest null_02: null target IO with zero copy" {
	selftest null_02
}

@test "kselftest loop_02: ext4 on a loop target: mkfs, mount, umount" {
	selftest loop_02
}

@test "kselftest loop_04: ext4 on a loop target with zero copy" {
	selftest loop_04
}
