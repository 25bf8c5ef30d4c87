# SPDX-License-Identifier: GPL-2.0
#
# Helpers for halo selftests: a cluster of N nodes inside one kernel, one
# network namespace per node, in the manner of WireGuard's netns.sh and
# tools/testing/selftests/net/lib.sh.
#
#              hub (netns, bridges br1..brL, nftables for link faults)
#        v1.1 /      | v2.1      \ v3.1         one bridge per link L;
#  n1 (eth1) n2 (eth1) n3 (eth1) ...            node i's address on link L
#                                               is 198.51.(99+L).i/24 and
#                                               2001:db8:L::i/64
#
#   nodes_setup N [LINKS]    create the hub and N nodes, LINKS links each
#   on I CMD...              run CMD in node I's namespace
#   node_ns I                print node I's namespace name (for haloctl -n)
#   node_addr I [LINK] [6]   print node I's address on LINK (IPv6 with 6)
#   link_cut I J [LINK]      drop all traffic between I and J (both ways)
#   link_cut_oneway I J [LINK]  drop traffic from I to J only
#   link_heal I J [LINK]     undo link_cut/link_cut_oneway for I and J
#   node_down I [LINK]       take node I's link down at the hub (all links
#                            when LINK is omitted); node_up I [LINK] undoes it
#   netem I "ARGS" [LINK]    tc netem ARGS on node I's link, both directions
#                            (e.g. "loss 10% delay 20ms 5ms"); netem I "" clears
#   wait_for SECS CMD...     poll CMD every 0.1 s until it succeeds; fail
#                            with a message after SECS seconds
#
# Every command that changes the topology is echoed (set HALO_QUIET=1 to
# silence). Namespaces are removed on exit by the trap nodes_setup installs.

# kselftest exit codes
ksft_pass=0
ksft_fail=1
ksft_skip=4

HALO_NS_PREFIX=${HALO_NS_PREFIX:-halo-$$}
HALO_NODES=0
HALO_LINKS=0

log()
{
	[ -n "${HALO_QUIET:-}" ] || echo "[+] $*" >&2
}

fail()
{
	echo "FAIL: $*" >&2
	exit $ksft_fail
}

skip()
{
	echo "SKIP: $*" >&2
	exit $ksft_skip
}

# skip_part WHY: a part of the test cannot run here and the rest goes on;
# run.sh counts such parts, and make check totals them, so a skipped check
# is never silently a passed one
skip_part()
{
	echo "SKIP part: $*" >&2
}

require_root()
{
	[ "$(id -u)" = 0 ] || skip "needs root"
}

node_ns()
{
	echo "$HALO_NS_PREFIX-n$1"
}

hub_ns()
{
	echo "$HALO_NS_PREFIX-hub"
}

node_addr()
{
	local i=$1 l=${2:-1} v=${3:-4}

	if [ "$v" = 6 ]; then
		echo "2001:db8:$l::$i"
	else
		echo "198.51.$((99 + l)).$i"
	fi
}

on()
{
	local i=$1

	shift
	ip netns exec "$(node_ns "$i")" "$@"
}

hub()
{
	ip netns exec "$(hub_ns)" "$@"
}

nodes_cleanup()
{
	local ns

	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$ns" in "$HALO_NS_PREFIX"-*) ip netns del "$ns" 2>/dev/null ;; esac
	done
}

