#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dev create on a disk that holds something: a filesystem, a partition
# table, an LVM PV (libblkid, in haloctl), or non-zero bytes where the
# metadata would go (the kernel) is refused, naming force, and the disk is
# left as it was; force formats it; a disk with halo metadata whose data
# area holds a filesystem is attached without force; dev create needs
# CAP_SYS_ADMIN.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

cluster_setup 1 1 || fail "cluster setup"
trap 'blk_lib_cleanup r0 r1 r2' EXIT

loop_new fs 64; lfs=$loop
loop_new pt 64; lpt=$loop
loop_new junk 64; ljunk=$loop
loop_new data 32; ldata=$loop
loop_new meta 4; lmeta=$loop
loop_new lvm 64; llvm=$loop

sum() { sha256sum < "$1" | cut -d' ' -f1; }

refused()	# refused WHAT PATTERN LOOP CREATE-ARGS...: refused, LOOP unchanged
{
	local what=$1 pat=$2 l=$3 before

	shift 3
	before=$(sum "$l")
	expect_err "$what" "$pat" hctl 1 dev create "$@"
	[ "$(sum "$l")" = "$before" ] || fail "$what: the refused create changed $l"
	[ -e /dev/halo0 ] && fail "$what: /dev/halo0 exists after a refused create"
	return 0
}

# -- a filesystem: refused by name, force takes it --
mkfs.ext4 -q -F -E nodiscard "$lfs" || fail "mkfs.ext4 on $lfs"
refused "a disk holding ext4" "$lfs holds ext4 and no halo metadata: dev create r0 ... force" \
	"$lfs" r0 minor 0 disk "$lfs"
hctl 1 dev create r0 minor 0 disk "$lfs" force || fail "create with force over ext4"
[ -b /dev/halo0 ] || fail "/dev/halo0 missing after create with force"
[ "$(dev_json 1 r0 disk)" = Inconsistent ] || fail "forced create is not Inconsistent"
hctl 1 dev destroy r0 || fail "destroy r0"
echo "ok: ext4 refused, naming force; force formats"

# -- halo metadata there, a filesystem in its data area: attached as it is --
hctl 1 dev create r0 minor 0 disk "$lfs" || fail "re-create over halo metadata (ext4 in the data area)"
hctl 1 dev destroy r0 || fail "destroy r0"
echo "ok: a disk with halo metadata is attached whatever its data area holds"

# -- a partition table --
printf 'label: dos\n,16M,83\n' | sfdisk -q "$lpt" >/dev/null 2>&1 || fail "sfdisk on $lpt"
refused "a disk holding a DOS partition table" "holds dos and no halo metadata" \
	"$lpt" r0 minor 0 disk "$lpt"
echo "ok: a partition table refused"

# -- no signature, but data where the metadata goes: the kernel refuses --
size=$(blockdev --getsize64 "$ljunk")
head -c 8192 /dev/urandom | dd of="$ljunk" bs=4096 seek=$(( size / 4096 - 2 )) \
	conv=notrunc status=none || fail "junk at the end of $ljunk"
refused "data where the metadata would go" "$ljunk: data where metadata goes (block [0-9]*); force overwrites it" \
	"$ljunk" r0 minor 0 disk "$ljunk"
hctl 1 dev create r0 minor 0 disk "$ljunk" force || fail "create with force over junk"
hctl 1 dev destroy r0 || fail "destroy r0"
echo "ok: non-zero bytes where the metadata goes refused; force overwrites them"

# -- external metadata: the metadata device is looked at too --
mkfs.ext4 -q -F -E nodiscard "$lmeta" || fail "mkfs.ext4 on $lmeta"
refused "a metadata device holding ext4" "$lmeta holds ext4 and no halo metadata: dev create r1 ... force overwrites its start" \
	"$lmeta" r1 minor 0 disk "$ldata" meta-disk "$lmeta"
echo "ok: a metadata device holding ext4 refused"

# -- an LVM physical volume --
if command -v pvcreate >/dev/null; then
	pvcreate -q -f "$llvm" >/dev/null 2>&1 || fail "pvcreate $llvm"
	refused "an LVM physical volume" "holds LVM2_member and no halo metadata" \
		"$llvm" r2 minor 0 disk "$llvm"
	echo "ok: an LVM physical volume refused"
else
	skip_part "LVM: pvcreate is not installed (lvm2)"
fi

# -- bad input --
expect_err "force and a value" "unknown dev create argument" \
	hctl 1 dev create r0 minor 0 disk "$ljunk" force yes

# -- CAP_SYS_ADMIN: it writes to a block device --
on 1 setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin true ||
	fail "setpriv cannot drop CAP_SYS_ADMIN"
before=$(sum "$ljunk")
expect_err "create without CAP_SYS_ADMIN" "dev create needs CAP_SYS_ADMIN" \
	on 1 setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin \
	haloctl dev create r0 minor 0 disk "$ljunk" force
[ "$(sum "$ljunk")" = "$before" ] || fail "a create without CAP_SYS_ADMIN changed the disk"
[ -e /dev/halo0 ] && fail "/dev/halo0 exists after a create without CAP_SYS_ADMIN"
exit 0
