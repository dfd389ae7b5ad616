#!/usr/bin/env bats
# Hostile arguments (issue 10): each is a usage error with one exact
# message, before anything is touched.  Sizes the kernel cannot represent,
# ambiguous abbreviations, options given twice, ids out of range.

load helpers

@test "add --size: 2^64-1 and 2^63 bytes are more than the kernel's loff_t" {
	exact_usage "ublkctl: add: invalid size '18446744073709551615' (less than 8E)" \
		add -t null --size 18446744073709551615
	exact_usage "ublkctl: add: invalid size '9223372036854775808' (less than 8E)" \
		add -t null --size 9223372036854775808
	exact_usage "ublkctl: add: invalid size '8E' (less than 8E)" \
		add -t null --size 8E
}

@test "add --size: 16E, 1e9, 0x10 and negative sizes" {
	exact_usage "ublkctl: add: invalid size '16E'" add -t null --size 16E
	exact_usage "ublkctl: add: invalid size '1e9'" add -t null --size 1e9
	exact_usage "ublkctl: add: invalid size '0x10'" add -t null --size 0x10
	exact_usage "ublkctl: add: invalid size '-4096'" add -t null --size -4096
	exact_usage "ublkctl: add: invalid size '99999999999999999999'" \
		add -t null --size 99999999999999999999
}

@test "add --size: P and E suffixes below 8E reach the driver" {
	no_driver add -t null --size 1P
	no_driver add -t null --size 7E
}

@test "an ambiguous abbreviation says so and names the candidates" {
	exact_usage "ublkctl: add: option '--b' is ambiguous ('--block-size', '--bpf')" \
		add -t null --b 512
	exact_usage "ublkctl: add: option '--b' is ambiguous ('--block-size', '--bpf')" \
		add -t null --b=on
}

@test "add: a second -n, -t, --size or --bpf is refused, not silently taken" {
	exact_usage "ublkctl: add: option '-n' (--id) given more than once" \
		add -t null -n 1 -n 2
	exact_usage "ublkctl: add: option '-n' (--id) given more than once" \
		add -t null -n 1 --id=2
	exact_usage "ublkctl: add: option '-t' (--target) given more than once" \
		add -t null -t loop
	exact_usage "ublkctl: add: option '--size' given more than once" \
		add -t null --size 1G --size 2G
	exact_usage "ublkctl: add: option '--bpf' given more than once" \
		add -t null --bpf=on --bpf=off
}

@test "-n out of range for add, del, recover and list" {
	local cmd
	for cmd in add del recover list; do
		local extra=()
		[ "$cmd" = add ] && extra=(-t null)
		exact_usage "ublkctl: $cmd: invalid device id '1048576' (0-1048575)" \
			"$cmd" "${extra[@]}" -n 1048576
		exact_usage "ublkctl: $cmd: invalid device id '-1' (0-1048575)" \
			"$cmd" "${extra[@]}" -n -1
		exact_usage "ublkctl: $cmd: invalid device id '18446744073709551616' (0-1048575)" \
			"$cmd" "${extra[@]}" -n 18446744073709551616
	done
}
