#!/usr/bin/env bats
# The man page renders cleanly and says what the tool does; the man page
# and the completions list exactly the options `COMMAND --help` lists, so
# the docs cannot drift from the binary.

load helpers

@test "man page: groff -ww -z prints nothing" {
	run groff -ww -z -man "$MAN_PAGE"
	expect_status 0
	[ -z "$output" ] || fail "groff warned"
}

@test "man page: mandoc -T lint is clean (if mandoc is installed)" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -T lint -W warning "$MAN_PAGE"
	expect_status 0
	[ -z "$output" ] || fail "mandoc warned"
}

@test "man page: renders with man -l" {
	run --separate-stderr man -l "$MAN_PAGE"
	expect_status 0
	[ -z "$stderr" ] || fail "man -l printed on stderr"
	[[ $output == *"ublkctl - set up and control ublk"* ]] ||
		fail "no NAME line"
}

@test "man page: has every section" {
	local text s
	text=$(man_text)
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS TARGETS "ZERO COPY" \
		RECOVERY FILES "JSON OUTPUT" "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -qx "$s" <<<"$text" || fail "no section $s"
	done
}

@test "man page: names every command, target, file and SEE ALSO page" {
	local text w
	text=$(man_text)
	for w in "${COMMANDS[@]}" null loop stripe qcow2 /run/ublkctl/ID.json \
		/dev/ublk-control /dev/ublkbN /dev/ublkcN 'losetup(8)' 'fio(1)' \
		'io_uring(7)' "$NO_DRIVER"; do
		grep -qF -e "$w" <<<"$text" || fail "the man page lacks '$w'"
	done
}

@test "man page: the stripe layout and the JSON keys of the contract" {
	local text k
	text=$(man_text)
	grep -qF 'chunk k of the device lives in file k mod n at offset (k div n)' \
		<<<"$(tr -s ' \n' ' ' <<<"$text")" || fail "no stripe layout"
	for k in id device char_device target state size block_size queues depth \
		pid files chunk_size backing cluster_size zero_copy recovery bpf flags; do
		grep -qF "\"$k\":" <<<"$text" || fail "JSON key $k missing"
	done
}

@test "man page: every option of every command's --help is documented" {
	local cmd o opts documented
	for cmd in "${COMMANDS[@]}"; do
		opts=$(options_of "$cmd")
		documented=$(man_options_of "$cmd")
		for o in $opts; do
			grep -qxF -e "$o" <<<"$documented" ||
				fail "'$cmd $o' is not under 'Options of $cmd'"
		done
	done
}

@test "man page: documents no option that --help does not list" {
	local cmd o opts
	for cmd in "${COMMANDS[@]}"; do
		opts=$(options_of "$cmd")
		for o in $(man_options_of "$cmd"); do
			grep -qxF -e "$o" <<<"$opts" ||
				fail "the man page documents '$cmd $o', --help does not"
		done
	done
}

@test "bash completion: offers every option of every command's --help" {
	local cmd o opts
	for cmd in "${COMMANDS[@]}"; do
		opts=$(options_of "$cmd")
		complete_bash ublkctl "$cmd" -
		for o in $opts; do
			grep -qxE -e "$o=?" <<<"$output" ||
				fail "bash does not offer '$cmd $o'"
		done
	done
}

@test "bash completion: offers no option that --help does not list" {
	local cmd o opts
	for cmd in "${COMMANDS[@]}"; do
		opts=$(options_of "$cmd")
		complete_bash ublkctl "$cmd" -
		for o in $output; do
			o=${o%=}
			[ "$o" = --help ] && continue
			grep -qxF -e "$o" <<<"$opts" ||
				fail "bash offers '$cmd $o', which --help does not list"
		done
	done
}

@test "zsh completion: offers every option of every command's --help" {
	local cmd o opts
	for cmd in "${COMMANDS[@]}"; do
		opts=$(options_of "$cmd")
		complete_zsh "ublkctl $cmd -"
		for o in $opts; do
			offered "$o"
		done
	done
}

@test "man page SYNOPSIS and --help's usage name the same options" {
	local man help
	man=$(man_text | sed -n '/^SYNOPSIS$/,/^DESCRIPTION$/p' |
		grep -oE -- '(^|[[ (|])-[-a-z?]+' | sed 's/^[[ (|]//' | sort -u)
	help_of
	help=$(sed -n '/^Usage:/,/^$/p' <<<"$output" |
		grep -oE -- '(^|[[ (|])-[-a-z?]+' | sed 's/^[[ (|]//' | sort -u)
	[ -n "$man" ] || fail "no option in the man page's SYNOPSIS"
	[ "$man" = "$help" ] ||
		fail "SYNOPSIS: $(echo $man); --help: $(echo $help)"
}

@test "list: --help lists the columns and the default set" {
	local cols
	cols=$(list_columns | tr '\n' ' ')
	[ "$cols" = "ID DEVICE TARGET STATE SIZE BLKSZ CHUNK QUEUES DEPTH PID ZC RECOVERY BPF HANDLED REDIRECTED FILES " ] ||
		fail "columns of list --help: $cols"
	[ "$(list_default_columns | tr '\n' ,)" = "ID,DEVICE,TARGET,STATE,SIZE,QUEUES,DEPTH,PID,BPF,FILES," ] ||
		fail "default set of list --help: $(list_default_columns)"
}

@test "man page: 'Columns of list' has exactly the columns of list --help, in order" {
	local man help
	man=$(man_list_columns)
	help=$(list_columns)
	[ -n "$man" ] || fail "no column under 'Columns of list'"
	[ "$man" = "$help" ] || fail "man: $(echo $man); --help: $(echo $help)"
}

@test "man page: the default set of list is the one list --help names" {
	local want
	want=$(list_default_columns)
	[ "$(man_series 'The default set is ' .)" = "$want" ] ||
		fail "'Columns of list' does not give the default set: $(echo $want)"
	[ "$(man_series 'as a table with the columns ' ', or')" = "$want" ] ||
		fail "the description of list does not give the default set"
}

@test "man page: the JSON keys of list -o are the columns in lower case" {
	local keys
	keys=$(man_series 'keyed by its name in lower case (' ')')
	[ "$keys" = "$(list_columns | tr A-Z a-z)" ] ||
		fail "JSON OUTPUT names the keys: $(echo $keys)"
}

@test "bash completion: list -o offers exactly the columns of list --help" {
	local c
	complete_bash ublkctl list -o ''
	[ "$output" = "$(list_columns)" ] || fail "expected: $(echo $(list_columns))"
	complete_bash ublkctl list --output +ZC,
	for c in $(list_columns); do
		offered "+ZC,$c"
	done
}

@test "zsh completion: list -o offers exactly the columns of list --help" {
	complete_zsh "ublkctl list -o "
	[ "$(tr ' ' '\n' <<<"$output")" = "$(list_columns)" ] ||
		fail "expected: $(echo $(list_columns))"
}

@test "README: names every option and column of list" {
	local o c
	for o in $(options_of list); do
		grep -qF -e "\`$o" "$REPO/README.md" || fail "README lacks '$o'"
	done
	for c in $(list_columns); do
		grep -qF -e "\`$c\`" "$REPO/README.md" || fail "README lacks column '$c'"
	done
}
