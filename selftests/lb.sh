#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ip_vs_halo's schedulers in one guest: a client namespace, a director
# (node 1: IPVS, NAT) and three real servers (nodes 2, 3, 4) answering
# HTTP with their node id, all four halo cluster members. halo_wrr's
# exact shares; a node cut off gets no connection once the view lacks
# it, and its share again when it is back; halo_mh's flows: only the
# flows of a node that left move, and the order servers were added in
# does not matter; a node in standby gets no new connection while its
# open one completes; the cluster instance destroyed and halo's unload
# asked for under live services.
. "$(dirname "$0")/lib.sh"
require_root
here=$(cd "$(dirname "$0")" && pwd)

modprobe ip_vs || fail "no ip_vs in this kernel"
dir=$(mktemp -d)
client=$HALO_NS_PREFIX-client
vip=203.0.113.1
srv_pids=()
cleanup()
{
	kill "${srv_pids[@]}" 2>/dev/null
	ip netns exec "$client" true 2>/dev/null && ip netns del "$client"
	on 1 ipvsadm -C 2>/dev/null
	nodes_cleanup
	rmmod ip_vs_halo 2>/dev/null
	rm -rf "$dir"
}

# ipvsadm -s halo_wrr below loads ip_vs_halo by its alias, from
# /lib/modules/KVER/updates/dkms as on a user's machine (autoload.sh)
cluster_setup 4 1 || fail "cluster setup"
trap cleanup EXIT
wait_for 60 views_agree "1 2 3 4" 1,2,3,4 true || fail "no view of four: $(view 1)"

# the client: 203.0.113.2 and 1000 addresses of 10.98.0.0/16 (halo_mh's flows)
ip netns add "$client" || fail "client namespace"
ip link add c0 netns "$client" type veth peer name cl netns "$(node_ns 1)" ||
	fail "client veth"
{
	echo "link set lo up"
	echo "link set c0 up"
	echo "addr add 203.0.113.2/24 dev c0"
	echo "addr add 10.98.255.253/16 dev c0"
	for i in $(seq 0 999); do
		echo "addr add 10.98.$((i / 200)).$((i % 200 + 1))/16 dev c0"
	done
	echo "route add default via $vip"
} | ip -n "$client" -batch - || fail "client addresses"
srcs=$(for i in $(seq 0 999); do echo "10.98.$((i / 200)).$((i % 200 + 1))"; done)
on 1 ip addr add $vip/24 dev cl && on 1 ip addr add 10.98.255.254/16 dev cl &&
	on 1 ip link set cl up && on 1 sysctl -qw net.ipv4.ip_forward=1 ||
	fail "director addresses"
for n in 2 3 4; do
	# NAT: the answers go back through the director
	on "$n" ip route add default via "$(node_addr 1)" || fail "route on node $n"
	LB_RELEASE=$dir/release on "$n" python3 "$here/lb_http.py" serve "$(node_addr "$n")" 80 "$n" &
	srv_pids+=($!)
done
# Each request of get() from a source port no earlier one used: a port
# used again while IPVS still holds the old connection (its CLOSE state
# lasts 10 s, TIME_WAIT 2 min) may be given the old server, not scheduled,
# and the exact shares below would be off by one.
sport=20000
get()	# get N [SRC...]: N requests to the VIP, "SRC NODE" lines
{
	LB_SPORT=$sport ip netns exec "$client" python3 "$here/lb_http.py" get $vip 80 "$@"
	sport=$((sport + $1))
}
share()	# share FILE: how many requests each of nodes 2 3 4 answered, and failed
{
	awk '{ c[$2]++ } END { printf "%d %d %d %d", c["2"], c["3"], c["4"], c["-"] }' "$1"
}
servers_up()
{
	local n

	for n in 2 3 4; do
		on "$n" ss -Hltn "sport = :80" | grep -q . || return 1
	done
}
# python starts in seconds on a debug kernel, more when it shares the host
wait_for 120 servers_up || fail "the HTTP servers are not up"

