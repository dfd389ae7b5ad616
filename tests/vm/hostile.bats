#!/usr/bin/env bats
# Hostile input and interruptions (issue 10): each case fails with its
# exact status and a message naming the problem, and leaves nothing behind
# (device, server, state, pins) -- or, for a command killed midway, a state
# that the same command, repeated, cleans up or finishes.
# UBLKCTL_TEST_STOP=POINT makes ublkctl stop itself (SIGSTOP) at POINT:
# added (after ADD_DEV, state saved), started (after START_DEV),
# recovering (queues up, before END_USER_RECOVERY), deleted (after DEL_DEV).

load helpers

# A test that fails between stopped_at and its kill leaves a stopped
# ublkctl holding the device's lock: end it, or every later test waits.
teardown() {
	[ -n "${STOPPED:-}" ] && kill -9 "$STOPPED" 2>/dev/null
	[ -n "${BG:-}" ] && wait "$BG" 2>/dev/null
	vm_teardown
}

# stopped_at POINT CMD...: run `ublkctl CMD...` in the background with the
# stop hook; wait until one of our processes has stopped there and set
# STOPPED (its pid) and BG (the command's pid, output in $T/bg.out/err).
stopped_at() {
	local point=$1 i p
	shift
	UBLKCTL_TEST_STOP=$point "$UBLKCTL" "$@" >"$T/bg.out" 2>"$T/bg.err" &
	BG=$!
	for i in $(seq 300); do
		for p in $(ublkctl_pids); do
			if grep -q '^State:.*T (stopped)' "/proc/$p/status" 2>/dev/null; then
				STOPPED=$p
				return 0
			fi
		done
		sleep 0.1
	done
	fail "ublkctl $* did not stop at $point"
}

# bg_result: wait for the background command; its status, stdout, stderr.
bg_result() {
	status=0
	wait "$BG" || status=$?
	output=$(cat "$T/bg.out")
	stderr=$(cat "$T/bg.err")
	mapfile -t stderr_lines <"$T/bg.err"
}

@test "hostile: kill -9 of the server right after ADD_DEV: del removes what is left" {
	stopped_at added add -t null --size 16M -n 11
	kill -9 "$STOPPED"
	bg_result
	expect_failure 1 "ublkctl: add: device 11: the server died while setting it up ('ublkctl del -n 11' removes it)"
	[ "$(dev_field 11 target)" = null ] || fail "list does not show the half-made device"
	[ "$(dev_field 11 saved_state)" = ok ] || fail "the half-made device has no state"
	ublkctl del -n 11
	expect_status 0
	expect_nothing_left
}

