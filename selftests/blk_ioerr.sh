#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk local I/O errors (on-io-error). Node 1's backing device is a
# device-mapper device whose table becomes "error" mid-run:
#  - bad values refused, dev set changes nothing when refused;
#  - detach (the default), r0 synced with node 2, node 1 primary: while
#    fio writes with verify, every I/O of node 1's disk starts failing.
#    The device goes Diskless, fio sees no error and its verify, read
#    through node 1 from node 2's disk, passes; dev show, monitor and the
#    kernel log say what happened. Disconnected, a Diskless node's I/O
#    fails; reconnected, it serves again (the handshake takes a Diskless
#    side); node 2 promoted writes alone;
#  - pass-on, r1 alone on node 1: the write fails, the disk stays
#    UpToDate; switched to detach with no peer, the next write fails and
#    the device goes Diskless.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

modprobe -q dm-mod 2>/dev/null
command -v dmsetup >/dev/null || fail "no dmsetup"

cluster_setup 2 1 || fail "cluster setup"
dms=()
trap 'kill $fio $mon 2>/dev/null; blk_lib_cleanup r0 r1; for d in "${dms[@]}"; do dmsetup remove --noudevsync "$d" 2>/dev/null; done' EXIT
fio= mon=

dm_new()	# dm_new NAME LOOP: a linear device-mapper device over LOOP
{
	dmsetup create --noudevsync "$1" \
		--table "0 $(blockdev --getsz "$2") linear $2 0" &&
		dmsetup mknodes "$1" || fail "dm $1 over $2"
	dms+=("$1")
}

dm_fail()	# dm_fail NAME: every I/O of it fails from now on
{
	dmsetup load "$1" --table "0 $(blockdev --getsz "/dev/mapper/$1") error" &&
		dmsetup resume "$1" || fail "dm $1: error table"
}

ioe_event()	# ioe_event NAME TEXT: node 1's monitor printed an io-error event of NAME saying TEXT
{
	/usr/bin/python3 - "$dir/mon" "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if (e.get("event") == "io-error" and e.get("name") == sys.argv[2]
            and sys.argv[3] in e.get("io-error", "") and e.get("io-errors", 0) >= 1):
        sys.exit(0)
sys.exit(1)
PY
}

loop_new a 64; la=$loop
loop_new b 64; lb=$loop
loop_new c 16; lc=$loop
dma=halo-ioerr-a-$$ dmc=halo-ioerr-c-$$
dm_new "$dma" "$la"
dm_new "$dmc" "$lc"

hctl 1 -j monitor > "$dir/mon" 2>&1 &
mon=$!
blk_pair r0 "/dev/mapper/$dma" "$lb"

# -- refusals; the default --
is 1 r0 on-io-error detach && is 1 r0 io-errors 0 && is 1 r0 io-error - ||
	fail "defaults: $(hctl 1 -j dev show r0)"
expect_err "an unknown policy" 'invalid on-io-error "panic" (use detach or pass-on)' \
	hctl 1 dev set r0 on-io-error panic
expect_err "no value" '"on-io-error" needs a value (detach or pass-on)' \
	hctl 1 dev set r0 on-io-error
hctl 1 dev create r1 minor 2 disk "/dev/mapper/$dmc" || fail "create r1"
expect_err "a connection option of a device never connected" "never connected" \
	hctl 1 dev set r1 on-no-quorum io-error on-io-error pass-on resync-max-rate 1M
is 1 r1 on-no-quorum off && is 1 r1 on-io-error detach ||
	fail "a refused dev set changed the device: $(hctl 1 -j dev show r1)"
echo "ok: bad values refused; a refused dev set changed nothing"

# -- detach under fio with verify --
# (at most 500 writes a second: 4096 of them take 8 s at least, and the
# errors begin after 2 s; each 64 writes are read back and checked)
kmsg_mark detach
fio --name=v --filename=/dev/halo0 --rw=randwrite --bs=4k --direct=1 \
	--ioengine=psync --size=16M --rate_iops=500 --verify=crc32c \
	--do_verify=1 --verify_fatal=1 --verify_backlog=64 --verify_state_save=0 \
	--output="$dir/fio" &
fio=$!
sleep 2
kill -0 $fio 2>/dev/null || fail "fio ended before the errors began: $(cat "$dir/fio")"
dm_fail "$dma"
wait_for 30 is 1 r0 disk Diskless || fail "not Diskless: $(hctl 1 dev show r0)"
wait $fio || fail "fio failed (its writes or its verify): $(grep -E 'err=|error' "$dir/fio")
$(hctl 1 dev show r0; hctl 2 dev show r0; kmsg_since | grep -E 'halo|r0')"
fio=
grep -q "err= 0" "$dir/fio" || fail "fio saw errors: $(cat "$dir/fio")"
echo "ok: fio wrote and verified 16 MiB across the detach: $(grep -E '^ +(write|read):' "$dir/fio" | tr -s ' ' | paste -sd' ')"
n=$(dev_json 1 r0 io-errors)
[ "$n" -ge 1 ] 2>/dev/null || fail "io-errors $n"
dev_json 1 r0 io-error | grep -q "failed (-5): detached" || fail "io-error: $(dev_json 1 r0 io-error)"
is 2 r0 peer-disk Diskless && is 2 r0 disk UpToDate && both r0 connection Connected ||
	fail "node 2: $(hctl 2 dev show r0)"
wait_for 10 ioe_event r0 "failed (-5): detached" ||
	fail "no io-error event: $(cat "$dir/mon")"
kmsg_since | grep -q "r0: the local disk is given up (on-io-error detach): Diskless, I/O goes to node 2" ||
	fail "kernel log: $(kmsg_since | grep r0)"
