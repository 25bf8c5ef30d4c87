# SPDX-License-Identifier: GPL-2.0
#
# What blk_split.sh and blk_split_pri.sh share, sourced after lib.sh and
# blk_lib.sh: two nodes with r0 synced and node 1 primary, node 1's
# monitor in $dir/mon, and the helpers that make a split brain and check
# how it was decided. split_events checks node 1's split-brain events
# against expect_sb.

cluster_setup 2 1 || fail "cluster setup"
trap 'kill $mon 2>/dev/null; blk_lib_cleanup r0' EXIT
loop_new a 32; la=$loop
loop_new b 32; lb=$loop

hctl 1 -j monitor > "$dir/mon" 2>&1 &
mon=$!

blk_pair r0 "$la" "$lb"
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

sb_json()	# sb_json NODE KEY: a key of dev show's split-brain object
{
	hctl "$1" -j dev show r0 | python3 -c '
import json, sys
print(json.load(sys.stdin).get("split-brain", {}).get(sys.argv[1], "-"))' "$2"
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
h1=$(datahash "$la") && h2=$(datahash "$lb") || fail "split: the disks cannot be read"
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

split_events()	# node 1 saw one split-brain event per handshake, in order
{
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
}
