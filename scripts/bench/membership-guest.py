#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The membership benchmark, inside a scripts/vm-run guest (see
# scripts/bench/membership). N nodes are network namespaces on one bridge
# (selftests/lib.sh); a "kill" takes a node's port down at the bridge, so
# to the others it is a crash. Measured per kill, from when the command
# that took the port down returned:
#   detection    the first survivor installs a view without the node
#   convergence  the last survivor has done so
# then the port comes back and the node rejoins before the next kill.
# halo is timed from haloctl -j monitor's events, Corosync from its own
# log (timestamp: hires, "[QUORUM] Members[...]"). CPU: what a soaker at
# SCHED_IDLE on every vCPU loses while the formed cluster sits idle,
# against the same before the cluster exists and after it is destroyed.
#
# Prints one JSON document on stdout, between BENCH-JSON-BEGIN and
# BENCH-JSON-END lines (the console is how it leaves the guest).
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import threading
import time

TOP = os.environ["HALO_TOP"]
KILLS = int(os.environ.get("BENCH_KILLS", "20"))
COROSYNC_KILLS = int(os.environ.get("BENCH_COROSYNC_KILLS", str(KILLS)))
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "3 5 16").split()]
COROSYNC_SIZES = [int(x) for x in os.environ.get("BENCH_COROSYNC_SIZES", "3 5 16").split()]
PREFIX = "bench"


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)


def ns(i):
    return "%s-n%d" % (PREFIX, i)


def setup(n):
    sh('HALO_NS_PREFIX=%s HALO_QUIET=1 bash -c ". %s/selftests/lib.sh; '
       'nodes_setup %d 1; trap - EXIT"' % (PREFIX, TOP, n))


def teardown():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        name = line.split()[0]
        if name.startswith(PREFIX + "-"):
            subprocess.run(["ip", "netns", "del", name])


def port(i, up):
    sh("ip netns exec %s-hub ip link set v%d.1 %s" % (PREFIX, i, "up" if up else "down"))


def soaker(cpu, secs, q):
    # the lowest priority there is: it runs only when nothing else wants
    # this CPU, so what it loses is what the rest of the guest used
    os.sched_setaffinity(0, {cpu})
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    n = 0
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for _ in range(1000):
            pass
        n += 1
    q.put(n)


def idle_capacity(secs=10):
    """Loop iterations per second left over on all vCPUs together.

    /proc/stat cannot show the heartbeat cost here: ticks sample the CPU
    at the very moments the heartbeat timers fire, and TCG guests have no
    precise IRQ time, so it reads zero. A soaker counts what is left."""
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=soaker, args=(c, secs, q))
             for c in sorted(os.sched_getaffinity(0))]
    for p in procs:
        p.start()
    total = sum(q.get() for _ in procs)
    for p in procs:
        p.join()
    return total / secs


def mem_available_mib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return -1


def stats(xs):
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs), "n": len(xs)}