nodes_setup()
{
	local n=$1 links=${2:-1} i l

	HALO_NODES=$n
	HALO_LINKS=$links
	trap nodes_cleanup EXIT
	log "setup: $n nodes, $links link(s) each, namespaces $HALO_NS_PREFIX-*"
	ip netns add "$(hub_ns)" || return 1
	hub nft add table bridge halo
	hub nft add chain bridge halo forward \
		'{ type filter hook forward priority 0; policy accept; }'
	{
		echo "link set lo up"
		for l in $(seq "$links"); do
			# no STP, no learning delay: links forward at once
			echo "link add br$l type bridge forward_delay 0 stp_state 0"
			echo "link set br$l up"
		done
	} | ip -n "$(hub_ns)" -batch - || return 1
	# few processes: a debug kernel under TCG takes seconds to start one
	for i in $(seq "$n"); do
		ip netns add "$(node_ns "$i")" || return 1
		on "$i" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	for i in $(seq "$n"); do
		for l in $(seq "$links"); do
			echo "link add eth$l netns $(node_ns "$i") type veth" \
				"peer name v$i.$l netns $(hub_ns)"
		done
	done | ip -batch - || return 1
	for i in $(seq "$n"); do
		for l in $(seq "$links"); do
			echo "link set v$i.$l master br$l up"
		done
	done | ip -n "$(hub_ns)" -batch - || return 1
	for i in $(seq "$n"); do
		{
			echo "link set lo up"
			for l in $(seq "$links"); do
				echo "addr add $(node_addr "$i" "$l")/24 dev eth$l"
				echo "addr add $(node_addr "$i" "$l" 6)/64 dev eth$l nodad"
				echo "link set eth$l up"
			done
		} | ip -n "$(node_ns "$i")" -batch - || return 1
	done
}

# nft rule handles are looked up by the comment each rule carries.
# A cut drops IP, not neighbour resolution: with ARP replies and ND adverts
# dropped too, a one-way cut becomes two-way once the other side's entry
# expires (30 s, sooner on a loaded guest), and a test of one direction
# would depend on how fast it runs.
_cut_rule()
{
	local from=$1 to=$2 l=$3 c

	c="\"cut-$from-$to-$l\""	# not in the local line: expanded before it assigns

	hub nft add rule bridge halo forward iifname "v$from.$l" \
		oifname "v$to.$l" ether type arp accept comment "$c"
	hub nft add rule bridge halo forward iifname "v$from.$l" \
		oifname "v$to.$l" icmpv6 type '{ nd-neighbor-solicit, nd-neighbor-advert }' \
		accept comment "$c"
	hub nft add rule bridge halo forward iifname "v$from.$l" \
		oifname "v$to.$l" counter drop comment "$c"
}

_uncut_rule()
{
	local from=$1 to=$2 l=$3 h

	for h in $(hub nft -a list chain bridge halo forward |
		   sed -n "s/.*comment \"cut-$from-$to-$l\" # handle \([0-9]*\)/\1/p"); do
		hub nft delete rule bridge halo forward handle "$h"
	done
}

_links()
{
	if [ -n "${1:-}" ]; then echo "$1"; else seq "$HALO_LINKS"; fi
}

# _each_link LINK|"" CMD...: run CMD LINK for the one link, or every link.
_each_link()
{
	local which=$1 l

	shift
	for l in $(_links "$which"); do
		"$@" "$l" || return 1
	done
}

_port()	# _port up|down I LINK: node I's port on LINK at the hub
{
	hub ip link set "v$2.$3" "$1"
}

link_cut()
{
	log "cut: node $1 <-> node $2 (link ${3:-all})"
	_each_link "${3:-}" _cut_rule "$1" "$2" &&
		_each_link "${3:-}" _cut_rule "$2" "$1"
}

link_cut_oneway()
{
	log "cut: node $1 -> node $2 only (link ${3:-all})"
	_each_link "${3:-}" _cut_rule "$1" "$2"
}

link_heal()
{
	log "heal: node $1 <-> node $2 (link ${3:-all})"
	_each_link "${3:-}" _uncut_rule "$1" "$2" &&
		_each_link "${3:-}" _uncut_rule "$2" "$1"
}

node_down()
{
	log "down: node $1 (link ${2:-all})"
	_each_link "${2:-}" _port down "$1"
}

node_up()
{
	log "up: node $1 (link ${2:-all})"
	_each_link "${2:-}" _port up "$1"
}

