#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk's resync rate, two nodes in namespaces: resync-max-rate caps a
# full sync; under application I/O the sync is held to resync-min-rate
# (yet makes a quarter of it at least: the rate is a floor too), also
# while a write waits at the gate behind a slow chunk (dm-delay under node
# 1's reads), and takes the link again when the application goes quiet;
# the disks end identical. The rate checks are upper bounds (a slow
# machine only syncs less), so they hold on any machine; what they catch
# is a sync that runs past its limit. The one lower bound, a quarter of
# resync-min-rate, leaves a slow machine a margin of four; what it
# catches is a sync the application starves below its floor.
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/blk_lib.sh"

modprobe -q dm-mod 2>/dev/null
command -v dmsetup >/dev/null || fail "no dmsetup"

cluster_setup 2 1 || fail "cluster setup"
dma=halo-rate-a-$$
trap 'kill $fio_pid 2>/dev/null; wait 2>/dev/null; blk_lib_cleanup r0; dmsetup remove --noudevsync $dma 2>/dev/null' EXIT
loop_new a 256; la=$loop
loop_new b 256; lb=$loop
# node 1's disk: device-mapper over the loop, to slow its reads later
dm_table()	# dm_table linear|delay: node 1's disk, as is or with reads taking 1.5 s
{
	local sz

	sz=$(blockdev --getsz "$la")
	case $1 in
	linear) echo "0 $sz linear $la 0" ;;
	delay) echo "0 $sz delay $la 0 1500 $la 0 0" ;;
	esac
}
dmsetup create --noudevsync "$dma" --table "$(dm_table linear)" &&
	dmsetup mknodes "$dma" || fail "dm over $la"
hctl 1 dev create r0 minor 0 disk "/dev/mapper/$dma" &&
	hctl 2 dev create r0 minor 1 disk "$lb" || fail "create r0"

# -- bad rates --
expect_err "a rate with a unit haloctl does not know" "invalid rate \"5T\"" \
	hctl 1 dev connect r0 peer 2 resync-max-rate 5T
expect_err "resync-min-rate above resync-max-rate" \
	"resync-min-rate 2097152 is above resync-max-rate 1048576" \
	hctl 1 dev connect r0 peer 2 resync-max-rate 1M resync-min-rate 2M
is 1 r0 connection StandAlone || fail "a refused connect changed the state"

mib=$((1 << 20))
now_ns() { date +%s%N; }

# synced_within SECS LIMIT WHAT [FLOOR]: over about SECS seconds, node 1's
# resync may move LIMIT bytes per second at most, plus the chunks in
# flight at the start (4) and the one going at the end: 5 MiB; and, with
# FLOOR, at least FLOOR bytes per second, less the chunk (1 MiB) going at
# the end.
synced_within()
{
	local t0 t1 o0 o1 synced allowed least=0

	t0=$(now_ns); o0=$(oos 0)
	sleep "$1"
	o1=$(oos 0); t1=$(now_ns)
	[ "$o1" != 0 ] || fail "$3: the whole sync finished within ${1}s: not held to the rate"
	synced=$((o0 - o1))
	allowed=$((($2 * (t1 - t0)) / 1000000000 + 5 * mib))
	[ "$synced" -le "$allowed" ] ||
		fail "$3: $synced bytes synced in $(((t1 - t0) / 1000000)) ms, more than $allowed"
	[ "$synced" -gt 0 ] || fail "$3: the resync did not move"
	if [ -n "${4:-}" ]; then
		least=$((($4 * (t1 - t0)) / 1000000000 - mib))
		[ "$synced" -ge "$least" ] ||
			fail "$3: $synced bytes synced in $(((t1 - t0) / 1000000)) ms, less than $least"
	fi
	log "$3: $((synced / 1024)) KiB in $(((t1 - t0) / 1000000)) ms (at least $((least / 1024)), at most $((allowed / 1024)) KiB)"
}

