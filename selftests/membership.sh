#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Membership on a 3-node cluster in namespaces: the view forms, a node
# whose links all go down is removed everywhere while the rest stay
# quorate (and ask for it to be fenced), and it comes back.
. "$(dirname "$0")/lib.sh"
require_root

cluster_setup 3 1 || fail "cluster setup"

wait_for 20 views_agree "1 2 3" 1,2,3 true ||
	fail "3 nodes did not agree on one quorate view: $(view 1) | $(view 2) | $(view 3)"
log "formed: $(view 1)"
epoch=$(view 1 | cut -d' ' -f1)

node_down 3
wait_for 10 views_agree "1 2" 1,2 true ||
	fail "node 3 was not removed: $(view 1) | $(view 2)"
wait_for 5 eval '[ "$(view 3 | cut -d" " -f2)" = false ]' ||
	fail "isolated node 3 still quorate: $(view 3)"
new=$(view 1 | cut -d' ' -f1)
[ "$new" -gt "$epoch" ] || fail "epoch did not grow: $epoch -> $new"
for i in 1 2; do
	hctl "$i" -j cluster show | python3 -c 'import json, sys
f = json.load(sys.stdin)["fence"]
sys.exit(0 if any(r["node-id"] == 3 for r in f) else 1)' ||
		fail "node $i recorded no fence request for node 3"
done
hctl 3 -j cluster show | python3 -c 'import json, sys
sys.exit(1 if json.load(sys.stdin)["fence"] else 0)' ||
	fail "non-quorate node 3 recorded a fence request"

node_up 3
wait_for 20 views_agree "1 2 3" 1,2,3 true ||
	fail "node 3 did not rejoin: $(view 1) | $(view 2) | $(view 3)"
log "rejoined: $(view 1)"
hctl 1 node show
hctl 1 cluster show
exit 0
