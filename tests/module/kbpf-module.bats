#!/usr/bin/env bats
# ublk built as a module (kernel/ublkctl.config, CONFIG_BLK_DEV_UBLK=m)
# with its BPF support: it unloads with no device, refuses to unload while
# a server has a device or a BPF program exists, and serves again once
# reloaded. tests/vm/run loaded it from $UBLKCTL_MODULE; every test leaves
# it loaded for the next one.

load ../kbpf/helpers

setup_file() {
	[ -n "${UBLKCTL_MODULE:-}" ] || skip "ublk is built into this kernel"
	kbpf_setup_file
}

setup() {
	kbpf_setup
	UBLKCTL=$PWD/build/ublkctl
}

teardown() {
	kbpf_teardown
	"$UBLKCTL" del -a >/dev/null 2>&1 || true
	[ -d /sys/module/ublk_drv ] || insmod "$UBLKCTL_MODULE"
}

teardown_file() { kbpf_teardown_file; }

# the rescuer thread of each ublk_bpf_aio workqueue (WQ_MEM_RECLAIM)
aio_wq_count() {
	cat /proc/[0-9]*/comm 2>/dev/null | grep -cx 'kworker/R-ublk_bpf_aio' || true
}

refcnt() {
	cat /sys/module/ublk_drv/refcnt
}

# the references of struct_ops maps go a grace period after their last
# user: wait for the module to be unused
wait_unused() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(refcnt)" -eq 0 ] && return 0
		sleep 0.1
	done
	echo "ublk_drv still has $(refcnt) references" >&2
	echo "struct_ops maps: $(struct_ops_maps)" >&2
	ls -l /dev/ublk* >&2
	return 1
}

# unload_refused: the kernel itself refuses (busybox's rmmod asks it
# without looking at the reference count first, as kmod's does)
unload_refused() {
	run busybox rmmod ublk_drv
	[ "$status" -eq 1 ]
	[[ "$output" == *"can't unload module 'ublk_drv': Resource temporarily unavailable"* ]]
	[ -d /sys/module/ublk_drv ] && [ -e /dev/ublk-control ]
}

unload() {
	rmmod ublk_drv
	[ ! -e /dev/ublk-control ] && [ ! -d /sys/module/ublk_drv ]
	[ "$(aio_wq_count)" -eq 0 ]
}

reload() {
	insmod "$UBLKCTL_MODULE"
	[ -e /dev/ublk-control ]
	[ "$(aio_wq_count)" -eq 1 ]
}

@test "ublk_drv is a module with its own BTF and one aio workqueue" {
	[ -f "$UBLKCTL_MODULE" ]
	[ -d /sys/module/ublk_drv ]
	# nothing before this file (the rest of the VM suite) left a device,
	# an open control file or a registered program behind
	wait_unused
	[ -e /sys/kernel/btf/ublk_drv ]
	[ "$(aio_wq_count)" -eq 1 ]
	run "$KBPF" features
	[[ "$output" == *"bpf yes"* ]]
}

@test "with no device it unloads, taking the driver and its workqueue, and serves again once reloaded" {
	unload
	run "$KBPF" features
	[ "$status" -ne 0 ]
	[[ "$output" == *"/dev/ublk-control"* ]]
	reload
	kbpf_serve_null_ops
	kbpf_check_dmesg
}

@test "a server's open device keeps it loaded, the device serving on" {
	kbpf_start
	[ "$(refcnt)" -ge 1 ]
	unload_refused
	block_is_server_data "$DEV" 2
	kbpf_stop
	wait_unused
	unload
	reload
	kbpf_check_dmesg
}

@test "a bound program keeps it loaded when its server is gone, until unbound" {
	kbpf_start -p "$PROGS/basic.bpf.o:null_ops"
	dd if="$DEV" of=/dev/null bs=64k count=4 iflag=direct
	# the device stays, with its program bound and no server
	kill -KILL "$SRV_PID"
	kbpf_wait_pid "$SRV_PID" 30
	SRV_PID=
	# the server's release stops the device: its disk goes
	local i
	for ((i = 0; i < 100; i++)); do
		[ -e "/sys/block/ublkb$DEV_ID" ] || break
		sleep 0.1
	done
	[ ! -e "/sys/block/ublkb$DEV_ID" ]
	[ -e "/sys/class/ublk-char/ublkc$DEV_ID" ]
	[ "$(refcnt)" -ge 1 ]
	unload_refused
	"$KBPF" unbind "$DEV_ID"
	wait_unused
	# the device's own references went with its server: unloading
	# removes it
	unload
	[ ! -e "/sys/class/ublk-char/ublkc$DEV_ID" ]
	reload
	kbpf_serve_null_ops
	kbpf_check_dmesg
}

@test "ublkctl's pinned program keeps it loaded until the device is deleted" {
	run "$UBLKCTL" add -t null --size 64M --bpf=on
	[ "$status" -eq 0 ]
	[[ $output =~ ^/dev/ublkb([0-9]+)$ ]]
	local dev=$output id=${BASH_REMATCH[1]}
	cmp -n $((4 << 20)) <(dd if="$dev" bs=1M count=4 iflag=direct status=none) /dev/zero
	unload_refused
	"$UBLKCTL" del -n "$id"
	wait_unused
	unload
	reload
	run "$UBLKCTL" add -t null --size 64M --bpf=on
	[ "$status" -eq 0 ]
	dev=$output
	cmp -n $((4 << 20)) <(dd if="$dev" bs=1M count=4 iflag=direct status=none) /dev/zero
	"$UBLKCTL" del -a
	kbpf_check_dmesg
}
