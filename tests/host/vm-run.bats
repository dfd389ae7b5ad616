#!/usr/bin/env bats
# tests/vm/run says why a guest command did not succeed: its exit status,
# a timeout, a guest that never ran it (boot failure) or one that ended
# under it; and two runs at once keep apart.  virtme-ng is replaced by
# tests/host/fake-vng/vng, which runs the guest's command on this machine,
# so that these take seconds; the boot failure boots a real qemu on an
# image that is no kernel.

load helpers

RUN=$REPO/tests/vm/run

setup() {
	T=$BATS_TEST_TMPDIR
	echo 'not a kernel' >"$T/bzImage"
	export UBLKCTL_KERNEL=$T/bzImage UBLKCTL_CACHE=$T/cache UBLKCTL_VM_KVM=0
	export FAKE_VNG_LOG=$T/vng.log
	FAKE_PATH=$BATS_TEST_DIRNAME/fake-vng:$PATH
}

# vm_run ARGS...: tests/vm/run with the fake virtme-ng.
vm_run() {
	PATH=$FAKE_PATH run --separate-stderr "$RUN" "$@"
}

# no_run_state: the run removed its state directory.
no_run_state() {
	local d
	for d in /tmp/ublkctl-vm.*; do
		[ -e "$d" ] || continue
		grep -qF "$d" "$T/vng.log" && fail "state directory $d left"
	done
	return 0
}

@test "vm/run: the command's output and exact status come out, named last" {
	vm_run sh -c 'echo to-stdout; echo to-stderr >&2; exit 5'
	[ "$status" -eq 5 ] || fail "expected status 5"
	[ "$output" = to-stdout ] || fail "stdout is not the command's"
	[ "${stderr_lines[0]}" = to-stderr ] || fail "stderr is not the command's"
	[ "${stderr_lines[-1]}" = "tests/vm/run: the command exited with status 5 in the guest" ] ||
		fail "the status is not named on the last line"
	vm_run true
	[ "$status" -eq 0 ] && [ -z "$stderr" ] || fail "a command that succeeds is not silent"
	no_run_state
}

@test "vm/run: an image that is no kernel is a boot failure, with qemu's reason" {
	command -v vng >/dev/null && command -v qemu-system-x86_64 >/dev/null ||
		skip "virtme-ng or qemu not installed"
	SECONDS=0
	VM_TIMEOUT=60 run --separate-stderr "$RUN" touch "$T/ran"
	[ "$status" -eq 125 ] || fail "expected status 125"
	[ "${stderr_lines[-1]}" = "tests/vm/run: boot failure: the guest never ran the command" ] ||
		fail "the boot failure is not named on the last line"
	[[ $stderr == *"invalid kernel header"* ]] || fail "qemu's reason is not shown"
	[ ! -e "$T/ran" ] || fail "the command ran"
	[ "$SECONDS" -lt 50 ] || fail "a failed boot took ${SECONDS}s to report"
}

@test "vm/run: a guest whose virtme-ng fails before the command is a boot failure" {
	FAKE_VNG=noboot vm_run touch "$T/ran"
	[ "$status" -eq 125 ] || fail "expected status 125"
	[ "${stderr_lines[-1]}" = "tests/vm/run: boot failure: the guest never ran the command" ] ||
		fail "the boot failure is not named on the last line"
	[ ! -e "$T/ran" ] || fail "the command ran"
}

@test "vm/run: a hung command is killed after VM_TIMEOUT and reported" {
	SECONDS=0
	VM_TIMEOUT=2 vm_run sleep 120
	[ "$status" -eq 124 ] || fail "expected status 124"
	[ "${stderr_lines[-1]}" = "tests/vm/run: the guest did not finish within 2s and was killed" ] ||
		fail "the timeout is not named on the last line"
	[ "$SECONDS" -lt 30 ] || fail "the timeout took ${SECONDS}s"
	! pgrep -f '^sleep 120$' >/dev/null || fail "the hung command is still running"
	no_run_state
}

@test "vm/run: a guest that ends under the command is reported as such" {
	# the command kills the guest's shell: no status is ever written
	vm_run sh -c 'echo started; kill -9 $PPID'
	[ "$status" -eq 125 ] || fail "expected status 125"
	[ "$output" = started ] || fail "the command's output is lost"
	[[ ${stderr_lines[-1]} == "tests/vm/run: the guest ended while the command ran, without its status"* ]] ||
		fail "the crash is not named on the last line"
}

@test "vm/run: two runs at once keep their output and status apart, one KVM probe" {
	[ -w /dev/kvm ] || skip "no /dev/kvm: no probe to share"
	unset UBLKCTL_VM_KVM
	export FAKE_VNG_SLEEP=1
	PATH=$FAKE_PATH "$RUN" sh -c 'sleep 1; echo a; exit 3' >"$T/a.out" 2>"$T/a.err" &
	local a=$!
	PATH=$FAKE_PATH "$RUN" sh -c 'echo b; exit 4' >"$T/b.out" 2>"$T/b.err" &
	local b=$! sa=0 sb=0
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	[ "$sa" -eq 3 ] && [ "$sb" -eq 4 ] || fail "statuses $sa and $sb, expected 3 and 4"
	[ "$(cat "$T/a.out")" = a ] && [ "$(cat "$T/b.out")" = b ] || fail "outputs mixed up"
	[ "$(grep -c kvm-ok "$T/vng.log")" -eq 1 ] || fail "the KVM probe ran $(grep -c kvm-ok "$T/vng.log") times"
	[ "$(cat "$T/cache/vm-accel")" = kvm ] || fail "no verdict kept"
	[ "$(grep -c -- '--disable-kvm' "$T/vng.log")" -eq 0 ] || fail "a run ignored the verdict"
}
