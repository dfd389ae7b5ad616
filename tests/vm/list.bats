#!/usr/bin/env bats
# `list` (table and --json, key by key; the columns of -o, --raw and
# --json -o on real devices, value by value) and `features`.

load bpf-helpers

ALL_COLUMNS="ID DEVICE TARGET STATE SIZE BLKSZ CHUNK QUEUES DEPTH PID ZC RECOVERY BPF HANDLED REDIRECTED FILES"
DEFAULT_COLUMNS="ID DEVICE TARGET STATE SIZE QUEUES DEPTH PID BPF FILES"

# row_of ID: the device's line of the last `ublkctl list` (its first field
# the id), split at blanks into the array row.
row_of() {
	local l
	for l in "${lines[@]}"; do
		read -r -a row <<<"$l"
		[ "${row[0]}" = "$1" ] && return 0
	done
	fail "no row for device $1"
}

# expect_row ID VALUE...: the device's row of the last list is VALUE...
expect_row() {
	local id=$1 i
	shift
	row_of "$id"
	[ "${#row[@]}" -eq $# ] || fail "device $id: ${#row[@]} columns, not $#: ${row[*]}"
	for ((i = 0; i < $#; i++)); do
		[ "${row[i]}" = "${@:i+1:1}" ] ||
			fail "device $id: column $((i + 1)) is '${row[i]}', not '${@:i+1:1}'"
	done
}

# words LINE: LINE's blank-separated words, one space apart.
words() {
	local -a w
	read -r -a w <<<"$1"
	echo "${w[*]}"
}

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

@test "list --output-all: every column, by value, in the table and --raw" {
	make_file "$T/a.img" 64M
	make_file "$T/b.img" 64M
	make_file "$T/l.img" 16M
	add_dev -t stripe -f "$T/a.img" -f "$T/b.img" -q 2 -d 64 --chunk-size 128K \
		--block-size 4096 --zero-copy=on --no-recovery --bpf=off
	local sid=$ID spid
	spid=$(server_pid "$sid")
	add_dev -t loop -f "$T/l.img" -q 1 -d 16 --zero-copy=off --bpf=off
	local lid=$ID lpid
	lpid=$(server_pid "$lid")
	ublkctl list --output-all
	expect_status 0
	[ "${#lines[@]}" -eq 3 ] || fail "expected a header and two rows"
	[ "$(words "${lines[0]}")" = "$ALL_COLUMNS" ] || fail "header"
	local s=("$sid" "/dev/ublkb$sid" stripe live 128M 4096 128K 2 64 "$spid"
		yes no no - - "$T/a.img,$T/b.img")
	local l=("$lid" "/dev/ublkb$lid" loop live 16M 512 - 1 16 "$lpid"
		no yes no - - "$T/l.img")
	expect_row "$sid" "${s[@]}"
	expect_row "$lid" "${l[@]}"
	# --raw: the same, one space apart, header included
	ublkctl list --output-all --raw
	expect_status 0
	[ "${lines[0]}" = "$ALL_COLUMNS" ] || fail "raw header"
	grep -qxF "${s[*]}" <<<"$output" || fail "raw row of the stripe device"
	grep -qxF "${l[*]}" <<<"$output" || fail "raw row of the loop device"
	# --noheadings: the rows alone
	ublkctl list --output-all --raw --noheadings
	[ "${#lines[@]}" -eq 2 ] && [ "$output" = "$(grep -v '^ID ' <<<"$output")" ] ||
		fail "--noheadings printed a header"
}

@test "list -o: the columns in the order given, + adds to the default set, any case" {
	add_dev -t null --size 1G -q 1 --bpf=off
	local a=$ID
	add_dev -t null --size 256G -q 2 --bpf=off
	local b=$ID
	ublkctl list -o size,Id,SIZE
	expect_status 0
	[ "$(words "${lines[0]}")" = "SIZE ID SIZE" ] || fail "header"
	# rows start with SIZE here: find them by their id in the second field
	[ "$(words "$(grep -E "^ *[0-9.]+[KMGT] +$a " <<<"$output")")" = "1G $a 1G" ] ||
		fail "row of device $a"
	[ "$(words "$(grep -E "^ *[0-9.]+[KMGT] +$b " <<<"$output")")" = "256G $b 256G" ] ||
		fail "row of device $b"
	# SIZE is right-aligned: every line as long as the header, "  1G" under "SIZE"
	[ "${#lines[1]}" -eq "${#lines[0]}" ] && [ "${#lines[2]}" -eq "${#lines[0]}" ] ||
		fail "SIZE is not right-aligned"
	[[ $output == *$'
''  1G '* ]] || fail "1G is not right-aligned under SIZE"
	ublkctl list -o +zc,BLKSZ,queues
	expect_status 0
	[ "$(words "${lines[0]}")" = "$DEFAULT_COLUMNS ZC BLKSZ QUEUES" ] || fail "+ header"
	row_of "$b"
	[ "${row[1]}" = "/dev/ublkb$b" ] && [ "${row[5]}" = 2 ] && [ "${row[8]}" = no ] &&
		[ "${row[9]}" = - ] && [ "${row[11]}" = 512 ] && [ "${row[12]}" = 2 ] ||
		fail "+ row of device $b"
	# -n with -o: that device alone
	ublkctl list -n "$a" --noheadings -o DEVICE
	[ "$output" = "/dev/ublkb$a" ] || fail "list -n $a -o DEVICE"
}

@test "list: with no device, the table, --raw and --noheadings print nothing" {
	local args
	for args in "" "--raw" "--noheadings" "--output-all" "-o ID,BPF --raw"; do
		ublkctl list $args
		expect_status 0
		[ -z "$output" ] && [ -z "$stderr" ] || fail "list $args printed something"
	done
	ublkctl list --json -o ID
	[ "$(jq -c . <<<"$output")" = '{"devices":[]}' ] || fail "--json -o with no device"
}

@test "list --raw: blanks, backslash and non-ASCII bytes as \xHH, as lsblk --raw" {
	local f="$T/a b"$'\t'"c\\d"$'\xc3\xa9'".img"
	make_file "$f" 16M
	add_dev -t loop -f "$f" --bpf=off
	ublkctl list -n "$ID" --raw --noheadings -o ID,FILES,STATE
	expect_status 0
	[ "$output" = "$ID $T/a\\x20b\\x09c\\x5cd\\xc3\\xa9.img live" ] ||
		fail "raw FILES is not escaped as lsblk's"
	# the table keeps the space, shows the tab as \t
	ublkctl list -n "$ID" --noheadings -o FILES
	[ "$output" = "$T/a b\\tc\\d"$'\xc3\xa9'".img" ] || fail "table FILES"
	# JSON has the name as it is
	ublkctl list --json -o files
	[ "$(jq -r '.devices[0].files[0]' <<<"$output")" = "$f" ] || fail "JSON files"
}

@test "list --json -o: only the chosen keys, in lower case and in order, with typed values" {
	make_file "$T/a.img" 32M
	make_file "$T/b.img" 32M
	add_dev -t stripe -f "$T/a.img" -f "$T/b.img" --chunk-size 128K --block-size 4096 \
		--zero-copy=off --bpf=off
	local sid=$ID pid
	pid=$(server_pid "$sid")
	add_dev -t null --size 1G --no-recovery --zero-copy=on --bpf=off
	local nid=$ID
	ublkctl list --json -o ID,ZC,CHUNK,BLKSZ,HANDLED,REDIRECTED,BPF,RECOVERY,PID,FILES,size,target
	expect_status 0
	local d
	d=$(jq -c --argjson id "$sid" '.devices[] | select(.id == $id)' <<<"$output")
	[ "$d" = "{\"id\":$sid,\"zc\":false,\"chunk\":131072,\"blksz\":4096,\"handled\":null,\"redirected\":null,\"bpf\":false,\"recovery\":true,\"pid\":$pid,\"files\":[\"$T/a.img\",\"$T/b.img\"],\"size\":$((64 << 20)),\"target\":\"stripe\"}" ] ||
		fail "stripe device: $d"
	d=$(jq -c --argjson id "$nid" '.devices[] | select(.id == $id) | del(.pid)' <<<"$output")
	[ "$d" = "{\"id\":$nid,\"zc\":true,\"chunk\":null,\"blksz\":512,\"handled\":null,\"redirected\":null,\"bpf\":false,\"recovery\":false,\"files\":[],\"size\":$((1 << 30)),\"target\":\"null\"}" ] ||
		fail "null device: $d"
	# +zc: the default set's keys, then zc
	ublkctl list --json -n "$sid" -o +zc
	[ "$(jq -r '.devices[0] | keys_unsorted | join(" ")' <<<"$output")" = \
		"$(tr A-Z a-z <<<"$DEFAULT_COLUMNS") zc" ] || fail "keys of -o +zc"
	ublkctl list --json -n "$sid" --output-all
	[ "$(jq -r '.devices[0] | keys_unsorted | join(" ")' <<<"$output")" = \
		"$(tr A-Z a-z <<<"$ALL_COLUMNS")" ] || fail "keys of --output-all"
	# without -o, the whole object as before, its own keys
	ublkctl list --json -n "$sid"
	jq -e '.devices[0] | has("zero_copy") and has("chunk_size") and has("bpf_stats")
		and (has("zc") | not)' <<<"$output" >/dev/null || fail "plain --json changed"
}

@test "list: BPF, HANDLED and REDIRECTED of devices BPF serves, beside one it does not" {
	need_bpf
	add_dev -t null --size 64M --bpf=on
	local n=$ID
	random_file "$T/l.img" $((8 << 20))
	add_dev -t loop -f "$T/l.img" --bpf=on
	local l=$ID
	add_dev -t null --size 64M --bpf=off
	local u=$ID
	local h0
	h0=$(bpf_stat "$n" handled)
	dd if="/dev/ublkb$n" of=/dev/null bs=4k count=10 iflag=direct status=none ||
		fail "read from the BPF null device"
	dd if="/dev/ublkb$u" of=/dev/null bs=4k count=10 iflag=direct status=none ||
		fail "read from the userspace null device"
	dd if=/dev/urandom of="/dev/ublkb$l" bs=64k count=16 oflag=direct status=none ||
		fail "write to the BPF loop device"
	blkdiscard -o $((2 << 20)) -l $((1 << 20)) "/dev/ublkb$l" || fail "discard"
	ublkctl list
	expect_status 0
	[ "$(words "${lines[0]}")" = "$DEFAULT_COLUMNS" ] || fail "BPF is not in the default set"
	row_of "$n"; [ "${row[8]}" = yes ] || fail "BPF of device $n"
	row_of "$l"; [ "${row[8]}" = yes ] || fail "BPF of device $l"
	row_of "$u"; [ "${row[8]}" = no ] || fail "BPF of device $u"
	ublkctl list --raw --noheadings -o ID,BPF,HANDLED,REDIRECTED
	expect_status 0
	local js
	js=$("$UBLKCTL" list --json)
	# the counters are the kernel's, as --json has them
	row_of "$n"
	[ "${row[1]}" = yes ] || fail "BPF of the null device"
	[ "${row[2]}" = "$(jq --argjson id "$n" '.devices[] | select(.id == $id) | .bpf_stats.handled' <<<"$js")" ] ||
		fail "HANDLED of device $n is not its bpf_stats.handled"
	[ "${row[2]}" -ge $((h0 + 10)) ] || fail "the 10 reads are not in HANDLED (${row[2]}, before $h0)"
	[ "${row[3]}" = 0 ] || fail "the null program redirected ${row[3]} requests"
	row_of "$l"
	[ "${row[1]}" = yes ] || fail "BPF of the loop device"
	[ "${row[2]}" = "$(jq --argjson id "$l" '.devices[] | select(.id == $id) | .bpf_stats.handled' <<<"$js")" ] ||
		fail "HANDLED of device $l is not its bpf_stats.handled"
	[ "${row[3]}" = "$(jq --argjson id "$l" '.devices[] | select(.id == $id) | .bpf_stats.redirected' <<<"$js")" ] ||
		fail "REDIRECTED of device $l is not its bpf_stats.redirected"
	[ "${row[2]}" -ge 16 ] || fail "the 16 writes are not in HANDLED (${row[2]})"
	[ "${row[3]}" -ge 1 ] || fail "the discard is not in REDIRECTED (${row[3]})"
	expect_row "$u" "$u" no - -
	ublkctl list --json -o id,bpf,handled,redirected -n "$u"
	[ "$(jq -c '.devices[0]' <<<"$output")" = "{\"id\":$u,\"bpf\":false,\"handled\":null,\"redirected\":null}" ] ||
		fail "JSON of the userspace device"
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
