#!/usr/bin/env bats
# bash and zsh completions: subcommands, options, targets, option values,
# files and live device ids; silent when there is no device or driver.

load helpers

ADD_OPTS=(-t --target -f --file -n -q -d --size --chunk-size --block-size
	--read-only --zero-copy= --shared --no-recovery --foreground -v --help)

@test "bash: the script parses and registers _ublkctl for ublkctl" {
	run bash -c 'source "$1" && complete -p ublkctl' _ "$BASH_COMPLETION"
	expect_status 0
	[[ $output == *"-F _ublkctl"*" ublkctl" ]] || fail "not registered"
}

@test "bash: subcommands" {
	complete_bash ublkctl ''
	offered "${COMMANDS[@]}"
	complete_bash ublkctl re
	[ "$output" = recover ] || fail "expected only 'recover'"
}

@test "bash: global options" {
	complete_bash ublkctl --
	offered --help --version
}

@test "bash: options of add" {
	complete_bash ublkctl add -
	offered "${ADD_OPTS[@]}"
	complete_bash ublkctl add -t null ''
	offered "${ADD_OPTS[@]}"
}

@test "bash: options of del, list, recover, features" {
	complete_bash ublkctl del -
	offered -n -a --help
	complete_bash ublkctl list -
	offered -n --json -o --output --output-all --noheadings --raw --help
	complete_bash ublkctl recover -
	offered -n --help
	not_offered -a --json
	complete_bash ublkctl features -
	offered --json --help
	not_offered -n
}

@test "bash: targets for -t and --target" {
	complete_bash ublkctl add -t ''
	[ "$output" = $'null\nloop\nstripe\nqcow2' ] || fail "expected the 4 targets"
	complete_bash ublkctl add --target s
	[ "$output" = stripe ] || fail "expected stripe"
}

@test "bash: --zero-copy values, however '=' is split" {
	complete_bash ublkctl add --zero-copy = ''
	[ "$output" = $'auto\non\noff' ] || fail "expected auto on off"
	complete_bash ublkctl add --zero-copy = o
	[ "$output" = $'on\noff' ] || fail "expected on off"
	complete_bash ublkctl add --zero-copy=o
	[ "$output" = $'--zero-copy=on\n--zero-copy=off' ] ||
		fail "expected --zero-copy=on --zero-copy=off"
}

@test "bash: --block-size and --chunk-size values" {
	complete_bash ublkctl add --block-size ''
	[ "$output" = $'512\n4096' ] || fail "expected 512 4096"
	complete_bash ublkctl add -t stripe --chunk-size ''
	offered 4K 64K 1M
	not_offered 2K 2M
}

@test "bash: list -o completes the last column of a list, in either case" {
	complete_bash ublkctl list -o ID,S
	[ "$output" = $'ID,STATE\nID,SIZE' ] || fail "expected ID,STATE ID,SIZE"
	complete_bash ublkctl list -o +re
	[ "$output" = $'+RECOVERY\n+REDIRECTED' ] || fail "expected +RECOVERY +REDIRECTED"
	complete_bash ublkctl list --output=id,h
	[ "$output" = --output=id,HANDLED ] || fail "expected --output=id,HANDLED"
	complete_bash ublkctl list --output = B
	[ "$output" = $'BLKSZ\nBPF' ] || fail "expected BLKSZ BPF"
	# -o is list's only
	complete_bash ublkctl features -o ''
	not_offered ID BPF
}

@test "bash: files for -f" {
	touch "$BATS_TEST_TMPDIR/disk-a.img" "$BATS_TEST_TMPDIR/disk-b.img"
	complete_bash ublkctl add -t stripe -f "$BATS_TEST_TMPDIR/disk-"
	offered "$BATS_TEST_TMPDIR/disk-a.img" "$BATS_TEST_TMPDIR/disk-b.img"
	complete_bash ublkctl add -t loop --file "$BATS_TEST_TMPDIR/disk-a"
	[ "$output" = "$BATS_TEST_TMPDIR/disk-a.img" ] || fail "expected disk-a"
}

