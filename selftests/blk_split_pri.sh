#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk split brain with primaries at the handshake, and dev set. As in
# blk_split.sh, the two nodes change data without each other, then:
#  - after-sb-1pri discard-secondary and consensus decide as documented;
#  - two primaries are never decided automatically, and a primary is
#    never discarded, not even by discard-my-data;
#  - dev set is refused when an option does not fit, applies rates live,
#    and a policy it sets holds across a reconnect of the connection's own
#    (a cut link, which the membership view notices at once).
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"
. "$(dirname "$0")/blk_split_lib.sh"

# -- after-sb-1pri discard-secondary: node 1 stays primary --
hctl 1 dev primary r0 || fail "primary"
split 50 80
hctl 2 dev secondary r0 || fail "demote node 2"
connect "after-sb-1pri discard-secondary" "after-sb-1pri discard-secondary"
survived 1 "after-sb-1pri discard-secondary"
is 1 r0 role Primary || fail "node 1 lost its role"

# -- consensus: after-sb-0pri would discard the primary: disconnect --
split 50 80
hctl 2 dev secondary r0 || fail "demote node 2"
pol="after-sb-0pri discard-least-changes after-sb-1pri consensus"
connect "$pol" "$pol"
standalone "after-sb-1pri consensus" "consensus: after-sb-0pri would not discard the secondary"
expect_sb+=(0)
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
connect "" "discard-my-data"
survived 1 "discard-my-data after consensus"

# -- two primaries: never automatic; a primary is never discarded --
split 10 10
expect_err "after-sb-2pri discard-secondary" "after-sb-2pri must be disconnect" \
	hctl 1 dev connect r0 peer 2 after-sb-2pri discard-secondary
connect "" ""
standalone "two primaries" "after-sb-2pri disconnect"
expect_sb+=(0)
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
connect "" "discard-my-data"
standalone "discard-my-data on a primary" "the node to discard is primary"
expect_sb+=(0)
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
hctl 2 dev secondary r0 || fail "demote node 2"
connect "" "discard-my-data"
survived 1 "discard-my-data, two primaries before"

# -- dev set: live, refused when it does not fit, kept across a reconnect --
expect_err "dev set after-sb-1pri discard-least-changes" \
	"after-sb-1pri must be disconnect, consensus or discard-secondary" \
	hctl 1 dev set r0 after-sb-1pri discard-least-changes
expect_err "dev set with a connect-only option" "unknown dev set option" \
	hctl 1 dev set r0 peer 2
expect_err "dev set min above max" "resync-min-rate 2097152 is above resync-max-rate 1048576" \
	hctl 1 dev set r0 resync-max-rate 1M resync-min-rate 2M
hctl 1 dev set r0 resync-max-rate 64M resync-min-rate 0 || fail "dev set rates"
is 1 r0 resync-max-rate $((64 << 20)) && is 1 r0 resync-min-rate 0 ||
	fail "dev set rates not applied: $(hctl 1 dev show r0)"
for n in 1 2; do
	hctl "$n" dev set r0 after-sb-0pri discard-least-changes ||
		fail "dev set after-sb-0pri on node $n"
done
is 1 r0 after-sb-0pri discard-least-changes || fail "dev set policy not shown"
sent1=$(dev_json 1 r0 resync-sent) sent2=$(dev_json 2 r0 resync-sent)
kmsg_mark "cut"
link_cut 1 2
# the connection's own retries keep the options dev set gave
wait_for 60 both r0 connection Connecting || fail "the cut was not noticed"
# noticed by the membership, not by TCP or the ping (silent on a cut
# link): the view's notifier shut the socket, and no new connection is
# tried while the peer is outside the view
wait_for 30 eval 'kmsg_since | grep -q "r0: node [12] left the membership view: disconnecting"' ||
	fail "the connection did not go with the view: $(kmsg_since | grep r0:)"
wait_for 30 eval 'dev_json 1 r0 conn-error | grep -q "node 2 is not in the membership view"' ||
	fail "a connection is tried outside the view: $(dev_json 1 r0 conn-error)"
echo "ok: the peer left the view: disconnected at once, not retried outside it"
write_blocks 0 $((seed++)) 30 > "$dir/blocks1" || fail "writes on node 1"
hctl 2 dev primary r0 || fail "node 2 not promoted alone"
write_blocks 1 $((seed++)) 70 > "$dir/blocks2" || fail "writes on node 2"
hctl 1 dev secondary r0 && hctl 2 dev secondary r0 || fail "demote"
h1=$(datahash "$la") && h2=$(datahash "$lb") || fail "the disks cannot be read"
union=$(($(sort -u "$dir/blocks1" "$dir/blocks2" | wc -l) * 4096))
link_heal 1 2
survived 2 "dev set after-sb-0pri discard-least-changes, across a cut link"

split_events
