#!/usr/bin/env bats
# Bad input: exact exit status, one message naming the problem, and no
# device, server or state file left behind.

load helpers

# bad_add STATUS MESSAGE ARGS...: `ublkctl add ARGS...` fails so, cleanly.
bad_add() {
	local st=$1 msg=$2
	shift 2
	ublkctl add "$@"
	expect_failure "$st" "$msg"
	expect_nothing_left
}

@test "add: missing file" {
	bad_add 1 "ublkctl: add: $T/missing.img: No such file or directory" \
		-t loop -f "$T/missing.img"
	make_file "$T/a.img" 8M
	bad_add 1 "ublkctl: add: $T/missing.img: No such file or directory" \
		-t stripe -f "$T/a.img" -f "$T/missing.img"
}

@test "add: unreadable file" {
	command -v setpriv >/dev/null || skip "no setpriv"
	make_file "$T/secret.img" 8M
	chmod 000 "$T/secret.img"
	# root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH obeys the mode
	run --separate-stderr setpriv --inh-caps=-dac_override,-dac_read_search \
		--bounding-set=-dac_override,-dac_read_search \
		"$UBLKCTL" add -t loop -f "$T/secret.img"
	expect_failure 1 "ublkctl: add: $T/secret.img: Permission denied"
	expect_nothing_left
}

@test "add: zero-size file" {
	make_file "$T/empty.img" 0
	bad_add 1 "ublkctl: add: $T/empty.img: file is empty" -t loop -f "$T/empty.img"
	make_file "$T/a.img" 8M
	bad_add 1 "ublkctl: add: $T/empty.img: file is empty" \
		-t stripe -f "$T/a.img" -f "$T/empty.img"
}

@test "add: file smaller than a block or a chunk" {
	make_file "$T/tiny.img" 100
	bad_add 1 "ublkctl: add: $T/tiny.img: file is smaller than the block size (512 bytes)" \
		-t loop -f "$T/tiny.img"
	make_file "$T/a.img" 8M
	make_file "$T/small.img" 60K
	bad_add 1 "ublkctl: add: $T/small.img: file is smaller than the chunk size (65536 bytes)" \
		-t stripe -f "$T/a.img" -f "$T/small.img"
}

@test "add: directory as file" {
	bad_add 1 "ublkctl: add: $T: Is a directory" -t loop -f "$T"
}

@test "add: unknown target" {
	bad_add 2 "ublkctl: add: unknown target 'raid5' (null, loop, stripe, qcow2)" -t raid5
}

@test "add: stripe with 1 or 9 files" {
	local i args=()
	for i in 1 2 3 4 5 6 7 8 9; do
		make_file "$T/s$i.img" 1M
		args+=(-f "$T/s$i.img")
	done
	bad_add 2 "ublkctl: add: target 'stripe' takes 2 to 8 files (-f), got 1" \
		-t stripe -f "$T/s1.img"
	bad_add 2 "ublkctl: add: target 'stripe' takes 2 to 8 files (-f), got 9" \
		-t stripe "${args[@]}"
}

@test "add: chunk size not a power of two" {
	make_file "$T/a.img" 8M
	make_file "$T/b.img" 8M
	bad_add 2 "ublkctl: add: invalid chunk size '48K' (a power of two, 4K-1M)" \
		-t stripe -f "$T/a.img" -f "$T/b.img" --chunk-size 48K
}

@test "add: -q 0 and -d 5000" {
	bad_add 2 "ublkctl: add: invalid queue count '0' (1-64)" -t null -q 0
	bad_add 2 "ublkctl: add: invalid depth '5000' (1-4096)" -t null -d 5000
}

@test "add: unknown option" {
	bad_add 2 "ublkctl: add: unrecognized option '--frobnicate'" -t null --frobnicate
}

@test "add: id already in use leaves the existing device alone" {
	add_dev -t null --size 16M
	local pid=$(server_pid "$ID") dev=$DEV id=$ID
	local state=$(cat "$STATE_DIR/$id.json")
	ublkctl add -t null -n "$id"
	expect_failure 1 "ublkctl: add: device $id: id already in use"
	[ "$(server_pid "$id")" = "$pid" ] || fail "the existing server changed"
	[ "$(cat "$STATE_DIR/$id.json")" = "$state" ] || fail "the existing state changed"
	[ "$(ls "$STATE_DIR")" = "$id.json" ] || fail "extra state: $(ls "$STATE_DIR")"
	[ "$(ublkctl_pids)" = "$pid" ] || fail "extra processes: $(ublkctl_pids)"
	dd if="$dev" of=/dev/null bs=4k count=4 iflag=direct 2>/dev/null ||
		fail "the existing device stopped working"
}

@test "del and recover of a missing id" {
	ublkctl del -n 77
	expect_failure 1 "ublkctl: del: device 77: No such device"
	ublkctl recover -n 77
	expect_failure 1 "ublkctl: recover: device 77: No such device"
	expect_nothing_left
}

@test "del: a stopped server does not make del hang" {
	add_dev -t null --size 64M
	local pid
	pid=$(server_pid "$ID")
	kill -STOP "$pid"
	grep -q '^State:.*T' "/proc/$pid/status" || fail "the server did not stop"
	run timeout 60 "$UBLKCTL" del -n "$ID"
	[ "$status" -eq 0 ] || fail "del exited $status (124: it hung): $output"
	[ -z "$output" ] || fail "del printed: $output"
	expect_nothing_left
}

@test "add: --zero-copy=on where the driver lacks auto_buf_reg" {
	# UBLKCTL_FEATURE_MASK hides driver features (a test hook): here
	# everything below auto_buf_reg (bit 11)
	UBLKCTL_FEATURE_MASK=0x7ff bad_add 1 \
		"ublkctl: add: --zero-copy=on: the ublk driver does not support auto_buf_reg" \
		-t null --zero-copy=on
	# auto falls back to copying
	UBLKCTL_FEATURE_MASK=0x7ff add_dev -t null --size 16M
	[ "$(dev_field "$ID" zero_copy)" = false ] || fail "auto did not fall back"
}

@test "add: a failure after the kernel device exists undoes it" {
	# the state directory cannot be created: START_DEV has happened
	UBLKCTL_RUN_DIR=/proc/ublkctl-nowhere run --separate-stderr "$UBLKCTL" add -t null
	expect_status 1
	[[ ${stderr_lines[0]} == "ublkctl: add: /proc/ublkctl-nowhere: "* ]] ||
		fail "message does not name the state directory"
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "more than one line"
	expect_nothing_left
}
