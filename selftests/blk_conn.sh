#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk connections between two nodes in namespaces: connect (the lower
# id dials, the other accepts), what each side shows of the other,
# disconnect and reconnect from either side, a peer that goes away, and
# every mismatch the handshake must refuse on both sides with its reason.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

# Between two halo nodes a frame the receiver must refuse is a bug: the
# kernel log after this marker is checked for such refusals at the end.
kmsg_mark "blk_conn.sh starts"

cluster_setup 2 1 || fail "cluster setup"
trap 'blk_lib_cleanup r0 r1 r2 r3 r4' EXIT
loop_new a 64; la=$loop
loop_new b 64; lb=$loop
loop_new c 64; lc=$loop
loop_new d 32; ld=$loop
loop_new e 64; le=$loop
loop_new f 64; lf=$loop
loop_new g 64; lg=$loop
loop_new h 32; lh=$loop
loop_new i 32; li=$loop

hctl 1 dev create r0 minor 0 disk "$la" || fail "create r0 on node 1"
hctl 2 dev create r0 minor 1 disk "$lb" || fail "create r0 on node 2"

# -- bad input, refused by the request itself --
expect_err "connect to the node itself" "the peer is this node" \
	hctl 1 dev connect r0 peer 1
expect_err "connect to a node not configured" "not in this namespace's cluster configuration" \
	hctl 1 dev connect r0 peer 9
expect_err "connect without a peer" "needs peer NODE-ID" hctl 1 dev connect r0
expect_err "an unknown protocol" "use A, B or C" hctl 1 dev connect r0 peer 2 protocol D
expect_err "connect a device that does not exist" "no device with this name" \
	hctl 1 dev connect r9 peer 2
is 1 r0 connection StandAlone || fail "a refused connect changed the state"

# -- the listener's port is taken on a link address: said, not swallowed --
ip netns exec "$(node_ns 2)" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((sys.argv[1], 7789)); s.listen(1)
print("bound", flush=True); time.sleep(60)' "$(node_addr 2 1)" > "$dir/squat" &
squat=$!
wait_for 5 grep -q bound "$dir/squat" || fail "could not bind $(node_addr 2 1):7789 in node 2's namespace"
expect_err "a listener whose port is taken" "cannot listen on $(node_addr 2 1):7789 (is it in use?)" \
	hctl 2 dev connect r0 peer 1
kill $squat; wait $squat 2>/dev/null
is 2 r0 connection StandAlone || fail "a failed listen changed the state"

# -- connect: from either side, in either order --
hctl 2 dev connect r0 peer 1 || fail "connect on node 2"
is 2 r0 connection Connecting || fail "node 2 is not Connecting: $(dev_json 2 r0 connection)"
hctl 1 dev connect r0 peer 2 || fail "connect on node 1"
wait_for 20 both r0 connection Connected || fail "not connected: $(hctl 1 dev show r0; hctl 2 dev show r0)"
log "connected"
for n in 1 2; do
	is "$n" r0 peer-role Secondary || fail "node $n: peer-role $(dev_json "$n" r0 peer-role)"
	is "$n" r0 peer-disk Inconsistent || fail "node $n: peer-disk $(dev_json "$n" r0 peer-disk)"
	is "$n" r0 protocol C || fail "node $n: protocol $(dev_json "$n" r0 protocol)"
	is "$n" r0 conn-error - || fail "node $n: an error while connected: $(dev_json "$n" r0 conn-error)"
done
is 1 r0 peer 2 && is 2 r0 peer 1 || fail "peer ids"

# -- writes: the primary's land on both disks at the same offset --
hctl 1 dev primary r0 force || fail "force primary on node 1"
wait_for 10 is 2 r0 peer-role Primary || fail "node 2 does not see the primary: $(dev_json 2 r0 peer-role)"
is 1 r0 peer-role Secondary || fail "node 1's peer-role: $(dev_json 1 r0 peer-role)"
head -c 3M /dev/urandom >"$dir/pattern" || fail "pattern"
# protocol C: when dd returns, both disks have it
dd if="$dir/pattern" of=/dev/halo0 bs=1M seek=5 oflag=direct conv=fsync status=none ||
	fail "write /dev/halo0"
for l in "$la" "$lb"; do
	dd if="$l" of="$dir/back" bs=1M skip=5 count=3 iflag=direct status=none || fail "read $l"
	cmp -s "$dir/back" "$dir/pattern" || fail "$l does not hold the primary's write"
