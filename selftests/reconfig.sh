#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Changing the node list of a running cluster one machine at a time, as an
# administrator does: while node 4 is known to some members only, the view
# of 1,2,3 keeps its epoch and node 4 stays out; once every member knows
# it, it joins. Deleting it again, the first node that forgets it installs
# a view without it at once; the cluster follows. Nobody is fenced for
# either: a configuration change is not a failure.
. "$(dirname "$0")/lib.sh"
require_root

# fences I: node I's fence requests, as "node@epoch ...". Fails if
# cluster show does: its empty output would read as no fence at all.
fences()
{
	local -

	set -o pipefail
	hctl "$1" -j cluster show | python3 -c 'import json, sys
print(" ".join("%d@%d" % (r["node-id"], r["epoch"]) for r in json.load(sys.stdin)["fence"]))'
}

no_fences()	# no_fences NODE...: none of them recorded a fence request
{
	local i f

	for i in "$@"; do
		f=$(fences "$i") || fail "node $i: no fence list from cluster show"
		[ -z "$f" ] || fail "node $i recorded fence requests: $f"
	done
}

nodes_setup 4 1 || fail "nodes setup"
HALO_KEY=$(mktemp)
head -c 64 /dev/urandom >"$HALO_KEY"
for i in 1 2 3 4; do
	hctl "$i" cluster create test node-id "$i" key-file "$HALO_KEY" ||
		fail "cluster create on node $i"
done
for i in 1 2 3; do
	for j in 1 2 3; do
		cluster_node_add "$i" "$j" || fail "node add $j on $i"
	done
done
for j in 1 2 3 4; do
	cluster_node_add 4 "$j" || fail "node add $j on 4"
done
wait_for 20 views_agree "1 2 3" 1,2,3 true ||
	fail "1,2,3 did not form: $(view 1) | $(view 2) | $(view 3)"
epoch=$(view 1 | cut -d' ' -f1)
log "formed: $(view 1); node 4: $(view 4)"

log "node 4 added on nodes 1 and 2 only"
cluster_node_add 1 4 && cluster_node_add 2 4 || fail "node add 4"
sleep 3
views_agree "1 2 3" 1,2,3 true ||
	fail "a half-added node changed the view: $(view 1) | $(view 2) | $(view 3)"
[ "$(view 1 | cut -d' ' -f1)" = "$epoch" ] ||
	fail "a half-added node changed the epoch: $epoch -> $(view 1)"
[ "$(view 4 | cut -d' ' -f2)" = false ] || fail "node 4 quorate: $(view 4)"

log "node 4 added on node 3: it joins"
cluster_node_add 3 4 || fail "node add 4 on 3"
wait_for 20 views_agree "1 2 3 4" 1,2,3,4 true ||
	fail "node 4 did not join: $(view 1) | $(view 3) | $(view 4)"
no_fences 1 2 3 4
epoch=$(view 1 | cut -d' ' -f1)

log "node 4 deleted on node 3"
hctl 3 node del 4 || fail "node del"
# shellcheck disable=SC2046 # the view's three words
set -- $(view 3)
[ "$1" -gt "$epoch" ] && [ "$3" = 1,2,3 ] ||
	fail "node 3 did not install a view without node 4 at once: $*"
wait_for 10 views_agree "1 2 3" 1,2,3 true ||
	fail "the cluster did not follow: $(view 1) | $(view 2) | $(view 3)"
epoch=$(view 1 | cut -d' ' -f1)
sleep 3
[ "$(view 1 | cut -d' ' -f1)" = "$epoch" ] ||
	fail "a half-deleted node keeps changing the epoch: $epoch -> $(view 1)"
hctl 4 cluster destroy || fail "cluster destroy on node 4"
for i in 2 1; do
	hctl "$i" node del 4 || fail "node del 4 on $i"
done
wait_for 10 views_agree "1 2 3" 1,2,3 true ||
	fail "1,2,3 after the delete: $(view 1) | $(view 2) | $(view 3)"
no_fences 1 2 3

log "a real failure is still fenced: node 3 down"
node_down 3
wait_for 10 views_agree "1 2" 1,2 true || fail "node 3 not removed: $(view 1)"
for i in 1 2; do
	f=$(fences "$i") || fail "node $i: no fence list from cluster show"
	echo "$f" | grep -q '^3@' || fail "node $i: no fence request for node 3: $f"
done
exit 0
