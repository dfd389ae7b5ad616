#!/usr/bin/env bats
# ublk BPF (kernel/patches): ublk_bpf_io_zero() clears exactly the bytes
# it is given, from ->queue_io() and from ->aio_done(), and refuses what
# is no read or out of range with -EINVAL (tests/kbpf/progs/zero.bpf.c
# turns that into -ENOSPC for the reader).  Reads use "kbpf read", whose
# buffer holds bytes 0x55 that the kernel did not write.  Every test fails
# on a kernel splat in dmesg.

load ../kbpf/helpers

M=$((1 << 20))

setup_file() { kbpf_setup_file; }
setup() { kbpf_setup; }
teardown() { kbpf_teardown; }
teardown_file() { kbpf_teardown_file; }

# reads_as RUNS [-a OFF] POS LEN: "kbpf read" of LEN bytes at POS of $DEV
# is RUNS, runs of equal bytes written COUNTxHEX, e.g. "100xaa 3996x00".
reads_as() {
	local want=$1 got f=$BATS_TEST_TMPDIR/read
	local opt=()

	shift
	[ "$1" = -a ] && { opt=(-a "$2"); shift 2; }
	"$KBPF" read "${opt[@]}" "$DEV" "$1" "$2" >"$f" || return 1
	got=$(od -An -v -tx1 "$f" | tr -s ' ' '\n' | grep . | uniq -c |
		awk '{ printf "%s%sx%s", (NR > 1 ? " " : ""), $1, $2 }')
	[ "$got" = "$want" ] && return 0
	echo "read ${opt[*]} $1 $2: got '$got', want '$want'" >&2
	return 1
}

# refused_with_nospc CMD...: CMD fails, and the reason is -ENOSPC, which
# only zero.bpf.c returns, for a kfunc result of -EINVAL
refused_with_nospc() {
	run "$@"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"No space left on device"* ]]
}

@test "zero: a read clears exactly the requested range, in pages at any offset" {
	kbpf_start -s 8 -p "$PROGS/zero.bpf.o:range_ops"
	# with the buffer at 512 bytes into a page, no page is whole
	for a in 0 512; do
		# all of the request
		reads_as "4096x00" -a "$a" 0 4096
		reads_as "262144x00" -a "$a" $((256 << 10)) $((256 << 10))
		# [1000, len - 1000)
		reads_as "1000x55 2096x00 1000x55" -a "$a" "$M" 4096
		reads_as "1000x55 522288x00 1000x55" -a "$a" "$M" $((512 << 10))
		# the last byte
		reads_as "4095x55 1x00" -a "$a" $((2 * M)) 4096
		reads_as "65535x55 1x00" -a "$a" $((2 * M + 65536)) 65536
		# two ranges of two bytes, each across a page boundary for one of
		# the buffer offsets
		reads_as "3583x55 2x00 510x55 2x00 4095x55" -a "$a" $((3 * M)) 8192
		reads_as "3583x55 2x00 510x55 2x00 61439x55" -a "$a" $((3 * M)) 65536
		# an empty range at the end of the request clears nothing
		reads_as "4096x55" -a "$a" $((7 * M)) 4096
	done
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "zero: a range beyond the end of the read is refused with -EINVAL" {
	kbpf_start -s 8 -p "$PROGS/zero.bpf.o:range_ops"
	for len in 4096 65536; do
		# [1, len + 1)
		refused_with_nospc "$KBPF" read "$DEV" $((4 * M)) "$len"
		# off 1, len 0xffffffff: the end wraps around to 0 in 32 bits
		refused_with_nospc "$KBPF" read "$DEV" $((5 * M)) "$len"
		# an empty range starting past the end
		refused_with_nospc "$KBPF" read "$DEV" $((6 * M)) "$len"
	done
	# the same program clears in range on the same device
	reads_as "4096x00" 0 4096
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "zero: writes, flushes and discards are refused with -EINVAL" {
	kbpf_start -s 8 -p "$PROGS/zero.bpf.o:range_ops"
	refused_with_nospc dd if=/dev/zero of="$DEV" bs=4k count=1 oflag=direct
	refused_with_nospc dd if=/dev/zero of="$DEV" bs=64k count=1 seek=3 oflag=direct
	# a flush has no data, so only its op makes it wrong
	refused_with_nospc dd if=/dev/null of="$DEV" conv=fsync
	# -f: no probe for signatures, whose reads the program would fail
	refused_with_nospc blkdiscard -f -o "$M" -l "$M" "$DEV"
	kbpf_stop
	[ "$SERVED" -eq 0 ]
	kbpf_check_dmesg
}

@test "zero: ->aio_done() clears data that an aio read put in the request" {
	local f0=$BATS_TEST_TMPDIR/file0 pat=$BATS_TEST_TMPDIR/pat

	head -c 8M /dev/zero | tr '\0' '\252' >"$f0"
	kbpf_start -s 8 -B "$f0" -p "$PROGS/zero.bpf.o:aio_ops"
	reads_as "100xaa 3896x00 100xaa" 0 4096
	reads_as "100xaa 65336x00 100xaa" -a 512 "$M" 65536
	# a write reaches the file whole: the kfunc clears the reader's pages,
	# never the backing data
	head -c 64K /dev/zero | tr '\0' '\063' >"$pat"
	dd if="$pat" of="$DEV" bs=64k seek=32 oflag=direct
	cmp "$pat" <(dd if="$f0" bs=64k skip=32 count=1 2>/dev/null)
	reads_as "100x33 65336x00 100x33" $((2 * M)) 65536
	reads_as "100xaa 3896x00 100xaa" $((2 * M + 65536)) 4096
	kbpf_stop
	kbpf_check_dmesg
}
