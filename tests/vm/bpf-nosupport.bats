#!/usr/bin/env bats
# --bpf where ublk BPF is missing (a stock kernel, or the feature hidden
# with the UBLKCTL_FEATURE_MASK test hook): `on` fails with one line and
# leaves nothing behind, `auto` serves in userspace and says so with -v,
# `off` never attaches.  Runs on any kernel.

load helpers

# Every feature bit below UBLK_F_BPF (bit 48).
NO_BPF=0xffffffffffff

@test "bpf: features says whether the driver supports ublk BPF" {
	ublkctl features --json
	expect_status 0
	local json=$output
	[ "$(jq '.bpf | type' <<<"$json")" = '"boolean"' ] || fail "no bpf key"
	ublkctl features
	if [ "$(jq .bpf <<<"$json")" = true ]; then
		grep -qx bpf <<<"$output" || fail "text does not name bpf"
	else
		! grep -qx bpf <<<"$output" || fail "text names bpf"
	fi
	UBLKCTL_FEATURE_MASK=$NO_BPF run "$UBLKCTL" features --json
	[ "$(jq .bpf <<<"$output")" = false ] || fail "the mask does not hide bpf"
}

@test "bpf: --bpf=on without driver support fails cleanly" {
	local t
	make_file "$T/a.img" 8M
	make_file "$T/b.img" 8M
	for t in "-t null" "-t loop -f $T/a.img" "-t stripe -f $T/a.img -f $T/b.img"; do
		UBLKCTL_FEATURE_MASK=$NO_BPF ublkctl add $t --bpf=on
		expect_failure 1 "ublkctl: add: --bpf=on: the ublk driver does not support BPF (UBLK_F_BPF)"
		expect_nothing_left
	done
	if ! "$UBLKCTL" features --json | jq -e .bpf >/dev/null; then
		ublkctl add -t null --bpf=on
		expect_failure 1 "ublkctl: add: --bpf=on: the ublk driver does not support BPF (UBLK_F_BPF)"
		expect_nothing_left
	fi
}

@test "bpf: --bpf=auto without driver support serves in userspace, says so with -v" {
	make_file "$T/l.img" 16M
	UBLKCTL_FEATURE_MASK=$NO_BPF add_dev -t loop -f "$T/l.img"
	[ "$(dev_field "$ID" bpf)" = false ] || fail "bpf true without support"
	[ "$(dev_field "$ID" bpf_stats)" = null ] || fail "bpf_stats without bpf"
	fio_verify "$DEV"
	"$UBLKCTL" del -n "$ID"
	UBLKCTL_FEATURE_MASK=$NO_BPF ublkctl add -t null --size 16M --bpf=auto -v
	expect_status 0
	grep -qF "not using BPF: the ublk driver does not support BPF (UBLK_F_BPF); serving in userspace" \
		<<<"$stderr" || fail "-v does not say why BPF is not used"
	"$UBLKCTL" del -a
	if ! "$UBLKCTL" features --json | jq -e .bpf >/dev/null; then
		add_dev -t null --size 16M
		[ "$(dev_field "$ID" bpf)" = false ] || fail "bpf true on a stock kernel"
		"$UBLKCTL" del -n "$ID"
	fi
	expect_nothing_left
}

@test "bpf: --bpf=off never attaches; a bad mode is a usage error" {
	add_dev -t null --size 16M --bpf=off
	[ "$(dev_field "$ID" bpf)" = false ] || fail "--bpf=off attached"
	dev_json "$ID" | jq -e '.flags | index("bpf") | not' >/dev/null ||
		fail "--bpf=off device has UBLK_F_BPF"
	"$UBLKCTL" del -n "$ID"
	ublkctl add -t null --bpf=maybe
	expect_failure 2 "ublkctl: add: invalid BPF mode 'maybe' (auto, on or off)"
	expect_nothing_left
}
