#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/bench/lb's guest side (one guest, lb.sh's topology): a client
# namespace with 100 source addresses, a director (node 1: IPVS, NAT) and
# three real servers (nodes 2, 3, 4, weights 2, 3, 4) running lb-load's
# server, all four halo cluster members.
#
# 1. Connections per second through the VIP, each scheduler in turn,
#    BENCH_ROUNDS rounds (interleaved, so drift hits them alike), each
#    BENCH_SECS seconds with BENCH_CONC connections in flight.
# 2. A real server's node dies under BENCH_RATE (default 100) new
#    connections a second, whatever becomes of them (its link down at the
#    hub): from that moment to the start of the last connection given to
#    it (a connection that then fails), with halo_wrr (BENCH_KILLS times) and
#    with IPVS wrr managed by keepalived's TCP_CHECK, with its defaults
#    and with delay_loop 1 s, connect_timeout 1 s (once each).
#
# The result is one JSON object on the console between BENCH-JSON-BEGIN
# and BENCH-JSON-END.
. "$HALO_TOP/selftests/lib.sh"
export HALO_QUIET=1
bin=$HALO_TOP/build/bench/lb-load
rounds=${BENCH_ROUNDS:-3}
secs=${BENCH_SECS:-10}
conc=${BENCH_CONC:-16}
kills=${BENCH_KILLS:-5}
rate=${BENCH_RATE:-100}
vip=203.0.113.1
client=$HALO_NS_PREFIX-client
tmp=$(mktemp -d)
pids=()
cleanup()
{
	kill "${pids[@]}" 2>/dev/null
	pkill keepalived
	ip netns del "$client" 2>/dev/null
	nodes_cleanup
	rm -rf "$tmp"
}

modprobe ip_vs || fail "no ip_vs"
modprobe ip_vs_halo || fail "modprobe ip_vs_halo"
cluster_setup 4 1 || fail "cluster setup"
trap cleanup EXIT
wait_for 30 views_agree "1 2 3 4" 1,2,3,4 true || fail "no view of four"

ip netns add "$client" || fail "client namespace"
ip link add c0 netns "$client" type veth peer name cl netns "$(node_ns 1)" || fail "veth"
srcs=$(for i in $(seq 1 100); do echo "10.98.0.$i"; done)
{
	echo "link set lo up"
	echo "link set c0 up"
	for s in $srcs; do echo "addr add $s/16 dev c0"; done
	echo "route add default via 10.98.255.254"
} | ip -n "$client" -batch - || fail "client addresses"
if ! { on 1 ip addr add $vip/32 dev lo && on 1 ip addr add 10.98.255.254/16 dev cl &&
	on 1 ip link set cl up && on 1 sysctl -qw net.ipv4.ip_forward=1; }; then
	fail "director"
fi
for n in 2 3 4; do
	on "$n" ip route add default via "$(node_addr 1)" || fail "route on $n"
	on "$n" "$bin" serve "$(node_addr "$n")" 80 "$n" &
	pids+=($!)
done
sleep 1
# The kill must happen when it is stamped: an ip already running in the
# hub reads it from a fifo (starting a process takes 100s of ms in a busy
# TCG guest). fd 7 stays open for writing, so ip never sees the end.
mkfifo "$tmp/hub.fifo"
exec 7<>"$tmp/hub.fifo"
ip -n "$(hub_ns)" -force -batch - <"$tmp/hub.fifo" &
pids+=($!)

service()	# service SCHED: the VIP's one service, servers 2, 3, 4 weights 2, 3, 4
{
	local n

	on 1 ipvsadm -C
	on 1 ipvsadm -A -t $vip:80 -s "$1" || return 1
	for n in 2 3 4; do
		on 1 ipvsadm -a -t $vip:80 -r "$(node_addr "$n")":80 -m -w "$n" || return 1
	done
}

load()	# load SECS CONC TIMEOUT_MS RATE|0 LOG: lb-load's JSON
{
	# shellcheck disable=SC2086 # one argument per source address
	ip netns exec "$client" "$bin" run $vip 80 "$@" $srcs
}

echo "bench: connections per second, $rounds rounds of $secs s, $conc in flight" >&2
: >"$tmp/rate"
for r in $(seq "$rounds"); do
	for sched in halo_wrr halo_mh wrr rr mh; do
		service "$sched" || fail "service $sched"
		out=$(load "$secs" "$conc" 2000 0 -) || fail "load $sched"
		echo "bench: round $r $sched $out" >&2
		echo "$sched $out" >>"$tmp/rate"
	done
done

# -- death of node 3 under load --
# Times are wall-clock ms: lb-load's log, $EPOCHREALTIME (no process to
# start) for the kill, and the director's "node 3 left" event as
# haloctl monitor prints it.
last_to_dead()	# last_to_dead LOG KILL_MS MONITOR: JSON of what happened after the kill
{
	python3 - "$@" <<'PY'
import json, sys
kill = float(sys.argv[2])
rows = [l.split() for l in open(sys.argv[1])]
failed_after = [float(t) for t, n in rows if n == "-" and float(t) >= kill]
left = [float(l.split()[0]) for l in open(sys.argv[3]) if "node 3 left" in l]
print(json.dumps({
    "last_ms": (max(failed_after) - kill) if failed_after else 0.0,
    "view_ms": (min(left) - kill) if left else None,
    "failed_after": len(failed_after),
    "failed_in_flight": sum(1 for t, n in rows if n == "-" and float(t) < kill),
    "ok": sum(1 for t, n in rows if n != "-"),
}))
PY
}

