# SPDX-License-Identifier: GPL-2.0
#
# What the halo_blk selftests share, sourced after lib.sh: loop devices
# in a scratch directory, and reading `haloctl -j dev show`. halo.ko and
# halo_blk.ko are not loaded here: the first haloctl command of each
# family loads its module, as on a user's machine (autoload.sh tests it).
# Sets $dir (the scratch directory, removed by blk_lib_cleanup) and
# $loops (the loop devices made, detached by it).

modprobe loop 2>/dev/null

dir=$(mktemp -d)
loops=()

# oos MINOR: /dev/halo<MINOR>'s out-of-sync bytes from sysfs, which a slow
# guest (the debug kernel) reads at once, where haloctl and python take
# seconds
oos() { cat "/sys/block/halo$1/halo/out_of_sync"; }

# Both nodes share one emulated CPU. On the debug kernel (KASAN, lockdep)
# replication traffic can hold it for longer than the default 400 ms
# failure timeout (a 1 MiB read through a Diskless node took 1.3 s), and
# the view then flaps under the test; 2 s rides that out. A test's own
# timeout argument still wins.
case $(uname -r) in
*debug*) HALO_CREATE_DEFAULTS=(timeout 2000) ;;
esac

# blk_lib_cleanup NAME...: demote, disconnect and destroy the devices of
# those names on nodes 1 and 2, remove the nodes, the loops, the directory
blk_lib_cleanup()
{
	local n d

	for n in 1 2; do
		for d in "$@"; do
			hctl "$n" dev secondary "$d" 2>/dev/null
			hctl "$n" dev disconnect "$d" 2>/dev/null
			hctl "$n" dev destroy "$d" 2>/dev/null
		done
	done
	nodes_cleanup
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$dir"
}

loop_new()	# loop_new NAME MiB: a loop device over a file, in $loop
{
	truncate -s "$2M" "$dir/$1" || fail "truncate $1"
	loop=$(losetup -f --show "$dir/$1") || fail "losetup $1"
	loops+=("$loop")
}

expect_err()	# expect_err WHAT PATTERN CMD...: CMD fails, saying PATTERN
{
	local what=$1 pat=$2 out

	shift 2
	out=$("$@" 2>&1) && fail "$what: accepted: $*"
	echo "$out" | grep -q -- "$pat" || fail "$what: unclear error: $out"
	echo "ok: $what refused: $out"
}

dev_json()	# dev_json NODE NAME KEY: the key's value, or "-" if absent
{
	hctl "$1" -j dev show "$2" | python3 -c '
import json, sys
print(json.load(sys.stdin).get(sys.argv[1], "-"))' "$3"
}

is()	# is NODE NAME KEY VALUE
{
	[ "$(dev_json "$1" "$2" "$3")" = "$4" ]
}

both()	# both NAME KEY VALUE
{
	is 1 "$1" "$2" "$3" && is 2 "$1" "$2" "$3"
}

# kmsg_mark TEXT: a line in the kernel log that kmsg_since reads from
kmsg_mark()
{
	kmsg_marker="halo selftest $$: $1"
	echo "$kmsg_marker" >/dev/kmsg
}

kmsg_since()	# kmsg_since: the kernel log from the last kmsg_mark on
{
	dmesg | sed -n "/$kmsg_marker/,\$p"
}

# blk_pair NAME DISK1 DISK2: NAME on node 1 (/dev/halo0, over DISK1) and
# node 2 (/dev/halo1, over DISK2), connected, node 1 forced primary and
# the first full sync done; sets $size (the device's bytes)
blk_pair()
{
	hctl 1 dev create "$1" minor 0 disk "$2" || fail "create on node 1"
	hctl 2 dev create "$1" minor 1 disk "$3" || fail "create on node 2"
	hctl 1 dev connect "$1" peer 2 || fail "connect node 1"
	hctl 2 dev connect "$1" peer 1 || fail "connect node 2"
	wait_for 20 both "$1" connection Connected ||
		fail "not connected: $(hctl 1 dev show "$1")"
	hctl 1 dev primary "$1" force || fail "force primary"
	wait_for 120 both "$1" disk UpToDate ||
		fail "the first full sync did not end: $(hctl 2 dev show "$1")"
	wait_for 20 both "$1" connection Connected || fail "not Connected after the full sync"
	size=$(dev_json 1 "$1" size)
}

# identical WHAT: node 1's and node 2's disks ($la, $lb) hold the same
# data area ($size bytes)
identical()
{
	# the loops' page cache is from the last cmp: halo's bios pass it by
	blockdev --flushbufs "$la" "$lb"
	cmp -n "$size" "$la" "$lb" || fail "the data areas differ: $*"
}

synced()	# synced: r0 UpToDate and Connected on both, nothing out of sync
{
	both r0 disk UpToDate && both r0 connection Connected &&
		both r0 out-of-sync 0
}

# datahash DISK: the sha256 of its data area ($size bytes); nothing and
# non-zero if it cannot be read: sha256sum alone would hash what head
# read, nothing at all, the same on both disks
datahash()
{
	local -
	local h

	set -o pipefail
	blockdev --flushbufs "$1" && h=$(head -c "$size" "$1" | sha256sum) || return 1
	echo "${h%% *}"
}
