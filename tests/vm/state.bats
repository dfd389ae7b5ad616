#!/usr/bin/env bats
# Trust (issue 10): recover starts a server only on state that ublkctl
# wrote for this very device: its identity (a cookie kept in the state and
# in the device's ublksrv_flags), every field checked, the device's
# geometry as the kernel has it, a private file in a private directory.
# Anything else is one clear error, and nothing is started.

load helpers

# quiesced ARGS...: add with ARGS, then kill -9 the server.
quiesced() {
	add_dev "$@"
	kill -9 "$(server_pid "$ID")"
	wait_state "$ID" quiesced
	SF=$STATE_DIR/$ID.json
	[ -f "$SF" ] || fail "no state file after kill -9"
}

# refused MESSAGE: recover fails so, starts nothing, the device waits on.
refused() {
	ublkctl recover -n "$ID"
	expect_failure 1 "$1"
	[ -z "$(ublkctl_pids)" ] || fail "a server was started: $(ublkctl_pids)"
	[ "$(dev_field "$ID" state)" = quiesced ] || fail "the device is no longer quiesced"
}

# struct_ops_ids: the ids of the struct_ops maps alive, one a line.
# Not 'bpftool struct_ops show': Debian's bpftool (7.1) looks the type up in
# vmlinux's BTF only, and with ublk_drv a module it lists nothing.
struct_ops_ids() {
	bpftool map show | sed -n 's/^\([0-9]*\): struct_ops .*/\1/p' | sort
}

# edit_state JQ: rewrite the saved state through a jq filter, as root would.
edit_state() {
	jq -c "$1" "$ORIG" >"$SF.new" && mv "$SF.new" "$SF"
}

@test "state: recover refuses the state of another device with the same id" {
	quiesced -t null --size 16M -n 7
	cp "$SF" "$T/old.json"
	ublkctl del -n 7
	expect_status 0
	# the same id again, and the old state put back (say, by a backup)
	quiesced -t null --size 16M -n 7
	cp "$T/old.json" "$SF"
	refused "ublkctl: recover: device 7: saved state $SF is stale (it describes another device)"
	[ "$(dev_field 7 saved_state)" = stale ] || fail "list does not mark the state stale"
	[ "$(dev_field 7 target)" = null ] && [ "$(dev_json 7 | jq -c .files)" = '[]' ] ||
		fail "list shows what a stale state says"
	ublkctl list
	[[ ${lines[1]} == *"(stale state)" ]] || fail "the table does not say the state is stale"
	ublkctl del -n 7
	expect_status 0
	expect_nothing_left
}

@test "state: the identity survives recovery, and a fresh state is ok" {
	make_file "$T/l.img" 16M
	quiesced -t loop -f "$T/l.img" --bpf=off
	local cookie
	cookie=$(jq -r .cookie "$SF")
	[[ $cookie =~ ^[0-9a-f]{16}$ ]] || fail "no cookie in the state: $cookie"
	[ "$(dev_field "$ID" saved_state)" = ok ] || fail "saved_state is not ok"
	ublkctl recover -n "$ID"
	expect_status 0
	[ "$(jq -r .cookie "$SF")" = "$cookie" ] || fail "recover changed the identity"
	kill -9 "$(server_pid "$ID")"
	wait_state "$ID" quiesced
	ublkctl recover -n "$ID"
	expect_status 0
	[ "$(dev_field "$ID" saved_state)" = ok ] || fail "a second recovery lost the identity"
}

@test "state: damaged fields are errors, not crashes (recover and list)" {
	make_file "$T/a.img" 16M
	make_file "$T/b.img" 16M
	quiesced -t stripe -f "$T/a.img" -f "$T/b.img" --chunk-size 8K --bpf=off
	ORIG=$T/orig.json
	cp "$SF" "$ORIG"
	local bad="ublkctl: recover: device $ID: saved state $SF is invalid"
	edit_state '.files = "x"'
	refused "$bad: 'files' is not an array of absolute paths"
	ublkctl list --json
	expect_status 0
	[ "$(dev_field "$ID" saved_state)" = invalid ] || fail "list does not mark the state invalid"
	ublkctl list
	expect_status 0
	edit_state '.files = ["relative.img", "b.img"]'
	refused "$bad: 'files' is not an array of absolute paths"
	edit_state '.files = [1, 2]'
	refused "$bad: 'files' is not an array of absolute paths"
	edit_state '.target = null'
	refused "$bad: 'target' is not a string"
	edit_state '.target = "raid5"'
	refused "$bad: unknown target"
	edit_state '.chunk_size = 0'
	refused "$bad: 'chunk_size' is out of range"
	edit_state '.chunk_size = "64K"'
	refused "$bad: 'chunk_size' is not an integer"
	edit_state '.chunk_size = 12288'
	refused "$bad: 'chunk_size' is not a power of two"
	edit_state '.block_size = 1000'
	refused "$bad: 'block_size' is not 512 or 4096"
	edit_state 'del(.cookie)'
	refused "$bad: it has no 'cookie' (an older ublkctl wrote it; without the device's identity it is not trusted)"
	edit_state '.cookie = "00000000000000zz"'
	refused "$bad: 'cookie' is not 16 hex digits"
	echo '[1,' >"$SF"
	refused "ublkctl: recover: device $ID: $SF: not a JSON object"
	# the original state still recovers the device
	cp "$ORIG" "$SF"
	ublkctl recover -n "$ID"
	expect_status 0
}

