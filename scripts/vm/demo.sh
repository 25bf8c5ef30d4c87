#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside a guest of scripts/vm-run: the whole stack as a story.
# Three nodes (network namespaces of one kernel) form a view; a replicated
# device on nodes 2 and 3 syncs, carries a filesystem and fails over with
# its files; node 1 directs HTTP over all three with halo_wrr; node 2
# dies and each part says what it did; node 2 returns. Each step prints
# the command it runs and what came back (trimmed). Every fact the story
# tells is checked: a demo that no longer works fails (exit 1).
set -eu
. "$HALO_TOP/selftests/lib.sh"
HALO_NS_PREFIX=demo
HALO_QUIET=1

step()
{
	echo
	if [ "$1 ${2:-}" = "sh -c" ]; then echo "\$ $3"; else echo "\$ $*"; fi
	"$@"
}
h() { echo; echo "=== $*"; }
note() { echo "($*)"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# event_ms T0 REGEX: milliseconds from T0 (an $EPOCHREALTIME) to the first
# line of node 1's monitor matching REGEX, waiting up to 30 s for it. The
# monitor's lines are stamped as they arrive, so a time is the kernel's,
# not that of a poll (a haloctl started every 100 ms takes longer than
# that under TCG).
event_ms()
{
	local ms i

	for i in $(seq 300); do
		ms=$(awk -v t0="$1" -v re="$2" '$1 >= t0 && $0 ~ re {
			printf "%d", ($1 - t0) * 1000; exit }' "$mon")
		[ -n "$ms" ] && echo "$ms" && return 0
		sleep 0.1
	done
	echo "demo: no monitor line /$2/ on node 1" >&2
	return 1
}
stamp() { local l; while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done; }
# devs: node 2's and node 3's dev show for r0, one line each
devs()
{
	local i

	for i in 2 3; do
		printf 'node %s: ' "$i"
		haloctl -n "$(node_ns "$i")" dev show r0 | head -n 1
	done
}
devkey() { haloctl -n "$(node_ns "$1")" -j dev show r0 | json_key "$2"; }
json_key() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

demo=$(mktemp -d)
client=demo-client
vip=203.0.113.1
srv_pids=()
cleanup()
{
	set +e
	kill "${srv_pids[@]}" 2>/dev/null
	pkill -f "haloctl -n demo-n1 monitor"
	ip netns exec demo-n1 ipvsadm -C 2>/dev/null
	mountpoint -q "$demo/mnt" && umount "$demo/mnt"
	for i in 2 3; do haloctl -n "$(node_ns "$i")" dev destroy r0 2>/dev/null; done
	rmmod brd
	ip netns del "$client" 2>/dev/null
	nodes_cleanup
}
trap cleanup EXIT

h "halo demo: kernel $(uname -r) under QEMU"
note "halo is installed as dkms installs it; nothing is loaded until first used"
step sh -c "ls /lib/modules/$(uname -r)/updates/dkms/"
step sh -c 'lsmod | grep -c "^halo" || true'
step haloctl version
step sh -c 'lsmod | grep -E "^halo"'

h "1. Membership: three nodes in one kernel, a network namespace each"
nodes_setup 3
key=$demo/key
head -c 64 /dev/urandom >"$key"
step haloctl -n demo-n1 cluster create demo node-id 1 key-file "$key"
for j in 1 2 3; do
	step haloctl -n demo-n1 node add "$j" name "node$j" addr "$(node_addr "$j")"
done
note "nodes 2 and 3: the same, with their own node-id (haloctl -b takes one command a line)"
for i in 2 3; do
	{
		echo "cluster create demo node-id $i key-file $key"
		for j in 1 2 3; do echo "node add $j name node$j addr $(node_addr "$j")"; done
	} | haloctl -n "$(node_ns "$i")" -b -
done
mon=$demo/monitor
haloctl -n demo-n1 monitor | stamp >"$mon" &
t0=$(date +%s%N)
wait_for 30 views_agree "1 2 3" 1,2,3 true
note "all three showed the same view within $(ms_since "$t0") ms of the last node being configured"
step haloctl -n demo-n1 cluster show
step haloctl -n demo-n1 node show

h "2. A replicated disk: r0 on nodes 2 and 3 (DRBD's protocol C)"
note "their disks: two 32 MiB RAM disks, /dev/ram0 for node 2 and /dev/ram1 for node 3"
modprobe brd rd_nr=3 rd_size=32768
note "a mistyped path costs nothing: /dev/ram2 holds a filesystem, and dev create says so"
mkfs.ext4 -q /dev/ram2
echo
echo "\$ haloctl -n demo-n2 dev create r0 minor 0 disk /dev/ram2"
haloctl -n demo-n2 dev create r0 minor 0 disk /dev/ram2 &&
	{ echo "demo: a disk holding ext4 was formatted" >&2; exit 1; }
step haloctl -n demo-n2 dev create r0 minor 0 disk /dev/ram0
step haloctl -n demo-n3 dev create r0 minor 1 disk /dev/ram1
step haloctl -n demo-n2 dev connect r0 peer 3
step haloctl -n demo-n3 dev connect r0 peer 2
wait_for 30 sh -c "[ \"\$(haloctl -n demo-n3 -j dev show r0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"connection\"])')\" = Connected ]"
note "fresh metadata is Inconsistent on both: force makes node 2's the newest, and a full sync starts"
step haloctl -n demo-n2 dev primary r0 force
t0=$(date +%s%N)
wait_for 120 sh -c '[ "$(haloctl -n demo-n3 -j dev show r0 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"disk\"])")" = UpToDate ]'
note "the full sync of 32 MiB took $(ms_since "$t0") ms"
step devs
step mkfs.ext4 -q -E lazy_itable_init=1,lazy_journal_init=1 /dev/halo0
mkdir -p "$demo/mnt"
step mount /dev/halo0 "$demo/mnt"
step sh -c "cp -r $HALO_TOP/Documentation $demo/mnt/ && sync && du -sh $demo/mnt/Documentation"
(cd "$demo/mnt" && find Documentation -type f -exec sha256sum {} + | sort -k 2) >"$demo/sums"
echo "($(wc -l <"$demo/sums") files, their sha256 kept for later)"

h "   Failover by hand: node 2 lets go, node 3 takes the disk"
t0=$(date +%s%N)
step umount "$demo/mnt"
step haloctl -n demo-n2 dev secondary r0
step haloctl -n demo-n3 dev primary r0
step mount /dev/halo1 "$demo/mnt"
fo=$(ms_since "$t0")
note "unmount, demote, promote, mount: $fo ms"
step sh -c "cd $demo/mnt && sha256sum --quiet -c $demo/sums && echo 'every file intact on node 3'"
step devs

h "3. A load balancer that follows membership: node 1 directs, all three serve"
ip netns add "$client"
ip link add c0 netns "$client" type veth peer name cl netns demo-n1
ip -n "$client" link set lo up
ip -n "$client" link set c0 up
ip -n "$client" addr add 203.0.113.2/24 dev c0
ip -n "$client" route add default via $vip
on 1 ip addr add $vip/24 dev cl
on 1 ip link set cl up
on 1 sysctl -qw net.ipv4.ip_forward=1
for n in 1 2 3; do
	# NAT: the answers go back through the director (node 1's own server
	# is local to it)
	[ "$n" = 1 ] || on "$n" ip route add default via "$(node_addr 1)"
	on "$n" python3 "$HALO_TOP/selftests/lb_http.py" serve "$(node_addr "$n")" 80 "node$n" &
	srv_pids+=($!)
done
servers_up()
{
	local n

	for n in 1 2 3; do on "$n" ss -Hltn "sport = :80" | grep -q . || return 1; done
}
wait_for 60 servers_up
step ip netns exec demo-n1 ipvsadm -A -t $vip:80 -s halo_wrr
note "ipvsadm asked for scheduler halo_wrr: the kernel loaded ip_vs_halo by its alias"
for n in 1 2 3; do
	step ip netns exec demo-n1 ipvsadm -a -t $vip:80 -r "$(node_addr "$n")":80 -m -w $((n + 1))
done
sport=20000
spread()	# spread N: N requests from the client, then how many each node answered
{
	LB_SPORT=$sport ip netns exec "$client" python3 "$HALO_TOP/selftests/lb_http.py" get $vip 80 "$1" >"$demo/got"
	sport=$((sport + $1))
	awk '{ c[$2]++ } END { printf "node1 %d, node2 %d, node3 %d, failed %d\n", c["node1"], c["node2"], c["node3"], c["-"] }' "$demo/got"
}
echo
echo "\$ 90 HTTP requests to $vip from a client"
got=$(spread 90)
echo "$got"
[ "$got" = "node1 20, node2 30, node3 40, failed 0" ] || { echo "demo: expected 20/30/40" >&2; exit 1; }
step haloctl -n demo-n1 lb show

h "4. Node 2 dies: its link goes down at the switch"
t0=$EPOCHREALTIME
step ip -n "$(hub_ns)" link set v2.1 down
det=$(event_ms "$t0" "^[0-9.]+ view .* members 1 3 ")
wait_for 10 views_agree "1 3" 1,3 true
note "node 1 installed a view without node 2 $det ms after its link went down (heartbeats every 100 ms, timeout 400 ms), node 3 the same view"
step haloctl -n demo-n1 cluster show
note "membership: a quorate view lost node 2, so halo.ko asks for it to be fenced (the fence request above)"
wait_for 10 sh -c '[ "$(haloctl -n demo-n3 -j dev show r0 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"connection\"])")" != Connected ]'
step devs
step sh -c "dd if=/dev/urandom of=$demo/mnt/written-while-node2-was-away bs=64k count=16 status=none && sync && ls -l $demo/mnt | tail -n 2"
note "disk: node 3 dropped its peer at once and goes on serving, marking what node 2 misses"
echo
echo "\$ 60 HTTP requests to $vip"
got=$(spread 60)
echo "$got"
case $got in "node1 20, node2 0, node3 40, failed 0") ;; *) echo "demo: node 2 still chosen" >&2; exit 1 ;; esac
note "director: node 2 is no longer chosen; nodes 1 and 3 keep their 2:4"
step sh -c 'haloctl -n demo-n1 lb show | grep -E "node 2|198.51.100.2"'

