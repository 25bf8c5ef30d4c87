#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk split brain. Two nodes, synced; then, again and again, the two
# change data without each other (node 1 was primary before the split,
# node 2 is promoted during it) and connect again:
#  - with the default policies: detected, both StandAlone, an event, and
#    neither disk touched;
#  - each automatic policy keeps the documented survivor: the other's
#    changes are overwritten and both disks end equal to what the survivor
#    held before (hashes), by a resync of exactly the blocks either side
#    changed;
#  - discard-my-data recovers; a primary is never discarded;
#  - mismatched policies, bad policies and dev set are refused or applied
#    as documented; a policy set live holds across a reconnect of the
#    connection's own (a cut link, which the membership view notices).
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"

cluster_setup 2 1 || fail "cluster setup"
trap 'kill $mon 2>/dev/null; blk_lib_cleanup r0' EXIT
loop_new a 64; la=$loop
loop_new b 64; lb=$loop

hctl 1 -j monitor > "$dir/mon" 2>&1 &
mon=$!

hctl 1 dev create r0 minor 0 disk "$la" || fail "create on node 1"
hctl 2 dev create r0 minor 1 disk "$lb" || fail "create on node 2"
hctl 1 dev connect r0 peer 2 || fail "connect node 1"
hctl 2 dev connect r0 peer 1 || fail "connect node 2"
wait_for 20 both r0 connection Connected || fail "not connected: $(hctl 1 dev show r0)"
hctl 1 dev primary r0 force || fail "force primary"
wait_for 120 both r0 disk UpToDate || fail "the first full sync did not end"
wait_for 20 both r0 connection Connected || fail "not Connected after the full sync"
size=$(dev_json 1 r0 size)
blocks=$((size / 4096))

# write_blocks MINOR SEED N: N distinct random blocks of /dev/haloMINOR get
# random data; prints their numbers
write_blocks()
{
	python3 - "$1" "$2" "$3" "$blocks" <<'PY'
import os, random, sys
minor, seed, n, blocks = map(int, sys.argv[1:])
r = random.Random(seed)
picked = r.sample(range(blocks), n)
fd = os.open("/dev/halo%d" % minor, os.O_WRONLY)
for b in picked:
    os.pwrite(fd, r.randbytes(4096), b * 4096)
os.fsync(fd)
os.close(fd)
print("\n".join(map(str, picked)))
PY
}

datahash()	# datahash LOOP: the data area's sha256
{
	blockdev --flushbufs "$1"
	head -c "$size" "$1" | sha256sum | cut -d' ' -f1
}

sb_json()	# sb_json NODE KEY: a key of dev show's split-brain object
{
	hctl "$1" -j dev show r0 | python3 -c '
import json, sys
print(json.load(sys.stdin).get("split-brain", {}).get(sys.argv[1], "-"))' "$2"
}

synced()
{
	both r0 disk UpToDate && both r0 connection Connected &&
		both r0 out-of-sync 0
}

seed=1
expect_sb=()	# the survivors node 1's split-brain events must name, in order

# split N1 N2: from synced with node 1 primary, the link goes (both
# disconnect); node 1 writes N1 blocks, node 2 is promoted and writes N2.
# Both stay primary; sets h1, h2 (the data each holds) and union (bytes
# either changed).
split()
{
	is 1 r0 role Primary || fail "split: node 1 is not primary"
	wait_for 60 synced || fail "split: not in sync: $(hctl 1 dev show r0)"
	hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0 || fail "disconnect"
	write_blocks 0 $((seed++)) "$1" > "$dir/blocks1" || fail "writes on node 1"
	hctl 2 dev primary r0 || fail "node 2 not promoted alone: $(hctl 2 dev show r0)"
	write_blocks 1 $((seed++)) "$2" > "$dir/blocks2" || fail "writes on node 2"
	h1=$(datahash "$la") h2=$(datahash "$lb")
	union=$(($(sort -u "$dir/blocks1" "$dir/blocks2" | wc -l) * 4096))
	[ "$(dev_json 1 r0 out-of-sync)" = $(($1 * 4096)) ] ||
		fail "node 1's bitmap marks $(dev_json 1 r0 out-of-sync) bytes for $1 blocks"
	log "split: node 1 changed $1 blocks, node 2 $2 ($union bytes in all)"
}

connect()	# connect "NODE-1 ARGS" "NODE-2 ARGS"
{
	sent1=$(dev_json 1 r0 resync-sent) sent2=$(dev_json 2 r0 resync-sent)
	# shellcheck disable=SC2086 # word lists
	hctl 1 dev connect r0 peer 2 $1 && hctl 2 dev connect r0 peer 1 $2 ||
		fail "connect: $1 / $2"
}

