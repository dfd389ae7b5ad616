#!/usr/bin/env bats
# On a machine without ublk (no /dev/ublk-control) every command that needs
# the driver fails with one exact line and exit 1, leaving no state file in
# /run/ublkctl and no server process behind.

load helpers

@test "add -t null without a driver" {
	no_driver add -t null
}

@test "add -t null with every option, without a driver" {
	no_driver add -t null -n 7 -q 2 -d 64 --size 1G --block-size 4096 \
		--read-only --zero-copy=off --no-recovery -v
}

@test "add --foreground without a driver" {
	no_driver add -t null --foreground
}

@test "add -t loop without a driver" {
	local f=$BATS_TEST_TMPDIR/a.img
	truncate -s 16M "$f"
	no_driver add -t loop -f "$f"
}

@test "add -t stripe without a driver" {
	local a=$BATS_TEST_TMPDIR/a.img b=$BATS_TEST_TMPDIR/b.img
	truncate -s 16M "$a" "$b"
	no_driver add -t stripe -f "$a" -f "$b" --chunk-size 128K
}

@test "list without a driver" {
	no_driver list
}

@test "list --json without a driver" {
	no_driver list --json
}

@test "list -n ID without a driver" {
	no_driver list -n 0
}

@test "del -n ID without a driver" {
	no_driver del -n 0
}

@test "del -a without a driver" {
	no_driver del -a
}

@test "features without a driver" {
	no_driver features
}

@test "features --json without a driver" {
	no_driver features --json
}

@test "recover -n ID without a driver fails with one line, exit 1" {
	require_no_driver
	ublkctl recover -n 0
	expect_status 1
	expect_error_line 'ublk|0'
	expect_no_new_state
	expect_no_server
}

@test "add of a missing file is a failure (exit 1), not a usage error" {
	require_no_driver
	ublkctl add -t loop -f /nonexistent/a.img
	expect_status 1
	expect_error_line 'ublk-control|/nonexistent/a.img'
	expect_no_new_state
	expect_no_server
}

@test "sizes with suffixes in either case, B and iB, reach the driver" {
	no_driver add -t null --size 1G
	no_driver add -t null --size 512k
	no_driver add -t null --size 2GiB
	no_driver add -t null --size 1TB
	no_driver add -t null --size 4096
}

@test "the edges of every range reach the driver" {
	local a=$BATS_TEST_TMPDIR/a.img b=$BATS_TEST_TMPDIR/b.img
	truncate -s 16M "$a" "$b"
	no_driver add -t null -q 1 -d 1 -n 0
	no_driver add -t null -q 64 -d 4096 -n 1048575
	no_driver add -t stripe -f "$a" -f "$b" --chunk-size 4K
	no_driver add -t stripe -f "$a" -f "$b" --chunk-size 1M
	local i files=()
	for i in 1 2 3 4 5 6 7 8; do
		truncate -s 16M "$BATS_TEST_TMPDIR/m$i.img"
		files+=(-f "$BATS_TEST_TMPDIR/m$i.img")
	done
	no_driver add -t stripe "${files[@]}"
	no_driver add -t null --block-size 512
	no_driver add -t null --zero-copy=on
	no_driver add -t null --zero-copy auto
}
