# Helpers for the BPF target tests (bpf-*.bats), on top of helpers.bash.

load helpers

# need_bpf: skip unless the driver offers ublk BPF (UBLK_F_BPF).
need_bpf() {
	"$UBLKCTL" features --json | jq -e '.bpf == true' >/dev/null ||
		skip "the ublk driver has no BPF support"
}

# bpf_stat ID handled|redirected
bpf_stat() {
	dev_field "$1" "bpf_stats.$2"
}

# expect_bpf ID: the device is served by its BPF program, which has
# handled requests.
expect_bpf() {
	[ "$(dev_field "$1" bpf)" = true ] || fail "device $1: bpf is not true"
	[ "$(bpf_stat "$1" handled)" -gt 0 ] ||
		fail "device $1: the program handled nothing: $(dev_json "$1")"
}

# bpf_pins ID: what is pinned for the device.
bpf_pins() {
	ls -A "/sys/fs/bpf/ublkctl/$1" 2>/dev/null
}

# stripe_layout_ok PATTERN CHUNK FILE...: each file holds the chunks of
# PATTERN that the stripe layout puts in it.
stripe_layout_ok() {
	local pattern=$1 chunk=$2
	shift 2
	local n=$# size k i=0 file
	size=$(stat -c %s "$pattern")
	rm -f "$T"/want.*
	for ((k = 0; k < size / chunk; k++)); do
		dd if="$pattern" of="$T/want.$((k % n))" bs="$chunk" skip=$k \
			seek=$((k / n)) count=1 conv=notrunc status=none
	done
	for file in "$@"; do
		cmp -n $((size / n)) "$T/want.$i" "$file" ||
			fail "$file does not hold the chunks the layout gives it"
		i=$((i + 1))
	done
}