# -- resync-max-rate: a full sync at 4 MiB/s --
hctl 1 dev connect r0 peer 2 resync-max-rate 4M || fail "connect node 1"
hctl 2 dev connect r0 peer 1 || fail "connect node 2"
wait_for 20 both r0 connection Connected || fail "r0 not connected: $(hctl 1 dev show r0)"
is 1 r0 resync-max-rate $((4 * mib)) || fail "resync-max-rate not shown: $(hctl 1 -j dev show r0)"
is 1 r0 resync-min-rate $((16 * mib)) || fail "the default resync-min-rate is not 16 MiB/s"
is 2 r0 resync-max-rate 0 || fail "node 2's resync-max-rate is not the default, 0"
hctl 1 dev primary r0 force || fail "force node 1 primary"
wait_for 20 is 1 r0 connection SyncSource || fail "no sync: $(hctl 1 dev show r0)"
sleep 1
synced_within 5 $((4 * mib)) "resync-max-rate 4M"
# held back: no; or, on a slow guest, the sync is already over
t=$(dev_json 1 r0 resync-throttled)
[ "$t" = False ] || { [ "$t" = - ] && [ "$(oos 0)" = 0 ]; } ||
	fail "held back with no application I/O (resync-throttled $t)"

# -- resync-min-rate: the application writes, the sync keeps 2 MiB/s --
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0 || fail "disconnect"
fio --name=app --filename=/dev/halo0 --rw=randwrite --bs=4k --direct=1 \
	--ioengine=libaio --iodepth=1 --time_based --runtime=120 \
	--output="$dir/fio" &
fio_pid=$!
# fio writing before the sync starts (a slow guest takes seconds to start it)
writes() { awk '{ print $5 }' /sys/block/halo0/stat; }
w0=$(writes)
wait_for 60 eval '[ "$(writes)" -gt $((w0 + 20)) ]' || fail "fio does not write: $(cat "$dir/fio")"
hctl 1 dev connect r0 peer 2 resync-min-rate 2M || fail "connect node 1 again"
hctl 2 dev connect r0 peer 1 || fail "connect node 2 again"
wait_for 20 is 1 r0 connection SyncSource || fail "no sync: $(hctl 1 dev show r0)"
# the flag is set when the first chunk is paced
wait_for 10 is 1 r0 resync-throttled True ||
	fail "not held back under application I/O: $(hctl 1 dev show r0)"
sleep 1
# resync-min-rate is a floor too: the application holds the sync to it,
# not below. A quarter of it, so that a slow guest still makes it.
synced_within 6 $((2 * mib)) "resync-min-rate 2M under fio" $((2 * mib / 4))
is 1 r0 resync-throttled True || fail "not held back under application I/O at the end"

# -- a write held up at the gate keeps the sync held back --
# Node 1's reads now take 1.5 s, and with them each chunk the sync reads
# while fio's next write waits at the gate: it has waited more than the
# second a request's arrival counts for when the gate opens. A request
# not yet done must count, or the sync would go unheld after each chunk.
if modprobe -q dm-delay 2>/dev/null; then
	dmsetup load "$dma" --table "$(dm_table delay)" && dmsetup resume "$dma" ||
		fail "dm-delay under node 1's disk"
	sleep 3
	held=0 free=0
	for _ in $(seq 20); do
		case $(dev_json 1 r0 resync-throttled) in
		True) held=$((held + 1)) ;;
		False) free=$((free + 1)) ;;
		*) fail "the sync ended under 1.5 s reads: $(hctl 1 dev show r0)" ;;
		esac
		sleep 0.2
	done
	dmsetup load "$dma" --table "$(dm_table linear)" && dmsetup resume "$dma" ||
		fail "node 1's disk back to linear"
	[ "$free" = 0 ] ||
		fail "chunks read in 1.5 s: the sync was held back in $held looks of 20, not all"
	echo "ok: a write waiting 1.5 s at the gate keeps the sync held back ($held looks of 20)"
else
	skip_part "no dm-delay here (the debug kernel has none): a held-up write unchecked"
fi
kill -0 "$fio_pid" || fail "fio ended before the check did: $(cat "$dir/fio")"
kill -INT "$fio_pid"	# fio stops, and reports what it did
wait "$fio_pid"
fio_pid=
grep -q "WRITE:.*err= 0\|err= 0" "$dir/fio" && grep -q "WRITE:" "$dir/fio" ||
	fail "fio failed or wrote nothing: $(cat "$dir/fio")"

# -- quiet again: the sync takes everything and finishes --
wait_for 120 both r0 disk UpToDate ||
	fail "the sync did not finish once the application stopped: $(hctl 1 dev show r0)"
wait_for 20 both r0 connection Connected || fail "not Connected after the sync"
size=$(dev_json 1 r0 size)
cmp -n "$size" "$la" "$lb" || fail "the data areas differ after the sync"
echo "ok: resync-max-rate caps a sync; application I/O holds it to resync-min-rate; identical after"