@test "state: an edited layout that the kernel contradicts is refused" {
	make_file "$T/a.img" 16M
	make_file "$T/b.img" 16M
	make_file "$T/big.img" 64M
	make_file "$T/big2.img" 64M
	make_file "$T/big3.img" 64M
	quiesced -t stripe -f "$T/a.img" -f "$T/b.img" --chunk-size 8K --bpf=off
	ORIG=$T/orig.json
	cp "$SF" "$ORIG"
	edit_state '.chunk_size = 16384'
	refused "ublkctl: recover: device $ID: saved state does not match the device (block size, chunk size or read-only differ)"
	edit_state ".files = [\"$T/big.img\", \"$T/big2.img\", \"$T/big3.img\"]"
	refused "ublkctl: recover: device $ID: saved state does not match the device (size 192M, the device has 32M)"
	edit_state '.read_only = true'
	refused "ublkctl: recover: device $ID: saved state does not match the device (block size, chunk size or read-only differ)"
	edit_state '.target = "loop" | .files = ["'"$T/big.img"'"]'
	refused "ublkctl: recover: device $ID: saved state does not match the device (size 64M, the device has 32M)"
	cp "$ORIG" "$SF"
	ublkctl recover -n "$ID"
	expect_status 0
}

@test "state: a symlink, a shared or a foreign state file is not trusted" {
	quiesced -t null --size 16M
	cp "$SF" "$T/real.json"
	rm "$SF"
	ln -s "$T/real.json" "$SF"
	refused "ublkctl: recover: device $ID: $SF: is a symbolic link, not trusted"
	rm "$SF"
	cp "$T/real.json" "$SF"
	chmod 0666 "$SF"
	refused "ublkctl: recover: device $ID: $SF: owned by uid 0 with mode 0666, not trusted"
	chmod 0600 "$SF"
	chown 65534 "$SF"
	refused "ublkctl: recover: device $ID: $SF: owned by uid 65534 with mode 0600, not trusted"
	chown 0 "$SF"
	ublkctl recover -n "$ID"
	expect_status 0
}

@test "state: a state directory that others control is refused, nothing left" {
	local d=$T/run
	mkdir -m 0700 "$d"
	chown 65534 "$d"
	UBLKCTL_RUN_DIR=$d ublkctl add -t null --size 16M
	expect_failure 1 "ublkctl: add: $d: owned by uid 65534, not by uid 0"
	expect_nothing_left
	mkdir -m 0777 "$T/pub"
	UBLKCTL_RUN_DIR=$T/pub/run ublkctl add -t null --size 16M
	expect_failure 1 "ublkctl: add: $T/pub: writable by others, not trusted"
	expect_nothing_left
	mkdir -m 0700 "$T/mine"
	ln -s "$T/mine" "$T/link"
	UBLKCTL_RUN_DIR=$T/link ublkctl add -t null --size 16M -n 3
	expect_failure 1 "ublkctl: add: $T/link: is a symbolic link, not trusted"
	expect_nothing_left
	[ -z "$(ls -A "$T/mine")" ] || fail "something was written through the link"
}

@test "state: the temporary file is not opened through a planted link" {
	local p i
	cc -o "$T/take-pid" "$BATS_TEST_DIRNAME/take-pid.c" || fail "cannot build take-pid"
	echo precious >"$T/victim"
	mkdir -p -m 0700 "$STATE_DIR"
	# a name derived from the writer's pid ("<id>.json.tmp.<pid>", as it
	# once was) can be planted: run add as a known pid, and put a link at
	# the name of every process it and its server can be (the links
	# themselves take some 60 pids first)
	p=$(($(sh -c 'echo $$') + 300))
	for i in $(seq 0 60); do
		ln -s "$T/victim" "$STATE_DIR/5.json.tmp.$((p + i))"
	done
	"$T/take-pid" -w "$p" "$UBLKCTL" add -t null --size 16M -n 5 >"$T/out" 2>"$T/err" ||
		fail "add failed: $(cat "$T/err")"
	rm -f "$STATE_DIR"/5.json.tmp.*
	[ "$(cat "$T/out")" = /dev/ublkb5 ] || fail "add printed $(cat "$T/out")"
	[ "$(cat "$T/victim")" = precious ] || fail "the state was written through a link"
	[ -f "$STATE_DIR/5.json" ] && [ ! -L "$STATE_DIR/5.json" ] || fail "no regular state file"
	[ "$(stat -c %a "$STATE_DIR/5.json")" = 600 ] || fail "the state file is not private"
	[ "$(dev_field 5 saved_state)" = ok ] || fail "the state is not the device's"
	ublkctl del -n 5
	expect_status 0
	expect_nothing_left
}