class Monitor:
    """haloctl -j monitor in one namespace; events stamped on arrival."""

    def __init__(self, i):
        self.events = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(["haloctl", "-n", ns(i), "-j", "monitor"],
                                     stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.stdout:
            t = time.monotonic()
            with self.lock:
                self.events.append((t, json.loads(line)))

    def first_view(self, since, pred):
        with self.lock:
            for t, e in self.events:
                if t >= since and e["event"] in ("view", "state") and pred(e["members"]):
                    return t
        return None

    def stop(self):
        self.proc.kill()


def dump_state():
    for d in sorted(os.listdir("/sys/kernel/halo")):
        vals = []
        for f in ("node_id", "epoch", "coordinator", "quorate", "members"):
            try:
                with open("/sys/kernel/halo/%s/%s" % (d, f)) as fh:
                    vals.append("%s=%s" % (f, fh.read().strip()))
            except OSError:
                pass
        log("  " + " ".join(vals))


def wait_until(fn, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = fn()
        if v is not None and v is not False:
            return v
        time.sleep(0.01)
    log("timed out waiting for %s; the instances now:" % what)
    if os.path.isdir("/sys/kernel/halo"):
        dump_state()
    raise SystemExit("bench: timed out waiting for " + what)


def halo_run(n):
    log("halo: %d nodes" % n)
    setup(n)
    time.sleep(2)
    base = idle_capacity()
    key = "/tmp/bench.key"
    with open(key, "wb") as f:
        f.write(os.urandom(32))
    t_create = time.monotonic()
    for i in range(1, n + 1):
        sh("haloctl -n %s cluster create bench node-id %d key-file %s" % (ns(i), i, key))
        for j in range(1, n + 1):
            sh("haloctl -n %s node add %d name n%d addr 198.51.100.%d" % (ns(i), j, j, j))
    mons = {i: Monitor(i) for i in range(1, n + 1)}
    everyone = list(range(1, n + 1))
    for i in everyone:
        wait_until(lambda i=i: mons[i].first_view(0, lambda m: m == everyone), 60, "formation")
    form = time.monotonic() - t_create
    log("formed in %.1f s" % form)
    time.sleep(2)
    left = idle_capacity()
    log("idle capacity (loops/s): %.0f before, %.0f formed" % (base, left))
    detect, converge, rejoins = [], [], []
    for k in range(KILLS):
        victim = 1 + k % n
        rest = [i for i in everyone if i != victim]
        # the clock starts once the port is down: spawning ip under TCG
        # takes tens of ms that are not the detector's
        port(victim, False)
        t0 = time.monotonic()
        times = [wait_until(lambda i=i: mons[i].first_view(t0, lambda m: victim not in m),
                            30, "node %d to leave" % victim) for i in rest]
        detect.append((min(times) - t0) * 1000)
        converge.append((max(times) - t0) * 1000)
        t1 = time.monotonic()
        port(victim, True)
        # a rejoin is not what is measured, but a slow one is reported
        rejoin = [wait_until(lambda i=i: mons[i].first_view(t1, lambda m: m == everyone), 600,
                             "node %d to rejoin" % victim) for i in everyone]
        rejoins.append(max(rejoin) - t1)
        log("kill %d (node %d): detected %.0f ms, converged %.0f ms, rejoined %.1f s; "
            "%s MiB available" % (k + 1, victim, detect[-1], converge[-1],
                                  max(rejoin) - t1, mem_available_mib()))
        time.sleep(0.5)
    for m in mons.values():
        m.stop()
    for i in everyone:
        sh("haloctl -n %s cluster destroy" % ns(i))
    time.sleep(2)
    base2 = idle_capacity()
    teardown()
    ncpu = len(os.sched_getaffinity(0))
    idle = (base + base2) / 2
    return {"nodes": n, "formation_s": form, "detection_ms": stats(detect),
            "convergence_ms": stats(converge),
            "rejoin_s": stats(rejoins),
            "cpu_pct_per_node": (1 - left / idle) * ncpu * 100 / n,
            "cpu_noise_pct": abs(base - base2) / idle * ncpu * 100 / n,
            "idle_capacity": [base, left, base2],
            "samples_detection_ms": detect}


TS = re.compile(r"^(\w{3}\s+\d+\s+\d\d:\d\d:\d\d\.\d{3}) .*\[QUORUM\] .*Members\[(\d+)\]:(.*)$")


def corosync_events(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                m = TS.match(line)
                if not m:
                    continue
                stamp = time.mktime(time.strptime("%d %s" % (time.localtime().tm_year,
                                                             m.group(1)[:-4]),
                                                  "%Y %b %d %H:%M:%S"))
                stamp += int(m.group(1)[-3:]) / 1000
                out.append((stamp, [int(x) for x in m.group(3).split()]))
    except FileNotFoundError:
        pass
    return out


def corosync_first(path, since, pred):
    for t, members in corosync_events(path):
        if t >= since and pred(members):
            return t
    return None


def corosync_run(n, token):
    label = "default" if token is None else "token %d ms" % token
    log("corosync (%s): %d nodes" % (label, n))
    setup(n)
    procs = []
    logs = {}
    for i in range(1, n + 1):
        d = "/tmp/cs-%d" % i
        os.makedirs(d, exist_ok=True)
        logs[i] = d + "/corosync.log"
        if os.path.exists(logs[i]):
            os.unlink(logs[i])
        totem = "" if token is None else "  token: %d\n  token_coefficient: 0\n" % token
        nodes = "".join("  node {\n    ring0_addr: 198.51.100.%d\n    nodeid: %d\n"
                        "    name: n%d\n  }\n" % (j, j, j) for j in range(1, n + 1))
        with open(d + "/corosync.conf", "w") as f:
            f.write("totem {\n  version: 2\n  cluster_name: bench\n  transport: knet\n"
                    "  crypto_cipher: none\n  crypto_hash: none\n%s}\n"
                    "nodelist {\n%s}\nquorum {\n  provider: corosync_votequorum\n}\n"
                    "logging {\n  to_logfile: yes\n  logfile: %s\n  to_syslog: no\n"
                    "  to_stderr: no\n  timestamp: hires\n}\n"
                    "system {\n  state_dir: %s\n}\n" % (totem, nodes, logs[i], d))
        # corosync refuses a second instance through /run/corosync.pid:
        # give each its own /run
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns(i), "unshare", "-m", "sh",
                                       "-c", "mount -t tmpfs none /run && exec corosync -f -c "
                                       + d + "/corosync.conf"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    everyone = list(range(1, n + 1))
    for i in everyone:
        wait_until(lambda i=i: corosync_first(logs[i], 0, lambda m: m == everyone), 120,
                   "corosync formation")
    time.sleep(2)
    detect, converge = [], []
    for k in range(COROSYNC_KILLS):
        victim = 1 + k % n
        rest = [i for i in everyone if i != victim]
        port(victim, False)
        t0 = time.time()
        times = [wait_until(lambda i=i: corosync_first(logs[i], t0, lambda m: victim not in m),
                            120, "corosync node %d to leave" % victim) for i in rest]
        detect.append((min(times) - t0) * 1000)
        converge.append((max(times) - t0) * 1000)
        t1 = time.time()
        port(victim, True)
        for i in everyone:
            wait_until(lambda i=i: corosync_first(logs[i], t1, lambda m: m == everyone), 120,
                       "corosync node %d to rejoin" % victim)
        time.sleep(0.5)
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait()
    teardown()
    return {"nodes": n, "config": label, "detection_ms": stats(detect),
            "convergence_ms": stats(converge), "samples_detection_ms": detect}


WATCHDOG = r"""
echo 20 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
# for scripts/vm-regs: where the kernel and halo's functions are
echo 0 > /proc/sys/kernel/kptr_restrict
grep -w -e _stext -e _etext /proc/kallsyms | sed 's/^/[kallsyms] /'
grep '\[halo\]' /proc/kallsyms | grep ' [tT] ' | sed 's/^/[kallsyms] /'
while sleep 15; do
    echo "[watchdog] $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    for d in /sys/kernel/halo/*/; do
        [ -e "$d/epoch" ] || continue
        echo "[watchdog]   node $(cat $d/node_id) epoch $(cat $d/epoch) quorate $(cat $d/quorate) members $(cat $d/members)"
    done
    tx=0
    for ns in $(ip netns list | awk '/^bench-n/ {print $1}'); do
        t=$(haloctl -n $ns -j node show | tr ',' '\n' | sed -n 's/.*"tx-packets": *\([0-9]*\).*/\1/p' | paste -sd+ | bc)
        tx=$((tx + ${t:-0}))
    done
    echo "[watchdog]   datagrams sent by all nodes so far: $tx"
done
"""


def main():
    teardown()
    if os.environ.get("BENCH_WATCHDOG"):
        # where a run stalls: every instance's view every 15 s, from a
        # shell that does not share the bench's interpreter
        subprocess.Popen(["sh", "-c", WATCHDOG], stdout=sys.stderr)
    result = {"kernel": os.uname().release, "kills": KILLS, "halo": [], "corosync": []}
    # a configuration that cannot be measured is reported, and the rest go on
    for n in SIZES:
        try:
            result["halo"].append(halo_run(n))
        except SystemExit as e:
            result["halo"].append({"nodes": n, "error": str(e)})
            teardown()
    if subprocess.run(["sh", "-c", "command -v corosync"], capture_output=True).returncode:
        log("corosync is not installed: skipping the comparison")
    else:
        for n in COROSYNC_SIZES:
            for token in (None, 400):
                try:
                    result["corosync"].append(corosync_run(n, token))
                except SystemExit as e:
                    label = "default" if token is None else "token %d ms" % token
                    result["corosync"].append({"nodes": n, "config": label, "error": str(e)})
                    subprocess.run(["pkill", "-x", "corosync"])
                    time.sleep(1)
                    teardown()
    print("BENCH-JSON-BEGIN")
    print(json.dumps(result))
    print("BENCH-JSON-END", flush=True)


main()
