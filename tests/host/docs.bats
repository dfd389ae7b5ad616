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