echo "ok: detached: $n I/O errors, $(dev_json 1 r0 io-error); node 2 sees Diskless"

# every block as node 2's disk holds it, read through node 1; and a
# block written under node 2's halo, straight to its disk, is what node 1
# reads there: the reads are node 2's
blockdev --flushbufs "$lb"
dd if=/dev/halo0 of="$dir/read" bs=1M iflag=direct 2>"$dir/dd" ||
	fail "reading node 1's device: $(cat "$dir/dd")
$(hctl 1 dev show r0; kmsg_since | grep -E 'halo|r0')"
head -c "$size" "$lb" > "$dir/disk"
cmp "$dir/read" "$dir/disk" > "$dir/cmp" 2>&1 ||
	fail "node 1 reads differ from node 2's disk: $(cat "$dir/cmp") ($(stat -c %s "$dir/read") bytes read)
$(hctl 1 dev show r0; hctl 2 dev show r0; kmsg_since | grep -E 'halo|r0')"
rm -f "$dir/read" "$dir/disk"
head -c 4096 /dev/urandom > "$dir/probe"
dd if="$dir/probe" of="$lb" bs=4k seek=100 oflag=direct conv=notrunc 2>/dev/null ||
	fail "write under node 2"
dd if=/dev/halo0 bs=4k skip=100 count=1 iflag=direct 2>/dev/null | cmp -s - "$dir/probe" ||
	fail "node 1 did not read node 2's disk"
echo "ok: node 1 (Diskless) reads node 2's disk"

# -- without the peer, a Diskless node's I/O fails; with it, it goes on --
hctl 2 dev disconnect r0 || fail "disconnect node 2"
wait_for 20 is 1 r0 connection Connecting || fail "node 1: $(hctl 1 dev show r0)"
dd if=/dev/halo0 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null &&
	fail "a Diskless node read without a peer"
dd if=/dev/zero of=/dev/halo0 bs=4k count=1 oflag=direct 2>/dev/null &&
	fail "a Diskless node wrote without a peer"
hctl 1 dev secondary r0 || fail "demote the Diskless node"
expect_err "promoting a Diskless node without a peer" \
	"disk is Diskless (detached): a primary needs a connected UpToDate peer" \
	hctl 1 dev primary r0
expect_err "forcing a Diskless node without a peer" "Diskless (detached)" \
	hctl 1 dev primary r0 force
hctl 2 dev connect r0 peer 1 || fail "connect node 2 again"
wait_for 20 both r0 connection Connected || fail "no reconnect: $(hctl 1 dev show r0)"
is 1 r0 disk Diskless && is 2 r0 peer-disk Diskless && is 2 r0 disk UpToDate ||
	fail "after the reconnect: $(hctl 1 dev show r0) / $(hctl 2 dev show r0)"
hctl 1 dev primary r0 || fail "promote the Diskless node, its peer UpToDate"
head -c 65536 /dev/urandom > "$dir/blk"
dd if="$dir/blk" of=/dev/halo0 bs=64k count=1 seek=10 oflag=direct 2>/dev/null ||
	fail "a Diskless node's write with its peer back"
dd if=/dev/halo0 bs=64k count=1 skip=10 iflag=direct 2>/dev/null | cmp -s - "$dir/blk" ||
	fail "read back through the peer"
dd if="$lb" bs=64k count=1 skip=10 iflag=direct 2>/dev/null | cmp -s - "$dir/blk" ||
	fail "the write is not on node 2's disk"
echo "ok: a Diskless node's I/O fails without its peer, goes on with it (reconnected)"

# -- node 2 takes over; its writes are for a later full sync --
hctl 1 dev secondary r0 || fail "demote the Diskless node again"
hctl 2 dev primary r0 || fail "promote node 2"
dd if=/dev/urandom of=/dev/halo1 bs=4k count=3 oflag=direct 2>/dev/null || fail "write on node 2"
[ "$(dev_json 2 r0 out-of-sync)" -ge 12288 ] || fail "node 2 out-of-sync $(dev_json 2 r0 out-of-sync)"
hctl 2 dev secondary r0 || fail "demote node 2"
echo "ok: node 2 promoted writes, marked for node 1 ($(dev_json 2 r0 out-of-sync) bytes)"

# -- pass-on, and detach without a peer --
hctl 1 dev primary r1 force || fail "primary r1"
hctl 1 dev set r1 on-io-error pass-on || fail "set pass-on"
is 1 r1 on-io-error pass-on || fail "on-io-error: $(dev_json 1 r1 on-io-error)"
dm_fail "$dmc"
dd if=/dev/zero of=/dev/halo2 bs=4k count=1 oflag=direct 2>/dev/null &&
	fail "pass-on: a write to a failing disk succeeded"
is 1 r1 disk UpToDate || fail "pass-on: disk $(dev_json 1 r1 disk)"
wait_for 10 eval 'dev_json 1 r1 io-error | grep -q "failed (-5): passed on"' ||
	fail "pass-on: io-error $(dev_json 1 r1 io-error)"
wait_for 10 ioe_event r1 "failed (-5): passed on" ||
	fail "pass-on: no io-error event"
echo "ok: pass-on: the write failed, the disk stays ($(dev_json 1 r1 io-error))"
hctl 1 dev set r1 on-io-error detach || fail "set detach"
dd if=/dev/zero of=/dev/halo2 bs=4k count=1 oflag=direct 2>/dev/null &&
	fail "detach without a peer: a write succeeded"
wait_for 10 is 1 r1 disk Diskless || fail "detach without a peer: $(hctl 1 dev show r1)"
hctl 1 dev secondary r1 && hctl 1 dev destroy r1 || fail "r1 away"
echo "ok: detach without a peer: the write failed, Diskless"
exit $ksft_pass