@test "hostile: kill -9 of the server after START_DEV: recover finishes it" {
	make_file "$T/l.img" 16M
	random_file "$T/data" $((1 << 20))
	dd if="$T/data" of="$T/l.img" conv=notrunc status=none
	stopped_at started add -t loop -f "$T/l.img" --bpf=off
	local id
	id=$(jq -r .id "$STATE_DIR"/*.json)
	kill -9 "$STOPPED"
	bg_result
	expect_failure 1 "ublkctl: add: device $id: the server died while setting it up ('ublkctl del -n $id' removes it)"
	wait_state "$id" quiesced
	ublkctl recover -n "$id"
	expect_status 0
	cmp -n $((1 << 20)) "$T/data" "/dev/ublkb$id" || fail "the recovered device reads other data"
	ublkctl del -n "$id"
	expect_status 0
	expect_nothing_left
}

@test "hostile: kill -9 of add itself during the handshake: the server carries on" {
	stopped_at added add -t null --size 16M -n 12
	kill -9 "$BG"
	wait "$BG" 2>/dev/null || true
	kill -CONT "$STOPPED"
	wait_state 12 live
	[ "$(server_pid 12)" = "$STOPPED" ] || fail "the server is not the one add started"
	dd if=/dev/ublkb12 of=/dev/null bs=4k count=4 iflag=direct status=none ||
		fail "the device does not serve IO"
	ublkctl del -n 12
	expect_status 0
	expect_nothing_left
}

@test "hostile: a second command on a busy id fails at once; kill -9 of recover midway" {
	make_file "$T/l.img" 16M
	add_dev -t loop -f "$T/l.img" --bpf=off
	kill -9 "$(server_pid "$ID")"
	wait_state "$ID" quiesced
	stopped_at recovering recover -n "$ID"
	local busy="ublkctl: %s: device $ID: busy (another ublkctl command is working on it)"
	# each fails at once: well under the 30 s an unlocked command spun
	local t0 took=()
	t0=$SECONDS
	ublkctl recover -n "$ID"
	# shellcheck disable=SC2059
	expect_failure 1 "$(printf "$busy" recover)"
	took+=("recover $((SECONDS - t0))s")
	t0=$SECONDS
	ublkctl del -n "$ID"
	# shellcheck disable=SC2059
	expect_failure 1 "$(printf "$busy" del)"
	took+=("del $((SECONDS - t0))s")
	t0=$SECONDS
	ublkctl add -t null -n "$ID"
	# shellcheck disable=SC2059
	expect_failure 1 "$(printf "$busy" add)"
	took+=("add $((SECONDS - t0))s")
	[[ "${took[*]}" =~ (^| )[a-z]+\ ([0-9]{2,})s ]] &&
		fail "a busy id made a command wait: ${took[*]}"
	kill -9 "$STOPPED"
	bg_result
	expect_failure 1 "ublkctl: recover: device $ID: the server died while recovering it ('ublkctl recover -n $ID' tries again)"
	wait_state "$ID" quiesced
	ublkctl recover -n "$ID"
	expect_status 0
	[ "$(dev_field "$ID" state)" = live ] || fail "not live after the second recover"
	ublkctl del -n "$ID"
	expect_status 0
	expect_nothing_left
}

@test "hostile: kill -9 of del midway: del again finishes the job" {
	add_dev -t null --size 16M
	stopped_at deleted del -n "$ID"
	kill -9 "$STOPPED"
	wait "$BG" 2>/dev/null || true
	[ -f "$STATE_DIR/$ID.json" ] || fail "the killed del left no state (the test proves nothing)"
	ublkctl del -n "$ID"
	expect_status 0
	[ -z "$output$stderr" ] || fail "del printed something"
	expect_nothing_left
}

# wait_gone PID [WHY]: the process has exited (10 s); else fail with WHY.
wait_gone() {
	local i
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "${2:-process $1 is still there}"
}

@test "hostile: SIGTERM ends a detached server; its device waits for recover" {
	local pid i
	make_file "$T/l.img" 16M
	random_file "$T/data" $((1 << 20))
	add_dev -t loop -f "$T/l.img"
	dd if="$T/data" of="$DEV" bs=64k oflag=direct status=none || fail "write failed"
	pid=$(server_pid "$ID")
	kill -TERM "$pid"
	wait_gone "$pid"
	wait_state "$ID" quiesced
	[ -f "$STATE_DIR/$ID.json" ] || fail "SIGTERM removed the state"
	[ "$(dev_field "$ID" saved_state)" = ok ] || fail "the state is not ok"
	ublkctl recover -n "$ID"
	expect_status 0
	cmp -n $((1 << 20)) "$T/data" "$DEV" || fail "data differ after recover"
	ublkctl del -n "$ID"
	expect_status 0
	# without recovery nothing could serve it again: the device goes
	add_dev -t null --size 16M --no-recovery
	pid=$(server_pid "$ID")
	kill -TERM "$pid"
	wait_gone "$pid"
	for i in $(seq 100); do
		[ -e "/sys/class/ublk-char/ublkc$ID" ] || break
		sleep 0.1
	done
	expect_nothing_left
}

@test "hostile: start-up warnings of the detached server reach add's stderr" {
	# hide user_recovery and user_recovery_reissue (bits 3 and 4)
	UBLKCTL_FEATURE_MASK=0xffffffffffffffe7 ublkctl add -t null --size 16M
	expect_status 0
	[[ $output =~ ^/dev/ublkb[0-9]+$ ]] || fail "add did not print the device"
	[ "$stderr" = "ublkctl: add: warning: driver lacks user recovery, continuing without" ] ||
		fail "the warning did not reach add"
}

@test "hostile: the server is an IO flusher with its memory locked" {
	add_dev -t null --size 16M -q 2
	local pid t flags
	pid=$(server_pid "$ID")
	for t in /proc/"$pid"/task/*; do
		flags=$(sed 's/.*) //' "$t/stat" | awk '{ print $7 }')
		# PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE
		(( (flags & 0x180000) == 0x180000 )) || fail "thread ${t##*/} is no IO flusher (flags $flags)"
	done
	grep -q '^VmLck:[[:space:]]*[1-9]' "/proc/$pid/status" || fail "no memory locked"
}