done
# small writes, out of 1 MiB alignment, and a flush
dd if="$dir/pattern" of=/dev/halo0 bs=4k count=3 seek=7 oflag=direct status=none ||
	fail "small writes"
sync /dev/halo0 2>/dev/null
dd if="$lb" of="$dir/back" bs=4k skip=7 count=3 iflag=direct status=none
dd if="$dir/pattern" of="$dir/want" bs=4k count=3 status=none
cmp -s "$dir/back" "$dir/want" || fail "node 2 lacks the small writes"
# write-zeroes, as punch-hole and as zero-range (which loop over tmpfs
# advertises and turns down): zeroes on both disks, no error logged
head -c 1M /dev/zero >"$dir/zero"
for how in punch-hole zero-range; do
	dd if="$dir/pattern" of=/dev/halo0 bs=1M count=1 seek=10 oflag=direct status=none ||
		fail "write before the $how"
	fallocate --"$how" --offset $((10 << 20)) --length $((1 << 20)) /dev/halo0 ||
		fail "$how on /dev/halo0"
	for l in "$la" "$lb"; do
		dd if="$l" bs=1M skip=10 count=1 iflag=direct status=none | cmp -s - "$dir/zero" ||
			fail "$l is not zero after a $how of /dev/halo0"
	done
done
err=$(kmsg_since | grep "error, dev halo")
[ -z "$err" ] || fail "write-zeroes failed on a halo device: $err"
log "writes replicated (protocol C)"
hctl 1 dev secondary r0 || fail "demote node 1"
wait_for 10 is 2 r0 peer-role Secondary || fail "node 2 still sees a primary"
expect_err "connect while connected" "disconnect first" hctl 1 dev connect r0 peer 2

# -- disconnect from the accepting side, then from the dialling side --
hctl 2 dev disconnect r0 || fail "disconnect on node 2"
is 2 r0 connection StandAlone || fail "node 2 not StandAlone after disconnect"
wait_for 15 is 1 r0 connection Connecting || fail "node 1 did not notice"
log "node 1 after node 2 left: $(dev_json 1 r0 conn-error)"
hctl 2 dev connect r0 peer 1 || fail "reconnect on node 2"
wait_for 20 both r0 connection Connected || fail "no reconnection from node 2"
hctl 1 dev disconnect r0 || fail "disconnect on node 1"
wait_for 15 is 2 r0 connection Connecting || fail "node 2 did not notice"
hctl 1 dev connect r0 peer 2 || fail "reconnect on node 1"
wait_for 20 both r0 connection Connected || fail "no reconnection from node 1"
log "disconnected and reconnected from both sides"

# -- a peer whose device goes away, and comes back --
hctl 2 dev disconnect r0
hctl 2 dev destroy r0 || fail "destroy on node 2"
wait_for 15 is 1 r0 connection Connecting || fail "node 1 did not notice the device going"
hctl 2 dev create r0 minor 1 disk "$lb" || fail "re-create r0 on node 2"
hctl 2 dev connect r0 peer 1 || fail "connect again on node 2"
wait_for 20 both r0 connection Connected || fail "no connection to the re-created device"
hctl 1 dev disconnect r0
hctl 2 dev disconnect r0

# -- mismatches: both sides StandAlone, with the reason, not retried --
mismatch()	# mismatch WHAT PATTERN DEVICE
{
	wait_for 20 both "$3" connection StandAlone ||
		fail "$1: $(hctl 1 dev show "$3"; hctl 2 dev show "$3")"
	for n in 1 2; do
		dev_json "$n" "$3" conn-error | grep -q -- "$2" ||
			fail "$1: node $n says: $(dev_json "$n" "$3" conn-error)"
	done
	echo "ok: $1: $(dev_json 1 "$3" conn-error) | $(dev_json 2 "$3" conn-error)"
}

hctl 1 dev connect r0 peer 2 protocol A || fail "connect A"
hctl 2 dev connect r0 peer 1 protocol C || fail "connect C"
mismatch "different protocols" "different replication protocols" r0
# a failed attempt does not block the next connect
hctl 1 dev connect r0 peer 2 protocol C || fail "connect after a mismatch"
hctl 2 dev connect r0 peer 1 protocol C || fail "connect after a mismatch"
wait_for 20 both r0 connection Connected || fail "no connection after fixing the protocol"
hctl 1 dev disconnect r0
hctl 2 dev disconnect r0

