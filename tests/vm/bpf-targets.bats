#!/usr/bin/env bats
# BPF targets (--bpf=on, a kernel with ublk BPF): the null, loop and stripe
# programs serve IO in the kernel with the same data as the userspace
# targets, their counters show it, what they redirect still completes,
# and recovery reattaches them.

load bpf-helpers

@test "bpf null: reads (zeroes) and writes served in the kernel, none redirected" {
	need_bpf
	add_dev -t null --size 64M --bpf=on
	[ "$(dev_field "$ID" bpf)" = true ] || fail "bpf is not true"
	dev_json "$ID" | jq -e '.flags | index("bpf")' >/dev/null || fail "no bpf flag"
	random_file "$T/rand" $((4 << 20))
	dd if="$T/rand" of="$DEV" bs=64k oflag=direct status=none || fail "write failed"
	run fio --ioengine=io_uring --direct=1 --filename="$DEV" --size=16M \
		--name=w --rw=randwrite --bsrange=4k-1M --iodepth=64
	[ "$status" -eq 0 ] || fail "fio randwrite failed"
	[ "$(bpf_stat "$ID" handled)" -ge 64 ] || fail "writes not handled: $(dev_json "$ID")"
	local h=$(bpf_stat "$ID" handled)
	cmp -n $((8 << 20)) <(dd if="$DEV" bs=1M count=8 iflag=direct status=none) /dev/zero ||
		fail "reads are not zeroes"
	run fio --ioengine=io_uring --direct=1 --filename="$DEV" --size=16M \
		--name=r --rw=randread --bsrange=4k-1M --iodepth=64 \
		--verify=pattern --verify_pattern=0 --do_verify=1
	[ "$status" -eq 0 ] || fail "fio randread of zeroes failed"
	[ "$(bpf_stat "$ID" handled)" -ge $((h + 8)) ] || fail "reads not handled: $(dev_json "$ID")"
	[ "$(bpf_stat "$ID" redirected)" -eq 0 ] || fail "requests redirected: $(dev_json "$ID")"
	[ -n "$(bpf_pins "$ID")" ] || fail "no pins"
	"$UBLKCTL" del -n "$ID" || fail "del failed"
	[ -z "$(ls -A /sys/fs/bpf/ublkctl 2>/dev/null)" ] || fail "pins left after del"
	expect_nothing_left
}

@test "bpf loop: fio verify, content equals the file, ext4 (zero copy on and off)" {
	need_bpf
	local zc
	for zc in on off; do
		make_file "$T/l.img" 48M
		add_dev -t loop -f "$T/l.img" --bpf=on --zero-copy=$zc
		fio_verify "$DEV"
		cmp <(dd if="$DEV" bs=1M iflag=direct status=none) "$T/l.img" ||
			fail "zc=$zc: device and backing file differ"
		ext4_roundtrip "$DEV"
		expect_bpf "$ID"
		"$UBLKCTL" del -n "$ID" || fail "del failed"
	done
	expect_nothing_left
}

@test "bpf stripe: layout byte for byte, 2 and 3 files, two chunk sizes" {
	need_bpf
	local n chunk i args files fsize
	for n in 2 3; do
		for chunk in 4096 65536; do
			# 32 chunks a file: enough, and the check stays quick
			fsize=$((32 * chunk))
			args=() files=()
			for ((i = 0; i < n; i++)); do
				make_file "$T/s$i.img" $fsize
				args+=(-f "$T/s$i.img")
				files+=("$T/s$i.img")
			done
			add_dev -t stripe --chunk-size $chunk "${args[@]}" --bpf=on
			random_file "$T/pattern" $((n * fsize))
			# 192K requests cross chunk boundaries
			dd if="$T/pattern" of="$DEV" bs=192k oflag=direct status=none ||
				fail "writing the pattern failed"
			cmp <(dd if="$DEV" bs=192k iflag=direct status=none) "$T/pattern" ||
				fail "$n files, chunk $chunk: the device does not read back"
			expect_bpf "$ID"
			"$UBLKCTL" del -n "$ID" || fail "del failed"
			stripe_layout_ok "$T/pattern" $chunk "${files[@]}"
		done
	done
	expect_nothing_left
}

