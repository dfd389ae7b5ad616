# Shared helpers for the host tests: they drive build/ublkctl on a machine
# without ublk (no /dev/ublk-control), so every command either stops at its
# arguments (usage error, exit 2) or at the missing driver (failure, exit 1).
#
# Load with `load helpers` at the top of a .bats file.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
UBLKCTL=$REPO/build/ublkctl
MAN_PAGE=$REPO/man/ublkctl.8
BASH_COMPLETION=$REPO/completions/ublkctl.bash
ZSH_COMPLETION=$REPO/completions/_ublkctl
STATE_DIR=/run/ublkctl
CONTROL=/dev/ublk-control
NO_DRIVER="ublkctl: $CONTROL: ublk driver not available (modprobe ublk_drv?)"

COMMANDS=(add del list recover features)

# The contract's options of each command (issue 3), short and long.
declare -gA CONTRACT_OPTIONS=(
	[add]='-t -f -n -q -d --size --chunk-size --cache-size --block-size --read-only
	       --zero-copy --shared --no-recovery --foreground -v'
	[del]='-n -a --force'
	[list]='-n --json -o --output --output-all --noheadings --raw'
	[recover]='-n'
	[features]='--json'
)

# Print a diagnostic and fail the test.
fail() {
	{
		printf '%s\n' "$*"
		printf -- '--- status: %s\n' "${status-}"
		printf -- '--- stdout:\n%s\n' "${output-}"
		printf -- '--- stderr:\n%s\n' "${stderr-}"
	} >&2
	return 1
}

# Every test remembers the state directory, so that it can check that a
# failure left nothing behind.
setup() {
	STATE_BEFORE=$(state_listing)
}

state_listing() {
	ls -A "$STATE_DIR" 2>/dev/null || true
}

need_binary() {
	[ -x "$UBLKCTL" ] || fail "$UBLKCTL is missing: run make first"
}

# Skip tests that need the driver to be absent (they mean nothing on a
# host that does have ublk).
require_no_driver() {
	[ ! -e "$CONTROL" ] || skip "$CONTROL exists on this host"
}

# ublkctl ARGS...: run the binary, stdout in $output, stderr in $stderr.
ublkctl() {
	need_binary
	run --separate-stderr "$UBLKCTL" "$@"
}

# expect_status N: the last run exited with N.
expect_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1"
}

# expect_error_line REGEX: stderr is one `ublkctl: <what>: <why>` line
# matching REGEX (case-insensitive), optionally followed by a `Try ...`
# line, and stdout is empty.
expect_error_line() {
	local re=$1
	[ -z "$output" ] || fail "an error printed something on stdout"
	[ "${#stderr_lines[@]}" -ge 1 ] || fail "no error message on stderr"
	[ "${#stderr_lines[@]}" -le 2 ] || fail "the error is more than one line"
	if [ "${#stderr_lines[@]}" -eq 2 ]; then
		[[ ${stderr_lines[1]} == "Try "* ]] ||
			fail "the error is more than one line"
	fi
	[[ ${stderr_lines[0]} == "ublkctl: "?*": "?* ]] ||
		fail "the error is not 'ublkctl: <what>: <why>'"
	shopt -s nocasematch
	[[ ${stderr_lines[0]} =~ $re ]] || {
		shopt -u nocasematch
		fail "the error does not match /$re/"
	}
	shopt -u nocasematch
}

# usage_error REGEX ARGS...: `ublkctl ARGS...` is a usage error (exit 2)
# whose message matches REGEX, and it left no state behind.
usage_error() {
	local re=$1
	shift
	ublkctl "$@"
	expect_status 2
	expect_error_line "$re"
	expect_no_new_state
}

TRY="Try 'ublkctl --help' for more information."

# exact_usage MESSAGE ARGS...: exit 2, exactly MESSAGE and the Try line.
exact_usage() {
	local msg=$1
	shift
	ublkctl "$@"
	expect_status 2
	[ -z "$output" ] || fail "a usage error printed on stdout"
	[ "${#stderr_lines[@]}" -eq 2 ] || fail "expected the message and the Try line"
	[ "${stderr_lines[0]}" = "$msg" ] || fail "expected: $msg"
	[ "${stderr_lines[1]}" = "$TRY" ] || fail "expected: $TRY"
	expect_no_new_state
}

# no_driver ARGS...: `ublkctl ARGS...` fails (exit 1) with exactly the
# no-driver line, and left no state or server behind.
no_driver() {
	require_no_driver
	ublkctl "$@"
	expect_status 1
	[ -z "$output" ] || fail "the error printed something on stdout"
	[ "$stderr" = "$NO_DRIVER" ] || fail "expected exactly: $NO_DRIVER"
	expect_no_new_state
	expect_no_server
}

# expect_no_new_state: no state file appeared in /run/ublkctl.
expect_no_new_state() {
	local now
	now=$(state_listing)
	[ "$now" = "$STATE_BEFORE" ] ||
		fail "state left in $STATE_DIR: $now"
}

