#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The topology helpers of lib.sh do what they say: later membership tests
# trust link_cut, link_cut_oneway, node_down and netem to really cut,
# drop and delay, so each is checked here against real traffic.
. "$(dirname "$0")/lib.sh"
require_root

reach()	# reach FROM TO [LINK] [6]: one ping gets through
{
	on "$1" ping -c 1 -W 1 -q "$(node_addr "$2" "${3:-1}" "${4:-4}")" >/dev/null 2>&1
}

# udp FROM TO [LINK]: a datagram sent from FROM arrives at TO. The sender
# sends 15 over 1.5 s; the receiver listens until the sender has finished
# and half a second more, so neither needs a head start, however slowly a
# loaded (or debug) kernel starts python.
udp()
{
	local from=$1 to=$2 l=${3:-1} port=$((20000 + RANDOM % 20000)) pid rc
	local ready sent

	ready=$(mktemp -u)
	sent=$(mktemp -u)
	on "$to" python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3], "w").close()
s.settimeout(0.1)
finished = None
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        s.recv(16)
        sys.exit(0)
    except socket.timeout:
        pass
    if finished is None and os.path.exists(sys.argv[4]):
        finished = time.monotonic()
    if finished is not None and time.monotonic() - finished > 0.5:
        break
sys.exit(1)' "$(node_addr "$to" "$l")" "$port" "$ready" "$sent" &
	pid=$!
	for _ in $(seq 600); do
		[ -e "$ready" ] && break
		sleep 0.1
	done
	on "$from" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(15):
    s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.1)' "$(node_addr "$to" "$l")" "$port"
	touch "$sent"
	wait $pid
	rc=$?
	rm -f "$ready" "$sent"
	return $rc
}

rtt_ms()	# rtt_ms FROM TO: average RTT of 3 pings, integer ms
{
	on "$1" ping -c 3 -i 0.2 -q "$(node_addr "$2")" |
		sed -n 's|.*= [0-9.]*/\([0-9]*\).*|\1|p'
}

nodes_setup 3 2

for i in 1 2 3; do
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		for l in 1 2; do
			reach "$i" "$j" "$l" || fail "node $i cannot reach node $j on link $l"
		done
		reach "$i" "$j" 1 6 || fail "node $i cannot reach node $j over IPv6"
	done
done
echo "ok: 3 nodes reach each other on both links, IPv4 and IPv6"

link_cut 1 2
reach 1 2 1 && fail "link_cut 1 2: link 1 still carries 1 -> 2"
reach 1 2 2 && fail "link_cut 1 2: link 2 still carries 1 -> 2"
reach 2 1 1 && fail "link_cut 1 2: link 1 still carries 2 -> 1"
reach 1 3 1 || fail "link_cut 1 2 also cut 1 <-> 3"
reach 2 3 2 || fail "link_cut 1 2 also cut 2 <-> 3"
link_heal 1 2
reach 1 2 1 && reach 1 2 2 || fail "link_heal 1 2 did not restore 1 <-> 2"
echo "ok: link_cut / link_heal"

link_cut 1 2 1
reach 1 2 1 && fail "link_cut 1 2 1 did not cut link 1"
reach 1 2 2 || fail "link_cut 1 2 1 also cut link 2"
link_heal 1 2 1
reach 1 2 1 || fail "link_heal 1 2 1 did not restore link 1"
echo "ok: cutting one link leaves the other"

udp 1 2 || fail "udp 1 -> 2 does not arrive on a healthy link"
link_cut_oneway 1 2
udp 1 2 && fail "link_cut_oneway 1 2: 1 -> 2 still arrives"
udp 2 1 || fail "link_cut_oneway 1 2 also cut 2 -> 1"
link_heal 1 2
udp 1 2 || fail "link_heal after a one-way cut did not restore 1 -> 2"
echo "ok: link_cut_oneway cuts one direction only"

node_down 3
reach 1 3 1 && fail "node_down 3: node 3 still reachable on link 1"
reach 1 3 2 && fail "node_down 3: node 3 still reachable on link 2"
node_up 3
wait_for 10 reach 1 3 1 || fail "node_up 3 did not bring node 3 back"
echo "ok: node_down / node_up"

netem 1 "delay 100ms"
slow=$(rtt_ms 1 2)
[ "${slow:-0}" -ge 190 ] || fail "netem delay 100ms both ways: rtt ${slow:-?} ms, expected >= 190"
netem 1 ""
on 1 tc qdisc show dev eth1 | grep -q netem && fail "netem cleared, but still on node 1's eth1"
hub tc qdisc show dev v1.1 | grep -q netem && fail "netem cleared, but still on the hub's v1.1"
fast=$(rtt_ms 1 2)
# relative, not absolute: a loaded guest has a slow baseline of its own
[ "${fast:-999}" -lt $((slow - 100)) ] || fail "netem cleared but rtt ${fast:-?} ms (delayed: $slow ms)"
echo "ok: netem delays both directions and clears"

# wait_for gives up, but not before its time; and it polls: a condition
# that turns true later is seen. (No upper bound on time: a slow kernel is
# not a failure, and a hang is the runner's timeout to catch.)
start=$(date +%s%N)
wait_for 1 false && fail "wait_for returned success for false"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -ge 1000 ] || fail "wait_for 1 false gave up after $ms ms, before 1 s"
flag=$(mktemp -u)
(sleep 1; touch "$flag") &
wait_for 30 test -e "$flag" || fail "wait_for missed a condition that became true"
rm -f "$flag"
echo "ok: wait_for polls and times out"
exit $ksft_pass
