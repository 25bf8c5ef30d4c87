#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Status outside netlink: sysfs (/sys/kernel/halo/<netns-cookie>/, one
# directory per instance, matching cluster show) and the in-kernel API
# that halo_blk and ip_vs_halo use, through the test module halo_test_api
# (notifier events, view, quorum, node membership, address lookup).
. "$(dirname "$0")/lib.sh"
require_root

[ -n "${HALO_TEST_MODDIR:-}" ] || skip "run under scripts/vm-run"
cookie()	# cookie I: node I's netns cookie
{
	hctl "$1" -j module show | python3 -c 'import json, sys
print(json.load(sys.stdin)["netns-cookie"])'
}

sysfs()	# sysfs I FILE
{
	cat "/sys/kernel/halo/$(cookie "$1")/$2"
}

# kmsg_mark TEXT, kmsg_since: the kernel log from a line written just
# before a step on, as in blk_lib.sh (the halo_blk tests' library). An
# instance destroyed and started again keeps its netns cookie, and every
# node add is a config event: grepping the whole log would find the
# lines of earlier steps.
kmsg_mark()
{
	kmsg_marker="halo selftest $$: $1"
	echo "$kmsg_marker" >/dev/kmsg
}

kmsg_since()
{
	dmesg | sed -n "/$kmsg_marker/,\$p"
}

# the test-only API client uses halo.ko's exports, and insmod loads no
# dependency: halo.ko first, by name, as its family's alias would
modprobe halo || fail "modprobe halo"
insmod "$HALO_TEST_MODDIR/halo_test_api.ko" lookup=198.51.100.2 ||
	fail "insmod halo_test_api.ko"
tmp=$(mktemp -d)
trap 'rmmod halo_test_api 2>/dev/null; nodes_cleanup; rm -rf "$tmp"' EXIT
cluster_setup 3 1 || fail "cluster setup"
wait_for 20 views_agree "1 2 3" 1,2,3 true || fail "3 nodes did not form one view"

for i in 1 2 3; do
	c=$(cookie "$i")
	[ -d "/sys/kernel/halo/$c" ] || fail "no /sys/kernel/halo/$c for node $i"
done
[ "$(ls -d /sys/kernel/halo/[0-9]* | wc -l)" -ge 3 ] || fail "instances share a directory"
set -- $(view 1)
[ "$(sysfs 1 epoch)" = "$1" ] || fail "sysfs epoch $(sysfs 1 epoch), cluster show $1"
[ "$(sysfs 1 members)" = "1 2 3" ] || fail "sysfs members: $(sysfs 1 members)"
[ "$(sysfs 1 quorate)" = 1 ] || fail "sysfs quorate: $(sysfs 1 quorate)"
[ "$(sysfs 2 node_id)" = 2 ] || fail "sysfs node_id of node 2: $(sysfs 2 node_id)"
[ "$(sysfs 1 name)" = test ] || fail "sysfs name: $(sysfs 1 name)"
[ "$(sysfs 1 nodes/1/state)" = local ] || fail "node 1 state: $(sysfs 1 nodes/1/state)"
[ "$(sysfs 1 nodes/3/state)" = alive ] || fail "node 3 state: $(sysfs 1 nodes/3/state)"
[ "$(sysfs 1 nodes/3/in_view)" = 1 ] || fail "node 3 in_view: $(sysfs 1 nodes/3/in_view)"
echo x > "/sys/kernel/halo/$(cookie 1)/epoch" 2>/dev/null && fail "sysfs is writable"

c1=$(cookie 1)
dmesg | grep -q "halo_test_api: event=view netns=$c1 .*quorate=1 members=1,2,3 lookup=2 in_view=1" ||
	fail "the API client saw no view 1,2,3 (lookup 198.51.100.2 -> 2, in view): $(dmesg | grep halo_test_api | tail -3)"

# -- standby: said on node 3 about node 2, heard by all --
standby_is()	# standby_is I ID 0|1: node I's sysfs says node ID is (not) in standby
{
	[ "$(sysfs "$1" "nodes/$2/standby")" = "$3" ]
}
for i in 1 2 3; do
	standby_is "$i" 2 0 || fail "node $i: node 2 in standby before anyone said so"