@test "bpf stripe: fio verify and ext4" {
	need_bpf
	make_file "$T/a.img" 24M
	make_file "$T/b.img" 24M
	make_file "$T/c.img" 24M
	add_dev -t stripe --chunk-size 16K -f "$T/a.img" -f "$T/b.img" -f "$T/c.img" --bpf=on
	fio_verify "$DEV"
	ext4_roundtrip "$DEV"
	expect_bpf "$ID"
}

@test "bpf: the BPF and the userspace path read each other's data" {
	need_bpf
	make_file "$T/a.img" 8M
	make_file "$T/b.img" 8M
	random_file "$T/p1" $((16 << 20))
	random_file "$T/p2" $((16 << 20))
	local files=(-f "$T/a.img" -f "$T/b.img")
	add_dev -t stripe --chunk-size 8K "${files[@]}" --bpf=on
	dd if="$T/p1" of="$DEV" bs=96k oflag=direct status=none || fail "write (bpf)"
	expect_bpf "$ID"
	"$UBLKCTL" del -n "$ID"
	add_dev -t stripe --chunk-size 8K "${files[@]}" --bpf=off
	[ "$(dev_field "$ID" bpf)" = false ] || fail "--bpf=off attached a program"
	cmp <(dd if="$DEV" bs=64k iflag=direct status=none) "$T/p1" ||
		fail "userspace does not read what BPF wrote"
	dd if="$T/p2" of="$DEV" bs=96k oflag=direct status=none || fail "write (userspace)"
	"$UBLKCTL" del -n "$ID"
	add_dev -t stripe --chunk-size 8K "${files[@]}" --bpf=on
	cmp <(dd if="$DEV" bs=64k iflag=direct status=none) "$T/p2" ||
		fail "BPF does not read what userspace wrote"
	expect_bpf "$ID"
}

@test "bpf loop: redirected operations (discard, write-zeroes) complete correctly" {
	need_bpf
	random_file "$T/l.img" $((8 << 20))
	cp "$T/l.img" "$T/orig"
	add_dev -t loop -f "$T/l.img" --bpf=on
	blkdiscard -o $((1 << 20)) -l $((1 << 20)) "$DEV" || fail "discard failed"
	blkdiscard -z -o $((4 << 20)) -l $((512 << 10)) "$DEV" || fail "write-zeroes failed"
	[ "$(bpf_stat "$ID" redirected)" -ge 2 ] || fail "nothing redirected: $(dev_json "$ID")"
	cmp -n $((1 << 20)) <(dd if="$DEV" bs=1M skip=1 count=1 iflag=direct status=none) /dev/zero ||
		fail "discarded range is not zeroes"
	cmp -n $((512 << 10)) <(dd if="$DEV" bs=512k skip=8 count=1 iflag=direct status=none) /dev/zero ||
		fail "write-zeroes range is not zeroes"
	cmp -n $((1 << 20)) <(dd if="$DEV" bs=1M count=1 iflag=direct status=none) "$T/orig" ||
		fail "data before the discarded range changed"
	expect_bpf "$ID"
}

@test "bpf recovery: kill -9 under fio verify, recover reattaches the program" {
	need_bpf
	make_file "$T/a.img" 16M
	make_file "$T/b.img" 16M
	add_dev -t stripe -f "$T/a.img" -f "$T/b.img" --chunk-size 8K --bpf=on
	local old new fio_pid before
	old=$(server_pid "$ID")
	start_verified_writer
	sleep 1.5
	kill -0 "$fio_pid" 2>/dev/null || fail "fio ended too early: $(cat "$T/fio.log")"
	kill -9 "$old"
	wait_state "$ID" quiesced
	before=$(bpf_stat "$ID" handled)
	ublkctl recover -n "$ID"
	expect_status 0
	[ -z "$stderr" ] || fail "recover printed on stderr"
	new=$(server_pid "$ID")
	[ "$new" != null ] && [ "$new" != "$old" ] || fail "no new server"
	wait "$fio_pid"
	status=$?
	output=$(cat "$T/fio.log")
	[ "$status" -eq 0 ] || fail "fio failed across the recovery"
	[ "$(dev_field "$ID" bpf)" = true ] || fail "bpf lost by recover"
	[ "$(bpf_stat "$ID" handled)" -gt "$before" ] ||
		fail "the reattached program handled nothing (or counters restarted)"
}
