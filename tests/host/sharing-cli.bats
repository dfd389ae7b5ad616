#!/usr/bin/env bats
# `add --shared` and `del --force` parse: given once, taking no value, and
# reaching the driver (which this machine lacks).

load helpers

@test "add --shared reaches the driver" {
	local a=$BATS_TEST_TMPDIR/a.img
	truncate -s 16M "$a"
	no_driver add -t loop -f "$a" --shared
}

@test "add --shared takes no value and is given once" {
	local a=$BATS_TEST_TMPDIR/a.img
	truncate -s 16M "$a"
	usage_error "'--shared' doesn't allow an argument" add -t loop -f "$a" --shared=yes
	usage_error "'--shared' given more than once" add -t loop -f "$a" --shared --shared
}

@test "del --force reaches the driver, with -n and with -a" {
	no_driver del -n 0 --force
	no_driver del -a --force
}

@test "del --force takes no value and does not replace -n or -a" {
	usage_error "'--force' doesn't allow an argument" del -n 0 --force=1
	usage_error 'missing device' del --force
}
