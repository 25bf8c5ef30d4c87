#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk online verify. Two nodes, synced, node 1 primary:
#  - bad requests are refused with their reasons (haloctl and extack);
#  - verify of identical disks finds nothing, also while fio writes the
#    device all along (crc32c and sha256);
#  - one block corrupted under the secondary (dd on its backing device):
#    verify finds exactly that block, marks it on both nodes, and the next
#    resync (disconnect, connect) sends exactly it, after which the disks
#    are identical and a verify finds nothing;
#  - a verify held to resync-max-rate is stopped by verify stop, and by
#    the connection going.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

cluster_setup 2 1 || fail "cluster setup"
trap 'kill $fio 2>/dev/null; blk_lib_cleanup r0' EXIT
loop_new a 32; la=$loop
loop_new b 32; lb=$loop
loop_new c 8; lc=$loop

hctl 1 dev create r9 minor 9 disk "$lc" || fail "create r9 on node 1"
expect_err "verify of a device never connected" "not Connected" \
	hctl 1 dev verify r9
hctl 1 dev destroy r9 || fail "destroy r9"
blk_pair r0 "$la" "$lb"

ov()	# ov NODE KEY: a key of dev show's verify object, "-" if absent
{
	hctl "$1" -j dev show r0 | python3 -c '
import json, sys
print(json.load(sys.stdin).get("verify", {}).get(sys.argv[1], "-"))' "$2"
}

# verify_ok NODE ALG FOUND WHAT: a verify from NODE ends done, FOUND bytes
verify_ok()
{
	hctl "$1" dev verify r0 alg "$2" || fail "$4: verify did not start"
	wait_for 120 eval '[ "$(ov '"$1"' state)" = done ]' ||
		fail "$4: verify did not end: $(hctl "$1" dev show r0)"
	[ "$(ov "$1" out-of-sync)" = "$3" ] && [ "$(ov "$1" position)" = "$size" ] &&
		[ "$(ov "$1" total)" = "$size" ] && [ "$(ov "$1" alg)" = "$2" ] ||
		fail "$4: $(hctl "$1" -j dev show r0)"
	echo "ok: $4: $(ov "$1" out-of-sync) bytes out of sync ($2)"
}

# -- refusals --
expect_err "an unknown alg" 'invalid verify alg "md5" (use crc32c or sha256)' \
	hctl 1 dev verify r0 alg md5
expect_err "a stray word" 'unknown dev verify argument "now"' \
	hctl 1 dev verify r0 now
expect_err "verify on the primary's secondary" "the peer is primary: run the verify there" \
	hctl 2 dev verify r0
expect_err "verify stop with none running" "no verify runs on this device" \
	hctl 1 dev verify r0 stop
expect_err "verify-alg with dev set" "unknown dev set option" \
	hctl 1 dev set r0 alg crc32c

# -- identical disks: nothing, idle and under writes --
verify_ok 1 crc32c 0 "identical disks"
fio --name=w --filename=/dev/halo0 --rw=randwrite --bs=4k --direct=1 \
	--ioengine=psync --time_based --runtime=600 --size="$size" \
	--output=/dev/null &
fio=$!
sleep 1
verify_ok 1 crc32c 0 "identical disks under fio randwrite"
verify_ok 1 sha256 0 "identical disks under fio randwrite"
kill "$fio"
wait "$fio" 2>/dev/null
fio=
wait_for 20 both r0 out-of-sync 0 || fail "out of sync after fio"

# -- one block corrupted under the secondary --
blk=$((size / 4096 / 3 + 7))
dd if=/dev/urandom of="$lb" bs=4096 seek="$blk" count=1 oflag=direct status=none ||
	fail "dd on node 2's backing device"
verify_ok 1 sha256 4096 "one block corrupted under the secondary"
is 1 r0 out-of-sync 4096 && is 2 r0 out-of-sync 4096 ||
	fail "the block is not marked on both: $(dev_json 1 r0 out-of-sync) $(dev_json 2 r0 out-of-sync)"
kmsg_mark "verify found"
sent=$(dev_json 1 r0 resync-sent)
hctl 2 dev disconnect r0 && hctl 1 dev disconnect r0 || fail "disconnect"
hctl 1 dev connect r0 peer 2 && hctl 2 dev connect r0 peer 1 || fail "connect again"
wait_for 60 both r0 out-of-sync 0 || fail "the block was not resynced: $(hctl 1 dev show r0)"
wait_for 20 both r0 connection Connected || fail "not Connected after the resync"
[ $(($(dev_json 1 r0 resync-sent) - sent)) = 4096 ] ||
	fail "the resync sent $(($(dev_json 1 r0 resync-sent) - sent)) bytes, not the block"
kmsg_since | grep -q "r0: resync to node 2: 4 KiB" ||
	fail "no resync of 4 KiB in the kernel log: $(kmsg_since | grep r0:)"
h=$(datahash "$la") && [ "$(datahash "$lb")" = "$h" ] || fail "the disks differ after the resync"
echo "ok: the next resync sent that block (4096 bytes) from the primary; the disks are identical"
verify_ok 1 crc32c 0 "after the resync"

# -- stopped: by the admin, and by the connection going --
hctl 1 dev set r0 resync-max-rate 1M || fail "dev set rate"
hctl 1 dev verify r0 || fail "slow verify did not start"
[ "$(ov 1 state)" = running ] || fail "not running: $(hctl 1 -j dev show r0)"
expect_err "a second verify" "a verify runs already" hctl 1 dev verify r0
hctl 1 dev verify r0 stop || fail "verify stop"
[ "$(ov 1 state)" = stopped ] && [ "$(ov 1 reason)" = "stopped by dev-verify verify-stop" ] ||
	fail "verify stop: $(hctl 1 -j dev show r0)"
pos=$(ov 1 position)
[ "$pos" -lt "$size" ] || fail "stopped at $pos of $size"
echo "ok: verify stop: stopped at $pos of $size bytes"
# at once after a stop: the stopped one's last replies must not end the
# connection as replies to nothing asked
hctl 1 dev verify r0 || fail "slow verify did not start again"
sleep 2
is 1 r0 connection Connected && [ "$(ov 1 state)" = running ] ||
	fail "a verify started after a stop: $(hctl 1 -j dev show r0)"
hctl 2 dev disconnect r0 || fail "disconnect node 2"
wait_for 30 eval '[ "$(ov 1 state)" = stopped ]' || fail "the verify outlived the connection"
[ "$(ov 1 reason)" = "the connection went" ] || fail "stopped for: $(ov 1 reason)"
echo "ok: the connection went: the verify stopped ($(ov 1 position) bytes compared)"
hctl 2 dev connect r0 peer 1 || fail "connect node 2 again"
wait_for 30 both r0 connection Connected || fail "not Connected again"
[ "$(dev_json 1 r0 out-of-sync)" = 0 ] || fail "stopped verifies marked blocks"