netem()
{
	local i=$1 args=$2 l

	log "netem: node $i (link ${3:-all}): ${args:-clear}"
	for l in $(_links "${3:-}"); do
		on "$i" tc qdisc del dev "eth$l" root 2>/dev/null
		hub tc qdisc del dev "v$i.$l" root 2>/dev/null
		[ -n "$args" ] || continue
		# shellcheck disable=SC2086 # ARGS is a list of netem words
		on "$i" tc qdisc add dev "eth$l" root netem $args || return 1
		# shellcheck disable=SC2086
		hub tc qdisc add dev "v$i.$l" root netem $args || return 1
	done
}

wait_for()
{
	local secs=$1 deadline

	shift
	deadline=$(($(date +%s%N) + secs * 1000000000))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s%N)" -gt "$deadline" ]; then
			echo "wait_for: gave up after $secs s: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

# --- halo clusters on the nodes ------------------------------------------
#
#   cluster_setup N [LINKS] [CREATE-ARGS...]   nodes_setup, then a cluster
#                      "test" on every node, every node knowing every other
#                      on every link, with a shared key
#   cluster_start I [CREATE-ARGS...]   node I's instance again, as
#                      cluster_setup made it (after a cluster destroy)
#   cluster_node_add I J   on node I, add node J (all links)
#   view I             print node I's view: "EPOCH QUORATE MEMBER,MEMBER,..."
#   views_agree "I J ..." MEMBERS QUORATE   every listed node shows one
#                      epoch with members MEMBERS (comma list) and QUORATE
#                      (true/false)

HALO_KEY=${HALO_KEY:-}
# cluster create arguments every instance gets before the caller's own
# (which win: the last of a key counts)
HALO_CREATE_DEFAULTS=()

hctl()	# hctl I ARGS...: haloctl in node I's namespace
{
	local i=$1

	shift
	haloctl -n "$(node_ns "$i")" "$@"
}

_node_add_line()	# _node_add_line J: the haloctl command adding node J
{
	local j=$1 l

	printf 'node add %s name n%s' "$j" "$j"
	for l in $(seq "$HALO_LINKS"); do
		printf ' addr %s' "$(node_addr "$j" "$l")"
	done
	echo
}

cluster_node_add()
{
	_node_add_line "$2" | hctl "$1" -b -
}

cluster_setup()
{
	local n=$1 links=${2:-1} i

	shift 2
	nodes_setup "$n" "$links" || return 1
	HALO_KEY=$(mktemp)
	head -c 64 /dev/urandom >"$HALO_KEY"
	log "cluster: $n nodes, create args: ${HALO_CREATE_DEFAULTS[*]} $*"
	# one haloctl per node (-batch): a debug kernel takes seconds to start
	# a process, and 16 nodes know 256 nodes between them
	HALO_NODES=$n
	for i in $(seq "$n"); do
		cluster_start "$i" "$@" || return 1
	done
}

cluster_start()	# cluster_start I [ARGS...]: node I's instance, as cluster_setup made it
{
	local i=$1 j

	shift
	{
		echo cluster create test node-id "$i" key-file "$HALO_KEY" \
			"${HALO_CREATE_DEFAULTS[@]}" "$@"
		for j in $(seq "$HALO_NODES"); do
			_node_add_line "$j"
		done
	} | hctl "$i" -b -
}

view()
{
	hctl "$1" -j cluster show |
		python3 -c 'import json, sys
v = json.load(sys.stdin)
print(v["epoch"], str(v["quorate"]).lower(), ",".join(map(str, v["members"])))'
}

views_agree()
{
	local nodes=$1 members=$2 quorate=$3 i v first=

	for i in $nodes; do
		v=$(view "$i") || return 1
		set -- $v
		[ "$2" = "$quorate" ] && [ "$3" = "$members" ] || return 1
		[ -z "$first" ] && first=$1
		[ "$1" = "$first" ] || return 1
	done
}