# expect_no_server: no process of our binary survives the command (a
# detached server that outlived a failed add).
expect_no_server() {
	local exe pids=''
	for exe in /proc/[0-9]*/exe; do
		[ "$(readlink "$exe" 2>/dev/null)" = "$UBLKCTL" ] || continue
		exe=${exe#/proc/}
		pids+=" ${exe%/exe}"
	done
	[ -z "$pids" ] || fail "ublkctl processes left running:$pids"
}

# help_of ARGS...: `ublkctl ARGS... --help` succeeds, prints to stdout only.
help_of() {
	ublkctl "$@" --help
	expect_status 0
	[ -n "$output" ] || fail "--help printed nothing on stdout"
	[ -z "$stderr" ] || fail "--help printed on stderr"
}

# expect_output_has WORD...: stdout contains each WORD as a whole word.
expect_output_has() {
	local w
	for w in "$@"; do
		grep -qwe "$w" <<<"$output" || fail "stdout lacks '$w'"
	done
}

# long_options_of COMMAND: the long options `ublkctl COMMAND --help` lists,
# one a line, without argp's own --help/--usage/--version.
long_options_of() {
	"$UBLKCTL" "$1" --help | grep -oE -- '--[a-z][a-z0-9-]*' |
		grep -vxE -- '--(help|usage|version)' | sort -u
}

# short_options_of COMMAND: the short options (-x) `COMMAND --help` lists.
short_options_of() {
	"$UBLKCTL" "$1" --help | sed -nE 's/^ +(-[a-zA-Z]),.*/\1/p' |
		grep -vxE -- '-[?V]' | sort -u
}

# options_of COMMAND: its long and short options, as above; fails when
# --help does not work or lists none.
options_of() {
	local opts
	need_binary
	"$UBLKCTL" "$1" --help >/dev/null 2>&1 || {
		echo "'ublkctl $1 --help' fails" >&2
		return 1
	}
	opts=$(long_options_of "$1"; short_options_of "$1")
	[ -n "$opts" ] || {
		echo "'ublkctl $1 --help' lists no option" >&2
		return 1
	}
	printf '%s\n' "$opts"
}

# list_columns: the columns `ublkctl list --help` lists, one a line, in
# its order.
list_columns() {
	"$UBLKCTL" list --help | sed -n '/^Columns/,/^Default:/p' |
		sed -nE 's/^  ([A-Z]+) .*/\1/p'
}

# list_default_columns: the default set `list --help` names, one a line.
list_default_columns() {
	"$UBLKCTL" list --help | sed -n 's/^Default: //p' | tr , '\n'
}

# man_list_columns: the column tags of the man page's "Columns of list".
man_list_columns() {
	man_text | awk '
		/^   [^ ]/ || /^[^ ]/ { on = ($0 == "   Columns of list"); next }
		on && /^       [A-Z][A-Z]+( |$)/ { print $1 }'
}

# man_series BEFORE END: the items of the series "A, B and C" that follows
# the text BEFORE in the man page, up to the text END, one a line.
man_series() {
	man_text | tr -s ' \n' ' ' | awk -v b="$1" -v e="$2" '
		(i = index($0, b)) {
			s = substr($0, i + length(b))
			s = substr(s, 1, index(s, e) - 1)
			gsub(/, | and /, "\n", s)
			print s
		}'
}

# man_text: the rendered man page, plain text.
man_text() {
	MANWIDTH=200 man -l "$MAN_PAGE" 2>/dev/null
}

# man_options_of COMMAND: the option tags (`-n, --id=ID`) of the man page's
# "Options of COMMAND" subsection, one a line, split at ", ".  A tag of up
# to 6 characters shares its line with the description, which starts at
# column 15.
man_options_of() {
	man_text | awk -v want="   Options of $1" '
		/^   [^ ]/ || /^[^ ]/ { on = ($0 == want); next }
		on && /^       -/ {
			if (substr($0, 14, 1) == " ") $0 = substr($0, 1, 13)
			sub(/^ +/, ""); print }' |
		sed 's/, /\n/g' | sed 's/[= ].*//'
}

# complete_bash WORD...: run the bash completion for the command line
# WORD... (the last word is the one being completed); COMPREPLY is left in
# $output, one match a line, and anything the completion wrote to stderr
# fails the test.  $COMPLETION_PATH, if set, is the PATH the completion
# runs with.
complete_bash() {
	run --separate-stderr bash -c '
		source "$1" || exit 1
		PATH=${COMPLETION_PATH:-$PATH}
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_ublkctl ublkctl "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}" || exit 1
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"
	' complete_bash "$BASH_COMPLETION" "$@"
	expect_status 0
	[ -z "$stderr" ] || fail "the completion printed on stderr"
}

# complete_zsh LINE: the matches zsh's completion offers at the end of LINE
# (driven through zsh/zpty), space-separated, one group a line.
complete_zsh() {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run --separate-stderr timeout 20 zsh -f "$BATS_TEST_DIRNAME/zsh-complete" \
		"$REPO/completions" "$1"
	expect_status 0
}

# offered WORD...: each WORD is one of the completion's matches.
offered() {
	local w
	for w in "$@"; do
		grep -qxF -e "$w" <<<"$(tr ' ' '\n' <<<"$output")" ||
			fail "'$w' is not offered"
	done
}

# not_offered WORD...: no WORD is among the matches.
not_offered() {
	local w
	for w in "$@"; do
		! grep -qxF -e "$w" <<<"$(tr ' ' '\n' <<<"$output")" ||
			fail "'$w' is offered"
	done
}

# fake_tool: a stand-in `ublkctl` first in PATH whose `list --json` shows
# devices 3 and 12, for the completions' live device ids.
fake_tool() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/ublkctl" <<-'EOF'
		#!/bin/sh
		[ "$1 $2" = "list --json" ] || exit 2
		echo '{"devices": [{"id": 3, "device": "/dev/ublkb3"},'
		echo ' {"id": 12, "device": "/dev/ublkb12"}]}'
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/ublkctl"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH
}
