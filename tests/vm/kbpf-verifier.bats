#!/usr/bin/env bats
# ublk BPF (kernel/patches): programs the verifier must reject, with the
# verifier's reason; and a good program that loads.

load ../kbpf/helpers

setup_file() { kbpf_setup_file; }
setup() { kbpf_setup; }
teardown() { kbpf_teardown; }
teardown_file() { kbpf_teardown_file; }

# rejected [-s] OBJ PATTERN: loading OBJ (sleepable with -s) fails and
# the log matches PATTERN
rejected() {
	local opt=()
	[ "$1" = -s ] && { opt=(-s); shift; }
	run "$KBPF" load "${opt[@]}" "$PROGS/$1.bpf.o"
	echo "$output"
	[ "$status" -ne 0 ]
	grep -qE "$2" <<<"$output"
}

@test "the test programs load" {
	run "$KBPF" load "$PROGS/basic.bpf.o"
	echo "$output"
	[ "$status" -eq 0 ]
	kbpf_check_dmesg
}

@test "completing a request twice is rejected" {
	rejected neg_double_complete "release kfunc ublk_bpf_complete_io expects referenced PTR_TO_BTF_ID"
}

@test "using a request after completing it is rejected" {
	rejected neg_use_after_complete "R1 pointer type STRUCT ublk_bpf_io must point to scalar|R1 invalid mem access|must be referenced or trusted"
}

@test "returning without completing or releasing the request is rejected" {
	rejected neg_leak_io "Unreleased reference"
}

@test "writing to the request is rejected" {
	rejected neg_write_io "R1 cannot write into ptr_ublk_bpf_io"
}

@test "a sleepable ublk program is rejected" {
	rejected -s neg_sleepable "attach to unsupported member queue_io of struct ublk_bpf_ops"
}

@test "a ublk kfunc called from another struct_ops type is rejected" {
	rejected neg_other_struct_ops "calling kernel function ublk_bpf_io_tag is not allowed"
}

@test "an aio neither submitted nor freed is rejected" {
	rejected neg_leak_aio "Unreleased reference"
}

@test "using an aio after submitting it is rejected" {
	rejected neg_use_after_submit "release kfunc ublk_bpf_aio_release expects referenced PTR_TO_BTF_ID"
}

@test "an aio completion callback that keeps the aio is rejected" {
	rejected neg_aio_done_leak "Unreleased reference"
}