# -- halo_wrr: weights 2, 3, 4 --
on 1 ipvsadm -A -t $vip:80 -s halo_wrr || fail "ipvsadm -s halo_wrr (module autoload)"
lsmod | grep -q '^ip_vs_halo ' || fail "ip_vs_halo not loaded by ipvsadm"
echo "ok: ipvsadm -s halo_wrr loaded ip_vs_halo by its alias"
for n in 2 3 4; do
	on 1 ipvsadm -a -t $vip:80 -r "$(node_addr "$n")":80 -m -w "$n" ||
		fail "add real server $n"
done
get 900 >"$dir/wrr"
[ "$(share "$dir/wrr")" = "200 300 400 0" ] ||
	fail "halo_wrr 2,3,4 over 900 requests: $(share "$dir/wrr") (nodes 2 3 4, failed)"
echo "ok: halo_wrr served 900 requests 200/300/400"

# -- haloctl lb show: each server's node, view, weight, connections --
lbshow()	# lbshow PORT ADDR KEY: that server's KEY in the service on PORT
{
	hctl 1 -j lb show | python3 -c '
import json, sys
s = [s for s in json.load(sys.stdin)["services"] if s.get("port") == int(sys.argv[1])][0]
d = [d for d in s["servers"] if d["address"] == sys.argv[2]][0]
print(str(d.get(sys.argv[3], "-")).lower())' "$@"
}
for n in 2 3 4; do
	a=$(node_addr "$n")
	got="$(lbshow 80 "$a" node) $(lbshow 80 "$a" in-view) $(lbshow 80 "$a" weight) $(lbshow 80 "$a" connections)"
	[ "$got" = "$n true $n $((n * 100))" ] ||
		fail "lb show for $a: node, in-view, weight, connections: $got (want $n true $n $((n * 100)))"
done
on 1 ipvsadm -A -t $vip:84 -s halo_wlc || fail "ipvsadm -s halo_wlc"
for n in 2 3 4; do
	on 1 ipvsadm -a -t $vip:84 -r "$(node_addr "$n")":80 -m -w 1 || fail "wlc add $n"
done
on 1 ipvsadm -a -t $vip:84 -r 192.0.2.99:80 -m -w 0 || fail "wlc add a plain server"
[ "$(lbshow 84 192.0.2.99 node)" = - ] || fail "lb show: 192.0.2.99 is no node's, but: $(hctl 1 lb show)"
hctl 1 lb show | grep -q "halo_wlc" || fail "lb show without -j: $(hctl 1 lb show)"
echo "ok: lb show: each server's node, in view, weight, and IPVS's 200/300/400 connections; a plain server"

# -- node 3 cut off while the client keeps asking --
conns()	# conns NODE: connections IPVS gave that real server so far
{
	on 1 ipvsadm -Ln -t $vip:80 --stats --exact |
		awk -v a="$(node_addr "$1"):80" '$2 == a { print $3 }'
}
# not through get(): $! must be the client itself, to be stopped below
ip netns exec "$client" python3 "$here/lb_http.py" get $vip 80 100000 >/dev/null &
busy=$!
sleep 1
node_down 3
wait_for 30 views_agree "1 2 4" 1,2,4 true || fail "node 3 not out of the view: $(view 1)"
kill $busy 2>/dev/null
wait $busy 2>/dev/null
before=$(conns 3)
get 90 >"$dir/cut"
[ "$(share "$dir/cut" | cut -d' ' -f2,4)" = "0 0" ] ||
	fail "with node 3 out of the view: $(share "$dir/cut") (nodes 2 3 4, failed)"
[ "$(conns 3)" = "$before" ] ||
	fail "IPVS gave node 3 connections after it left the view: $before, then $(conns 3)"
