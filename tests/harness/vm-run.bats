#!/usr/bin/env bats
# The VM harness carries the guest command's exit status and output out,
# and a failing VM test makes the whole check fail.  Each test boots the
# test kernel once.

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
}

@test "the guest runs the patched 7.2 kernel with ublk and null_blk" {
	run tests/vm/run sh -c 'test -c /dev/ublk-control && test -b /dev/nullb0 && uname -r'
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^7\.2\.[0-9]+ ]]
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