@test "state: a recycled pid of a dead server is neither shown nor signalled" {
	local pid imp
	cc -o "$T/take-pid" "$BATS_TEST_DIRNAME/take-pid.c" || fail "cannot build take-pid"
	# pids below 301 are never handed out again: start the server above
	[ "$(sh -c 'echo $$')" -ge 500 ] || "$T/take-pid" 500 true
	add_dev -t null --size 16M
	pid=$(server_pid "$ID")
	kill -9 "$pid"
	wait_state "$ID" quiesced
	# hand the dead server's pid to an unrelated, stopped process
	# a pid_max just above it makes the pids wrap around to it at once
	local pid_max
	pid_max=$(cat /proc/sys/kernel/pid_max)
	echo $((pid + 1)) >/proc/sys/kernel/pid_max
	local took=0
	"$T/take-pid" "$pid" sleep 1000 || took=$?
	echo "$pid_max" >/proc/sys/kernel/pid_max
	[ "$took" -eq 0 ] || skip "pid $pid was not free again"
	imp=$pid
	kill -STOP "$imp"
	[ "$(dev_field "$ID" pid)" = null ] || fail "list shows the recycled pid"
	SECONDS=0
	ublkctl del -n "$ID"
	expect_status 0
	[ "$SECONDS" -lt 5 ] || fail "del waited on an unrelated process"
	grep -q '^State:.*T' "/proc/$imp/status" || fail "del sent SIGCONT to an unrelated process"
	kill -9 "$imp"
	expect_nothing_left
}

@test "state: recover of a state with bpf off unbinds the old program" {
	"$UBLKCTL" features | grep -qx bpf || skip "no ublk BPF in this kernel"
	local before bound i
	before=$(struct_ops_ids)
	# whatever other tests left bound is not this test's business
	make_file "$T/l.img" 16M
	quiesced -t loop -f "$T/l.img" --bpf=on
	local pins=/sys/fs/bpf/ublkctl/$ID
	[ -e "$pins/stats" ] || fail "no pinned stats after add --bpf=on"
	bound=$(comm -13 <(echo "$before") <(struct_ops_ids))
	[[ $bound =~ ^[0-9]+$ ]] || fail "not one new struct_ops for the device: '$bound'"
	ORIG=$T/orig.json
	cp "$SF" "$ORIG"
	edit_state '.bpf = false | .bpf_mode = "off"'
	ublkctl recover -n "$ID"
	expect_status 0
	[ "$(dev_field "$ID" bpf)" = false ] || fail "list says BPF serves the device"
	[ ! -e "$pins" ] || fail "the old program's pins are left: $(ls "$pins")"
	# the binding lets go of the program an RCU grace period after unbind
	for i in $(seq 50); do
		struct_ops_ids | grep -qx "$bound" || break
		sleep 0.1
	done
	! struct_ops_ids | grep -qx "$bound" ||
		fail "the old program is still bound: $(bpftool map show id "$bound")"
	random_file "$T/data" $((1 << 20))
	dd if="$T/data" of="$DEV" bs=64k oflag=direct status=none || fail "write failed"
	cmp -n $((1 << 20)) "$T/data" "$DEV" || fail "data differ"
	cmp -n $((1 << 20)) "$T/data" "$T/l.img" || fail "the file does not hold the data"
}

@test "state: a BPF pin directory that others control is not used" {
	"$UBLKCTL" features | grep -qx bpf || skip "no ublk BPF in this kernel"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	local d=/sys/fs/bpf/ublkctl-test-pub
	rm -rf "$d"
	mkdir -m 0777 "$d"
	UBLKCTL_BPF_DIR=$d/pins ublkctl add -t null --size 16M --bpf=on
	expect_failure 1 "ublkctl: add: BPF: $d: writable by others, not trusted"
	expect_nothing_left
	UBLKCTL_BPF_DIR=$d/pins ublkctl add -t null --size 16M
	expect_status 0
	[ "$stderr" = "ublkctl: add: warning: BPF: $d: writable by others, not trusted; serving in userspace" ] ||
		fail "add does not say why BPF is not used"
	[[ $output =~ ^/dev/ublkb([0-9]+)$ ]] || fail "add did not print the device"
	[ "$(dev_field "${BASH_REMATCH[1]}" bpf)" = false ] || fail "BPF serves the device anyway"
	[ -z "$(ls -A "$d")" ] || fail "something was pinned in $d: $(ls -A "$d")"
	rmdir "$d"
}
