#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 3-, 5- and 16-node clusters form one view: every node reports the same
# epoch and members, quorate. The 16-node one then loses a node.
. "$(dirname "$0")/lib.sh"
require_root

# What this checks is that one view forms and a loss is agreed, not how
# fast: 16 nodes in one emulated guest on the defaults send 16 x 15 x 10 =
# 2,400 authenticated datagrams a second, which take most of a TCG CPU
# (each node's set-up then takes 6-10 s) and all of it on a debug kernel
# (KASAN, lockdep, kmemleak). So the 16-node step runs a slower schedule;
# membership.sh and partition.sh test the default one.
slow=(interval 250 timeout 1250)
case $(uname -r) in
*debug*) slow=(interval 500 timeout 2500) ;;
esac

for n in 3 5 16; do
	HALO_NS_PREFIX=halo-$$-$n
	args=()
	[ "$n" = 16 ] && args=("${slow[@]}")
	t0=$(date +%s)
	HALO_QUIET=1 cluster_setup "$n" 1 "${args[@]}" ||
		fail "cluster setup ($n nodes)"
	t1=$(date +%s)
	all=$(seq -s, "$n")
	wait_for 60 views_agree "$(seq -s' ' "$n")" "$all" true ||
		fail "$n nodes did not form one view: $(for i in $(seq "$n"); do view "$i"; done | sort | uniq -c)"
	log "$n nodes ${args[*]}: set up in $((t1 - t0)) s, one view $(($(date +%s) - t1)) s later: $(view 1)"
	if [ "$n" = 16 ]; then
		node_down 16
		wait_for 30 views_agree "$(seq -s' ' 15)" "$(seq -s, 15)" true ||
			fail "node 16 was not removed: $(view 1)"
		log "without node 16: $(view 1)"
	fi
	nodes_cleanup
done
exit 0
