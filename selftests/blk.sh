#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk on one node at a time (no peer yet): devices on loop devices,
# metadata written, found again and refused when wrong, roles and opens,
# I/O through /dev/haloN landing at the same offset of the backing
# device, names scoped to the namespace, bad input, unload.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

cluster_setup 2 1 || fail "cluster setup"
slow=halo-slow-$$
trap 'blk_lib_cleanup r0 r1 r2 r5; dmsetup remove --noudevsync $slow 2>/dev/null' EXIT

loop_new a 64; la=$loop
loop_new b 64; lb=$loop
loop_new small 1; lsmall=$loop
loop_new data 32; ldata=$loop
loop_new meta 4; lmeta=$loop

# -- without a cluster, or as nobody --
ip netns add "$HALO_NS_PREFIX-bare"
expect_err "create without a cluster" "no cluster" \
	ip netns exec "$HALO_NS_PREFIX-bare" haloctl dev create r0 minor 0 disk "$la"
ip netns del "$HALO_NS_PREFIX-bare"
expect_err "unprivileged create" "CAP_NET_ADMIN" \
	on 1 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	haloctl dev create r0 minor 0 disk "$la"

# device events in haloctl monitor, from before the first device on
hctl 1 -j monitor > "$dir/mon" 2>&1 &
monpid=$!
wait_for 10 grep -q '"event": *"state"' "$dir/mon"

# -- create: fresh metadata, Inconsistent, secondary --
hctl 1 dev create r0 minor 0 disk "$la" || fail "dev create r0"
[ -b /dev/halo0 ] || fail "/dev/halo0 missing"
[ "$(dev_json 1 r0 role)" = Secondary ] || fail "new device not Secondary"
[ "$(dev_json 1 r0 disk)" = Inconsistent ] || fail "fresh metadata not Inconsistent"
[ "$(dev_json 1 r0 connection)" = StandAlone ] || fail "not StandAlone"
[ "$(dev_json 1 r0 peer-role)" = Unknown ] || fail "peer role not Unknown"
[ "$(dev_json 1 r0 peer-disk)" = DUnknown ] || fail "peer disk not DUnknown"
size=$(dev_json 1 r0 size)
# 64 MiB = 16384 blocks: 1 superblock, 64 log, 1 bitmap block
[ "$size" = $(( (16384 - 66) * 4096 )) ] || fail "size $size"
[ $(( $(cat /sys/block/halo0/size) * 512 )) = "$size" ] || fail "/dev/halo0 size differs from $size"
[ "$(dev_json 1 r0 out-of-sync)" = "$size" ] || fail "fresh device not all out of sync"
[ "$(cat /sys/block/halo0/halo/name)" = r0 ] || fail "sysfs name"
[ "$(cat /sys/block/halo0/halo/role)" = Secondary ] || fail "sysfs role"
[ "$(cat /sys/block/halo0/halo/disk_state)" = Inconsistent ] || fail "sysfs disk_state"
echo "ok: create writes fresh metadata: Secondary, Inconsistent, StandAlone, $size bytes"

