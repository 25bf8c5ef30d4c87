#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk resync of only what changed. Two nodes, a device synced once in
# full; then, with the peer gone:
#  - a known set of blocks written on the primary: the bitmap counts
#    exactly those, and the resync sends exactly those (counters of both
#    sides), the data areas identical after;
#  - the same across a clean restart of the primary's device: the bitmap
#    was written back and read again;
#  - a large change whose resync is cut at about half way (the link, then
#    the target's device destroyed and created again): it resumes where
#    it was, never from the start, and ends identical.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

cluster_setup 2 1 || fail "cluster setup"
trap 'blk_lib_cleanup r0' EXIT
loop_new a 128; la=$loop
loop_new b 128; lb=$loop

blk_pair r0 "$la" "$lb"
blocks=$((size / 4096))
full=$(dev_json 1 r0 resync-sent)
[ "$full" = "$size" ] || fail "the full sync sent $full bytes of $size"
[ "$(dev_json 2 r0 resync-received)" = "$size" ] ||
	fail "the full sync's target wrote $(dev_json 2 r0 resync-received) bytes of $size"
log "full sync: $full bytes"

# write_blocks SEED N: N distinct random 4 KiB blocks of /dev/halo0 get
# random data; prints how many
write_blocks()
{
	python3 - "$1" "$2" "$blocks" <<'PY'
import os, random, sys
seed, n, blocks = map(int, sys.argv[1:])
r = random.Random(seed)
picked = r.sample(range(blocks), n)
fd = os.open("/dev/halo0", os.O_WRONLY)
for b in picked:
    os.pwrite(fd, r.randbytes(4096), b * 4096)
os.fsync(fd)
os.close(fd)
print(len(set(picked)))
PY
}

# write_range MiB-OFFSET MiB: one run of new data
write_range()
{
	dd if=/dev/urandom of=/dev/halo0 bs=1M seek="$1" count="$2" oflag=direct \
		status=none || fail "dd at $1 MiB"
}

# resynced SENT0 RECV0 BYTES WHAT: the last resync sent and wrote BYTES
# (within 5%), on both sides' counters
resynced()
{
	local sent recv

	sent=$(($(dev_json 1 r0 resync-sent) - $1))
	recv=$(($(dev_json 2 r0 resync-received) - $2))
	log "$4: $3 bytes dirtied, $sent sent, $recv received"
	[ "$sent" -ge "$3" ] && [ $((sent * 100)) -le $(($3 * 105)) ] ||
		fail "$4: the resync sent $sent bytes for $3 dirtied"
	[ "$recv" -eq "$sent" ] || fail "$4: $sent bytes sent, $recv received"
}

# -- a known set of blocks, written with the peer gone --
hctl 2 dev disconnect r0 || fail "disconnect node 2"
wait_for 20 is 1 r0 connection Connecting || fail "node 1 still connected"
n=$(write_blocks 1 500) || fail "writing blocks"
dirty=$((n * 4096))
[ "$(dev_json 1 r0 out-of-sync)" = "$dirty" ] ||
	fail "the bitmap marks $(dev_json 1 r0 out-of-sync) bytes for $dirty written"
sent0=$(dev_json 1 r0 resync-sent) recv0=$(dev_json 2 r0 resync-received)
hctl 2 dev connect r0 peer 1 || fail "reconnect node 2"
wait_for 60 synced || fail "not in sync again: $(hctl 1 dev show r0; hctl 2 dev show r0)"
resynced "$sent0" "$recv0" "$dirty" "500 random blocks"
identical "after 500 random blocks"

# -- the same, the primary's device restarted cleanly meanwhile --
hctl 2 dev disconnect r0 || fail "disconnect node 2"
wait_for 20 is 1 r0 connection Connecting || fail "node 1 still connected"
n=$(write_blocks 2 300) || fail "writing blocks"
write_range 8 2
# blocks 2048..2559 are the range; random ones may fall in it
dirty=$(dev_json 1 r0 out-of-sync)
[ "$dirty" -ge $(((512 + n - 64) * 4096)) ] && [ "$dirty" -le $(((512 + n) * 4096)) ] ||
	fail "the bitmap marks $dirty bytes for 300 blocks and 2 MiB"
hctl 1 dev secondary r0 && hctl 1 dev disconnect r0 && hctl 1 dev destroy r0 ||
	fail "stop node 1's device"
hctl 1 dev create r0 minor 0 disk "$la" || fail "create node 1's device again"
[ "$(dev_json 1 r0 out-of-sync)" = "$dirty" ] ||
	fail "after a restart the bitmap marks $(dev_json 1 r0 out-of-sync) bytes, not $dirty"
hctl 1 dev primary r0 || fail "primary again"
sent0=$(dev_json 1 r0 resync-sent) recv0=$(dev_json 2 r0 resync-received)
hctl 1 dev connect r0 peer 2 || fail "connect node 1"
hctl 2 dev connect r0 peer 1 || fail "connect node 2"
wait_for 60 synced || fail "not in sync after the restart: $(hctl 1 dev show r0)"
resynced "$sent0" "$recv0" "$dirty" "across a restart"
identical "after the restart"

