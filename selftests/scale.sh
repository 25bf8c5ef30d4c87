#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 3-, 5- and 16-node clusters form one view: every node reports the same
# epoch and members, quorate. The 16-node one then loses a node.
. "$(dirname "$0")/lib.sh"
require_root

for n in 3 5 16; do
	HALO_NS_PREFIX=halo-$$-$n
	HALO_QUIET=1 cluster_setup "$n" 1 || fail "cluster setup ($n nodes)"
	all=$(seq -s, "$n")
	wait_for 60 views_agree "$(seq -s' ' "$n")" "$all" true ||
		fail "$n nodes did not form one view: $(for i in $(seq "$n"); do view "$i"; done | sort | uniq -c)"
	log "$n nodes: $(view 1)"
	if [ "$n" = 16 ]; then
		node_down 16
		wait_for 20 views_agree "$(seq -s' ' 15)" "$(seq -s, 15)" true ||
			fail "node 16 was not removed: $(view 1)"
		log "without node 16: $(view 1)"
	fi
	nodes_cleanup
done
exit 0
