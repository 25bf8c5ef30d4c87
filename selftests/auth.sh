#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Authentication: nodes with different keys never join; forged, replayed,
# truncated, foreign and malformed datagrams injected on the wire with a
# raw socket are dropped and counted by reason, and change nothing.
. "$(dirname "$0")/lib.sh"
require_root

drops()	# drops I REASON
{
	hctl "$1" -j cluster show | python3 -c 'import json, sys
print(json.load(sys.stdin)["drops"][sys.argv[1]])' "$2"
}

log "== different keys"
nodes_setup 2 1 || fail "setup"
k1=$(mktemp) k2=$(mktemp)
head -c 32 /dev/urandom >"$k1"
head -c 32 /dev/urandom >"$k2"
hctl 1 cluster create test node-id 1 key-file "$k1" || fail "create 1"
hctl 2 cluster create test node-id 2 key-file "$k2" || fail "create 2"
for i in 1 2; do
	cluster_node_add "$i" 1 && cluster_node_add "$i" 2 || fail "node add"
done
wait_for 10 eval '[ "$(drops 1 bad-mac)" -gt 10 ]' || fail "node 1 counts no bad MACs"
views_agree 1 1 false && views_agree 2 2 false ||
	fail "nodes with different keys joined: $(view 1) | $(view 2)"
nodes_cleanup

log "== injected datagrams"
HALO_NS_PREFIX=halo-$$-inject
cluster_setup 2 1 || fail "cluster setup"
wait_for 20 views_agree "1 2" 1,2 true || fail "2 nodes did not form one view"
epoch=$(view 1 | cut -d' ' -f1)
for kind in replay:replay forged:bad-mac truncated:short \
	    other-cluster:other-cluster unknown-node:unknown-node \
	    garbage:bad-header; do
	what=${kind%%:*} counter=${kind#*:}
	before=$(drops 1 "$counter")
	hub python3 "$(dirname "$0")/inject.py" 2 1 "$what" 5 || fail "inject $what"
	wait_for 5 eval '[ "$(drops 1 "$counter")" -ge $((before + 5)) ]' ||
		fail "$what: $counter went from $before to $(drops 1 "$counter"), not +5"
	log "$what: $counter $before -> $(drops 1 "$counter")"
done
views_agree "1 2" 1,2 true || fail "injection changed the view: $(view 1)"
[ "$(view 1 | cut -d' ' -f1)" = "$epoch" ] || fail "injection changed the epoch"
exit 0
