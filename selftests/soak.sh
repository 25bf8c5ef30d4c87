#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# No false failures: 5 nodes with 10% random loss and 20 ms jitter on every
# link (netem on each node's egress, so every path crosses exactly one) for
# SOAK_SECS seconds (default 300): zero view changes, quorate throughout.
# Long: run by make check-extended, not by make check.
. "$(dirname "$0")/lib.sh"
require_root

secs=${SOAK_SECS:-300}
cluster_setup 5 1 || fail "cluster setup"
wait_for 30 views_agree "1 2 3 4 5" 1,2,3,4,5 true || fail "5 nodes did not form one view"
before=$(view 1)
for i in 1 2 3 4 5; do
	on "$i" tc qdisc add dev eth1 root netem loss 10% delay 20ms 20ms ||
		fail "netem on node $i"
done
log "soak: $secs s of 10% loss and 20 ms jitter from $before"
end=$(($(date +%s) + secs))
while [ "$(date +%s)" -lt "$end" ]; do
	for i in 1 2 3 4 5; do
		v=$(view "$i") || fail "cluster show on node $i"
		[ "$v" = "$before" ] || fail "node $i changed to '$v' (was '$before')"
	done
	sleep 2
done
hctl 1 node show
log "soak: no view change in $secs s: $(view 1)"
exit 0