# -- 32 MiB changed; the resync cut at about half way, twice --
hctl 2 dev disconnect r0 || fail "disconnect node 2"
hctl 1 dev disconnect r0 || fail "disconnect node 1"
write_range 40 32
dirty=$(dev_json 1 r0 out-of-sync)
[ "$dirty" = $((32 << 20)) ] || fail "the bitmap marks $dirty bytes for 32 MiB"
sent0=$(dev_json 1 r0 resync-sent) recv0=$(dev_json 2 r0 resync-received)
kmsg_mark "the cut resyncs"
# starts() N: the Nth resync start is logged; starts_kib N: what it sends
starts()
{
	[ "$(kmsg_since | grep -c 'r0: resync to node 2: ')" -ge "$1" ]
}
start_kib()
{
	kmsg_since | sed -n 's/.*r0: resync to node 2: \([0-9]*\) KiB.*/\1/p' | sed -n "$1p"
}
# slow enough to be cut midway: 32 s
hctl 1 dev connect r0 peer 2 resync-max-rate 1M || fail "connect node 1"
hctl 2 dev connect r0 peer 1 || fail "connect node 2"
wait_for 30 is 1 r0 connection SyncSource || fail "no resync: $(hctl 1 dev show r0)"
half()	# half: at most half of it left
{
	[ "$(oos 0)" -le $((dirty / 2)) ]
}
wait_for 90 half || fail "the resync did not get half way: $(hctl 1 dev show r0)"
# half way seen in sysfs, at once; then held to a crawl: a debug kernel
# takes seconds to make the cut, which the resync at 1 MiB/s would not
# wait for
hctl 1 dev set r0 resync-max-rate 64K || fail "slow the resync down"
link_cut 1 2
left=$(dev_json 1 r0 out-of-sync)
wait_for 40 eval '! is 1 r0 connection SyncSource' || fail "the cut did not end the resync"
is 2 r0 disk Inconsistent || fail "the target is $(dev_json 2 r0 disk) mid-way"
expect_err "promoting a sync target mid-way" "disk is Inconsistent" hctl 2 dev primary r0
log "cut with $left bytes left"
link_heal 1 2
wait_for 60 starts 2 || fail "the resync did not resume: $(hctl 1 dev show r0)"
# 256K, not 1M: the second cut must come before the rest (8 MiB or so)
# is sent, and a debug kernel takes 8 s or more to see progress and cut
hctl 1 dev set r0 resync-max-rate 256K || fail "speed the resync up again"
[ "$(start_kib 1)" = $((dirty >> 10)) ] || fail "the resync began with $(start_kib 1) KiB"
total=$(($(start_kib 2) << 10))
[ "$total" -le $((left + (4 << 20))) ] ||
	fail "the resumed resync sends $total bytes, $left were left"
# the target's device destroyed and created again, mid-way once more (as
# soon as the resumed resync has made progress: sysfs is read at once,
# where dev show takes seconds on a debug kernel)
wait_for 60 eval '[ "$(oos 0)" -le $((left - (2 << 20))) ]' ||
	fail "the resumed resync does not progress: $(hctl 1 dev show r0)"
hctl 1 dev set r0 resync-max-rate 64K || fail "slow the resync down"
hctl 2 dev disconnect r0 || fail "disconnect the target mid-way"
left=$(dev_json 1 r0 out-of-sync)
[ "$left" -gt 0 ] || fail "the resync ended before the second cut"
hctl 2 dev destroy r0 || fail "destroy the target mid-way"
wait_for 30 eval '! is 1 r0 connection SyncSource' || fail "node 1 did not see the target go"
hctl 2 dev create r0 minor 1 disk "$lb" || fail "create the target again"
is 2 r0 disk Inconsistent || fail "the target came back $(dev_json 2 r0 disk)"
hctl 2 dev connect r0 peer 1 || fail "connect the target again"
wait_for 60 starts 3 || fail "the resync did not resume: $(hctl 1 dev show r0)"
hctl 1 dev set r0 resync-max-rate 1M || fail "speed the resync up again"
total=$(($(start_kib 3) << 10))
[ "$total" -le $((left + (4 << 20))) ] ||
	fail "after the target's restart the resync sends $total bytes, $left were left"
wait_for 120 synced || fail "not in sync at the end: $(hctl 1 dev show r0; hctl 2 dev show r0)"
sent=$(($(dev_json 1 r0 resync-sent) - sent0))
log "32 MiB cut twice: $sent bytes sent in all"
[ "$sent" -le $((dirty + (8 << 20))) ] || fail "$sent bytes sent for $dirty dirtied: a restart"
identical "after the cut resyncs"
echo "ok: a resync sends what changed, survives a restart and resumes after a cut"
exit 0
