#!/usr/bin/env bats
# Usage errors: found from the arguments alone, before touching the system,
# so they come out as exit 2 even here where there is no ublk driver and the
# files do not exist.  One `ublkctl: <what>: <why>` line naming the problem
# (optionally followed by a `Try ...` line), nothing on stdout, no state.

load helpers

# Files that do not exist: the file count is checked before the files.
A=/nonexistent/a.img
B=/nonexistent/b.img

@test "unknown command" {
	usage_error 'frobnicate' frobnicate
}

@test "unknown global option" {
	usage_error '--frobnicate' --frobnicate
}

@test "unknown option of add" {
	usage_error '--frobnicate' add -t null --frobnicate
}

@test "unknown option of del, list, recover, features" {
	usage_error '--frobnicate' del --frobnicate
	usage_error '--frobnicate' list --frobnicate
	usage_error '--frobnicate' recover --frobnicate
	usage_error '--frobnicate' features --frobnicate
}

@test "unknown short option of add" {
	usage_error "-Z|'Z'|invalid option.*Z" add -t null -Z
}

@test "unknown target" {
	usage_error 'raid5' add -t raid5
}

@test "add without -t" {
	usage_error '-t|target' add
	usage_error '-t|target' add -f "$A"
}

@test "del with no option" {
	usage_error '-n|-a|--id|--all' del
}

@test "recover without -n" {
	usage_error '-n|--id' recover
}

@test "stripe with 1 file" {
	usage_error 'stripe' add -t stripe -f "$A"
}

@test "stripe with 9 files" {
	usage_error 'stripe' add -t stripe -f "$A" -f "$B" -f "$A" -f "$B" \
		-f "$A" -f "$B" -f "$A" -f "$B" -f "$A"
}

@test "stripe with no file" {
	usage_error 'stripe' add -t stripe
}

@test "loop with 0 files" {
	usage_error 'loop' add -t loop
}

@test "loop with 2 files" {
	usage_error 'loop' add -t loop -f "$A" -f "$B"
}

@test "null with a file" {
	usage_error 'null' add -t null -f "$A"
}

@test "chunk size not a power of two" {
	usage_error '48K|49152' add -t stripe -f "$A" -f "$B" --chunk-size 48K
	usage_error '100000' add -t stripe -f "$A" -f "$B" --chunk-size 100000
}

@test "chunk size below 4K" {
	usage_error '2K|2048' add -t stripe -f "$A" -f "$B" --chunk-size 2K
}

@test "chunk size above 1M" {
	usage_error '2M|2097152' add -t stripe -f "$A" -f "$B" --chunk-size 2M
}

@test "-q 0" {
	usage_error '-q|queue' add -t null -q 0
}

@test "-q too large" {
	usage_error '-q|queue' add -t null -q 100000
}

@test "-q malformed" {
	usage_error 'two' add -t null -q two
}

@test "-d 5000" {
	usage_error '5000' add -t null -d 5000
}

@test "-d 0" {
	usage_error '-d|depth' add -t null -d 0
}

@test "malformed size --size 12Q" {
	usage_error '12Q' add -t null --size 12Q
}

@test "malformed size: no number, negative, trailing junk" {
	usage_error 'size' add -t null --size G
	usage_error '-1' add -t null --size -1
	usage_error '1G2' add -t null --size 1G2
}

@test "--size that overflows 64 bits" {
	usage_error '99999999T' add -t null --size 99999999T
}

@test "--block-size 1000" {
	usage_error '1000' add -t null --block-size 1000
}

@test "--zero-copy=maybe" {
	usage_error 'maybe' add -t null --zero-copy=maybe
}

@test "a usage error is reported before the missing driver" {
	require_no_driver
	usage_error 'raid5' add -t raid5 -n 0
	usage_error 'stripe' add -t stripe -f "$A" -n 0
}

@test "no command" {
	usage_error 'missing command'
}

@test "unexpected argument" {
	usage_error 'extra' list extra
	usage_error 'extra' add -t null extra
}

@test "--size 0" {
	usage_error "'0'|size" add -t null --size 0
}

@test "--size not a multiple of the block size" {
	usage_error '1000|block size' add -t null --size 1000
	usage_error '6K|block size' add -t null --block-size 4096 --size 6K
}

@test "--size with a target whose files give the size" {
	usage_error '--size.*loop|loop.*--size' add -t loop -f "$A" --size 1G
	usage_error '--size.*stripe|stripe.*--size' add -t stripe -f "$A" -f "$B" \
		--size 1G
}

@test "--chunk-size with a target other than stripe" {
	usage_error '--chunk-size.*null|null.*--chunk-size' add -t null \
		--chunk-size 64K
	usage_error '--chunk-size.*loop|loop.*--chunk-size' add -t loop -f "$A" \
		--chunk-size 64K
}

@test "malformed or out-of-range device id" {
	usage_error 'abc' add -t null -n abc
	usage_error '1048576' del -n 1048576
	usage_error '-1' list -n -1
	usage_error 'x7' recover -n x7
}

@test "del with both -n and -a" {
	usage_error '-n.*-a|-a.*-n' del -n 0 -a
}

@test "an option without its argument" {
	usage_error "-t|'t'|target" add -t
	usage_error '--size' add -t null --size
}