abi=$HALO_TOP/Documentation/ABI/testing/sysfs-block-halo
for f in /sys/block/halo0/halo/*; do
	grep -q "^What:.*/halo/${f##*/}\$" "$abi" || fail "sysfs ${f##*/} is not documented in $abi"
done
echo "ok: every sysfs file is documented"

# a secondary refuses opens, for reading too (as DRBD)
dd if=/dev/halo0 of=/dev/null bs=4k count=1 2>/dev/null && fail "secondary opened for reading"
dd if=/dev/zero of=/dev/halo0 bs=4k count=1 2>/dev/null && fail "secondary opened for writing"
echo "ok: a secondary refuses opens"

expect_err "promoting an Inconsistent disk" "Inconsistent.*force" hctl 1 dev primary r0
hctl 1 dev primary r0 force || fail "primary force"
[ "$(dev_json 1 r0 role)" = Primary ] || fail "not Primary after primary force"
[ "$(dev_json 1 r0 disk)" = UpToDate ] || fail "forced primary not UpToDate"
gen=$(dev_json 1 r0 current-gen)
[ "$gen" != 0 ] || fail "forced primary kept generation 0"
echo "ok: primary force makes the disk UpToDate with a new generation"

# I/O lands at the same offset of the backing device
head -c $((4 << 20)) /dev/urandom > "$dir/pattern"
dd if="$dir/pattern" of=/dev/halo0 bs=1M seek=3 oflag=direct conv=fsync 2>/dev/null ||
	fail "write through /dev/halo0"
same_at()	# same_at DEV: DEV holds the pattern at 3 MiB
{
	dd if="$1" of="$dir/read" bs=1M skip=3 count=4 iflag=direct 2>/dev/null &&
		cmp -s "$dir/read" "$dir/pattern"
}
same_at /dev/halo0 || fail "read back through /dev/halo0 differs"
same_at "$la" || fail "backing device differs at the same offset"
# the last block of the device, and not one more
dd if=/dev/urandom of=/dev/halo0 bs=4k seek=$((size / 4096 - 1)) count=1 oflag=direct 2>/dev/null ||
	fail "write to the last block"
dd if=/dev/zero of=/dev/halo0 bs=4k seek=$((size / 4096)) count=1 oflag=direct 2>/dev/null &&
	fail "write past the end accepted"
blkdiscard -o 0 -l 1M /dev/halo0 2>/dev/null ||
	echo "note: discard not passed through (backing device: $(cat /sys/block/${la#/dev/}/queue/discard_max_bytes))"
echo "ok: data through /dev/halo0 is the backing device's, same offsets"

# demotion waits for the last opener
exec 3</dev/halo0
expect_err "secondary while held open" "held open" hctl 1 dev secondary r0
expect_err "destroying a primary" "primary" hctl 1 dev destroy r0
exec 3<&-
hctl 1 dev secondary r0 || fail "dev secondary"
[ "$(dev_json 1 r0 role)" = Secondary ] || fail "not Secondary"
hctl 1 dev destroy r0 || fail "dev destroy"
[ -e /dev/halo0 ] && fail "/dev/halo0 still there after destroy"
echo "ok: demote refused while open; destroy refused while primary"

# what monitor saw: created, promoted, demoted, destroyed, in that order
wait_for 10 grep -q '"event": *"dev-del"' "$dir/mon"
kill $monpid
/usr/bin/python3 - "$dir/mon" <<'PY' || fail "monitor: wrong device events: $(cat "$dir/mon")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [e for e in ev if e["event"].startswith("dev")]
got = [(e["event"], e.get("role"), e.get("disk")) for e in ev]
# a quorum change (the cluster forming as the device is made) is a dev
# event of its own, with the same role and disk
got = [g for i, g in enumerate(got) if i == 0 or g != got[i - 1]]
want = [("dev", "Secondary", "Inconsistent"), ("dev", "Primary", "UpToDate"),
        ("dev", "Secondary", "UpToDate"), ("dev-del", None, None)]
assert got == want, got
assert all(e["name"] == "r0" and e["minor"] == 0 for e in ev), ev
PY
echo "ok: monitor shows the device's events"

# the metadata is found again: same generation, UpToDate, data kept
hctl 1 dev create r0 minor 0 disk "$la" || fail "re-create r0"
[ "$(dev_json 1 r0 disk)" = UpToDate ] || fail "re-created disk not UpToDate"
[ "$(dev_json 1 r0 current-gen)" = "$gen" ] || fail "generation not kept"
hctl 1 -j monitor > "$dir/mon2" 2>&1 &
monpid=$!
wait_for 10 grep -q '"event": *"dev"' "$dir/mon2"
kill $monpid
grep '"event": *"dev"' "$dir/mon2" | head -n 1 | grep -q '"name": *"r0".*"role": *"Secondary"' ||
	fail "monitor's initial state has no r0: $(cat "$dir/mon2")"
echo "ok: monitor's initial state lists the devices"
hctl 1 dev primary r0 || fail "UpToDate disk not promoted without force"
same_at /dev/halo0 || fail "data lost across destroy and create"
hctl 1 dev secondary r0 && hctl 1 dev destroy r0 || fail "secondary + destroy"
echo "ok: metadata and data survive destroy and create"

# -- metadata that is not ours, or broken: refused, disk untouched --
sum=$(md5sum < "$la")
expect_err "another device's metadata" "belongs to device r0" \
	hctl 1 dev create r1 minor 1 disk "$la"
[ "$(md5sum < "$la")" = "$sum" ] || fail "a create refused for another device's metadata changed the disk"
[ -e /dev/halo1 ] && fail "/dev/halo1 exists after a refused create"
last=$(( $(blockdev --getsize64 "$la") - 4096 ))
printf '\xff' | dd of="$la" bs=1 seek=$((last + 200)) conv=notrunc 2>/dev/null
sum=$(md5sum < "$la")
expect_err "a corrupted superblock" "checksum mismatch" hctl 1 dev create r0 minor 0 disk "$la"
[ "$(md5sum < "$la")" = "$sum" ] || fail "a refused create changed the disk"
[ -e /dev/halo0 ] && fail "/dev/halo0 exists after a refused create"
echo "ok: corrupted metadata left as it was"

# -- bad input --
expect_err "a too small disk" "too small" hctl 1 dev create r1 minor 1 disk "$lsmall"
expect_err "a missing disk" "does not exist" hctl 1 dev create r1 minor 1 disk /dev/nonexistent
expect_err "a regular file" "not a block device" hctl 1 dev create r1 minor 1 disk "$dir/a"
expect_err "an empty name" "must not be empty\|invalid device name" hctl 1 dev create "" minor 1 disk "$lb"
expect_err "a long name" "invalid device name" hctl 1 dev create "$(printf 'x%.0s' $(seq 40))" minor 1 disk "$lb"
expect_err "minor out of range" "invalid minor" hctl 1 dev create r1 minor 5000 disk "$lb"
expect_err "a missing disk argument" "needs minor N and disk PATH" hctl 1 dev create r1 minor 1
expect_err "an unknown argument" "use minor, disk, meta-disk" hctl 1 dev create r1 minor 1 disk "$lb" size 3
expect_err "an unknown device" "no device with this name" hctl 1 dev primary nosuch
expect_err "force on secondary" "unknown dev secondary argument" hctl 1 dev secondary r1 force
expect_err "an unknown command" "use create/destroy/primary/secondary/connect/set/disconnect/verify/show" hctl 1 dev frob

expect_err "the backing device as metadata device" "use meta-disk internal" \
	hctl 1 dev create r1 minor 1 disk "$lb" meta-disk "$lb"
hctl 1 dev create r1 minor 1 disk "$lb" || fail "create r1"
expect_err "a disk in use" "in use" hctl 1 dev create r2 minor 2 disk "$lb"
expect_err "a name in use" "exists" hctl 1 dev create r1 minor 2 disk "$ldata"
expect_err "a minor in use (another namespace)" "minor 1 is in use" \
	hctl 2 dev create r1 minor 1 disk "$ldata"

# names are per namespace; minors are global
hctl 2 dev create r1 minor 2 disk "$ldata" meta-disk "$lmeta" || fail "r1 in node 2"
[ "$(dev_json 2 r1 size)" = $((32 << 20)) ] || fail "external metadata: size $(dev_json 2 r1 size)"
[ "$(dev_json 2 r1 meta-disk)" = "$lmeta" ] || fail "meta-disk not reported"
[ "$(hctl 1 -j dev show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["devices"]))')" = 1 ] ||
	fail "node 1 sees another namespace's device"
echo "ok: same name in two namespaces; external metadata gives the whole disk"

# -- the family through its spec (the kernel's ynl client) --
ksrc=$(bash -c ". '$HALO_TOP/scripts/lib/common.sh' && halo_ynl_src") ||
	fail "no ynl client in the cache (scripts/vm-run prepares it before boot)"
ynl()	# ynl NODE OP JSON
{
	on "$1" /usr/bin/python3 "$ksrc/tools/net/ynl/cli.py" \
		--spec "$HALO_TOP/Documentation/netlink/specs/halo_blk.yaml" \
		--schema "$ksrc/Documentation/netlink/genetlink.yaml" \
		--do "$2" --json "$3" --output-json
}
got=$(ynl 1 dev-get '{"name": "r1"}') || fail "ynl dev-get"
/usr/bin/python3 - "$got" "$(hctl 1 -j dev show r1)" <<'PY' || fail "ynl and haloctl disagree: $got"
import json, sys
y, h = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert y["name"] == h["name"] == "r1", (y, h)
assert y["role"] == h["role"].lower() == "secondary", (y, h)
assert y["disk-state"] == h["disk"].lower(), (y, h)
assert y["conn-state"] == h["connection"].lower(), (y, h)
assert y["size"] == h["size"] and y["out-of-sync"] == h["out-of-sync"], (y, h)
PY
expect_err "a read-only attribute in a request" "role is reported, not set" \
	ynl 1 dev-create '{"name": "r2", "minor": 3, "disk": "'"$ldata"'", "role": 2}'
expect_err "a name over 31 bytes (kernel)" "Attribute failed policy validation\|name" \
	ynl 1 dev-create '{"name": "'"$(printf 'y%.0s' $(seq 40))"'", "minor": 3, "disk": "'"$ldata"'"}'
expect_err "port 70000 (kernel)" "out of range" \
	ynl 1 dev-connect '{"name": "r2", "peer": 2, "port": 70000}'
expect_err "port 0 (kernel)" "out of range" \
	ynl 1 dev-connect '{"name": "r2", "peer": 2, "port": 0}'
expect_err "port on create" "port is for dev-connect" \
	ynl 1 dev-create '{"name": "r2", "minor": 3, "disk": "'"$ldata"'", "port": 7790}'
expect_err "force on connect" "force is for dev-primary and dev-create" \
	ynl 1 dev-connect '{"name": "r2", "peer": 2, "force": true}'
expect_err "no-format on primary" "no-format is for dev-create" \
	ynl 1 dev-primary '{"name": "r2", "no-format": true}'
expect_err "force and no-format" "force and no-format contradict each other" \
	ynl 1 dev-create '{"name": "r2", "minor": 3, "disk": "'"$ldata"'", "force": true, "no-format": true}'
expect_err "create without a disk" "disk\|Missing attribute" \
	ynl 1 dev-create '{"name": "r2", "minor": 3}'
echo "ok: the kernel's replies decode through the spec; bad requests get extack messages"

# -- a namespace going away takes its devices, even one held open --
hctl 2 dev primary r1 force || fail "primary r1 in node 2"
exec 4</dev/halo2
ip netns del "$(node_ns 2)"
wait_for 30 test ! -e /dev/halo2
dd if=/proc/self/fd/4 of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null &&
	fail "a removed device still reads"
exec 4<&-
echo "ok: deleting a namespace destroys its devices, the last close comes after"

# -- a write overlapping one in flight waits for it to reach the disk --
# (a disk may complete two writes it holds at once in either order; the
# peer applies them in order.) The backing device takes 1 s per write.
if modprobe -q dm-delay 2>/dev/null && command -v dmsetup >/dev/null; then
	loop_new slow 16
	dmsetup create --noudevsync "$slow" \
		--table "0 $(blockdev --getsz "$loop") delay $loop 0 1000" &&
		dmsetup mknodes "$slow" || fail "dm-delay over $loop"
	hctl 1 dev create r5 minor 5 disk "/dev/mapper/$slow" &&
		hctl 1 dev primary r5 force || fail "r5 on dm-delay"
	t=$(python3 "$(dirname "$0")/blk_overlap.py" /dev/halo5 1) ||
		fail "the later of two overlapping writes is not what the disk holds"
	python3 -c 'import sys; sys.exit(float(sys.argv[1]) < 2.0)' "$t" ||
		fail "a write overlapping one in flight went to the disk with it (done after ${t}s, not 2s)"
	hctl 1 dev secondary r5 && hctl 1 dev destroy r5 || fail "r5 away"
	dmsetup remove --noudevsync "$slow" || fail "dm-delay away"
	echo "ok: a write overlapping one in flight reached the disk after it (done after ${t}s)"
else
	skip_part "no dm-delay here (the debug kernel has none): overlapping writes unchecked"
fi

# -- unload: refused while open, clean otherwise --
hctl 1 dev primary r1 force || fail "primary r1"
exec 3</dev/halo1
rmmod halo_blk 2>/dev/null && fail "halo_blk unloaded while /dev/halo1 is open"
exec 3<&-
rmmod halo_blk || fail "rmmod halo_blk with a closed device"
[ -e /dev/halo1 ] && fail "/dev/halo1 left after unload"
modprobe halo_blk || fail "modprobe halo_blk again"
hctl 1 dev create r1 minor 1 disk "$lb" || fail "create after reload"
[ "$(dev_json 1 r1 disk)" = UpToDate ] || fail "after an unload as primary: $(dev_json 1 r1 disk)"
echo "ok: unload refused while open, tears down otherwise; metadata survives"
exit $ksft_pass
