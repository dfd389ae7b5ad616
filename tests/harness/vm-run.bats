#!/usr/bin/env bats
# The VM harness carries the guest command's exit status and output out,
# and a failing VM test makes the whole check fail.  Each test boots the
# test kernel once.

bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
}

# What the guest must have, each check saying what is missing.
GUEST_CHECK='test -c /dev/ublk-control || { echo "no /dev/ublk-control"; exit 3; }
test -d /sys/module/ublk_drv && test -f "$UBLKCTL_MODULE" ||
	{ echo "ublk_drv not loaded from UBLKCTL_MODULE ($UBLKCTL_MODULE)"; exit 5; }
test -b /dev/nullb0 || { echo "no /dev/nullb0"; exit 4; }
uname -r'

@test "the guest runs the patched 7.2 kernel with ublk and null_blk" {
	run tests/vm/run sh -c "$GUEST_CHECK"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "${lines[-1]}" =~ ^7\.2\.[0-9]+ ]]
}

@test "a ublk module that does not load is named, and the command never runs" {
	run --separate-stderr env UBLKCTL_MODULE="$PWD/README.md" \
		tests/vm/run sh -c 'echo ran'
	[ "$status" -eq 125 ]
	[[ "$output" != *ran* ]]
	[ "${stderr_lines[-1]}" = "tests/vm/run: the guest could not load $PWD/README.md (insmod failed, see above)" ]
}

@test "a failing command's status is named on the last line" {
	run --separate-stderr tests/vm/run sh -c 'exit 5'
	[ "$status" -eq 5 ]
	[ "${stderr_lines[-1]}" = "tests/vm/run: the command exited with status 5 in the guest" ]
}

@test "a failing guest command exits 1" {
	run tests/vm/run false
	[ "$status" -eq 1 ]
}

@test "the guest command's exact exit status comes out" {
	run tests/vm/run -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 7'
	[ "$status" -eq 7 ]
	[[ "$output" == *to-stdout* ]]
	[[ "$output" == *to-stderr* ]]
}

@test "a failing VM test makes the check fail" {
	VM_SUITE=tests/harness/fixtures/failing.bats run tests/check vm
	[ "$status" -ne 0 ]
	[ "${lines[-1]}" = "1 passed, 1 failed" ]
}

@test "a hung guest is killed after VM_TIMEOUT and reported" {
	VM_TIMEOUT=90 run tests/vm/run sleep 600
	[ "$status" -eq 124 ]
	[[ "$output" == *"did not finish within 90s"* ]]
}
