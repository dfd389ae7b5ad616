#!/usr/bin/env bats
# The null target: reads return zeroes, writes succeed, nothing is stored
# (so it gets no ext4 round trip).  Also add's output, the defaults, the
# options that shape the device, --read-only and --foreground.

load helpers

@test "null: add prints only the device path, the device is live, del removes all" {
	add_dev -t null
	[ "$(blockdev --getsize64 "$DEV")" -eq $((256 << 30)) ] || fail "default size is not 256G"
	[ "$(blockdev --getss "$DEV")" -eq 512 ] || fail "default block size is not 512"
	[ "$(dev_field "$ID" state)" = live ] || fail "not live"
	[ "$(dev_field "$ID" depth)" -eq 128 ] || fail "default depth is not 128"
	local cpus=$(nproc) q=$(dev_field "$ID" queues)
	[ "$q" -eq $((cpus < 4 ? cpus : 4)) ] || fail "default queues $q, expected min($cpus, 4)"
	[ -f "$STATE_DIR/$ID.json" ] || fail "no state file"
	[ "$(stat -c %a "$STATE_DIR")" = 700 ] || fail "$STATE_DIR is not 0700"
	local pid=$(server_pid "$ID")
	[ "$(readlink /proc/$pid/exe)" = "$UBLKCTL" ] || fail "pid $pid is not our server"
	# detached: its own session, no terminal, stdio closed (on /dev/null)
	[ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ] ||
		fail "server is in our session"
	[ "$(ps -o tty= -p "$pid" | tr -d ' ')" = "?" ] || fail "server has a terminal"
	[ "$(readlink /proc/$pid/fd/1)" = /dev/null ] || fail "server stdout not closed"

	ublkctl del -n "$ID"
	expect_status 0
	[ -z "$output$stderr" ] || fail "del printed something"
	[ ! -e "$DEV" ] || fail "$DEV still exists after del returned"
	expect_nothing_left
}

@test "null: reads return zeroes after writes (zero copy on and off)" {
	local zc
	random_file "$T/rand" $((4 << 20))
	for zc in on off; do
		add_dev -t null --size 64M --zero-copy=$zc
		[ "$(dev_field "$ID" zero_copy)" = $([ $zc = on ] && echo true || echo false) ] ||
			fail "zero_copy flag does not follow --zero-copy=$zc"
		dd if="$T/rand" of="$DEV" bs=1M oflag=direct 2>/dev/null || fail "write failed"
		dd if="$T/rand" of="$DEV" bs=4k seek=100 count=50 oflag=direct 2>/dev/null ||
			fail "write failed"
		cmp -n $((8 << 20)) <(dd if="$DEV" bs=1M count=8 iflag=direct 2>/dev/null) /dev/zero ||
			fail "zc=$zc: read after write is not zeroes"
		# every block size and depth, reading back only zeroes
		run fio --ioengine=io_uring --direct=1 --filename="$DEV" --size=32M \
			--verify_state_save=0 \
			--name=w --rw=randwrite --bsrange=4k-1M --iodepth=64 \
			--name=r --rw=randread --bsrange=4k-1M --iodepth=64 \
				--verify=pattern --verify_pattern=0 --do_verify=1 \
			--name=r1 --rw=read --bs=4k --iodepth=1 --size=2M \
				--verify=pattern --verify_pattern=0 --do_verify=1
		[ "$status" -eq 0 ] || fail "zc=$zc: fio on null failed"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
	done
	expect_nothing_left
}

@test "null: --size, --block-size, -q, -d and -n are honoured" {
	add_dev -t null -n 5 --size 3G --block-size 4096 -q 1 -d 32
	[ "$DEV" = /dev/ublkb5 ] || fail "-n 5 gave $DEV"
	[ "$(blockdev --getsize64 "$DEV")" -eq $((3 << 30)) ] || fail "size"
	[ "$(blockdev --getss "$DEV")" -eq 4096 ] || fail "block size"
	[ "$(dev_field 5 queues)" -eq 1 ] || fail "queues"
	[ "$(dev_field 5 depth)" -eq 32 ] || fail "depth"
	[ "$(dev_field 5 block_size)" -eq 4096 ] || fail "block_size in list"
	run fio --name=d --ioengine=io_uring --direct=1 --filename="$DEV" \
		--rw=randread --bs=4k --iodepth=64 --size=16M
	[ "$status" -eq 0 ] || fail "QD64 on a depth-32 queue failed"
}

@test "null: --read-only makes a read-only device" {
	add_dev -t null --size 16M --read-only
	[ "$(blockdev --getro "$DEV")" -eq 1 ] || fail "device is not read-only"
	run dd if=/dev/zero of="$DEV" bs=4k count=1 oflag=direct
	[ "$status" -ne 0 ] || fail "a write to a read-only device succeeded"
	dd if="$DEV" of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null || fail "read failed"
}

@test "null: --foreground stays attached, SIGINT and SIGTERM remove the device" {
	local sig pid i
	for sig in INT TERM; do
		"$UBLKCTL" add -t null --size 16M --foreground >"$T/out" 2>"$T/err" &
		pid=$!
		FG_PIDS+=("$pid")
		for i in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.1; done
		DEV=$(cat "$T/out")
		[[ $DEV =~ ^/dev/ublkb([0-9]+)$ ]] || fail "foreground add printed '$DEV'"
		ID=${BASH_REMATCH[1]}
		[ -b "$DEV" ] || fail "$DEV missing"
		[ "$(server_pid "$ID")" = "$pid" ] || fail "the foreground process is not the server"
		dd if="$DEV" of=/dev/null bs=4k count=8 iflag=direct 2>/dev/null || fail "IO failed"
		kill -s "$sig" "$pid"
		wait "$pid"
		status=$?
		FG_PIDS=()
		[ "$status" -eq 0 ] || fail "SIG$sig: server exited $status"
		[ ! -s "$T/err" ] || fail "SIG$sig: stderr: $(cat "$T/err")"
		expect_nothing_left
		: >"$T/out"
	done
}

@test "null: del -a removes every device" {
	add_dev -t null --size 16M
	add_dev -t null --size 16M --zero-copy=off
	add_dev -t null --size 16M -q 1
	ublkctl del -a
	expect_status 0
	expect_nothing_left
	ublkctl del -a
	expect_status 0
}
