#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside a guest of scripts/vm-run: each step prints the command
# it runs and what came back.
set -eu
. "$HALO_TOP/selftests/lib.sh"
HALO_NS_PREFIX=demo
HALO_QUIET=1

step()
{
	echo
	if [ "$1 $2" = "sh -c" ]; then echo "\$ $3"; else echo "\$ $*"; fi
	"$@"
}

echo "=== halo demo: kernel $(uname -r) under QEMU, halo modules loaded"
step haloctl version
step sh -c 'lsmod | grep -E "^(Module|halo)"'

echo
echo "=== three cluster nodes in one kernel: one network namespace each"
nodes_setup 3
ip netns list | sort
key=$(mktemp)
head -c 64 /dev/urandom >"$key"
for i in 1 2 3; do
	ns=$(node_ns "$i")
	step haloctl -n "$ns" cluster create demo node-id "$i" key-file "$key"
	for j in 1 2 3; do
		step haloctl -n "$ns" node add "$j" name "node$j" addr "$(node_addr "$j")"
	done
done
echo "(a monitor on node 1 records every event; shown at the end)"
mon=$(mktemp)
haloctl -n "$(node_ns 1)" monitor >"$mon" &
monpid=$!

echo
echo "=== the view forms: every node reports the same epoch and members"
wait_for 30 views_agree "1 2 3" 1,2,3 true
step haloctl -n "$(node_ns 1)" cluster show
step haloctl -n "$(node_ns 1)" node show
step haloctl -j -p -n "$(node_ns 2)" cluster show

echo
echo "=== node 3 fails: its link goes down at the switch"
t0=$(date +%s%N)
step node_down 3
wait_for 10 views_agree "1 2" 1,2 true
echo "(nodes 1 and 2 installed a view without node 3 after $((($(date +%s%N) - t0) / 1000000)) ms)"
step haloctl -n "$(node_ns 1)" cluster show
step sh -c "haloctl -n $(node_ns 3) cluster show; echo \"exit status \$? (2: not quorate)\""

echo
echo "=== node 3 comes back and rejoins"
step node_up 3
wait_for 30 views_agree "1 2 3" 1,2,3 true
step haloctl -n "$(node_ns 3)" cluster show

echo
echo "=== what haloctl monitor on node 1 printed"
kill "$monpid"
cat "$mon"

echo
echo "=== bad requests get specific errors"
step sh -c 'haloctl -n '"$(node_ns 1)"' node add 9 name x addr 300.1.2.3 || true'
step sh -c 'haloctl -n '"$(node_ns 1)"' cluster create again node-id 1 || true'
step sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all haloctl cluster show || true'

echo
echo "=== the same cluster-get through the YAML spec, with the kernel's ynl client"
ksrc=$(bash -c ". '$HALO_TOP/scripts/lib/common.sh' && halo_ksrc")
step ip netns exec "$(node_ns 1)" /usr/bin/python3 "$ksrc/tools/net/ynl/cli.py" \
	--spec "$HALO_TOP/Documentation/netlink/specs/halo.yaml" \
	--schema "$ksrc/Documentation/netlink/genetlink.yaml" --do cluster-get

echo
echo "=== demo done: replicated block devices and load balancing come next (see README)"