# survived N WHAT: both disks hold what node N held, by a resync of
# exactly the blocks either side changed, from node N
survived()
{
	local want sent

	wait_for 60 synced || fail "$2: not in sync: $(hctl 1 dev show r0; hctl 2 dev show r0)"
	want=$(eval echo "\$h$1")
	[ "$(datahash "$la")" = "$want" ] && [ "$(datahash "$lb")" = "$want" ] ||
		fail "$2: the disks do not hold node $1's data"
	sent=$(($(dev_json "$1" r0 resync-sent) - $(eval echo "\$sent$1")))
	[ "$sent" = "$union" ] || fail "$2: node $1 sent $sent bytes, $union changed"
	[ "$(sb_json 1 survivor)" = "$1" ] && [ "$(sb_json 2 survivor)" = "$1" ] ||
		fail "$2: split-brain survivor $(sb_json 1 survivor)/$(sb_json 2 survivor)"
	expect_sb+=("$1")
	echo "ok: $2: node $1's data kept, $sent bytes resynced"
}

# standalone WHAT PATTERN: both StandAlone, saying PATTERN, disks untouched
standalone()
{
	wait_for 30 both r0 connection StandAlone ||
		fail "$1: not StandAlone: $(hctl 1 dev show r0)"
	hctl 1 -j dev show r0 | grep -q -- "$2" ||
		fail "$1: does not say \"$2\": $(hctl 1 dev show r0)"
	[ "$(datahash "$la")" = "$h1" ] && [ "$(datahash "$lb")" = "$h2" ] ||
		fail "$1: a disk changed although nothing was decided"
	echo "ok: $1: StandAlone, disks untouched ($(dev_json 1 r0 conn-error))"
}

# -- the default: detected, StandAlone, an event; nothing merged --
split 40 60
hctl 1 dev secondary r0 && hctl 2 dev secondary r0 || fail "demote"
connect "" ""
standalone "default policies" "split brain, left StandAlone (after-sb-0pri disconnect)"
[ "$(sb_json 1 survivor)" = 0 ] && [ "$(sb_json 1 primaries)" = 0 ] &&
	[ "$(sb_json 1 local-changes)" = $((40 * 4096)) ] &&
	[ "$(sb_json 1 peer-changes)" = $((60 * 4096)) ] ||
	fail "dev show's split-brain: $(hctl 1 -j dev show r0)"
expect_sb+=(0)
is 1 r0 disk UpToDate && is 2 r0 disk UpToDate || fail "a disk left UpToDate"

# -- policies must match --
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
connect "after-sb-0pri discard-least-changes" ""
standalone "mismatched policies" "different split-brain policies"

# -- discard-my-data on node 2 --
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
connect "" "discard-my-data"
survived 1 "discard-my-data"
is 2 r0 discard-my-data False || fail "discard-my-data still pending once connected"

# -- after-sb-0pri discard-least-changes: node 1 changed less --
hctl 1 dev primary r0 || fail "primary"
split 30 90
hctl 1 dev secondary r0 && hctl 2 dev secondary r0 || fail "demote"
connect "after-sb-0pri discard-least-changes" "after-sb-0pri discard-least-changes"
survived 2 "after-sb-0pri discard-least-changes"

# -- discard-younger-primary keeps node 1 though it changed less --
hctl 1 dev primary r0 || fail "primary"
split 20 100
hctl 1 dev secondary r0 && hctl 2 dev secondary r0 || fail "demote"
connect "after-sb-0pri discard-younger-primary" "after-sb-0pri discard-younger-primary"
survived 1 "after-sb-0pri discard-younger-primary"

# -- discard-older-primary keeps node 2 though it changed less --
hctl 1 dev primary r0 || fail "primary"
split 100 20
hctl 1 dev secondary r0 && hctl 2 dev secondary r0 || fail "demote"
connect "after-sb-0pri discard-older-primary" "after-sb-0pri discard-older-primary"
survived 2 "after-sb-0pri discard-older-primary"

# -- discard-zero-changes: both changed, nothing decided --
hctl 1 dev primary r0 || fail "primary"
split 10 10
hctl 1 dev secondary r0 && hctl 2 dev secondary r0 || fail "demote"
connect "after-sb-0pri discard-zero-changes" "after-sb-0pri discard-zero-changes"
standalone "after-sb-0pri discard-zero-changes" "both nodes changed data"
expect_sb+=(0)
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
connect "discard-my-data" ""
survived 2 "discard-my-data on node 1"

