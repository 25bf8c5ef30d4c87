#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A cluster whose own node is not configured says so. Someone used to
# keepalived's unicast_peer adds only the peers: the instance has no
# address to send from, sends nothing, and no view forms. `cluster show`
# and `node show` name the problem and its fix, `cluster show -j` carries
# it in "problems" (empty when all is well), and the kernel logs it once
# per instance when it has lasted 2 s (a node configured in id order lacks
# itself for a moment: no log). Adding the local node mends it.
. "$(dirname "$0")/lib.sh"
require_root

want="local node %s is not configured (add it: haloctl node add %s name NAME addr IP)"
problems()	# problems I: node I's "problems", one per line
{
	hctl "$1" -j cluster show | python3 -c 'import json, sys
print("\n".join(json.load(sys.stdin)["problems"]))'
}

nodes_setup 3
key=$(mktemp)
head -c 64 /dev/urandom >"$key"
mark="local_node.sh $$ starts"
echo "$mark" >/dev/kmsg
# nodes 1 and 2 add only their peers; node 3 is configured fully, in id
# order (one haloctl: a debug kernel takes seconds to start a process)
for i in 1 2 3; do
	{
		echo "cluster create peers node-id $i key-file $key"
		for j in 1 2 3; do
			[ "$j" = "$i" ] && [ "$i" != 3 ] && continue
			echo "node add $j name n$j addr $(node_addr "$j")"
		done
	} | hctl "$i" -b - || fail "configuring node $i"
done
logged() { dmesg | sed -n "/$mark/,\$p" | grep -c "peers: $1"; }

for i in 1 2; do
	# shellcheck disable=SC2059
	msg=$(printf "$want" "$i" "$i")
	[ "$(problems "$i")" = "$msg" ] || fail "node $i's problems: '$(problems "$i")', expected '$msg'"
	out=$(hctl "$i" cluster show)
	echo "$out" | grep -qxF "Problem:          $msg" || fail "cluster show on $i does not say it: $out"
	out=$(hctl "$i" node show) || fail "node show on $i"
	echo "$out" | grep -qxF "problem: $msg" || fail "node show on $i does not say it: $out"
	n=$(hctl "$i" -j node show | python3 -c 'import json, sys
print(len(json.load(sys.stdin)["problems"]))')
	[ "$n" = 1 ] || fail "node show -j on $i: $n problems"
	# once per instance, though node $i had two nodes added
	wait_for 10 eval '[ "$(logged "$msg")" -ge 1 ]' || fail "node $i's problem never logged"
	n=$(logged "$msg")
	[ "$n" = 1 ] || fail "the kernel logged node $i's problem $n times, not once"
done
sleep 1	# the logs above came 2 s after the adds: node 3's would be out too
n=$(logged "local node 3 ")
[ "$n" = 0 ] || fail "node 3 lacked itself only between two adds, yet it was logged"
[ -z "$(problems 3)" ] || fail "node 3 is configured, yet: $(problems 3)"
hctl 3 -j cluster show | python3 -c 'import json, sys
sys.exit(json.load(sys.stdin)["problems"] != [])' || fail "node 3's problems are not an empty array"
hctl 3 node show | grep -q problem && fail "node show on node 3 shows a problem"
echo "ok: the unconfigured local node is named in cluster show, node show, -j and the log (once)"

# -- mended: the view forms --
for i in 1 2; do
	hctl "$i" node add "$i" name "n$i" addr "$(node_addr "$i")" || fail "local node on $i"
	[ -z "$(problems "$i")" ] || fail "node $i still has: $(problems "$i")"
done
wait_for 30 views_agree "1 2 3" 1,2,3 true || fail "no view after the local nodes were added: $(view 1)"
echo "ok: with the local node added the problem is gone and the view forms"
exit $ksft_pass
