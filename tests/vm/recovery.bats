#!/usr/bin/env bats
# Recovery: when the server dies, IO waits; `ublkctl recover` starts a new
# server from the saved state and the IO in flight completes correctly.

load helpers

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