@test "bash: live device ids for -n, from ublkctl list --json" {
	command -v jq >/dev/null || skip "jq is not installed"
	fake_tool
	for cmd in del list recover; do
		complete_bash ublkctl "$cmd" -n ''
		[ "$output" = $'3\n12' ] || fail "$cmd: expected ids 3 and 12"
	done
	complete_bash ublkctl del --id 1
	[ "$output" = 12 ] || fail "expected id 12"
	complete_bash ublkctl add -n ''
	[ -z "$output" ] || fail "add -n offers existing ids"
}

@test "bash: ids from the state files when the tool gives none" {
	export UBLKCTL_RUN_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 0700 "$UBLKCTL_RUN_DIR"
	touch "$UBLKCTL_RUN_DIR/4.json" "$UBLKCTL_RUN_DIR/21.json"
	COMPLETION_PATH=/nonexistent complete_bash ublkctl recover -n ''
	[ "$(sort -n <<<"$output")" = $'4\n21' ] || fail "expected ids 4 and 21"
}

@test "bash: no device and no driver: no ids, nothing on stderr" {
	require_no_driver
	# The real binary, which fails here, is the one asked for ids.
	PATH=$(dirname "$UBLKCTL"):$PATH
	complete_bash ublkctl del -n ''
	[ -z "$output" ] || fail "ids offered without a device"
	complete_bash "$UBLKCTL" recover -n ''
	[ -z "$output" ] || fail "ids offered without a device"
}

@test "bash: no ublkctl nor jq in PATH: still silent" {
	COMPLETION_PATH=/nonexistent complete_bash ublkctl list -n ''
	[ -z "$output" ] || fail "ids offered without a tool"
}

@test "zsh: the script parses and is a #compdef file for ublkctl" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh -n "$ZSH_COMPLETION"
	expect_status 0
	[ "$(head -n 1 "$ZSH_COMPLETION")" = "#compdef ublkctl" ] ||
		fail "the first line is not '#compdef ublkctl'"
}

@test "zsh: subcommands" {
	complete_zsh "ublkctl "
	offered "${COMMANDS[@]}"
}

@test "zsh: options of add and del" {
	complete_zsh "ublkctl add -"
	offered -t --target -f --file -n --id -q -d --size --chunk-size \
		--block-size --read-only --zero-copy --shared --no-recovery \
		--foreground -v
	complete_zsh "ublkctl del -"
	offered -n -a --force
	not_offered --json
}

@test "zsh: targets, --zero-copy and --block-size values" {
	complete_zsh "ublkctl add -t "
	offered null loop stripe qcow2
	complete_zsh "ublkctl add --zero-copy="
	offered auto on off
	complete_zsh "ublkctl add --block-size "
	offered 512 4096
}

@test "zsh: options of list and the columns of -o" {
	complete_zsh "ublkctl list -"
	offered -n --id -o --output --output-all --noheadings --raw --json
	complete_zsh "ublkctl list -o ID,"
	offered ID DEVICE BPF HANDLED REDIRECTED FILES
	complete_zsh "ublkctl list --output=+han"
	[ "$output" = HANDLED ] || fail "expected HANDLED"
	complete_zsh "ublkctl list --raw --"
	not_offered --json
}

@test "zsh: live device ids for -n, from ublkctl list --json" {
	command -v jq >/dev/null || skip "jq is not installed"
	fake_tool
	complete_zsh "ublkctl recover -n "
	offered 3 12
	complete_zsh "ublkctl del --id="
	offered 3 12
}

@test "zsh: ids from the state files when the tool gives none" {
	export UBLKCTL_RUN_DIR=$BATS_TEST_TMPDIR/run
	mkdir -m 0700 "$UBLKCTL_RUN_DIR"
	touch "$UBLKCTL_RUN_DIR/4.json" "$UBLKCTL_RUN_DIR/21.json"
	complete_zsh "ublkctl list -n "
	offered 4 21
}

@test "zsh: no device and no driver: no ids, nothing on stderr" {
	require_no_driver
	PATH=$(dirname "$UBLKCTL"):$PATH
	complete_zsh "ublkctl del -n "
	[ -z "$output" ] || fail "ids offered without a device"
	[ -z "$stderr" ] || fail "the completion printed on stderr"
}