hctl 1 dev create r1 minor 2 disk "$lc" || fail "create r1 on node 1"
hctl 2 dev create r1 minor 3 disk "$ld" || fail "create r1 on node 2"
hctl 1 dev connect r1 peer 2
hctl 2 dev connect r1 peer 1
mismatch "different sizes" "differ in size" r1

# the peer has no device of that name: the dialler keeps trying, and says why
hctl 1 dev disconnect r1
hctl 2 dev disconnect r1
hctl 2 dev destroy r1
hctl 1 dev destroy r1
hctl 1 dev create r2 minor 2 disk "$le" || fail "create r2 on node 1"
hctl 1 dev connect r2 peer 2
wait_for 15 sh -c "haloctl -n $(node_ns 1) -j dev show r2 | grep -q 'no device of that name'" ||
	fail "r2 without a partner: $(hctl 1 dev show r2)"
is 1 r2 connection Connecting || fail "r2 without a partner: $(dev_json 1 r2 connection)"
echo "ok: a device the peer lacks: $(dev_json 1 r2 conn-error)"
hctl 1 dev disconnect r2
hctl 1 dev destroy r2

# data that never shared a history: two disks forced primary on their own
hctl 1 dev create r4 minor 7 disk "$lh" || fail "create r4 on node 1"
hctl 2 dev create r4 minor 8 disk "$li" || fail "create r4 on node 2"
hctl 1 dev primary r4 force || fail "force primary on node 1"
hctl 1 dev secondary r4
hctl 2 dev primary r4 force || fail "force primary on node 2"
hctl 2 dev secondary r4
hctl 1 dev connect r4 peer 2
hctl 2 dev connect r4 peer 1
mismatch "unrelated data" "unrelated data" r4

# -- full sync from a forced primary, written to meanwhile --
hctl 1 dev create r3 minor 5 disk "$lf" || fail "create r3 on node 1"
hctl 2 dev create r3 minor 6 disk "$lg" || fail "create r3 on node 2"
head -c 8M /dev/urandom >"$dir/old"
dd if="$dir/old" of="$lg" bs=1M seek=8 conv=notrunc oflag=direct status=none	# junk to overwrite
hctl 1 dev connect r3 peer 2
hctl 2 dev connect r3 peer 1
wait_for 20 both r3 connection Connected || fail "r3 not connected"
hctl 2 -j monitor >"$dir/mon2" 2>&1 &
mon=$!
sleep 1
hctl 1 dev primary r3 force || fail "force primary r3"
# the application writes at once, while the resync starts and runs
dd if="$dir/pattern" of=/dev/halo5 bs=1M seek=40 oflag=direct conv=fsync status=none ||
	fail "write during the resync"
wait_for 60 grep -q SyncTarget "$dir/mon2" ||
	fail "node 2 was never a SyncTarget: $(cat "$dir/mon2")"
wait_for 300 both r3 connection Connected || fail "resync did not finish: $(hctl 1 dev show r3; hctl 2 dev show r3)"
wait_for 10 is 2 r3 disk UpToDate
kill "$mon"; wait "$mon" 2>/dev/null
grep SyncTarget "$dir/mon2" | grep -q Inconsistent || fail "a SyncTarget that was not Inconsistent"
is 2 r3 disk UpToDate || fail "the target is $(dev_json 2 r3 disk) after the resync"
is 1 r3 out-of-sync 0 && is 2 r3 out-of-sync 0 || fail "out-of-sync after the resync"
size=$(dev_json 1 r3 size)
cmp -n "$size" "$lf" "$lg" || fail "the data areas differ after the resync"
log "resync done: $size bytes identical"

# -- roles switch: the other node writes, the first has it --
hctl 1 dev secondary r3 || fail "demote node 1"
hctl 2 dev primary r3 || fail "promote node 2 (UpToDate, no force)"
wait_for 10 is 1 r3 peer-role Primary || fail "node 1 does not see node 2 primary"
expect_err "a second primary" "only one primary at a time" hctl 1 dev primary r3
expect_err "a second primary, forced" "only one primary at a time" hctl 1 dev primary r3 force
is 1 r3 role Secondary || fail "a refused promotion changed the role"
dd if="$dir/old" of=/dev/halo6 bs=1M seek=20 count=2 oflag=direct conv=fsync status=none ||
	fail "write on node 2"
