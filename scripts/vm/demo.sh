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
for i in 1 2 3; do
	step haloctl -n "$(node_ns "$i")" module show
done
echo "(each namespace is answered by its own halo instance: its own netns-cookie)"

echo
echo "=== JSON for scripts (keys are the netlink spec's attribute names)"
step haloctl -j -p -n "$(node_ns 1)" module show

echo
echo "=== the same GET through the YAML spec, with the kernel's ynl client"
ksrc=$(bash -c ". '$HALO_TOP/scripts/lib/common.sh' && halo_ksrc")
step /usr/bin/python3 "$ksrc/tools/net/ynl/cli.py" \
	--spec "$HALO_TOP/Documentation/netlink/specs/halo.yaml" \
	--schema "$ksrc/Documentation/netlink/genetlink.yaml" --do get

echo
echo "=== bad requests get specific errors"
step sh -c 'haloctl module frobnicate || true'
step sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all haloctl module show || true'

echo
echo "=== unloading and loading the module while the nodes exist"
step rmmod halo
step sh -c 'haloctl version || true'
step insmod "$HALO_MODDIR/halo.ko"
step haloctl -n "$(node_ns 2)" module show

echo
echo "=== demo done: membership, heartbeats and quorum come next (see README)"