h "5. Node 2 comes back: it rejoins, resyncs only what changed, serves again"
before=$(devkey 3 out-of-sync)
note "node 3 holds $before bytes out of sync for node 2"
sent0=$(devkey 3 resync-sent)
t1=$EPOCHREALTIME
t0=$(date +%s%N)
step ip -n "$(hub_ns)" link set v2.1 up
join=$(event_ms "$t1" "^[0-9.]+ view .* members 1 2 3 ")
wait_for 30 views_agree "1 2 3" 1,2,3 true
note "node 1's view has node 2 again $join ms after its link came up"
wait_for 60 sh -c '[ "$(haloctl -n demo-n2 -j dev show r0 | python3 -c "import json,sys; d=json.load(sys.stdin); print(d[\"disk\"], d[\"connection\"])")" = "UpToDate Connected" ]'
sent=$(( $(devkey 3 resync-sent) - sent0 ))
note "node 3 sent $sent bytes to resync node 2 (of 32 MiB), $(ms_since "$t0") ms after node 2 came back"
[ "$sent" -gt 0 ] && [ "$sent" -lt $((4 << 20)) ] || { echo "demo: the resync was not partial" >&2; exit 1; }
step devs
echo
echo "\$ 90 HTTP requests to $vip"
got=$(spread 90)
echo "$got"
[ "$got" = "node1 20, node2 30, node3 40, failed 0" ] || { echo "demo: node 2 not back in the pool" >&2; exit 1; }

