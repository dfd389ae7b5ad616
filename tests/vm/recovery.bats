#!/usr/bin/env bats
# Recovery: when the server dies, IO waits; `ublkctl recover` starts a new
# server from the saved state and the IO in flight completes correctly.

load helpers

@test "recovery: loop with zero copy survives kill -9 and recover" {
	make_file "$T/l.img" 32M
	recovery_case -t loop -f "$T/l.img" --zero-copy=on
}

@test "recovery: stripe without zero copy survives kill -9 and recover" {
	make_file "$T/a.img" 16M
	make_file "$T/b.img" 16M
	recovery_case -t stripe -f "$T/a.img" -f "$T/b.img" --chunk-size 8K --zero-copy=off
	[ "$(dev_json "$ID" | jq -c .files)" = "[\"$T/a.img\",\"$T/b.img\"]" ] ||
		fail "recovered device lost its files"
}

# --bpf=auto serves loop and stripe in the kernel where it can, and then
# the userspace requeue path is never exercised: the same cases with
# --bpf=off.
@test "recovery: loop with zero copy, served in userspace, survives kill -9 and recover" {
	make_file "$T/l.img" 32M
	recovery_case -t loop -f "$T/l.img" --zero-copy=on --bpf=off
}

@test "recovery: stripe without zero copy, served in userspace, survives kill -9 and recover" {
	make_file "$T/a.img" 16M
	make_file "$T/b.img" 16M
	recovery_case -t stripe -f "$T/a.img" -f "$T/b.img" --chunk-size 8K --zero-copy=off --bpf=off
}

@test "recovery: recover of a live device is refused" {
	add_dev -t null --size 16M
	local pid=$(server_pid "$ID")
	ublkctl recover -n "$ID"
	expect_failure 1 "ublkctl: recover: device $ID: server is running (pid $pid)"
	[ "$(server_pid "$ID")" = "$pid" ] || fail "the running server changed"
}

@test "recovery: --no-recovery devices stop when the server dies" {
	add_dev -t null --size 16M --no-recovery
	[ "$(dev_field "$ID" recovery)" = false ] || fail "recovery is on"
	kill -9 "$(server_pid "$ID")"
	wait_state "$ID" dead
	ublkctl recover -n "$ID"
	expect_failure 1 "ublkctl: recover: device $ID: created without recovery"
	ublkctl del -n "$ID"
	expect_status 0
	expect_nothing_left
}
