# SPDX-License-Identifier: GPL-2.0
#
# What the halo_blk selftests share, sourced after lib.sh: the modules,
# loop devices in a scratch directory, and reading `haloctl -j dev show`.
# Sets $dir (the scratch directory, removed by blk_lib_cleanup) and
# $loops (the loop devices made, detached by it).

moddir=${HALO_MODDIR:?run under scripts/vm-run}
lsmod | grep -q '^halo ' || insmod "$moddir/halo.ko" || fail "insmod halo.ko"
modprobe -q libcrc32c	# halo_blk needs crc32c(); insmod does not load dependencies
lsmod | grep -q '^halo_blk ' || insmod "$moddir/halo_blk.ko" || fail "insmod halo_blk.ko"
modprobe loop 2>/dev/null

dir=$(mktemp -d)
loops=()

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