[ "$(lbshow 80 "$(node_addr 3)" in-view)" = false ] || fail "lb show: node 3 still in view"
ip netns exec "$client" python3 "$here/lb_http.py" get $vip 84 30 >"$dir/wlc"
[ "$(share "$dir/wlc" | cut -d' ' -f2,4)" = "0 0" ] ||
	fail "halo_wlc with node 3 out of the view: $(share "$dir/wlc") (nodes 2 3 4, failed)"
[ "$(share "$dir/cut")" = "30 0 60 0" ] ||
	fail "2 and 4 did not share 90 requests 2:4: $(share "$dir/cut"): $(cut -d" " -f2 "$dir/cut" | tr -d "\n")"
echo "ok: node 3 out of the view: no new connection (IPVS's count stays $before); 2 and 4 share 2:4; halo_wlc skips it too; lb show says so"
node_up 3
wait_for 60 views_agree "1 2 3 4" 1,2,3,4 true || fail "node 3 not back: $(view 1)"
get 900 >"$dir/back"
[ "$(share "$dir/back")" = "200 300 400 0" ] ||
	fail "after node 3 came back: $(share "$dir/back")"
echo "ok: node 3 back in the view: its share again (200/300/400)"

# -- halo_mh: two services, servers added in opposite orders --
on 1 ipvsadm -A -t $vip:81 -s halo_mh && on 1 ipvsadm -A -t $vip:82 -s halo_mh ||
	fail "ipvsadm -s halo_mh"
for n in 2 3 4; do
	on 1 ipvsadm -a -t $vip:81 -r "$(node_addr "$n")":80 -m -w 1 || fail "mh add $n"
done
for n in 4 3 2; do
	on 1 ipvsadm -a -t $vip:82 -r "$(node_addr "$n")":80 -m -w 1 || fail "mh add $n"
done
mh()	# mh PORT: one request from each of the 1000 addresses
{
	# shellcheck disable=SC2086 # one argument per address
	ip netns exec "$client" python3 "$here/lb_http.py" get $vip "$1" 1000 $srcs
}
mh 81 >"$dir/mh81"
mh 82 >"$dir/mh82"
[ "$(share "$dir/mh81" | cut -d' ' -f4)" = 0 ] || fail "halo_mh: failed requests: $(share "$dir/mh81")"
cmp -s "$dir/mh81" "$dir/mh82" ||
	fail "two halo_mh tables of the same servers added in other orders differ for $(diff "$dir/mh81" "$dir/mh82" | grep -c '^<') flows"
echo "ok: halo_mh: 1000 flows, the same server whatever order the servers were added in ($(share "$dir/mh81"))"
node_down 3
wait_for 30 views_agree "1 2 4" 1,2,4 true || fail "node 3 not out of the view: $(view 1)"
mh 81 >"$dir/mh81-cut"
paste -d' ' "$dir/mh81" "$dir/mh81-cut" | awk '
	$2 != "3" && $2 != $4 { kept_not++ }
	$2 == "3" && ($4 == "3" || $4 == "-") { stuck++ }
	$2 == "3" { moved[$4]++ }
	END { printf "%d %d %d %d", kept_not, stuck, moved["2"], moved["4"] }' >"$dir/moved"
read -r kept_not stuck to2 to4 <"$dir/moved"
[ "$kept_not" = 0 ] || fail "halo_mh: $kept_not flows of nodes 2 and 4 moved when node 3 left"
[ "$stuck" = 0 ] || fail "halo_mh: $stuck flows of node 3 were not moved"
[ "$to2" -gt 0 ] && [ "$to4" -gt 0 ] || fail "halo_mh: node 3's flows all went to one node ($to2, $to4)"
node_up 3
wait_for 60 views_agree "1 2 3 4" 1,2,3,4 true || fail "node 3 not back: $(view 1)"
mh 81 >"$dir/mh81-back"
cmp -s "$dir/mh81" "$dir/mh81-back" || fail "halo_mh: node 3 back, but flows are not where they were"
echo "ok: halo_mh: node 3 left: only its flows moved ($to2 to node 2, $to4 to node 4); back: every flow where it was"

