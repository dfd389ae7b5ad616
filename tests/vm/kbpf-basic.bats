#!/usr/bin/env bats
# ublk BPF (kernel/patches): struct_ops programs completing, splitting,
# failing and redirecting requests; binding and unbinding them.  Every
# test fails on a kernel splat in dmesg.

load ../kbpf/helpers

setup_file() { kbpf_setup_file; }
setup() { kbpf_setup; }
teardown() { kbpf_teardown; }
teardown_file() { kbpf_teardown_file; }

@test "UBLK_F_BPF is reported by GET_FEATURES and kept by ADD_DEV" {
	run "$KBPF" features
	[ "$status" -eq 0 ]
	[[ "$output" == *"bpf yes"* ]]
	kbpf_start
	kbpf_stop
	kbpf_check_dmesg
}

@test "a program completing at once serves reads and writes without the server" {
	kbpf_serve_null_ops
	kbpf_check_dmesg
}

@test "a redirecting program hands every request to the server" {
	kbpf_start -p "$PROGS/basic.bpf.o:redirect_ops"
	block_is_server_data "$DEV" 0
	block_is_server_data "$DEV" 5
	dd if=/dev/zero of="$DEV" bs=4k count=8 oflag=direct
	kbpf_stop
	[ "$SERVED" -ge 10 ]
	kbpf_check_dmesg
}

@test "a split program queues requests in parts (UBLK_BPF_IO_CONTINUE)" {
	kbpf_start -p "$PROGS/basic.bpf.o:split_ops"
	dd if="$DEV" of=/dev/null bs=256k count=16 iflag=direct
	dd if=/dev/zero of="$DEV" bs=256k count=16 oflag=direct
	# a 4 KiB request is one part
	dd if="$DEV" of=/dev/null bs=4k count=16 iflag=direct
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "-EIO completed by a program reaches the reader" {
	kbpf_start -p "$PROGS/basic.bpf.o:eio_ops"
	run dd if="$DEV" of=/dev/null bs=4k count=1 iflag=direct
	[ "$status" -ne 0 ]
	[[ "$output" == *"Input/output error"* ]]
	dd if=/dev/zero of="$DEV" bs=4k count=4 oflag=direct
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "a program may redirect some requests and complete others" {
	kbpf_start -p "$PROGS/basic.bpf.o:mixed_ops"
	block_is_not_server_data "$DEV" 0
	block_is_server_data "$DEV" 1
	block_is_not_server_data "$DEV" 2
	block_is_server_data "$DEV" 3
	kbpf_stop
	[ "$SERVED" -eq 2 ]
	kbpf_check_dmesg
}

@test "an invalid return value or a dropped request fails the IO, nothing hangs" {
	kbpf_start -p "$PROGS/basic.bpf.o:bad_ret_ops"
	run dd if="$DEV" of=/dev/null bs=4k count=1 iflag=direct
	[ "$status" -ne 0 ]
	"$KBPF" bind "$DEV_ID" "$PROGS/basic.bpf.o" drop_ops
	run dd if=/dev/zero of="$DEV" bs=4k count=1 oflag=direct
	[ "$status" -ne 0 ]
	kbpf_stop
	dmesg | grep -q "BPF program dropped request"
	kbpf_check_dmesg
}

@test "bind, unbind and rebind switch between program and server" {
	kbpf_start
	block_is_server_data "$DEV" 0
	"$KBPF" bind "$DEV_ID" "$PROGS/basic.bpf.o" null_ops
	block_is_not_server_data "$DEV" 0
	"$KBPF" bind "$DEV_ID" "$PROGS/basic.bpf.o" redirect_ops
	block_is_server_data "$DEV" 0
	"$KBPF" unbind "$DEV_ID"
	block_is_server_data "$DEV" 0
	run "$KBPF" unbind "$DEV_ID"
	[ "$status" -ne 0 ]
	"$KBPF" bind "$DEV_ID" "$PROGS/basic.bpf.o" null_ops
	block_is_not_server_data "$DEV" 0
	kbpf_stop
	kbpf_check_dmesg
}

@test "bind, unbind and rebind while fio runs lose no IO" {
	kbpf_start -q 2 -d 32
	fio --name=bind --filename="$DEV" --rw=randrw --bs=4k --iodepth=16 \
		--ioengine=io_uring --direct=1 --allow_file_create=0 --time_based --runtime=20 \
		--numjobs=2 --output="$BATS_TEST_TMPDIR/fio.out" &
	fio_pid=$!
	for i in 1 2 3 4 5 6; do
		sleep 1
		"$KBPF" bind "$DEV_ID" "$PROGS/basic.bpf.o" null_ops
		sleep 1
		"$KBPF" bind "$DEV_ID" "$PROGS/basic.bpf.o" split_ops
		sleep 1
		"$KBPF" unbind "$DEV_ID"
	done
	wait "$fio_pid"
	grep -q "err= 0" "$BATS_TEST_TMPDIR/fio.out"
	kbpf_stop
	[ "$SERVED" -gt 0 ]
	kbpf_check_dmesg
}

@test "a device without UBLK_F_BPF refuses BPF parameters and binding" {
	kbpf_start -N
	run "$KBPF" bind "$DEV_ID" "$PROGS/basic.bpf.o" null_ops
	[ "$status" -ne 0 ]
	[[ "$output" == *"not supported"* ]]
	block_is_server_data "$DEV" 0
	kbpf_stop
	local before
	before=$(struct_ops_maps)
	run "$KBPF" serve -N -p "$PROGS/basic.bpf.o:null_ops"
	[ "$status" -ne 0 ]
	[[ "$output" == *"SET_PARAMS"* ]]
	# a loader that dies leaves no program registered (struct_ops links)
	[ "$(struct_ops_maps)" = "$before" ]
	kbpf_check_dmesg
}