# -- after-sb-1pri discard-secondary: node 1 stays primary --
hctl 1 dev primary r0 || fail "primary"
split 50 80
hctl 2 dev secondary r0 || fail "demote node 2"
connect "after-sb-1pri discard-secondary" "after-sb-1pri discard-secondary"
survived 1 "after-sb-1pri discard-secondary"
is 1 r0 role Primary || fail "node 1 lost its role"

# -- consensus: after-sb-0pri would discard the primary: disconnect --
split 50 80
hctl 2 dev secondary r0 || fail "demote node 2"
pol="after-sb-0pri discard-least-changes after-sb-1pri consensus"
connect "$pol" "$pol"
standalone "after-sb-1pri consensus" "consensus: after-sb-0pri would not discard the secondary"
expect_sb+=(0)
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
connect "" "discard-my-data"
survived 1 "discard-my-data after consensus"

# -- two primaries: never automatic; a primary is never discarded --
split 10 10
expect_err "after-sb-2pri discard-secondary" "after-sb-2pri must be disconnect" \
	hctl 1 dev connect r0 peer 2 after-sb-2pri discard-secondary
connect "" ""
standalone "two primaries" "after-sb-2pri disconnect"
expect_sb+=(0)
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
connect "" "discard-my-data"
standalone "discard-my-data on a primary" "the node to discard is primary"
expect_sb+=(0)
hctl 1 dev disconnect r0 && hctl 2 dev disconnect r0
hctl 2 dev secondary r0 || fail "demote node 2"
connect "" "discard-my-data"
survived 1 "discard-my-data, two primaries before"

# -- dev set: live, refused when it does not fit, kept across a reconnect --
expect_err "dev set after-sb-1pri discard-least-changes" \
	"after-sb-1pri must be disconnect, consensus or discard-secondary" \
	hctl 1 dev set r0 after-sb-1pri discard-least-changes
expect_err "dev set with a connect-only option" "unknown dev set option" \
	hctl 1 dev set r0 peer 2
expect_err "dev set min above max" "resync-min-rate 2097152 is above resync-max-rate 1048576" \
	hctl 1 dev set r0 resync-max-rate 1M resync-min-rate 2M
hctl 1 dev set r0 resync-max-rate 64M resync-min-rate 0 || fail "dev set rates"
is 1 r0 resync-max-rate $((64 << 20)) && is 1 r0 resync-min-rate 0 ||
	fail "dev set rates not applied: $(hctl 1 dev show r0)"
for n in 1 2; do
	hctl "$n" dev set r0 after-sb-0pri discard-least-changes ||
		fail "dev set after-sb-0pri on node $n"
done
is 1 r0 after-sb-0pri discard-least-changes || fail "dev set policy not shown"
sent1=$(dev_json 1 r0 resync-sent) sent2=$(dev_json 2 r0 resync-sent)
kmsg_mark "cut"
link_cut 1 2
# the connection's own retries keep the options dev set gave
wait_for 60 both r0 connection Connecting || fail "the cut was not noticed"
# noticed by the membership, not by TCP or the ping (silent on a cut
# link): the view's notifier shut the socket, and no new connection is
# tried while the peer is outside the view
wait_for 30 eval 'kmsg_since | grep -q "r0: node [12] left the membership view: disconnecting"' ||
	fail "the connection did not go with the view: $(kmsg_since | grep r0:)"
wait_for 30 eval 'dev_json 1 r0 conn-error | grep -q "node 2 is not in the membership view"' ||
	fail "a connection is tried outside the view: $(dev_json 1 r0 conn-error)"
echo "ok: the peer left the view: disconnected at once, not retried outside it"
write_blocks 0 $((seed++)) 30 > "$dir/blocks1" || fail "writes on node 1"
hctl 2 dev primary r0 || fail "node 2 not promoted alone"
write_blocks 1 $((seed++)) 70 > "$dir/blocks2" || fail "writes on node 2"
hctl 1 dev secondary r0 && hctl 2 dev secondary r0 || fail "demote"
h1=$(datahash "$la") h2=$(datahash "$lb")
union=$(($(sort -u "$dir/blocks1" "$dir/blocks2" | wc -l) * 4096))
link_heal 1 2
survived 2 "dev set after-sb-0pri discard-least-changes, across a cut link"

# -- the events node 1 saw --
sleep 1
/usr/bin/python3 - "$dir/mon" "${expect_sb[@]}" <<'PY' || fail "split-brain events: $(grep split-brain "$dir/mon")"
import json, sys
want = [int(x) for x in sys.argv[2:]]
got = []
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") == "split-brain":
        got.append(e["split-brain"]["survivor"])
if got != want:
    print("want", want, "got", got, file=sys.stderr)
    sys.exit(1)
PY
echo "ok: one split-brain event per handshake, naming the survivor (${#expect_sb[@]})"
