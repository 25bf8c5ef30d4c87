#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Drive the "halo" family through its YAML spec with the kernel's own ynl
# client (tools/net/ynl/cli.py from linux-source-6.12): the spec validates
# against the genetlink schema, and the kernel's reply decodes with the
# spec's attribute types to the values haloctl prints. A kernel that
# drifted from the spec (a renumbered attribute, a changed type) fails.
. "$(dirname "$0")/lib.sh"
require_root

ksrc=$(bash -c ". '$HALO_TOP/scripts/lib/common.sh' && halo_ynl_src") ||
	fail "no ynl client in the cache (scripts/vm-run prepares it before boot)"
cli=$ksrc/tools/net/ynl/cli.py
spec=$HALO_TOP/Documentation/netlink/specs/halo.yaml

ynl=$(/usr/bin/python3 "$cli" --spec "$spec" --schema \
	"$ksrc/Documentation/netlink/genetlink.yaml" --do get --output-json) ||
	fail "ynl cli.py could not GET through the spec"
echo "ynl: $ynl"
ctl=$(haloctl -j module show) || fail "haloctl -j module show"
echo "haloctl: $ctl"
/usr/bin/python3 - "$ynl" "$ctl" <<'PY' || fail "ynl and haloctl disagree"
import json, sys
ynl, ctl = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert set(ynl) == {"version", "netns-cookie", "cluster"}, ynl
assert ynl["version"] == ctl["version"], (ynl, ctl)
assert ynl["netns-cookie"] == ctl["netns-cookie"], (ynl, ctl)
assert bool(ynl["cluster"]) == ctl["cluster"], (ynl, ctl)
PY
echo "ok: the kernel's GET reply decodes through the spec"
exit $ksft_pass
