#!/usr/bin/env bats
# Run by `make check-debug` after tests/vm, in the same boot of the debug
# kernel (KASAN, lockdep, kmemleak): whatever the whole suite did must have
# left no kernel report behind.  The kbpf tests check dmesg after each
# test; these two look at the boot as a whole, so that the other suites'
# devices (null, loop, stripe, BPF targets, recovery) are covered too.

KMEMLEAK=/sys/kernel/debug/kmemleak

setup() {
	[ -e "$KMEMLEAK" ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
}

# dmesg from the first test's mark on (kbpf tests write one each): under
# TCG the stock 7.2 kernel makes a KASAN report while it boots (an
# interrupt during cpu_detect), before any ublk code runs; it is shown,
# not counted.
since_tests() {
	dmesg | awk '/kbpf-test-/ { on = 1 } on'
}

@test "debug kernel: no BUG, WARNING, KASAN, lockdep or hung-task report since the tests began" {
	local pat='BUG:|WARNING:|KASAN:|Oops|INFO: task .* blocked|possible recursive locking|inconsistent lock state'
	local report log
	log=$(since_tests)
	[ -n "$log" ] || log=$(dmesg)
	dmesg | grep -m1 -B1 -A2 'BUG: KASAN' | sed 's/^/boot: /' || true
	report=$(grep -E "$pat" <<<"$log" || true)
	if [ -n "$report" ]; then
		echo "$report"
		tail -n 200 <<<"$log"
		return 1
	fi
}

@test "debug kernel: kmemleak finds no leak from ublk, BPF or io_uring" {
	if [ ! -e "$KMEMLEAK" ]; then
		echo "no $KMEMLEAK: this suite needs the debug kernel (make check-debug)"
		return 1
	fi
	# an object is reported once it was unreferenced and unchanged in
	# two scans, and older than kmemleak's minimum age (5 s)
	echo scan >"$KMEMLEAK"
	sleep 6
	echo scan >"$KMEMLEAK"
	local all ours
	all=$(cat "$KMEMLEAK")
	ours=$(awk 'BEGIN { RS = "unreferenced object" }
		NR > 1 && /ublk|bpf|io_uring/ { print "unreferenced object" $0 }' <<<"$all")
	if [ -n "$all" ]; then
		echo "kmemleak reports $(grep -c '^unreferenced object' <<<"$all") object(s) in all"
	fi
	if [ -n "$ours" ]; then
		echo "$ours"
		return 1
	fi
	# leaks elsewhere in the kernel (virtio, 9p, ...) are not ublkctl's,
	# but they are shown, so that a report on the boot is never hidden
	[ -z "$all" ] || echo "$all" | head -n 60
}
