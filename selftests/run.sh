#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run halo selftests as kselftest's runner does: TAP 13, one result per
# test, the timeout from ./settings, SKIP for exit 4. Ends with a plain
# "N passed, N failed, N skipped" line; exits 1 if any test failed.
#
#   run.sh [TEST...]     (default: every test the Makefile lists)
cd "$(dirname "$0")" || exit 1

timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout=${timeout:-45}
if [ $# -eq 0 ]; then
	set -- $(make -s --no-print-directory -f - print-tests <<'MK'
include Makefile
print-tests:
	@echo $(TEST_GEN_PROGS) $(TEST_PROGS)
MK
)
fi

echo "TAP version 13"
echo "1..$#"
n=0 pass=0 fail=0 skip=0
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: halo: $t"
	start=$(date +%s)
	timeout --foreground "$timeout" "./$t" 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	case $rc in
	0) echo "ok $n selftests: halo: $t # ${secs}s"; pass=$((pass + 1)) ;;
	4) echo "ok $n selftests: halo: $t # SKIP"; skip=$((skip + 1)) ;;
	124) echo "not ok $n selftests: halo: $t # TIMEOUT ${timeout}s"; fail=$((fail + 1)) ;;
	*) echo "not ok $n selftests: halo: $t # exit=$rc"; fail=$((fail + 1)) ;;
	esac
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
