#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk on-no-quorum. Three cluster nodes; r0 on nodes 1 and 2 (node 3
# only votes), synced, node 1 primary:
#  - bad values refused; dev show reports the policy and quorum;
#  - suspend-io: node 1 cut off from both others (a minority) holds its
#    writes: one issued then never reaches either disk, while the
#    majority promotes node 2, which writes; promotion without quorum is
#    refused; dev set io-error fails the held write (no hang, nothing
#    written); healed, node 1 (which never wrote alone) resyncs from node
#    2 without a split brain and the disks are identical;
#  - io-error: node 2 cut off fails new I/O at once (an I/O error within
#    5 s, not a hang); quorum back, it serves again.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

cluster_setup 3 1 || fail "cluster setup"
trap 'kill $dd 2>/dev/null; blk_lib_cleanup r0' EXIT
loop_new a 32; la=$loop
loop_new b 32; lb=$loop
dd=

blk_pair r0 "$la" "$lb"

blockhash()	# blockhash DEV N: block N's sha256
{
	dd if="$1" bs=4096 skip="$2" count=1 iflag=direct status=none | sha256sum
}

# -- refusals and reporting --
expect_err "an unknown on-no-quorum" \
	'invalid on-no-quorum "freeze" (use off, suspend-io or io-error)' \
	hctl 1 dev set r0 on-no-quorum freeze
expect_err "on-no-quorum on dev connect" "unknown dev connect argument" \
	hctl 1 dev connect r0 peer 2 on-no-quorum io-error
is 1 r0 on-no-quorum off && is 1 r0 quorate True && is 1 r0 io-suspended False ||
	fail "dev show: $(hctl 1 -j dev show r0)"
for n in 1 2; do
	hctl "$n" dev set r0 on-no-quorum suspend-io || fail "dev set on node $n"
done
both r0 on-no-quorum suspend-io || fail "not set: $(hctl 2 -j dev show r0)"
echo "ok: on-no-quorum set on both, both quorate"

# -- suspend-io: the minority holds its writes --
before=$(blockhash "$la" 100)
kmsg_mark "minority"
node_down 1
wait_for 60 is 1 r0 io-suspended True ||
	fail "node 1 did not suspend: $(hctl 1 -j dev show r0; hctl 1 cluster show)"
is 1 r0 quorate False || fail "suspended, but quorate"
kmsg_since | grep -q "r0: no quorum: I/O suspended (on-no-quorum suspend-io)" ||
	fail "no kernel log line: $(kmsg_since | grep r0:)"
on 1 dd if=/dev/urandom of=/dev/halo0 bs=4096 seek=100 count=1 oflag=direct status=none \
	2>"$dir/held.err" &
dd=$!
sleep 3
kill -0 "$dd" 2>/dev/null || fail "a write of the minority's primary completed"
[ "$(blockhash "$la" 100)" = "$before" ] || fail "the held write reached node 1's disk"
echo "ok: node 1 alone: not quorate, I/O suspended, its write held"

# the majority goes on
wait_for 60 eval '! is 2 r0 connection Connected' || fail "node 2 still connected"
is 2 r0 quorate True || fail "node 2 not quorate: $(hctl 2 cluster show)"
hctl 2 dev primary r0 || fail "the majority's node could not be promoted: $(hctl 2 dev show r0)"
on 2 dd if=/dev/urandom of=/dev/halo1 bs=4096 seek=200 count=50 oflag=direct status=none ||
	fail "the majority's primary could not write"
[ "$(blockhash "$la" 100)" = "$before" ] && [ "$(blockhash "$lb" 100)" = "$before" ] ||
	fail "block 100 changed"
echo "ok: node 2 (quorate) promoted and wrote; block 100 untouched on both"

# without quorum, no promotion; io-error releases the held write
hctl 1 dev set r0 on-no-quorum io-error || fail "dev set io-error on node 1"
wait_for 20 eval '! kill -0 $dd 2>/dev/null' || fail "the held write still hangs"
wait "$dd" && fail "the held write succeeded"
dd=
grep -q "Input/output error" "$dir/held.err" ||
	fail "the held write failed, but not with an I/O error: $(cat "$dir/held.err")"
[ "$(blockhash "$la" 100)" = "$before" ] || fail "the released write reached node 1's disk"
is 1 r0 io-suspended False || fail "still suspended"
hctl 1 dev secondary r0 || fail "node 1 could not be demoted"
expect_err "promotion without quorum" \
	"this node's cluster instance is not quorate (on-no-quorum): no promotion" \
	hctl 1 dev primary r0
echo "ok: io-error failed the held write, nothing written; node 1 demoted"

# healed: node 1 wrote nothing alone, so no split brain
sent=$(dev_json 2 r0 resync-sent)
node_up 1
wait_for 60 is 1 r0 quorate True || fail "node 1 not quorate again"
wait_for 60 both r0 connection Connected ||
	fail "not connected again: $(hctl 1 dev show r0; hctl 2 dev show r0)"
wait_for 60 both r0 disk UpToDate || fail "no resync"
h=$(datahash "$la") && [ "$(datahash "$lb")" = "$h" ] || fail "the disks differ"
[ $(($(dev_json 2 r0 resync-sent) - sent)) = $((50 * 4096)) ] ||
	fail "resync sent $(($(dev_json 2 r0 resync-sent) - sent)), not the 50 blocks"
[ "$(dev_json 1 r0 split-brain)" = - ] || fail "a split brain: $(hctl 1 dev show r0)"
echo "ok: healed: a resync of node 2's 50 blocks, no split brain, the disks identical"

# -- io-error: node 2 (primary) cut off fails new I/O at once --
# fails_at_once WHAT DD-ARGS...: dd on node 2 ends within 5 s, failed
# with an I/O error. A held request hangs dd, and `timeout dd && fail`
# would count the timeout's kill (exit 124) as the failure expected: so
# dd runs in the background, and still running after 5 s fails the test.
fails_at_once()
{
	local what=$1 rc

	shift
	on 2 dd "$@" bs=4096 count=1 status=none 2>"$dir/dd.err" &
	dd=$!
	wait_for 5 eval '! kill -0 $dd 2>/dev/null' ||
		fail "node 2's $what without quorum hangs: not failed within 5 s"
	wait "$dd"
	rc=$?
	dd=
	[ "$rc" != 0 ] || fail "node 2's $what without quorum succeeded"
	grep -q "Input/output error" "$dir/dd.err" ||
		fail "node 2's $what failed (exit $rc), but not with an I/O error: $(cat "$dir/dd.err")"
}
hctl 2 dev set r0 on-no-quorum io-error || fail "dev set io-error on node 2"
node_down 2
wait_for 60 is 2 r0 quorate False || fail "node 2 still quorate"
before=$(blockhash "$lb" 300)
fails_at_once write if=/dev/urandom of=/dev/halo1 seek=300 oflag=direct
fails_at_once read if=/dev/halo1 of=/dev/null iflag=direct
[ "$(blockhash "$lb" 300)" = "$before" ] || fail "the failed write reached the disk"
is 2 r0 io-suspended False || fail "io-error suspended"
echo "ok: io-error: node 2 alone fails writes and reads at once"
node_up 2
wait_for 60 is 2 r0 quorate True || fail "node 2 not quorate again"
on 2 dd if=/dev/urandom of=/dev/halo1 bs=4096 seek=300 count=1 oflag=direct status=none ||
	fail "node 2 cannot write with quorum back"
echo "ok: quorum back: node 2 writes again"
