#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# two_node (votequorum's meaning, implies wait_for_all): a lone starting
# node is not quorate until it has seen its peer once; afterwards the
# survivor of a peer failure stays quorate and records a fence request.
. "$(dirname "$0")/lib.sh"
require_root

votes()	# votes I: node I's expected votes, total votes and quorum
{
	hctl "$1" -j cluster show | python3 -c 'import json, sys
v = json.load(sys.stdin)
print(v["expected-votes"], v["total-votes"], v["quorum"])'
}

# alone_counted: node 1 is in a view of its own and has counted both
# nodes: two_node's quorum is 1, which its own vote meets
alone_counted()
{
	[ "$(view 1 | cut -d' ' -f3)" = 1 ] && [ "$(votes 1)" = "2 1 1" ]
}

nodes_setup 2 1 || fail "setup"
node_down 2
HALO_KEY=$(mktemp)
head -c 32 /dev/urandom >"$HALO_KEY"
for i in 1 2; do
	hctl "$i" cluster create test node-id "$i" key-file "$HALO_KEY" two-node ||
		fail "cluster create"
	cluster_node_add "$i" 1 && cluster_node_add "$i" 2 || fail "node add"
done
hctl 1 -j cluster show | grep -q '"two-node"' || fail "two-node flag not shown"
# Once the votes alone would make it quorate, only wait_for_all keeps
# it from quorum: the check means something from then on, not before.
wait_for 10 alone_counted ||
	fail "node 1 alone has not counted two nodes: view $(view 1), votes (expected, total, quorum) $(votes 1)"
views_agree 1 1 false || fail "a lone starting node is quorate: $(view 1)"

node_up 2
wait_for 20 views_agree "1 2" 1,2 true || fail "the pair did not form: $(view 1) | $(view 2)"

node_down 2
wait_for 10 views_agree 1 1 true || fail "the survivor is not quorate: $(view 1)"
hctl 1 -j cluster show | python3 -c 'import json, sys
f = json.load(sys.stdin)["fence"]
sys.exit(0 if any(r["node-id"] == 2 for r in f) else 1)' ||
	fail "no fence request for the lost peer"
exit 0