done
hctl 1 monitor >"$tmp/mon" 2>&1 &
mon=$!
# subscribed once it has printed the state (seconds on a debug kernel)
wait_for 30 grep -q "^state" "$tmp/mon" || fail "monitor printed no state: $(cat "$tmp/mon")"
hctl 3 node standby 2 on || fail "node standby 2 on"
for i in 1 2 3; do
	wait_for 20 standby_is "$i" 2 1 || fail "node $i did not hear node 2 go in standby"
done
standby_is 1 3 0 || fail "node 3 in standby, though only node 2 was put there"
[ "$(hctl 1 -j node show 2 | python3 -c 'import json, sys
print(json.load(sys.stdin)["nodes"][0]["standby"])')" = True ] || fail "node show -j: no standby: $(hctl 1 -j node show 2)"
hctl 1 node show 2 | grep -q "in-view standby" || fail "node show: $(hctl 1 node show 2)"
wait_for 20 grep -q "^node 2 standby on" "$tmp/mon" || fail "monitor: no standby event: $(cat "$tmp/mon")"
kill $mon
dmesg | grep -q "halo_test_api: event=standby netns=$(cookie 1) .*lookup=2 in_view=1 standby=1" ||
	fail "the API client saw no standby event for node 2: $(dmesg | grep halo_test_api | tail -3)"
# the register outlives a node's restart: node 1 comes back knowing
hctl 1 cluster destroy || fail "cluster destroy on node 1"
cluster_start 1 || fail "node 1's instance again"
wait_for 30 standby_is 1 2 1 || fail "node 1, restarted, did not learn node 2 is in standby"
hctl 2 node standby 2 off || fail "node standby 2 off, said by node 2 itself"
for i in 1 2 3; do
	wait_for 20 standby_is "$i" 2 0 || fail "node $i did not hear node 2 leave standby"
done
# bad words
err=$(hctl 1 node standby 9 on 2>&1) && fail "standby of a node that does not exist"
echo "$err" | grep -q "no node with this id" || fail "standby of node 9: $err"
err=$(hctl 1 node standby 2 maybe 2>&1) && fail "standby maybe accepted"
echo "$err" | grep -q "on or off" || fail "standby maybe: $err"
echo "ok: standby said on node 3 reaches every node (sysfs, node show, monitor, the API); a restarted node learns it; bad words refused"
wait_for 20 views_agree "1 2 3" 1,2,3 true || fail "3 nodes not back in one view"

kmsg_mark "node 2 down"
node_down 2
wait_for 10 views_agree "1 3" 1,3 true || fail "node 2 was not removed"
wait_for 5 eval '[ "$(sysfs 1 nodes/2/state)" = failed ]' || fail "sysfs: node 2 not failed"
[ "$(sysfs 1 nodes/2/in_view)" = 0 ] || fail "sysfs: node 2 still in view"
[ "$(sysfs 1 members)" = "1 3" ] || fail "sysfs members: $(sysfs 1 members)"
kmsg_since | grep -q "halo_test_api: event=view netns=$c1 .*members=1,3 lookup=2 in_view=0" ||
	fail "the API client saw no view 1,3 with node 2 out: $(kmsg_since | grep halo_test_api | tail -3)"

# node 1's instance was destroyed once already (the standby restart)
kmsg_mark "cluster destroy on node 1"
hctl 1 cluster destroy || fail "cluster destroy"
[ ! -e "/sys/kernel/halo/$c1" ] || fail "sysfs directory outlived the cluster"
kmsg_since | grep -q "halo_test_api: event=destroy netns=$c1" ||
	fail "no destroy event: $(kmsg_since | grep halo_test_api | tail -3)"
c3=$(cookie 3)
# cluster_setup's node adds logged config events for node 3 already
kmsg_mark "node del 2 on node 3"
hctl 3 node del 2 || fail "node del"
[ ! -e "/sys/kernel/halo/$c3/nodes/2" ] || fail "node directory outlived the node"
kmsg_since | grep -q "halo_test_api: event=config netns=$c3" ||
	fail "no config event: $(kmsg_since | grep halo_test_api | tail -3)"
exit 0