cmp -n "$size" "$lf" "$lg" || fail "the data areas differ after the switch"
log "roles switched; node 2's writes are on node 1's disk"
hctl 2 dev secondary r3

# -- fio writes with checksums on one node, verifies them on the other --
fio_job()	# fio_job DEV write|verify
{
	local extra=

	[ "$2" = verify ] && extra=--verify_only
	fio --name=repl --filename="$1" --rw=randwrite --bs=4k --size=24M \
		--offset=16M --direct=1 --ioengine=libaio --iodepth=16 \
		--randseed=4242 --verify=crc32c --verify_fatal=1 \
		--verify_state_save=0 --output="$dir/fio-$2" $extra
}
wait_for 10 is 1 r3 peer-role Secondary
hctl 1 dev primary r3 || fail "promote node 1 for fio"
fio_job /dev/halo5 write || fail "fio write on node 1: $(cat "$dir/fio-write")"
hctl 1 dev secondary r3 || fail "demote node 1 after fio"
wait_for 10 is 2 r3 peer-role Secondary
hctl 2 dev primary r3 || fail "promote node 2 for the verify"
fio_job /dev/halo6 verify || fail "fio verify on node 2: $(cat "$dir/fio-verify")"
log "fio: node 1's writes verify on node 2 (crc32c)"
# and a verify that must fail, lest it pass for nothing: the same job on a
# disk that never held that data (r0's, of the same size)
fio_job "$la" verify >/dev/null 2>&1 && fail "fio verified data that was never written"
hctl 2 dev secondary r3

# -- a filesystem made on one node, read on the other --
mkdir -p "$dir/mnt"
hctl 1 dev primary r3 || fail "promote node 1 for mkfs"
mkfs.ext4 -q -F /dev/halo5 || fail "mkfs on node 1"
mount /dev/halo5 "$dir/mnt" || fail "mount on node 1"
cp "$dir/pattern" "$dir/mnt/pattern" && mkdir "$dir/mnt/d" &&
	seq 1 5000 >"$dir/mnt/d/numbers" || fail "write files on node 1"
umount "$dir/mnt" || fail "umount on node 1"
hctl 1 dev secondary r3 || fail "demote node 1 after the filesystem"
wait_for 10 is 2 r3 peer-role Secondary
hctl 2 dev primary r3 || fail "promote node 2 for the filesystem"
mount /dev/halo6 "$dir/mnt" || fail "mount on node 2"
cmp -s "$dir/mnt/pattern" "$dir/pattern" || fail "a file differs on node 2"
[ "$(tail -1 "$dir/mnt/d/numbers")" = 5000 ] || fail "a file is short on node 2"
umount "$dir/mnt"
hctl 2 dev secondary r3
log "ext4 made and written on node 1 reads back on node 2"

# -- unload with a device connected and another connecting: both torn down --
wait_for 10 both r3 connection Connected || fail "r3 not connected before the unload"
hctl 1 dev connect r0 peer 2 || fail "connect r0 (node 2's is not connecting)"
is 1 r0 connection Connecting || fail "r0 on node 1 is not Connecting"
rmmod halo_blk || fail "rmmod halo_blk with connected devices"
ls /dev/halo* 2>/dev/null && fail "devices left after the unload"
modprobe halo_blk || fail "modprobe halo_blk again"
hctl 1 dev create r3 minor 5 disk "$lf" && hctl 2 dev create r3 minor 6 disk "$lg" ||
	fail "re-create r3 after the reload"
hctl 1 dev connect r3 peer 2 && hctl 2 dev connect r3 peer 1 || fail "reconnect r3"
wait_for 20 both r3 connection Connected || fail "r3 not connected after the reload"
both r3 disk UpToDate && both r3 out-of-sync 0 ||
	fail "the reload lost the metadata: $(hctl 1 dev show r3; hctl 2 dev show r3)"
log "unloaded with devices connected; after the reload they connect UpToDate, nothing to resync"

bad=$(kmsg_since | grep "disconnected from node .*: the peer sent")
[ -z "$bad" ] || fail "a halo peer sent a frame the other refused: $bad"
log "all connection checks passed"
