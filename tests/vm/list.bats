#!/usr/bin/env bats
# `list` (table and --json, key by key) and `features`.

load helpers

@test "list --json with no device is {\"devices\": []}, exit 0" {
	ublkctl list --json
	expect_status 0
	[ "$(jq -c . <<<"$output")" = '{"devices":[]}' ] || fail "not an empty device list"
	ublkctl list
	expect_status 0
	[ -z "$stderr" ] || fail "list printed on stderr"
}

@test "list --json: a stripe device, key by key" {
	make_file "$T/a.img" 64M
	make_file "$T/b.img" 64M
	add_dev -t stripe -f "$T/a.img" -f "$T/b.img" -q 2 -d 64 --chunk-size 128K --bpf=off
	ublkctl list --json
	expect_status 0
	local d pid
	d=$(jq -ce '.devices | select(length == 1) | .[0]' <<<"$output") ||
		fail "not one device in .devices"
	[ "$(jq '.id' <<<"$d")" = "$ID" ] || fail id
	[ "$(jq -r '.device' <<<"$d")" = "/dev/ublkb$ID" ] || fail device
	[ "$(jq -r '.char_device' <<<"$d")" = "/dev/ublkc$ID" ] || fail char_device
	[ "$(jq -r '.target' <<<"$d")" = stripe ] || fail target
	[ "$(jq -r '.state' <<<"$d")" = live ] || fail state
	[ "$(jq '.size' <<<"$d")" = $((128 << 20)) ] || fail size
	[ "$(jq '.block_size' <<<"$d")" = 512 ] || fail block_size
	[ "$(jq '.queues' <<<"$d")" = 2 ] || fail queues
	[ "$(jq '.depth' <<<"$d")" = 64 ] || fail depth
	[ "$(jq -r '.pid | type' <<<"$d")" = number ] || fail "pid is not a number"
	pid=$(jq '.pid' <<<"$d")
	[ "$(readlink /proc/$pid/exe)" = "$UBLKCTL" ] || fail "pid $pid is not the server"
	[ "$(jq -c '.files' <<<"$d")" = "[\"$T/a.img\",\"$T/b.img\"]" ] || fail files
	[ "$(jq '.chunk_size' <<<"$d")" = 131072 ] || fail chunk_size
	[ "$(jq '.zero_copy' <<<"$d")" = true ] || fail zero_copy
	[ "$(jq '.recovery' <<<"$d")" = true ] || fail recovery
	[ "$(jq '.bpf' <<<"$d")" = false ] || fail "bpf (added with --bpf=off)"
	[ "$(jq '.bpf_stats' <<<"$d")" = null ] || fail "bpf_stats without a program"
	jq -e '.flags | index("user_recovery") and index("user_recovery_reissue")
		and index("auto_buf_reg")' <<<"$d" >/dev/null || fail flags
	jq -e '.flags | all(type == "string")' <<<"$d" >/dev/null || fail "flags not strings"
	# exactly the contract's keys (more may be added, none renamed)
	local k
	for k in id device char_device target state size block_size queues depth \
		pid files chunk_size zero_copy recovery bpf flags; do
		jq -e "has(\"$k\")" <<<"$d" >/dev/null || fail "key $k missing"
	done
}

