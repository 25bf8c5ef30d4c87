#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Membership on a 3-node cluster with two links per node: the view forms;
# losing one link keeps the node in the view, shows the link down and
# emits a link event; a node whose links all go down is removed everywhere
# while the rest stay quorate and ask for it to be fenced; it comes back.
# haloctl monitor sees all of it, after an initial state.
. "$(dirname "$0")/lib.sh"
require_root

has_event()	# has_event FILE PYTHON-EXPR-ON-e
{
	python3 -c 'import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if eval(sys.argv[2]):
        sys.exit(0)
sys.exit(1)' "$1" "$2"
}

link_state()	# link_state I NODE LINK: "up" or "down" as node I sees it
{
	hctl "$1" -j node show "$2" | python3 -c 'import json, sys
n = json.load(sys.stdin)["nodes"][0]
l = [l for l in n["link"] if l["index"] == int(sys.argv[1])][0]
print("up" if l["up"] else "down")' "$3"
}

cluster_setup 3 2 || fail "cluster setup"
mon=$(mktemp)
# not through hctl: $! must be haloctl itself, or it outlives the test
# and holds run.sh's output pipe open
haloctl -n "$(node_ns 1)" -j monitor >"$mon" 2>/dev/null &
monpid=$!
trap 'kill $monpid 2>/dev/null; nodes_cleanup' EXIT

wait_for 20 views_agree "1 2 3" 1,2,3 true ||
	fail "3 nodes did not agree on one quorate view: $(view 1) | $(view 2) | $(view 3)"
log "formed: $(view 1)"
epoch=$(view 1 | cut -d' ' -f1)
has_event "$mon" 'e["event"] == "state"' || fail "monitor printed no initial state"
# the view may have formed before the monitor subscribed
wait_for 5 has_event "$mon" 'e["event"] in ("state", "view") and e["members"] == [1, 2, 3]' ||
	fail "monitor saw no state or view with members 1,2,3"

log "one link of node 3 down"
node_down 3 1
wait_for 5 eval '[ "$(link_state 1 3 0)" = down ]' || fail "link 0 to node 3 not shown down"
[ "$(link_state 1 3 1)" = up ] || fail "link 1 to node 3 not up"
wait_for 5 has_event "$mon" 'e["event"] == "link" and e["id"] == 3 and not e["link"][0]["up"]' ||
	fail "no link-down event"
sleep 1
views_agree "1 2 3" 1,2,3 true || fail "losing one link changed the view: $(view 1)"
[ "$(view 1 | cut -d' ' -f1)" = "$epoch" ] || fail "losing one link changed the epoch"
node_up 3 1
wait_for 5 eval '[ "$(link_state 1 3 0)" = up ]' || fail "link 0 to node 3 did not come back"

lost()	# lost I NODE LINK: heartbeats from NODE that node I missed on LINK
{
	hctl "$1" -j node show "$2" | python3 -c 'import json, sys
n = json.load(sys.stdin)["nodes"][0]
print([l for l in n["link"] if l["index"] == int(sys.argv[1])][0]["rx-lost"])' "$3"
}
log "30% loss from node 2 on link 1 for 3 s"
before=$(lost 1 2 1)
on 2 tc qdisc add dev eth2 root netem loss 30% || fail "netem"
sleep 3
on 2 tc qdisc del dev eth2 root
after=$(lost 1 2 1)
[ "$after" -gt "$before" ] || fail "no heartbeat loss counted on link 1 ($before -> $after)"
[ "$(lost 1 2 0)" -lt "$((after - before))" ] || fail "loss counted on the clean link 0"
log "link 1 from node 2: $((after - before)) heartbeats lost"

# A second monitor with a tiny receive buffer, stopped while the events
# below pile up: the kernel drops some, and the monitor must say so and
# print the state again rather than die or go on silently.
HALOCTL_RCVBUF=2048 haloctl -n "$(node_ns 1)" -j monitor >"$mon.small" 2>&1 &
smallpid=$!
trap 'kill $monpid $smallpid 2>/dev/null; kill -CONT $smallpid 2>/dev/null; nodes_cleanup' EXIT
wait_for 5 has_event "$mon.small" 'e["event"] == "state"' || fail "second monitor did not start"
kill -STOP $smallpid

log "every link of node 3 down"
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
wait_for 5 has_event "$mon" 'e["event"] == "node" and e["id"] == 3 and not e["in-view"]' ||
	fail "no node-left event"
wait_for 5 has_event "$mon" 'e["event"] == "view" and e["members"] == [1, 2]' ||
	fail "no view event for 1,2"
wait_for 5 has_event "$mon" 'e["event"] == "fence" and e["fence"][0]["node-id"] == 3' ||
	fail "no fence event"

node_up 3
wait_for 20 views_agree "1 2 3" 1,2,3 true ||
	fail "node 3 did not rejoin: $(view 1) | $(view 2) | $(view 3)"
log "rejoined: $(view 1)"
wait_for 5 has_event "$mon" 'e["event"] == "node" and e["id"] == 3 and e["in-view"]' ||
	fail "no node-joined event"

kill -CONT $smallpid
after_lost()	# after_lost FILE: a "lost" line, then a state with 1,2,3
{
	python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
i = [k for k, e in enumerate(ev) if e["event"] == "lost"]
sys.exit(0 if i and any(e["event"] == "state" and e["members"] == [1, 2, 3]
                        for e in ev[i[0]:]) else 1)' "$1"
}
wait_for 10 after_lost "$mon.small" ||
	fail "overflowed monitor: no lost line and fresh state: $(cat "$mon.small")"
kill -0 $smallpid || fail "the overflowed monitor exited"

# corosync-quorumtool's convention: exit status 2 when not quorate
hctl 1 cluster show >/dev/null || fail "cluster show failed on a quorate node"
hctl 1 cluster destroy || fail "cluster destroy"
hctl 2 cluster show >/dev/null
[ $? = 0 ] || fail "node 2 not quorate after node 1 left cleanly"
node_down 2
wait_for 10 eval 'hctl 2 cluster show >/dev/null; [ $? = 2 ]' ||
	fail "cluster show did not exit 2 on a non-quorate node"
cat "$mon"
exit 0
