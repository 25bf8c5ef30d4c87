#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Partitions: 5 nodes split {1,2} | {3,4,5} (only the majority is quorate,
# healing gives one view of 5), an asymmetric cut on 3 nodes (1 <-> 3 only:
# one consistent view, at most one quorate group), a node whose sending
# alone is cut (it still hears everyone; it must lose quorum), and an even
# 2 | 2 split with and without auto_tie_breaker.
. "$(dirname "$0")/lib.sh"
require_root

cut_sides()	# cut_sides "A..." "B..." cut|heal
{
	local a b

	for a in $1; do
		for b in $2; do
			if [ "$3" = cut ]; then link_cut "$a" "$b"; else link_heal "$a" "$b"; fi
		done
	done
}

# At most one quorate group: every quorate node shows the same view.
one_quorate_group()
{
	local i v seen=

	for i in $(seq "$HALO_NODES"); do
		v=$(view "$i") || return 1
		set -- $v
		[ "$2" = true ] || continue
		[ -z "$seen" ] && seen="$1 $3"
		[ "$seen" = "$1 $3" ] || { echo "two quorate groups: $seen / $1 $3" >&2; return 1; }
	done
}

# Poll SECS seconds; fail at once if two quorate groups ever show.
watch_groups()
{
	local end=$(($(date +%s) + $1))

	while [ "$(date +%s)" -lt "$end" ]; do
		one_quorate_group || fail "more than one quorate group"
		sleep 0.2
	done
}

log "== five nodes, split 2 | 3"
cluster_setup 5 1 || fail "cluster setup"
wait_for 30 views_agree "1 2 3 4 5" 1,2,3,4,5 true || fail "5 nodes did not form one view"
cut_sides "1 2" "3 4 5" cut
watch_groups 3
wait_for 15 views_agree "3 4 5" 3,4,5 true || fail "majority: $(view 3)"
wait_for 15 views_agree "1 2" 1,2 false || fail "minority: $(view 1)"
cut_sides "1 2" "3 4 5" heal
wait_for 30 views_agree "1 2 3 4 5" 1,2,3,4,5 true ||
	fail "no single view after healing: $(view 1) | $(view 3)"
nodes_cleanup

log "== three nodes, 1 <-> 3 cut (asymmetric)"
HALO_NS_PREFIX=halo-$$-asym
cluster_setup 3 1 || fail "cluster setup"
wait_for 20 views_agree "1 2 3" 1,2,3 true || fail "3 nodes did not form one view"
link_cut 1 3
watch_groups 4
# Documented behaviour: 2 hears both, so 1 and 3 stay members through it.
views_agree "1 2 3" 1,2,3 true || fail "views after the asymmetric cut: $(view 1) | $(view 2) | $(view 3)"
link_heal 1 3
wait_for 10 views_agree "1 2 3" 1,2,3 true || fail "after healing 1 <-> 3: $(view 1)"

log "== three nodes, node 3 muted (everything it sends is lost)"
link_cut_oneway 3 1
link_cut_oneway 3 2
watch_groups 3
# It still hears everyone, but they say they no longer hear it.
wait_for 10 views_agree "1 2" 1,2 true || fail "1,2 after muting 3: $(view 1)"
wait_for 5 eval '[ "$(view 3 | cut -d" " -f2)" = false ]' ||
	fail "muted node 3 still quorate: $(view 3)"
link_heal 3 1
link_heal 3 2
wait_for 20 views_agree "1 2 3" 1,2,3 true || fail "node 3 did not come back: $(view 3)"
nodes_cleanup

for atb in no yes; do
	log "== four nodes, split 2 | 2, auto-tie-breaker $atb"
	HALO_NS_PREFIX=halo-$$-atb-$atb
	if [ $atb = yes ]; then
		cluster_setup 4 1 auto-tie-breaker || fail "cluster setup"
	else
		cluster_setup 4 1 || fail "cluster setup"
	fi
	wait_for 30 views_agree "1 2 3 4" 1,2,3,4 true || fail "4 nodes did not form one view"
	cut_sides "1 2" "3 4" cut
	watch_groups 2
	if [ $atb = yes ]; then
		wait_for 15 views_agree "1 2" 1,2 true || fail "lowest-id half not quorate: $(view 1)"
	else
		wait_for 15 views_agree "1 2" 1,2 false || fail "half quorate without a tie breaker: $(view 1)"
	fi
	wait_for 15 views_agree "3 4" 3,4 false || fail "other half: $(view 3)"
	nodes_cleanup
done
exit 0