@test "hostile: a path with spaces and a newline is listed and recovered" {
	local f=$T/$'a b\nc.img'
	make_file "$f" 16M
	random_file "$T/data" $((1 << 20))
	add_dev -t loop -f "$f" --bpf=off
	dd if="$T/data" of="$DEV" bs=64k oflag=direct status=none || fail "write failed"
	[ "$(dev_json "$ID" | jq -r '.files[0]')" = "$f" ] || fail "list --json mangles the path"
	ublkctl list
	[ "${#lines[@]}" -eq 2 ] || fail "the table is not one line per device"
	[[ ${lines[1]} == *"$T/a b\\nc.img" ]] || fail "the table does not show the escaped path"
	kill -9 "$(server_pid "$ID")"
	wait_state "$ID" quiesced
	ublkctl recover -n "$ID"
	expect_status 0
	[ "$(dev_json "$ID" | jq -r '.files[0]')" = "$f" ] || fail "recover mangles the path"
	cmp -n $((1 << 20)) "$T/data" "$DEV" || fail "data differ after recovery"
	ublkctl add -t loop -f "$T/"$'x\ny.img'
	expect_failure 1 "ublkctl: add: $T/x\\ny.img: No such file or directory"
}

@test "hostile: very long paths: served up to PATH_MAX, the reason kept beyond" {
	local d=$T i comp
	comp=$(printf 'd%.0s' $(seq 200))
	while [ ${#d} -lt 3700 ]; do d=$d/$comp; done
	mkdir -p "$d"
	make_file "$d/l.img" 16M
	add_dev -t loop -f "$d/l.img" --bpf=off
	[ "$(dev_json "$ID" | jq -r '.files[0]')" = "$d/l.img" ] || fail "list mangles a long path"
	kill -9 "$(server_pid "$ID")"
	wait_state "$ID" quiesced
	ublkctl recover -n "$ID"
	expect_status 0
	ublkctl del -n "$ID"
	expect_status 0
	# longer than PATH_MAX: one line, and the reason at its end
	local long=$d/$comp/$comp/$comp/x.img
	ublkctl add -t loop -f "$long"
	expect_failure 1 "ublkctl: add: $long: File name too long"
	expect_nothing_left
}

@test "hostile: more files than a target takes" {
	make_file "$T/a.img" 8M
	make_file "$T/b.img" 8M
	ublkctl add -t loop -f "$T/a.img" -f "$T/b.img"
	expect_failure 2 "ublkctl: add: target 'loop' takes exactly 1 file (-f), got 2"
	ublkctl add -t null -f "$T/a.img"
	expect_failure 2 "ublkctl: add: target 'null' takes no files"
	local i args=()
	for i in $(seq 20); do args+=(-f "$T/a.img"); done
	ublkctl add -t stripe "${args[@]}"
	expect_failure 2 "ublkctl: add: target 'stripe' takes 2 to 8 files (-f), got 20"
	expect_nothing_left
}

@test "hostile: -n at the edge and out of range" {
	add_dev -t null --size 16M -n 1048575
	[ "$DEV" = /dev/ublkb1048575 ] || fail "not the largest id"
	ublkctl del -n 1048575
	expect_status 0
	ublkctl add -t null -n 1048576
	expect_failure 2 "ublkctl: add: invalid device id '1048576' (0-1048575)"
	ublkctl add -t null -n -3
	expect_failure 2 "ublkctl: add: invalid device id '-3' (0-1048575)"
	ublkctl del -n 99999999999999999999
	expect_failure 2 "ublkctl: del: invalid device id '99999999999999999999' (0-1048575)"
	expect_nothing_left
}

@test "hostile: sizes that overflow are usage errors, nothing touched" {
	local s
	for s in 18446744073709551615 9223372036854775808 8E; do
		ublkctl add -t null --size "$s"
		expect_failure 2 "ublkctl: add: invalid size '$s' (less than 8E)"
	done
	for s in 16E 1e9 0x10 -1 99999999999999999999; do
		ublkctl add -t null --size "$s"
		expect_failure 2 "ublkctl: add: invalid size '$s'"
	done
	expect_nothing_left
}

@test "hostile: an add that gets the id of a device del is still forgetting keeps its state" {
	add_dev -t null --size 16M
	local old=$ID i
	stopped_at deleted del -n "$old"
	local del_pid=$BG del_stopped=$STOPPED
	# the id is free in the kernel now: a new add gets it
	"$UBLKCTL" add -t null --size 32M >"$T/add.out" 2>"$T/add.err" &
	local add_pid=$!
	for i in $(seq 100); do
		[ -e "/sys/class/ublk-char/ublkc$old" ] && break
		sleep 0.1
	done
	[ -e "/sys/class/ublk-char/ublkc$old" ] || fail "the new add did not get id $old"
	sleep 1
	kill -CONT "$del_stopped"
	wait "$del_pid" || fail "del failed"
	wait "$add_pid" || fail "add failed: $(cat "$T/add.err")"
	[ "$(cat "$T/add.out")" = "/dev/ublkb$old" ] || fail "add printed $(cat "$T/add.out")"
	[ "$(dev_field "$old" saved_state)" = ok ] || fail "the new device lost its state"
	[ "$(jq .size "$STATE_DIR/$old.json")" = $((32 << 20)) ] || fail "the state is not the new device's"
}

@test "hostile: del -a removes stacked devices, the upper one first" {
	make_file "$T/l.img" 16M
	add_dev -t loop -f "$T/l.img" -n 30 --bpf=off
	add_dev -t loop -f /dev/ublkb30 -n 31 --bpf=off
	run timeout 120 "$UBLKCTL" del -a
	[ "$status" -eq 0 ] || fail "del -a exited $status (124: it hung)"
	expect_nothing_left
}

# fail_queue_case ARGS...: add a two-queue null device whose queue 1 fails
# at a request for sector 2048 (UBLKCTL_TEST_FAIL_QUEUE), read that on
# both CPUs; the whole server must end.  Sets ID, DEV, old_pid and
# readers (dd pids).
fail_queue_case() {
	local c
	UBLKCTL_TEST_FAIL_QUEUE=1 add_dev -t null --size 16M -q 2 --bpf=off "$@"
	old_pid=$(server_pid "$ID")
	readers=()
	for c in 0 1; do
		taskset -c "$c" dd if="$DEV" of=/dev/null bs=4k skip=256 count=1 \
			iflag=direct status=none 2>/dev/null &
		readers+=($!)
	done
	wait_gone "$old_pid" "the server went on serving with a failed queue"
}

@test "hostile: a failing queue ends the whole server; recover restarts it" {
	local old_pid readers p
	fail_queue_case
	wait_state "$ID" quiesced
	[ -f "$STATE_DIR/$ID.json" ] || fail "the state is gone"
	ublkctl recover -n "$ID"
	expect_status 0
	for p in "${readers[@]}"; do
		wait "$p" || fail "a read waiting for recovery failed"
	done
	for p in 0 1; do
		taskset -c "$p" dd if="$DEV" of=/dev/null bs=4k count=8 iflag=direct status=none ||
			fail "no IO on CPU $p after recover"
	done
}

@test "hostile: a failing queue without recovery removes the device" {
	local old_pid readers p i
	fail_queue_case --no-recovery
	for p in "${readers[@]}"; do wait "$p" || true; done
	for i in $(seq 100); do
		[ -e "/sys/class/ublk-char/ublkc$ID" ] || break
		sleep 0.1
	done
	expect_nothing_left
}
