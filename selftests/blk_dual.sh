#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk with two primaries (allow-two-primaries), two nodes in
# namespaces: the option's checks, both nodes promoted, and both writing
# the same blocks at the same time, which must leave the two disks
# identical (the crossing writes resolved the same way on both sides).
. "$(dirname "$0")/lib.sh"
require_root
. "$(dirname "$0")/blk_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

held()	# held WHAT: fail if a connection of r0 ended since the kmsg_mark
{
	local lost

	lost=$(kmsg_since | grep "r0: disconnected from node")
	[ -z "$lost" ] || fail "the connection of two primaries dropped during $1: $lost"
}

cluster_setup 2 1 || fail "cluster setup"
trap 'blk_lib_cleanup r0 r1' EXIT
loop_new a 64; la=$loop
loop_new b 64; lb=$loop
loop_new c 32; lc=$loop
loop_new d 32; ld=$loop

# -- the option's checks --
hctl 1 dev create r1 minor 2 disk "$lc" && hctl 2 dev create r1 minor 3 disk "$ld" ||
	fail "create r1"
expect_err "allow-two-primaries with protocol A" "needs protocol C" \
	hctl 1 dev connect r1 peer 2 protocol A allow-two-primaries
is 1 r1 connection StandAlone || fail "a refused connect changed the state"
hctl 1 dev connect r1 peer 2 allow-two-primaries || fail "connect r1 on node 1"
hctl 2 dev connect r1 peer 1 || fail "connect r1 on node 2"
wait_for 20 both r1 connection StandAlone ||
	fail "a one-sided allow-two-primaries was not refused: $(hctl 1 dev show r1; hctl 2 dev show r1)"
for n in 1 2; do
	is "$n" r1 conn-error "only one side allows two primaries" ||
		fail "node $n: conn-error $(dev_json "$n" r1 conn-error)"
done
echo "ok: one side alone cannot allow two primaries: both StandAlone, with the reason"

# -- both primary --
hctl 1 dev create r0 minor 0 disk "$la" && hctl 2 dev create r0 minor 1 disk "$lb" ||
	fail "create r0"
hctl 1 dev connect r0 peer 2 allow-two-primaries &&
	hctl 2 dev connect r0 peer 1 protocol C allow-two-primaries || fail "connect r0"
wait_for 20 both r0 connection Connected || fail "r0 not connected: $(hctl 1 dev show r0)"
both r0 allow-two-primaries True || fail "allow-two-primaries not shown"
hctl 1 dev primary r0 force || fail "force node 1 primary"
wait_for 120 both r0 disk UpToDate || fail "full sync did not finish: $(hctl 2 dev show r0)"
wait_for 20 both r0 connection Connected || fail "not Connected after the sync"
hctl 2 dev primary r0 || fail "a second primary refused with allow-two-primaries"
wait_for 10 both r0 peer-role Primary || fail "the two do not see each other primary"
both r0 role Primary || fail "not both Primary"
log "both nodes primary"
# from here on the connection must hold (a forced promotion restarts it)
kmsg_mark "blk_dual.sh: both primary"

# -- both write, each its own region, and both the same blocks at once --
size=$(dev_json 1 r0 size)
fio_both()	# fio_both OFFSET SIZE SECONDS: both nodes write there at once
{
	local n pids=()

	for n in 1 2; do
		fio --name="n$n" --filename=/dev/halo$((n - 1)) --rw=randwrite \
			--bsrange=512-64k --blockalign=512 --offset="$1" --size="$2" \
			--direct=1 --ioengine=libaio --iodepth=16 --time_based \
			--runtime="$3" --randseed=$((n * 7919)) --refill_buffers \
			--norandommap --output="$dir/fio-$n" &
		pids+=($!)
	done
	for n in 1 2; do
		wait "${pids[n - 1]}" || fail "fio on node $n: $(cat "$dir/fio-$n")"
	done
}
# same WHAT: the two data areas are identical. cmp's status, not the
# count of the bytes it lists: a cmp that cannot read lists none. (The
# loops' page cache is from the last cmp: halo's bios pass it by.)
same()
{
	local -
	local n

	set -o pipefail
	blockdev --flushbufs "$la" "$lb" || fail "flushing the loops' cache after $1"
	n=$(cmp -l -n "$size" "$la" "$lb" | wc -l) && return
	[ "$n" != 0 ] || fail "the disks cannot be compared after $1"
	fail "the two disks differ after $1: $n bytes"
}
# each block written once from each side, both at the same time
python3 "$here/blk_cross.py" /dev/halo0 /dev/halo1 $((8 << 20)) 1000 ||
	fail "crossing writes"
held "crossing writes"
same "crossing writes"
log "1000 rounds of crossing writes (whole and half overlapping): the disks are identical"
# and fio from both over the same 256 KiB, 16 deep each, for 10 s
fio_both 12M 256k 10
for n in 1 2; do
	grep -q "WRITE:" "$dir/fio-$n" || fail "fio on node $n wrote nothing"
done
held "fio from both"
same "fio from both"
log "fio from both primaries over the same blocks: the disks are identical"

# writes that do not overlap go on at full speed on both, and land on both
dd if=/dev/urandom of="$dir/p1" bs=1M count=2 status=none
dd if=/dev/urandom of="$dir/p2" bs=1M count=2 status=none
dd if="$dir/p1" of=/dev/halo0 bs=1M seek=20 oflag=direct status=none &
dd if="$dir/p2" of=/dev/halo1 bs=1M seek=30 oflag=direct status=none ||
	fail "write on node 2"
wait $! || fail "write on node 1"
held "writes that do not overlap"
for l in "$la" "$lb"; do
	dd if="$l" bs=1M skip=20 count=2 iflag=direct status=none | cmp -s - "$dir/p1" ||
		fail "$l lacks node 1's write"
	dd if="$l" bs=1M skip=30 count=2 iflag=direct status=none | cmp -s - "$dir/p2" ||
		fail "$l lacks node 2's write"
done
log "each node's writes are on both disks"

# -- back to one primary --
hctl 2 dev secondary r0 || fail "demote node 2"
wait_for 10 is 1 r0 peer-role Secondary || fail "node 1 still sees two primaries"
dd if="$dir/p2" of=/dev/halo0 bs=1M seek=40 oflag=direct conv=fsync status=none ||
	fail "write on the last primary"
same "the demotion"
bad=$(kmsg_since | grep "disconnected from node .*: the peer sent")
[ -z "$bad" ] || fail "a halo peer sent a frame the other refused: $bad"
log "two primaries: all checks passed"
