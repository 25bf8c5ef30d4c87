#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo.ko life cycle and the "halo" family through haloctl: load/unload
# with namespaces around, GET from two namespaces (each sees its own
# instance), unprivileged callers refused (a missing module: autoload.sh).
. "$(dirname "$0")/lib.sh"
require_root

# Print the cookie of the current netns, from SO_NETNS_COOKIE.
netns_cookie=(python3 -c '
import socket
s = socket.socket()
print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), "little"))')

json_get()	# json_get KEY < JSON
{
	python3 -c 'import json, sys; v = json.load(sys.stdin)[sys.argv[1]]; print(str(v).lower() if isinstance(v, bool) else v)' "$1"
}

want=$(sed -n 's/#define HALO_VERSION "\(.*\)"/\1/p' "$HALO_TOP/kernel/halo/version.h")

out=$(haloctl version) || fail "haloctl version failed"
echo "$out" | grep -qx "haloctl $want" || fail "haloctl version: no tool version in: $out"
echo "$out" | grep -qx "halo module $want" || fail "haloctl version: no module version in: $out"
v=$(haloctl -j version | json_get version) || fail "haloctl -j version"
[ "$v" = "$want" ] || fail "module reports version '$v', expected '$want'"
echo "ok: haloctl version reports tool and module $want"

nodes_setup 2
c1=$(on 1 "${netns_cookie[@]}")
c2=$(on 2 "${netns_cookie[@]}")
[ "$c1" != "$c2" ] || fail "two namespaces share cookie $c1"
g1=$(on 1 haloctl -j module show | json_get netns-cookie) || fail "GET in node 1"
g2=$(haloctl -n "$(node_ns 2)" -j module show | json_get netns-cookie) || fail "GET with -n"
[ "$g1" = "$c1" ] || fail "node 1's GET answered from netns $g1, expected $c1"
[ "$g2" = "$c2" ] || fail "node 2's GET (haloctl -n) answered from netns $g2, expected $c2"
[ "$(on 1 haloctl -j module show | json_get cluster)" = false ] ||
	fail "a fresh namespace claims a cluster instance"
echo "ok: GET from two namespaces, each answered by its own instance"

err=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	haloctl module show 2>&1) && fail "unprivileged GET succeeded"
echo "$err" | grep -q "CAP_NET_ADMIN" || fail "unprivileged GET: unclear error: $err"
echo "ok: unprivileged caller refused: $err"

err=$(haloctl module frobnicate 2>&1) && fail "bad command accepted"
echo "$err" | grep -q "use show/help" || fail "bad command: error names no choices: $err"
echo "ok: bad command names the valid ones"

# -batch: comments and blank lines skipped, commands run in order in the
# -n namespace, the first failure ends it, names its line, and nothing
# after it runs.
err=$(printf '%s\n' 'cluster create batch node-id 1  # the instance' '' \
	'node add 2 name b addr 192.0.2.200' 'node add 3 name c addr not-an-address' \
	'node add 4 name d addr 192.0.2.204' |
	haloctl -n "$(node_ns 1)" -b - 2>&1) && fail "a batch with a bad line succeeded"
echo "$err" | grep -q -- "-:4: command failed" || fail "batch: failing line not named: $err"
nodes=$(hctl 1 -j node show | python3 -c 'import json, sys
print(",".join(str(n["id"]) for n in json.load(sys.stdin)["nodes"]))') || fail "node show after the batch"
[ "$nodes" = 2 ] || fail "batch: nodes '$nodes' in the instance, expected 2 (and none after the bad line)"
hctl 1 cluster destroy || fail "cluster destroy after the batch"
echo "ok: haloctl -batch runs in order, stops at the bad line and names it"

# Unload with namespaces alive, load again: existing namespaces get an
# instance, and the family comes and goes with the module.
for round in 1 2 3; do
	for m in ip_vs_halo halo_blk; do
		[ -d /sys/module/$m ] && { rmmod $m || fail "rmmod $m"; }
	done
	rmmod halo || fail "rmmod halo (round $round)"
	ip netns add "$HALO_NS_PREFIX-r$round"
	# the GET below loads it again, by the family's alias
	g=$(ip netns exec "$HALO_NS_PREFIX-r$round" haloctl -j module show | json_get netns-cookie) ||
		fail "GET in a namespace made while unloaded"
	c=$(ip netns exec "$HALO_NS_PREFIX-r$round" "${netns_cookie[@]}")
	[ "$g" = "$c" ] || fail "round $round: GET answered from $g, expected $c"
	ip netns del "$HALO_NS_PREFIX-r$round"
done
echo "ok: unload/load 3 times with namespaces coming and going"
exit $ksft_pass
