#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk crash test, two VMs (scripts/vm-run --vms 2 --disk 128; guest 1
# runs this): guest 2 is the primary, guest 1 its secondary, protocol C. A
# writer on guest 2 streams the number of every write acknowledged to it
# to guest 1; guest 2 is killed mid-stream; guest 1 is promoted, and every
# write it was told of must be on its disk. Guest 1 is demoted, guest 2
# started again: its device, attached as a crashed primary, resyncs to
# guest 1 exactly the extents its activity log names (a few of 4 MiB, not
# the 128 MiB), after which both disks are identical and still hold every
# acknowledged write.
#
#   blk_crash.sh          drive the test (guest 1)
#   blk_crash.sh node N   set node N up (in its own guest)
. "$(dirname "$0")/lib.sh"
require_root

here=$(cd "$(dirname "$0")" && pwd)
blocks=4096	# 16 MiB written at most

node_setup()	# node_setup N: cluster, device r0 on /dev/vda, connect
{
	local n=$1 peer=$((3 - $1))

	modprobe -q loop
	printf 'crash-test-key-%032d' 0 >/tmp/key
	haloctl cluster create crash node-id "$n" key-file /tmp/key || fail "cluster on $n"
	haloctl node add 1 name a addr 192.0.2.1 || fail "node 1 on $n"
	haloctl node add 2 name b addr 192.0.2.2 || fail "node 2 on $n"
	# a disk that outlives the guest (vm-run --disk): the crashed
	# primary's activity log is read back from it. Without it the second
	# half could not run, and a test that skips it must not pass.
	modprobe -q virtio_blk
	wait_for 10 test -b /dev/vda ||
		fail "no /dev/vda in guest $n: run under scripts/vm-run --vms 2 --disk 128"
	haloctl dev create r0 minor 0 disk /dev/vda || fail "dev create on $n"
	haloctl dev connect r0 peer "$peer" protocol C || fail "dev connect on $n"
}

if [ "${1:-}" = node ]; then
	node_setup "$2"
	exit 0
fi
[ "${HALO_VMS:-1}" -ge 2 ] || skip "needs two guests (scripts/vm-run --vms 2)"

dev_json()	# dev_json KEY [GUEST]: r0's KEY here, or in guest 2
{
	local cmd=(haloctl -j dev show r0)

	[ "${2:-1}" = 2 ] && cmd=(vm exec 2 "${cmd[@]}")
	"${cmd[@]}" | python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
is()	# is KEY VALUE [GUEST]
{
	[ "$(dev_json "$1" "${3:-1}")" = "$2" ]
}

report()	# what both guests' devices and kernels say (guest 2 while it lives)
{
	echo "--- guest 1: $(haloctl dev show r0 | tr '\n' ' ')"
	dmesg | grep -E 'halo|r0:' | tail -n 15
	[ "${1:-}" = 1 ] && return
	echo "--- guest 2: $(vm exec 2 haloctl dev show r0 | tr '\n' ' ')"
	vm exec 2 sh -c "dmesg | grep -E 'halo|r0:' | tail -n 15"
}

node_setup 1
vm exec 2 "$here/blk_crash.sh" node 2 || fail "set up guest 2"
wait_for 30 is connection Connected || fail "not connected: $(haloctl dev show r0)"
vm exec 2 haloctl dev primary r0 force || fail "promote guest 2"
# the full sync from guest 2, then both UpToDate
wait_for 30 is connection SyncTarget || is disk UpToDate || fail "no resync started"
wait_for 300 is disk UpToDate || fail "resync did not finish: $(haloctl dev show r0)"
wait_for 30 is connection Connected || fail "not connected after the resync"
log "guest 2 primary, guest 1 UpToDate secondary; the writer starts"

nc -l 9000 >/tmp/acked &
listener=$!
sleep 0.5
vm exec 2 sh -c "python3 $here/blk_writer.py /dev/halo0 $blocks | nc -N 192.0.2.1 9000" \
	>/dev/null 2>&1 &
wait_for 120 sh -c '[ "$(wc -l </tmp/acked)" -ge 300 ]' ||
	fail "the writer did not get going: $(wc -l </tmp/acked) writes"
# a healthy link under a steady stream: the connection must have held
if ! is connection Connected || ! is disk UpToDate; then
	report
	fail "the connection did not hold under the write stream"
fi
vm kill 2 || fail "kill guest 2"
log "guest 2 killed after $(wc -l </tmp/acked) acknowledged writes"
kill "$listener" 2>/dev/null

# the connection goes when the pings go unanswered; then guest 1 takes over
wait_for 60 sh -c "! haloctl -j dev show r0 | grep -q '\"Connected\"'" ||
	fail "guest 1 did not notice the primary's death"
if ! haloctl dev primary r0; then
	report 1
	fail "promote guest 1"
fi
python3 "$here/blk_writer.py" --check /dev/halo0 </tmp/acked ||
	fail "acknowledged writes are missing"
haloctl dev secondary r0 || fail "demote guest 1"
log "every acknowledged write survived the primary's crash"
echo "ok: every acknowledged write ($(wc -l </tmp/acked)) on the survivor's disk"

# -- the crashed primary comes back: only its activity log is resynced --
got0=$(dev_json resync-received)
vm start 2 || fail "start guest 2 again"
vm exec 2 "$here/blk_crash.sh" node 2 || fail "set up guest 2 again"
extents=$(vm exec 2 dmesg | sed -n 's/.*r0: crashed as primary: \([0-9]*\) activity log extents.*/\1/p')
[ -n "$extents" ] || fail "guest 2 did not attach as a crashed primary: $(vm exec 2 dmesg | grep r0:)"
wait_for 120 is connection Connected || fail "not connected again: $(haloctl dev show r0)"
wait_for 120 is disk UpToDate || fail "no resync: $(haloctl dev show r0)"
got=$(($(dev_json resync-received) - got0))
size=$(dev_json size)
# blocks 0 ... 4095 (16 MiB): 4 extents, and the one being written when
# the guest died may be a fifth
[ "$extents" -ge 1 ] && [ "$extents" -le 5 ] || fail "$extents extents in the log"
[ "$got" = $((extents << 22)) ] ||
	fail "resynced $got bytes for $extents extents of 4 MiB"
[ "$got" -lt "$size" ] || fail "a full resync"
blockdev --flushbufs /dev/vda
h1=$(head -c "$size" /dev/vda | sha256sum)
h2=$(vm exec 2 sh -c "blockdev --flushbufs /dev/vda; head -c $size /dev/vda | sha256sum")
[ "$h1" = "$h2" ] || fail "the disks differ after the resync"
python3 "$here/blk_writer.py" --check /dev/vda </tmp/acked ||
	fail "acknowledged writes are missing after the resync"
echo "ok: the crashed primary resynced its activity log only: $extents extents, $got of $size bytes; disks identical"
