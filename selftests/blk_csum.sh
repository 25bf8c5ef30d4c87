#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk checksum-based resync (csums-alg). Two nodes, a 64 MiB device
# synced once in full; then, with the peer gone, the primary rewrites
# blocks with the data they held (marked, yet the same on both disks) and
# writes others anew:
#  - csums-alg sha256 (dev set): the resync sends exactly the new blocks,
#    resync-same counts exactly the rewritten ones, the disks identical;
#  - csums-alg crc32c (dev connect): the same;
#  - csums-alg none (dev set): every marked block is sent again;
#  - bad values refused, naming the valid ones.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

cluster_setup 2 1 || fail "cluster setup"
trap 'blk_lib_cleanup r0' EXIT
loop_new a 64; la=$loop
loop_new b 64; lb=$loop

blk_pair r0 "$la" "$lb"
blocks=$((size / 4096))

# rewrite SEED SAME NEW: SAME random blocks of /dev/halo0 written with
# what they hold, NEW others with new data, all distinct
rewrite()
{
	python3 - "$1" "$2" "$3" "$blocks" <<'PY'
import os, random, sys
seed, same, new, blocks = map(int, sys.argv[1:])
r = random.Random(seed)
picked = r.sample(range(blocks), same + new)
fd = os.open("/dev/halo0", os.O_RDWR)
for b in picked[:same]:
    os.pwrite(fd, os.pread(fd, 4096, b * 4096), b * 4096)
for b in picked[same:]:
    os.pwrite(fd, r.randbytes(4096), b * 4096)
os.fsync(fd)
os.close(fd)
PY
}

# round WHAT SAME NEW SENT SKIPPED CONNECT...: node 2 away, the blocks
# rewritten, CONNECT run on node 1 (with node 2's connect after it); the
# resync sends SENT blocks and skips SKIPPED
round()
{
	local what=$1 same=$2 new=$3 want_sent=$4 want_same=$5 sent0 same0 sent skipped
	shift 5

	hctl 2 dev disconnect r0 || fail "$what: disconnect node 2"
	wait_for 20 is 1 r0 connection Connecting || fail "$what: node 1 still connected"
	rewrite "$RANDOM" "$same" "$new" || fail "$what: writing blocks"
	[ "$(dev_json 1 r0 out-of-sync)" = $(((same + new) * 4096)) ] ||
		fail "$what: $(dev_json 1 r0 out-of-sync) bytes marked for $((same + new)) blocks"
	sent0=$(dev_json 1 r0 resync-sent) same0=$(dev_json 1 r0 resync-same)
	"$@" || fail "$what: $*"
	hctl 2 dev connect r0 peer 1 || fail "$what: connect node 2"
	wait_for 60 synced || fail "$what: not in sync: $(hctl 1 dev show r0; hctl 2 dev show r0)"
	sent=$(($(dev_json 1 r0 resync-sent) - sent0))
	skipped=$(($(dev_json 1 r0 resync-same) - same0))
	log "$what: $same blocks rewritten alike, $new anew: $sent bytes sent, $skipped skipped"
	[ "$sent" = $((want_sent * 4096)) ] ||
		fail "$what: $sent bytes sent, not $((want_sent * 4096))"
	[ "$skipped" = $((want_same * 4096)) ] ||
		fail "$what: $skipped bytes skipped, not $((want_same * 4096))"
	identical "$what"
	echo "ok: $what: $sent bytes sent, $skipped skipped"
}

is 1 r0 csums-alg none || fail "csums-alg is $(dev_json 1 r0 csums-alg) by default"
round "sha256" 300 40 40 300 hctl 1 dev set r0 csums-alg sha256
is 1 r0 csums-alg sha256 || fail "csums-alg is $(dev_json 1 r0 csums-alg) after dev set"

# through dev connect: node 1 reconnects with it
reconnect_crc()
{
	hctl 1 dev disconnect r0 &&
		hctl 1 dev connect r0 peer 2 csums-alg crc32c
}
round "crc32c" 100 20 20 100 reconnect_crc
is 1 r0 csums-alg crc32c || fail "csums-alg is $(dev_json 1 r0 csums-alg) after dev connect"

round "none" 50 0 50 0 hctl 1 dev set r0 csums-alg none

expect_err "an unknown csums-alg" 'invalid csums-alg "md5" (use none, crc32c or sha256)' \
	hctl 1 dev set r0 csums-alg md5
expect_err "csums-alg without a value" '"csums-alg" needs a value (none, crc32c or sha256)' \
	hctl 1 dev set r0 csums-alg
is 1 r0 csums-alg none || fail "a refused dev set changed csums-alg"
echo "ok: a checksum-based resync sends only the blocks that differ"
exit 0
