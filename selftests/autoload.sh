#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo as a user has it after `dkms install`: the modules under
# /lib/modules/KVER/updates/dkms with depmod's indexes, and nothing
# loaded by hand. The first request of each generic netlink family loads
# its module by the family's alias (halo_blk brings halo.ko and
# libcrc32c as its dependencies), and ipvsadm's scheduler request loads
# ip_vs_halo by its alias ip_vs_halo_mh. A machine where the module cannot
# be loaded gets an error saying so.
. "$(dirname "$0")/lib.sh"
require_root

kver=$(uname -r)
modprobe loop 2>/dev/null
dir=$(mktemp -d)
old_modprobe=$(cat /proc/sys/kernel/modprobe)
cleanup()
{
	echo "$old_modprobe" >/proc/sys/kernel/modprobe
	ipvsadm -C 2>/dev/null
	[ -d /sys/module/halo_blk ] && ip netns exec "$HALO_NS_PREFIX-a" haloctl dev destroy r0 2>/dev/null
	ip netns del "$HALO_NS_PREFIX-a" 2>/dev/null
	[ -n "${loop:-}" ] && losetup -d "$loop"
	rm -rf "$dir"
}
trap cleanup EXIT

loaded() { [ -d "/sys/module/$1" ]; }

# -- installed, not loaded --
unload() { local m; for m in ip_vs_halo halo_blk halo; do ! loaded $m || rmmod $m || return 1; done; }
unload || fail "cannot unload what an earlier test loaded"
for m in halo halo_blk ip_vs_halo; do
	loaded $m && fail "$m is loaded before the test (by hand or by an earlier test)"
	path=$(modinfo -n $m) || fail "modinfo finds no $m for $kver"
	[ "$path" = "/lib/modules/$kver/updates/dkms/$m.ko" ] ||
		fail "$m is at $path, not where dkms installs it"
done
grep -q '^alias net-pf-16-proto-16-family-halo_blk halo_blk$' "/lib/modules/$kver/modules.alias" ||
	fail "depmod's index has no genl family alias for halo_blk"
log "installed under /lib/modules/$kver/updates/dkms, none loaded"

# -- haloctl cluster create loads halo; dev create loads halo_blk --
ip netns add "$HALO_NS_PREFIX-a" || fail "namespace"
ip netns exec "$HALO_NS_PREFIX-a" haloctl cluster create a node-id 1 ||
	fail "haloctl cluster create did not load halo"
loaded halo || fail "cluster create succeeded, yet halo is not in /sys/module"
loaded halo_blk && fail "halo_blk loaded before anything asked for it"
truncate -s 16M "$dir/disk" && loop=$(losetup -f --show "$dir/disk") || fail "loop device"
ip netns exec "$HALO_NS_PREFIX-a" haloctl dev create r0 minor 0 disk "$loop" ||
	fail "haloctl dev create did not load halo_blk"
loaded halo_blk || fail "dev create succeeded, yet halo_blk is not in /sys/module"
[ -b /dev/halo0 ] || fail "no /dev/halo0 after dev create"
ip netns exec "$HALO_NS_PREFIX-a" haloctl dev destroy r0 || fail "dev destroy"
ip netns exec "$HALO_NS_PREFIX-a" haloctl cluster destroy || fail "cluster destroy"
log "haloctl loaded halo and halo_blk by their families' aliases"

# -- ipvsadm -s halo_mh loads ip_vs_halo --
ipvsadm -A -t 192.0.2.80:80 -s halo_mh || fail "ipvsadm -s halo_mh did not load ip_vs_halo"
loaded ip_vs_halo || fail "ipvsadm accepted halo_mh, yet ip_vs_halo is not loaded"
ipvsadm -Ln | grep -q '192.0.2.80:80 halo_mh' || fail "the service has no halo_mh: $(ipvsadm -Ln)"
ipvsadm -C
log "ipvsadm -s halo_mh loaded ip_vs_halo by its scheduler alias"

# -- a module that cannot be loaded is said so --
unload || fail "unload after the test"
echo /bin/true >/proc/sys/kernel/modprobe	# as if halo were not installed
err=$(haloctl version 2>&1) && fail "haloctl version succeeded with no module to load"
echo "$err" | grep -q "could not be loaded" && echo "$err" | grep -q "$kver" ||
	fail "unclear error when the module cannot be loaded: $err"
echo "$old_modprobe" >/proc/sys/kernel/modprobe
log "no module to load: $err"
exit $ksft_pass
