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

# At most one quorate group. The views are read one node after another,
# so a quorate node may show the view before the newest one only while
# that newest view is being installed: a member of the newest view must
# show it (or lose quorum) within a second, and a node left out of it
# must no longer be quorate when read again after it was seen.
declare -A sysdir

# Node I's view as view() prints it, from sysfs: a few file reads, so a
# round over every node takes milliseconds, not a haloctl per node.
fast_view()
{
	local i=$1 d c ep q m

	d=${sysdir[$HALO_NS_PREFIX.$i]:-}
	if [ -z "$d" ]; then
		c=$(hctl "$i" -j module show | python3 -c 'import json, sys; print(json.load(sys.stdin)["netns-cookie"])') ||
			return 1
		d=/sys/kernel/halo/$c
		sysdir[$HALO_NS_PREFIX.$i]=$d
	fi
	read -r ep < "$d/epoch" && read -r q < "$d/quorate" && read -r m < "$d/members" ||
		return 1
	[ "$q" = 1 ] && q=true || q=false
	echo "$ep $q ${m// /,}"
}

one_quorate_group()
{
	local i j v e=() q=() m=() top=0 tries

	for i in $(seq "$HALO_NODES"); do
		v=$(fast_view "$i") || return 1
		set -- $v
		e[i]=$1 q[i]=$2 m[i]=$3
		[ "$2" = true ] && [ "$1" -gt "$top" ] && top=$1
	done
	for i in $(seq "$HALO_NODES"); do
		[ "${q[i]}" = true ] && [ "${e[i]}" = "$top" ] && { j=$i; break; }
	done
	for i in $(seq "$HALO_NODES"); do
		[ "${q[i]}" = true ] || continue
		[ "${e[i]}" = "${e[j]}" ] && [ "${m[i]}" != "${m[j]}" ] && {
			echo "two quorate views of epoch ${e[i]}: ${m[j]} / ${m[i]}" >&2
			return 1
		}
		[ "${e[i]}" -lt "$top" ] || continue
		if [[ ",${m[j]}," == *",$i,"* ]]; then
			tries=10	# a member: the COMMIT may still be on its way
		else
			tries=1		# left out: its lease must be gone already
		fi
		while :; do
			set -- $(fast_view "$i")
			[ "$2" = true ] && [ "$1" -lt "$top" ] || break
			tries=$((tries - 1))
			[ "$tries" -gt 0 ] || {
				echo "node $i quorate in view $1 $3 while ${e[j]} ${m[j]} is quorate" >&2
				return 1
			}
			sleep 0.1
		done
	done
}

# Poll SECS seconds; fail at once if two quorate groups ever show.
watch_groups()
{
	local end=$(($(date +%s) + $1))

	while [ "$(date +%s)" -lt "$end" ]; do
		one_quorate_group || fail "more than one quorate group"
		sleep 0.02
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