# -- standby: node 4, said on node 2, while a request is open at node 4 --
slow_src=$(awk '$2 == "4" { print $1; exit }' "$dir/mh81")
# it waits as long as the steps below take (minutes on the debug kernel)
LB_PATH=/slow LB_TIMEOUT=900 ip netns exec "$client" \
	python3 "$here/lb_http.py" get $vip 81 1 "$slow_src" >"$dir/slow" &
slow=$!
open_at_4()
{
	on 4 ss -Htn state established "sport = :80" | grep -q .
}
wait_for 30 open_at_4 || fail "the slow request is not open at node 4"
before=$(conns 4)
hctl 2 node standby 4 on || fail "node standby 4 on, on node 2"
wait_for 30 eval '[ "$(lbshow 80 "$(node_addr 4)" standby)" = true ]' ||
	fail "the director does not see node 4 in standby: $(hctl 1 lb show)"
[ "$(lbshow 80 "$(node_addr 4)" in-view)" = true ] || fail "node 4 left the view"
open_at_4 || fail "the slow request at node 4 was cut when it went in standby"
get 90 >"$dir/standby"
[ "$(share "$dir/standby")" = "36 54 0 0" ] ||
	fail "with node 4 in standby, 90 requests: $(share "$dir/standby") (nodes 2 3 4, failed; want 36 54 0 0)"
[ "$(conns 4)" = "$before" ] ||
	fail "IPVS gave node 4 connections in standby: $before, then $(conns 4)"
moved=$(ip netns exec "$client" python3 "$here/lb_http.py" get $vip 81 1 "$slow_src")
case $moved in *" 2" | *" 3") ;; *) fail "halo_mh: a new flow from $slow_src still went to $moved" ;; esac
touch "$dir/release"
wait $slow
[ "$(cat "$dir/slow")" = "$slow_src 4" ] ||
	fail "the request open at node 4 when it went in standby: \"$(cat "$dir/slow")\", want node 4's answer"
echo "ok: node 4 in standby (said on node 2): 90 requests 36/54/0, IPVS's count for it stays $before, halo_mh moves its flow; its open request completed"
hctl 3 node standby 4 off || fail "node standby 4 off, on node 3"
wait_for 30 eval '[ "$(lbshow 80 "$(node_addr 4)" standby)" = false ]' ||
	fail "the director does not see node 4 out of standby"
get 900 >"$dir/active"
[ "$(share "$dir/active")" = "200 300 400 0" ] ||
	fail "node 4 out of standby (said on node 3): $(share "$dir/active")"
echo "ok: node 4 out of standby (said on node 3): 200/300/400 again"

# -- the cluster instance destroyed, halo's unload asked for, under live services --
hctl 1 cluster destroy || fail "cluster destroy on the director"
get 9 >"$dir/plain"
[ "$(share "$dir/plain")" = "2 3 4 0" ] ||
	fail "without a cluster instance halo_wrr is not plain wrr over all three: $(share "$dir/plain")"
rmmod halo 2>/dev/null && fail "halo unloaded under ip_vs_halo"
on 1 ipvsadm -Ln >/dev/null || fail "ipvsadm -Ln after the instance went"
get 9 >"$dir/plain2"
[ "$(share "$dir/plain2" | cut -d' ' -f4)" = 0 ] || fail "requests failed after the unload was refused"
echo "ok: instance destroyed: plain scheduling over every server; halo's unload refused while ip_vs_halo uses it"
on 1 ipvsadm -C || fail "ipvsadm -C"
rmmod ip_vs_halo || fail "rmmod ip_vs_halo with no service using it"
echo "ok: services gone, ip_vs_halo unloads"
exit $ksft_pass