@test "list --json: loop and null devices, chunk_size only for stripe" {
	make_file "$T/l.img" 16M
	add_dev -t loop -f "$T/l.img" --zero-copy=off --no-recovery --block-size 4096
	local loop_id=$ID
	add_dev -t null --size 1G -q 1
	local null_id=$ID
	ublkctl list --json
	expect_status 0
	[ "$(jq '.devices | length' <<<"$output")" = 2 ] || fail "two devices expected"
	local l n
	l=$(dev_json "$loop_id")
	n=$(dev_json "$null_id")
	[ "$(jq -r .target <<<"$l")" = loop ] || fail "loop target"
	[ "$(jq -c .files <<<"$l")" = "[\"$T/l.img\"]" ] || fail "loop files"
	[ "$(jq .zero_copy <<<"$l")" = false ] || fail "loop zero_copy"
	[ "$(jq .recovery <<<"$l")" = false ] || fail "loop recovery"
	[ "$(jq .block_size <<<"$l")" = 4096 ] || fail "loop block_size"
	[ "$(jq .size <<<"$l")" = $((16 << 20)) ] || fail "loop size"
	jq -e '.flags | index("user_recovery") | not' <<<"$l" >/dev/null || fail "loop flags"
	jq -e 'has("chunk_size") | not' <<<"$l" >/dev/null || fail "chunk_size on loop"
	[ "$(jq -r .target <<<"$n")" = null ] || fail "null target"
	[ "$(jq -c .files <<<"$n")" = '[]' ] || fail "null files"
	[ "$(jq .size <<<"$n")" = $((1 << 30)) ] || fail "null size"
	jq -e 'has("chunk_size") | not' <<<"$n" >/dev/null || fail "chunk_size on null"
	ublkctl list -n "$null_id" --json
	expect_status 0
	[ "$(jq '.devices | length' <<<"$output")" = 1 ] || fail "list -n shows one device"
	[ "$(jq '.devices[0].id' <<<"$output")" = "$null_id" ] || fail "list -n shows the device"
}

@test "list: the table" {
	make_file "$T/a.img" 32M
	make_file "$T/b.img" 32M
	add_dev -t stripe -f "$T/a.img" -f "$T/b.img" -q 1 -d 16
	local pid=$(server_pid "$ID")
	ublkctl list
	expect_status 0
	[ "${#lines[@]}" -eq 2 ] || fail "expected a header and one row"
	[[ ${lines[0]} =~ ^ID\ +DEVICE\ +TARGET\ +STATE\ +SIZE\ +QUEUES\ +DEPTH\ +PID\ +BPF\ +FILES$ ]] ||
		fail "header"
	read -r -a row <<<"${lines[1]}"
	[ "${row[0]}" = "$ID" ] || fail "ID column"
	[ "${row[1]}" = "/dev/ublkb$ID" ] || fail "DEVICE column"
	[ "${row[2]}" = stripe ] || fail "TARGET column"
	[ "${row[3]}" = live ] || fail "STATE column"
	[ "${row[4]}" = 64M ] || fail "SIZE column"
	[ "${row[5]}" = 1 ] || fail "QUEUES column"
	[ "${row[6]}" = 16 ] || fail "DEPTH column"
	[ "${row[7]}" = "$pid" ] || fail "PID column"
	local bpf=no
	[ "$(dev_field "$ID" bpf)" = true ] && bpf=yes
	[ "${row[8]}" = "$bpf" ] || fail "BPF column"
	[ "${row[9]}" = "$T/a.img,$T/b.img" ] || fail "FILES column"
	# a dead server shows its real state and no pid
	kill -9 "$pid"
	wait_state "$ID" quiesced
	ublkctl list
	read -r -a row <<<"${lines[1]}"
	[ "${row[3]}" = quiesced ] && [ "${row[7]}" = - ] || fail "quiesced row"
	ublkctl list -n 4242
	expect_failure 1 "ublkctl: list: device 4242: No such device"
}

@test "features: names the driver's flags, text and JSON agree" {
	ublkctl features
	expect_status 0
	local f
	for f in user_recovery user_recovery_reissue auto_buf_reg cmd_ioctl_encode; do
		grep -qx "$f" <<<"$output" || fail "features lacks $f"
	done
	local text=$output
	ublkctl features --json
	expect_status 0
	[ "$(jq -r '.features[]' <<<"$output")" = "$text" ] || fail "text and JSON differ"
	[ "$(jq '.mask | type' <<<"$output")" = '"number"' ] || fail "mask"
	# a bit the tool has no name for is printed as hex, not dropped
	ublkctl features --json
	jq -e '.features | all(test("^[a-z_]+$|^0x[0-9a-f]+$"))' <<<"$output" >/dev/null ||
		fail "a feature is neither a name nor hex"
}
