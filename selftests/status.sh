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

insmod "$HALO_TEST_MODDIR/halo_test_api.ko" lookup=198.51.100.2 ||
	fail "insmod halo_test_api.ko"
trap 'rmmod halo_test_api 2>/dev/null; nodes_cleanup' EXIT
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

node_down 2
wait_for 10 views_agree "1 3" 1,3 true || fail "node 2 was not removed"
wait_for 5 eval '[ "$(sysfs 1 nodes/2/state)" = failed ]' || fail "sysfs: node 2 not failed"
[ "$(sysfs 1 nodes/2/in_view)" = 0 ] || fail "sysfs: node 2 still in view"
[ "$(sysfs 1 members)" = "1 3" ] || fail "sysfs members: $(sysfs 1 members)"
dmesg | grep -q "halo_test_api: event=view netns=$c1 .*members=1,3 lookup=2 in_view=0" ||
	fail "the API client saw no view 1,3 with node 2 out: $(dmesg | grep halo_test_api | tail -3)"

hctl 1 cluster destroy || fail "cluster destroy"
[ ! -e "/sys/kernel/halo/$c1" ] || fail "sysfs directory outlived the cluster"
dmesg | grep -q "halo_test_api: event=destroy netns=$c1" || fail "no destroy event"
hctl 3 node del 2 || fail "node del"
[ ! -e "/sys/kernel/halo/$(cookie 3)/nodes/2" ] || fail "node directory outlived the node"
dmesg | grep -q "halo_test_api: event=config netns=$(cookie 3)" || fail "no config event"
exit 0
