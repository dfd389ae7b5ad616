#!/usr/bin/env bats
# `add --shared` parses: given once, taking no value, and reaching the
# driver (which this machine lacks).

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
