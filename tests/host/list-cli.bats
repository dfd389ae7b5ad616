#!/usr/bin/env bats
# `list -o/--output`, `--output-all`, `--noheadings`, `--raw` (issue 14):
# every mistake is a usage error with one exact line, exit 2, before the
# driver is looked for; everything well formed reaches the driver, which
# this machine lacks.

load helpers

@test "list -o: an unknown column is named, in any position, with or without +" {
	local see="(see 'ublkctl list --help')"
	exact_usage "ublkctl: list: unknown column 'FOO' $see" list -o FOO
	exact_usage "ublkctl: list: unknown column 'foo' $see" list -o ID,foo,SIZE
	exact_usage "ublkctl: list: unknown column 'NOPE' $see" list -o +ZC,NOPE
	exact_usage "ublkctl: list: unknown column 'BOGUS' $see" list --json -o BOGUS
	exact_usage "ublkctl: list: unknown column 'BPFX' $see" list --output=BPFX
	# a prefix is no column, and '+' only leads the list
	exact_usage "ublkctl: list: unknown column 'HAND' $see" list -o HAND
	exact_usage "ublkctl: list: unknown column '+ZC' $see" list -o ID,+ZC
	exact_usage "ublkctl: list: unknown column ' ID' $see" list -o 'SIZE, ID'
}

@test "list -o: a control character in the name is escaped in the one line" {
	exact_usage "ublkctl: list: unknown column 'ID\\nX' (see 'ublkctl list --help')" \
		list -o $'ID\nX'
}

@test "list -o: an empty list or an empty name" {
	exact_usage "ublkctl: list: no column in ''" list -o ''
	exact_usage "ublkctl: list: no column in '+'" list -o +
	exact_usage "ublkctl: list: empty column name in 'ID,,SIZE'" list -o ID,,SIZE
	exact_usage "ublkctl: list: empty column name in 'ID,'" list -o ID,
	exact_usage "ublkctl: list: empty column name in ',ID'" list -o ,ID
	exact_usage "ublkctl: list: empty column name in '+,ID'" list -o +,ID
}

@test "list -o: 64 columns reach the driver, 65 are too many" {
	local many
	many=$(printf 'ID,%.0s' $(seq 63))ID
	no_driver list -o "$many"
	exact_usage "ublkctl: list: too many columns (at most 64)" list -o "$many,ID"
	# the default set counts too
	many=$(printf 'ID,%.0s' $(seq 53))ID
	no_driver list -o "+$many"
	exact_usage "ublkctl: list: too many columns (at most 64)" list -o "+$many,ID"
}

@test "list: -o and --output-all, --raw and --json exclude each other" {
	exact_usage "ublkctl: list: -o and --output-all are mutually exclusive" \
		list -o ID --output-all
	exact_usage "ublkctl: list: -o and --output-all are mutually exclusive" \
		list --output-all --output=+ZC
	exact_usage "ublkctl: list: --raw and --json are mutually exclusive" \
		list --raw --json
	exact_usage "ublkctl: list: --raw and --json are mutually exclusive" \
		list --json -n 0 --raw
}

@test "list: each option given once" {
	exact_usage "ublkctl: list: option '-o' (--output) given more than once" \
		list -o ID -o SIZE
	exact_usage "ublkctl: list: option '-o' (--output) given more than once" \
		list --output=ID -o +ZC
	exact_usage "ublkctl: list: option '-n' (--id) given more than once" \
		list -n 1 -n 2
	local o
	for o in --output-all --noheadings --raw --json; do
		exact_usage "ublkctl: list: option '$o' given more than once" list "$o" "$o"
	done
	exact_usage "ublkctl: features: option '--json' given more than once" \
		features --json --json
}

@test "list: the flags take no value, -o needs one" {
	local o
	for o in output-all noheadings raw; do
		exact_usage "ublkctl: list: option '--$o' doesn't allow an argument" \
			list "--$o=yes"
	done
	exact_usage "ublkctl: list: option requires an argument -- 'o'" list -o
	exact_usage "ublkctl: list: option '--output' requires an argument" list --output
	exact_usage "ublkctl: list: option '--out' is ambiguous ('--output', '--output-all')" \
		list --out ID
}

@test "list -o: every column, in upper, lower and mixed case, reaches the driver" {
	local c lower all=''
	for c in $(list_columns); do
		lower=${c,,}
		no_driver list -o "$c"
		no_driver list -o "$lower"
		no_driver list -o "+${c:0:1}${lower:1}"
		all+=${all:+,}$lower
	done
	no_driver list -o "$all"
	no_driver list -o iD,Bpf,hAnDlEd
	no_driver list -o ID,ID
}

@test "list: the new options, alone and together, reach the driver" {
	no_driver list --output-all
	no_driver list --noheadings
	no_driver list --raw
	no_driver list --output-all --noheadings --raw
	no_driver list --json -o id,bpf
	no_driver list --json --output-all --noheadings
	no_driver list -oID,BPF
	no_driver list --output=+HANDLED,REDIRECTED -n 3 --raw
	no_driver list --noh -n 1
}

@test "list --help shows the columns, without touching the system" {
	help_of list
	expect_output_has -o --output --output-all --noheadings --raw --json
	expect_output_has $(list_columns)
	grep -qx 'Default: ID,DEVICE,TARGET,STATE,SIZE,QUEUES,DEPTH,PID,BPF,FILES' <<<"$output" ||
		fail "no default set"
	expect_no_new_state
}