kill_run()	# kill_run SECS_AFTER: load, node 3 down after 3 s; JSON
{
	local kill_ms mon line

	hctl 1 monitor 2>/dev/null | while read -r line; do
		echo "${EPOCHREALTIME/./} $line"
	done >"$tmp/mon" &
	mon=$!
	load $(($1 + 3)) 256 1000 "$rate" "$tmp/log" >"$tmp/out" &
	sleep 3
	kill_ms=${EPOCHREALTIME/./}
	echo "link set v3.1 down" >&7
	wait $! || return 1
	pkill -f "haloctl -n $(node_ns 1) monitor"
	wait $mon 2>/dev/null
	# EPOCHREALTIME in microseconds, as ms
	sed -i 's/^\([0-9]*\)\([0-9]\{3\}\) /\1.\2 /' "$tmp/mon"
	echo "{\"kill\": $(last_to_dead "$tmp/log" "${kill_ms:0:-3}.${kill_ms: -3}" "$tmp/mon"), \"load\": $(cat "$tmp/out")}"
}

echo "bench: node 3 dies under load, halo_wrr, $kills times" >&2
: >"$tmp/halo-kills"
for k in $(seq "$kills"); do
	service halo_wrr || fail "service halo_wrr"
	r=$(kill_run 5) || fail "kill run"
	echo "bench: halo_wrr kill $k: $r" >&2
	echo "$r" >>"$tmp/halo-kills"
	node_up 3
	wait_for 30 views_agree "1 2 3 4" 1,2,3,4 true || fail "node 3 did not rejoin"
done

ka_ready()	# keepalived has put the three real servers in
{
	[ "$(on 1 ipvsadm -Ln | grep -c -- '->.*Masq')" = 3 ]
}

ka_stop()	# ka_stop NAME: keepalived run NAME ends
{
	local pid

	pid=$(cat "$tmp/ka-$1.pid" 2>/dev/null) || return 0
	kill "$pid"
	wait_for 10 eval '! kill -0 '"$pid"
}

keepalived_run()	# keepalived_run NAME SECS_AFTER VS-OPTION CHECK-OPTIONS (";" between)
{
	local name=$1 after=$2 n o opts

	shift 2
	on 1 ipvsadm -C
	{
		echo "global_defs { router_id halo_bench }"
		echo "virtual_server $vip 80 {"
		echo "  lb_algo wrr"
		echo "  lb_kind NAT"
		echo "  protocol TCP"
		[ -n "$1" ] && echo "  $1"
		for n in 2 3 4; do
			echo "  real_server $(node_addr "$n") 80 {"
			echo "    weight $n"
			echo "    TCP_CHECK {"
			IFS=';' read -ra opts <<<"$2"
			for o in "${opts[@]}"; do
				[ -n "$o" ] && echo "      $o"
			done
			echo "    }"
			echo "  }"
		done
		echo "}"
	} >"$tmp/keepalived.conf"
	# keepalived's own pid (ip netns exec's job is not it)
	on 1 keepalived --check --dont-fork --log-console --no-syslog \
		-f "$tmp/keepalived.conf" -p "$tmp/ka-$name.pid" -c "$tmp/ka-$name-check.pid" \
		>"$tmp/keepalived.$name.log" 2>&1 &
	if ! wait_for 30 ka_ready; then
		echo "bench: keepalived did not set the service up:" >&2
		tail -n 20 "$tmp/keepalived.$name.log" >&2
		ka_stop "$name"
		return 1
	fi
	r=$(kill_run "$after") || return 1
	ka_stop "$name"
	grep -i "down\|remov\|fail" "$tmp/keepalived.$name.log" | tail -n 3 >&2
	node_up 3
	wait_for 30 views_agree "1 2 3 4" 1,2,3,4 true || return 1
	echo "$r"
}

ka_default=null
ka_tuned=null
ka_version=null
if [ -z "${BENCH_NO_KEEPALIVED:-}" ] && command -v keepalived >/dev/null; then
	ka_version=\"$(keepalived --version 2>&1 | head -1 | awk '{print $2}')\"
	echo "bench: keepalived $ka_version, defaults (delay_loop 60 s, connect_timeout 5 s)" >&2
	ka_default=$(keepalived_run default 80 "" "") || ka_default=null
	echo "bench: keepalived defaults: $ka_default" >&2
	echo "bench: keepalived tuned (delay_loop 1 s, connect_timeout 1 s, retry 1)" >&2
	ka_tuned=$(keepalived_run tuned 12 "delay_loop 1" "connect_timeout 1;retry 1;delay_before_retry 1") ||
		ka_tuned=null
	echo "bench: keepalived tuned: $ka_tuned" >&2
fi

python3 - "$tmp/rate" "$tmp/halo-kills" "$ka_default" "$ka_tuned" "$ka_version" \
	"$(uname -r)" "$rounds" "$secs" "$conc" "$rate" <<'PY'
import json, sys
rate = {}
for line in open(sys.argv[1]):
    sched, js = line.split(" ", 1)
    rate.setdefault(sched, []).append(json.loads(js))
kills = [json.loads(l) for l in open(sys.argv[2])]
print("BENCH-JSON-BEGIN")
print(json.dumps({
    "kernel": sys.argv[6], "rounds": int(sys.argv[7]), "secs": int(sys.argv[8]),
    "conc": int(sys.argv[9]), "rate_kill": int(sys.argv[10]), "rate": rate,
    "halo_kills": kills,
    "keepalived_default": json.loads(sys.argv[3]),
    "keepalived_tuned": json.loads(sys.argv[4]),
    "keepalived_version": json.loads(sys.argv[5]),
}))
print("BENCH-JSON-END")
PY
