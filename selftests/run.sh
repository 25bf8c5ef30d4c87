#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run halo selftests as kselftest's runner does: TAP 13, one result per
# test, the timeout from ./settings, SKIP for exit 4. A test that skips a
# part of itself (lib.sh's skip_part) passes with the parts counted in its
# result line. Ends with a plain "N passed, N failed, N skipped, N parts
# skipped" line; exits 1 if any test failed or there was none to run.
#
#   run.sh [-t SECS] [TEST...]   (default: every test the Makefile lists)
#
# -t overrides the per-test timeout in ./settings. A test still running at
# its timeout gets its state printed first (its processes with their kernel
# stacks, blocked tasks, the kernel log's tail), then it and every process
# it started are killed, and the next test runs.
cd "$(dirname "$0")" || exit 1

timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout=${timeout:-45}
if [ "${1:-}" = -t ]; then
	timeout=$2
	shift 2
fi
if [ $# -eq 0 ]; then
	set -- $(make -s --no-print-directory -f - print-tests <<'MK'
include Makefile
print-tests:
	@echo $(TEST_GEN_PROGS) $(TEST_PROGS)
MK
)
fi

# dump_state PGID: what the test's processes are doing, and the kernel's
# blocked tasks, so a hang is diagnosable from the console alone.
dump_state()
{
	local pgid=$1 p

	echo "--- still running after ${timeout}s: processes of the test"
	ps -o pid,ppid,stat,wchan:24,etime,args -g "$pgid" 2>/dev/null ||
		ps -eo pid,ppid,pgid,stat,wchan:24,etime,args
	for p in $(ps -o pid= -g "$pgid" 2>/dev/null); do
		echo "--- kernel stack of $p: $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)"
		cat /proc/"$p"/stack 2>/dev/null
	done
	echo "--- blocked tasks and kernel log tail"
	[ -w /proc/sysrq-trigger ] && echo w >/proc/sysrq-trigger
	dmesg 2>/dev/null | tail -n 60
}

# leftover PID: delete the namespaces test PID left (its trap did not run),
# killing what still runs in them first
leftover()
{
	local ns p

	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in halo-"$1"-*) ;; *) continue ;; esac
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null &&
			echo "# removed namespace $ns, left by the test"
	done
}

if [ $# -eq 0 ]; then
	echo "run.sh: no tests to run" >&2
	exit 1
fi

echo "TAP version 13"
echo "1..$#"
n=0 pass=0 fail=0 skip=0 parts=0
out=$(mktemp)
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: halo: $t"
	start=$(date +%s)
	# The test runs in its own process group (setsid), so that at the
	# timeout everything it started goes too, and nothing is left holding
	# the output pipe open.
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	sed -u 's/^/# /' <"$fifo" | tee "$out" &
	sedpid=$!
	setsid "./$t" >"$fifo" 2>&1 &
	pid=$!
	rc=
	while [ -z "$rc" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
		elif [ $(($(date +%s) - start)) -ge "$timeout" ]; then
			dump_state "$pid" 2>&1 | sed 's/^/# /'
			kill -TERM -- "-$pid" 2>/dev/null
			sleep 2
			kill -KILL -- "-$pid" 2>/dev/null
			wait "$pid"
			rc=124
		else
			sleep 0.2
		fi
	done
	# anything the test left behind in its group, then its output's end
	kill -KILL -- "-$pid" 2>/dev/null
	# and its namespaces (lib.sh names them halo-PID-*): a killed test's
	# cluster instances would go on heartbeating and slow every later test
	leftover "$pid"
	wait "$sedpid"
	rm -f "$fifo"	# only now: both ends may still be opening it
	secs=$(($(date +%s) - start))
	p=$(grep -c '^# SKIP part: ' "$out")
	note=
	[ "$p" = 0 ] || note=" ($p part$([ "$p" = 1 ] || echo s) skipped)"
	case $rc in
	0) echo "ok $n selftests: halo: $t # ${secs}s$note"; pass=$((pass + 1))
	   parts=$((parts + p)) ;;
	4) echo "ok $n selftests: halo: $t # SKIP"; skip=$((skip + 1)) ;;
	124) echo "not ok $n selftests: halo: $t # TIMEOUT ${timeout}s"; fail=$((fail + 1)) ;;
	*) echo "not ok $n selftests: halo: $t # exit=$rc"; fail=$((fail + 1)) ;;
	esac
done
rm -f "$out"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
echo "$pass passed, $fail failed, $skip skipped, $parts parts skipped"
[ $fail -eq 0 ]
