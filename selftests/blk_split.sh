#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# halo_blk split brain, without primaries at the handshake. Two nodes,
# synced; then, again and again, the two change data without each other
# (node 1 was primary before the split, node 2 is promoted during it),
# both are demoted and they connect again:
#  - with the default policies: detected, both StandAlone, an event, and
#    neither disk touched;
#  - mismatched policies are refused;
#  - each after-sb-0pri policy keeps the documented survivor: the other's
#    changes are overwritten and both disks end equal to what the survivor
#    held before (hashes), by a resync of exactly the blocks either side
#    changed;
#  - discard-my-data recovers.
# blk_split_pri.sh covers primaries at the handshake and dev set.
. "$(dirname "$0")/lib.sh"
require_root

. "$(dirname "$0")/blk_lib.sh"
. "$(dirname "$0")/blk_split_lib.sh"

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

split_events