h "   What haloctl monitor on node 1 printed all along (view and fence events)"
cut -d' ' -f2- "$mon" | grep -E "^(view|fence|quorum)" | head -n 12

h "Bad requests get specific errors"
step sh -c 'haloctl -n demo-n1 node add 9 name x addr 300.1.2.3 || true'
step sh -c 'haloctl -n demo-n1 cluster create again node-id 1 || true'
step sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all haloctl cluster show || true'

h "The same cluster-get through the YAML spec, with the kernel's ynl client"
ksrc=$(bash -c ". '$HALO_TOP/scripts/lib/common.sh' && halo_ynl_src")
step ip netns exec demo-n1 /usr/bin/python3 "$ksrc/tools/net/ynl/cli.py" \
	--spec "$HALO_TOP/Documentation/netlink/specs/halo.yaml" \
	--schema "$ksrc/Documentation/netlink/genetlink.yaml" --do cluster-get --output-json

h "Measured in this run (TCG-emulated guest)"
echo "node failure detected, new view installed on node 1: $det ms"
echo "replicated disk failover (unmount, demote, promote, mount): $fo ms"
echo "node back, in the view again: $join ms"
echo "director: node 2 not chosen from the first request after the view change"
echo
echo "=== demo done. Fencing agents (halod) and resources that fail over on their own come next (see README)"
