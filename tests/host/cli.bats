#!/usr/bin/env bats
# --help, --version and each command's --help: exit 0, on stdout, and
# saying what the contract (issue 3) says.

load helpers

@test "--help exits 0 and names every command" {
	help_of
	expect_output_has "${COMMANDS[@]}"
}

@test "-h and -? are --help" {
	help_of
	local help=$output
	for opt in -h '-?'; do
		ublkctl "$opt"
		expect_status 0
		[ "$output" = "$help" ] || fail "$opt differs from --help"
	done
}

@test "COMMAND -? is COMMAND --help" {
	local help
	for cmd in "${COMMANDS[@]}"; do
		help_of "$cmd"
		help=$output
		ublkctl "$cmd" '-?'
		expect_status 0
		[ "$output" = "$help" ] || fail "$cmd -? differs from $cmd --help"
	done
}

@test "-V is --version" {
	ublkctl -V
	expect_status 0
	[[ $output == "ublkctl "[0-9]* ]] || fail "not a version"
}

@test "--version prints 'ublkctl X.Y.Z', the Makefile's VERSION" {
	local version
	version=$(sed -n 's/^VERSION := //p' "$REPO/Makefile")
	ublkctl --version
	expect_status 0
	[ "$output" = "ublkctl $version" ] || fail "expected: ublkctl $version"
	[ -z "$stderr" ] || fail "--version printed on stderr"
}

@test "add --help lists the add options" {
	help_of add
	expect_output_has ${CONTRACT_OPTIONS[add]} null loop stripe qcow2
}

@test "del --help lists the del options" {
	help_of del
	expect_output_has ${CONTRACT_OPTIONS[del]}
}

@test "list --help lists the list options" {
	help_of list
	expect_output_has ${CONTRACT_OPTIONS[list]}
}

@test "recover --help lists the recover options" {
	help_of recover
	expect_output_has ${CONTRACT_OPTIONS[recover]}
}

@test "features --help lists the features options" {
	help_of features
	expect_output_has ${CONTRACT_OPTIONS[features]}
}

@test "--help does not touch the system (works without a driver)" {
	require_no_driver
	for cmd in "" "${COMMANDS[@]}"; do
		help_of $cmd
		expect_no_new_state
	done
}
