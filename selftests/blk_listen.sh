#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk's listener (node 2, the higher id, accepts node 1's connection):
# it listens on the node's link addresses only, binds an address that is
# not up yet (freebind), closes a stranger's connection before reading a
# byte, gives a client that trickles bytes one slot for 5 s at most (20
# of them at once delay the real peer's reconnect by under a second), and
# serves the port dev connect names on both sides.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

# three namespaces, a cluster of nodes 1 and 2: node 3 is a stranger
nodes_setup 3 1 || fail "nodes setup"
HALO_KEY=$(mktemp)
head -c 64 /dev/urandom >"$HALO_KEY"
HALO_NODES=2
cluster_start 1 || fail "cluster on node 1"
cluster_start 2 || fail "cluster on node 2"
trap 'blk_lib_cleanup r0; rm -f "$HALO_KEY"' EXIT
loop_new a 64; la=$loop
loop_new b 64; lb=$loop
hctl 1 dev create r0 minor 0 disk "$la" || fail "create r0 on node 1"
hctl 2 dev create r0 minor 1 disk "$lb" || fail "create r0 on node 2"
a2=$(node_addr 2 1)

listening()	# listening NODE: its TCP listeners, "ADDR:PORT" a line
{
	on "$1" ss -Htln | awk '{print $4}'
}

# -- freebind: node 2's address is not up when it starts to listen --
on 2 ip addr del "$a2/24" dev eth1 || fail "remove node 2's address"
hctl 2 dev connect r0 peer 1 || fail "connect on node 2 without its address up"
listening 2 | grep -qx "$a2:7789" || fail "not bound to $a2:7789: $(listening 2)"
on 2 ip addr add "$a2/24" dev eth1 || fail "add node 2's address back"
hctl 1 dev connect r0 peer 2 || fail "connect on node 1"
wait_for 30 both r0 connection Connected || fail "not connected: $(hctl 1 dev show r0; hctl 2 dev show r0)"
echo "ok: the listener bound $a2:7789 before the address was up, and serves it"

# -- the link addresses only, never the wildcard --
if listening 2 | grep -E '^(0\.0\.0\.0|\*|\[::\]):7789$'; then
	fail "node 2 listens on a wildcard address: $(listening 2)"
fi
[ "$(listening 2 | grep -c ':7789$')" = 1 ] || fail "node 2 listens on: $(listening 2)"
echo "ok: node 2 listens on $a2:7789 only"

reconnect_ms()	# reconnect_ms: node 1's dev connect to Connected on both, by the kernel's log
{
	hctl 1 dev disconnect r0 || fail "disconnect node 1"
	wait_for 20 is 2 r0 connection Connecting || fail "node 2 not Connecting"
	kmsg_mark "blk_listen.sh: reconnect"
	hctl 1 dev connect r0 peer 2 || fail "reconnect node 1"
	wait_for 60 both r0 connection Connected || fail "no reconnect"
	kmsg_since | awk -v m="$kmsg_marker" '
		{ t = $0; sub(/^[^[]*\[ */, "", t); sub(/\].*/, "", t); t += 0 }
		index($0, m) { t0 = t }
		/r0: connected to node/ { t1 = t }
		END { printf "%d\n", (t1 - t0) * 1000 }'
}

# -- a stranger: closed before a byte is read, nothing said --
on 3 python3 - "$a2" <<'PY' || fail "a stranger's connection"
import socket, sys, time
t0 = time.monotonic()
try:
    # the reset may come before connect() returns
    s = socket.create_connection((sys.argv[1], 7789), timeout=5)
    s.sendall(b"hblk" + bytes(200))
    got = s.recv(100)
except (ConnectionResetError, BrokenPipeError):
    got = b""
dt = time.monotonic() - t0
assert got == b"", "the listener answered a stranger: %r" % got
# well before the 5 s a handshake slot would give it (1 s on a plain guest)
assert dt < 3.0, "a stranger's connection stayed open %.1f s" % dt
print("ok: a stranger's connection closed after %.2f s, nothing sent back" % dt)
PY

# -- clients that trickle bytes cannot hold the real peer off --
base=$(reconnect_ms)
log "reconnect, nothing else connecting: $base ms"
on 1 python3 - "$a2" "$(node_addr 1 1)" >"$dir/slow" 2>&1 <<'PY' &
import selectors, socket, sys, time
# 20 clients from node 1's address, one byte of a frame every 4 s each, in
# one thread: how long the listener keeps each connection open
sel = selectors.DefaultSelector()
start, res = {}, {}
for i in range(20):
    s = socket.socket()
    s.bind((sys.argv[2], 0))
    s.connect((sys.argv[1], 7789))
    s.setblocking(False)
    start[s] = time.monotonic()
    sel.register(s, selectors.EVENT_READ)
    time.sleep(0.05)
print("started", flush=True)
frame = b"hblk" + bytes(300)
sent = 0
next_byte = time.monotonic()
while len(res) < 20 and time.monotonic() - min(start.values()) < 30:
    now = time.monotonic()
    if now >= next_byte:
        for s in start:
            if s not in res:
                try:
                    s.send(frame[sent:sent + 1])
                except OSError:
                    res[s] = now - start[s]
                    sel.unregister(s)
        sent += 1
        next_byte = now + 4
    for key, _ in sel.select(timeout=max(0.0, next_byte - time.monotonic())):
        s = key.fileobj
        try:
            closed = s.recv(100) == b""
        except OSError:
            closed = True
        if closed and s not in res:
            res[s] = time.monotonic() - start[s]
            sel.unregister(s)
print("open for: " + " ".join("%.1f" % r for r in sorted(res.values())), flush=True)
assert len(res) == 20, "%d of 20 closed in 30 s" % len(res)
assert max(res.values()) < 6.5, "a slow client was kept %.1f s" % max(res.values())
print("ok")
PY
slowpid=$!
wait_for 10 grep -q started "$dir/slow" || fail "slow clients did not start: $(cat "$dir/slow")"
sleep 1
slowed=$(reconnect_ms)
log "reconnect among 20 slow clients: $slowed ms"
wait $slowpid || fail "slow clients: $(cat "$dir/slow")"
grep "open for" "$dir/slow"
[ "$slowed" -le $((base + 1000)) ] ||
	fail "20 slow clients delayed the reconnect: $slowed ms, $base ms without them"
echo "ok: 20 clients trickling bytes: each closed within 6.5 s, the reconnect took $slowed ms ($base ms alone)"

# -- the port dev connect names, on both sides --
hctl 1 dev disconnect r0
hctl 2 dev disconnect r0
expect_err "port 0" "invalid port" hctl 1 dev connect r0 peer 2 port 0
expect_err "port 65536" "invalid port" hctl 1 dev connect r0 peer 2 port 65536
hctl 2 dev connect r0 peer 1 port 7790 || fail "connect on node 2, port 7790"
hctl 1 dev connect r0 peer 2 port 7790 || fail "connect on node 1, port 7790"
wait_for 30 both r0 connection Connected || fail "not connected on port 7790"
listening 2 | grep -qx "$a2:7790" || fail "not listening on $a2:7790: $(listening 2)"
is 1 r0 port 7790 || fail "dev show's port: $(dev_json 1 r0 port)"
echo "ok: both sides on port 7790: connected"
hctl 1 dev disconnect r0
hctl 2 dev disconnect r0
hctl 2 dev connect r0 peer 1 port 7790 || fail "connect on node 2, port 7790"
hctl 1 dev connect r0 peer 2 port 7791 || fail "connect on node 1, port 7791"
wait_for 20 eval 'dev_json 1 r0 conn-error | grep -q "node 2 refused the connection on port 7791"' ||
	fail "node 1's conn-error: $(dev_json 1 r0 conn-error)"
sleep 2
is 1 r0 connection Connecting && is 2 r0 connection Connecting ||
	fail "ports that differ: $(dev_json 1 r0 connection) / $(dev_json 2 r0 connection)"
echo "ok: ports that differ: both Connecting, node 1 says $(dev_json 1 r0 conn-error)"
