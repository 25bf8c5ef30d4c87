#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The halo_blk benchmark, inside guest 1 of two scripts/vm-run guests (see
# scripts/bench/blk); guest 2 is driven with `vm exec 2`. Guest 1 is the
# primary, guest 2 the secondary, on a 192.0.2.0/24 virtio LAN. Each
# guest's disk is a brd RAM disk, freshly loaded and written end to end
# before each system so that no page is allocated under a measurement.
#
# In one run, on the same disks and link:
#   raw        fio on guest 1's /dev/ram0
#   link       iperf3, one TCP stream guest 1 -> guest 2 (what a resync
#              could use at most)
#   halo C     halo_blk, internal metadata, protocol C; first the full
#              sync from a forced primary (timed), then fio
#   halo A     the same device, reconnected with protocol A
#   halo disc  the same device, disconnected (writes only mark the bitmap)
#   resync     for halo and DRBD each: disconnected, 10% of the device's
#              blocks written (distinct, at random), connected again: the
#              resync timed, its bytes counted (halo: resync-sent; DRBD:
#              the source's ns counter), against the full sync above
#   drbd C     in-kernel DRBD 8.4 (the distribution kernel's drbd.ko,
#              drbd-utils' drbdsetup-84), internal metadata, protocol C,
#              its defaults otherwise; full sync timed, then fio
# fio jobs: 4k randwrite QD1 (latency), 4k randwrite QD32 (IOPS), 1M
# sequential write QD8 (throughput), all O_DIRECT through libaio.
# Then, for halo and DRBD each, a full sync under load: 4k randwrite QD1
# on the primary while a full sync to the peer runs (halo: reconnected
# after the disconnected run; DRBD: invalidate-remote), the application's
# latency and the sync's progress over the same seconds, each with its
# defaults (halo's resync-min-rate 16 MiB/s, DRBD's c-min-rate 250 KiB/s).
#
# Prints one JSON document between BENCH-JSON-BEGIN and BENCH-JSON-END
# (the console is how it leaves the guest).
import json
import os
import re
import subprocess
import sys
import time

RUNTIME = int(os.environ.get("BENCH_RUNTIME", "15"))
DISK_MIB = int(os.environ.get("BENCH_DISK_MIB", "512"))
# fio's region: inside both systems' data areas (their metadata is at the end)
FIO_MIB = DISK_MIB * 3 // 4
DRBDSETUP = "/usr/lib/drbd/drbdsetup-84"
ADDR = {1: "192.0.2.1", 2: "192.0.2.2"}

JOBS = [
    ("randwrite-4k-qd1", dict(rw="randwrite", bs="4k", iodepth=1)),
    ("randwrite-4k-qd32", dict(rw="randwrite", bs="4k", iodepth=32)),
    ("write-1m-seq", dict(rw="write", bs="1M", iodepth=8)),
]


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


def run(cmd, guest=1, check=True):
    """Run a shell command in a guest; its output (stdout and stderr)."""
    argv = ["sh", "-c", cmd]
    if guest != 1:
        argv = ["vm", "exec", str(guest)] + argv
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if check and r.returncode:
        raise SystemExit(f"bench: guest {guest}: {cmd}: exit {r.returncode}: {r.stdout}")
    return r.stdout


def both(cmd):
    """cmd, with {g} and {peer} filled in, in guest 2 and then guest 1."""
    for g in (2, 1):
        run(cmd.format(g=g, peer=3 - g, addr=ADDR[g], peer_addr=ADDR[3 - g]), g)


def wait_for(what, cond, timeout, step=0.1):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            for g in (1, 2):
                log(f"guest {g}: " + run("cat /proc/drbd 2>/dev/null; haloctl dev show 2>/dev/null; "
                                         "dmesg | grep -E 'drbd|halo' | tail -n 20", g, False))
            raise SystemExit(f"bench: timed out waiting for {what}")
        time.sleep(step)


def fresh_disks():
    """A new, fully written brd disk in each guest."""
    both("rmmod brd 2>/dev/null; modprobe brd rd_nr=1 rd_size=%d max_part=0 && "
         "dd if=/dev/zero of=/dev/ram0 bs=1M count=%d oflag=direct status=none"
         % (DISK_MIB * 1024, DISK_MIB))


def fio(dev, job):
    args = ["fio", "--name=bench", f"--filename={dev}", "--direct=1",
            "--ioengine=libaio", f"--size={FIO_MIB}M", "--time_based",
            f"--runtime={RUNTIME}", "--ramp_time=2", "--norandommap",
            "--randrepeat=0", "--lat_percentiles=1", "--output-format=json"]
    args += [f"--{k}={v}" for k, v in job.items()]
    out = subprocess.run(args, stdout=subprocess.PIPE, text=True, check=True).stdout
    w = json.loads(out[out.index("{"):])["jobs"][0]["write"]
    return {
        "iops": w["iops"],
        "mib_s": w["bw_bytes"] / 2**20,
        "lat_us_mean": w["lat_ns"]["mean"] / 1000,
        "lat_us_p99": w["lat_ns"]["percentile"]["99.000000"] / 1000,
    }


def dirty(dev):
    """Write 10% of @dev's blocks, each once, at random; bytes written."""
    size = int(run("blockdev --getsize64 %s" % dev))
    n = size // 4096 // 10
    subprocess.run(["fio", "--name=dirty", f"--filename={dev}", "--direct=1",
                    "--ioengine=libaio", "--rw=randwrite", "--bs=4k", "--iodepth=16",
                    f"--size={size}", f"--io_size={n * 4096}", "--randrepeat=0",
                    "--output=/dev/null"], check=True)
    return n * 4096


def resync_log(name, r, full):
    log("%-5s resync of 10%%: %d MiB dirtied, %d MiB sent in %.1f s (full sync %.1f s)" % (
        name, r["dirtied"] >> 20, r["bytes"] >> 20, r["seconds"], full["seconds"]))


def fio_under_sync(name, dev, start_sync, oos):
    """fio QD1 on @dev while start_sync() starts a sync; @oos: bytes left."""
    args = ["fio", "--name=load", f"--filename={dev}", "--direct=1",
            "--ioengine=libaio", f"--size={FIO_MIB}M", "--time_based",
            f"--runtime={RUNTIME + 4}", "--norandommap", "--randrepeat=0",
            "--lat_percentiles=1", "--output-format=json", "--rw=randwrite",
            "--bs=4k", "--iodepth=1"]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    start_sync()
    time.sleep(3)   # the sync is running, the application with it
    o0, t0 = oos(), time.monotonic()
    time.sleep(RUNTIME - 2)
    o1, t1 = oos(), time.monotonic()
    out = p.communicate()[0]
    w = json.loads(out[out.index("{"):])["jobs"][0]["write"]
    res = {
        "iops": w["iops"],
        "lat_us_mean": w["lat_ns"]["mean"] / 1000,
        "lat_us_p99": w["lat_ns"]["percentile"]["99.000000"] / 1000,
        "sync_mib_s": (o0 - o1) / (t1 - t0) / 2**20,
    }
    log("%-10s under sync: %6.0f IOPS lat %6.0f us (p99 %6.0f), sync %.2f MiB/s" % (
        name, res["iops"], res["lat_us_mean"], res["lat_us_p99"], res["sync_mib_s"]))
    return res


def fio_all(name, dev):
    res = {}
    for job, spec in JOBS:
        res[job] = fio(dev, spec)
        log("%-10s %-18s %8.0f IOPS %8.1f MiB/s  lat %7.0f us (p99 %7.0f)" % (
            name, job, res[job]["iops"], res[job]["mib_s"],
            res[job]["lat_us_mean"], res[job]["lat_us_p99"]))
    return res


def link():
    run("iperf3 -s -1 -D", 2)
    time.sleep(1)
    out = run("iperf3 -c %s -t 10 -J" % ADDR[2])
    bps = json.loads(out)["end"]["sum_received"]["bits_per_second"]
    log("link: %.1f MiB/s" % (bps / 8 / 2**20))
    return bps / 8 / 2**20


def halo_show():
    return json.loads(run("haloctl -j dev show r0"))


def halo(result):
    both("modprobe halo_blk && "
         "printf 'bench-key-%%032d' 0 >/tmp/key && "
         "haloctl cluster create bench node-id {g} key-file /tmp/key && "
         "haloctl node add 1 name a addr %s && haloctl node add 2 name b addr %s && "
         "haloctl dev create r0 minor 0 disk /dev/ram0 force && "  # fio wrote over it
         "haloctl dev connect r0 peer {peer} protocol C" % (ADDR[1], ADDR[2]))
    wait_for("halo to connect", lambda: halo_show()["connection"] == "Connected", 60)
    size = halo_show()["size"]
    t0 = time.monotonic()
    run("haloctl dev primary r0 force")
    wait_for("halo's full sync", lambda: (lambda s: s["connection"] == "Connected"
                                          and s["peer-disk"] == "UpToDate")(halo_show()),
             1200)
    secs = time.monotonic() - t0
    result["sync"]["halo"] = {"bytes": size, "seconds": secs, "mib_s": size / secs / 2**20}
    log("halo full sync: %d MiB in %.1f s, %.1f MiB/s" % (size >> 20, secs, size / secs / 2**20))
    result["fio"]["halo C"] = fio_all("halo C", "/dev/halo0")

    both("haloctl dev disconnect r0")
    both("haloctl dev connect r0 peer {peer} protocol A")
    wait_for("halo to reconnect (protocol A)",
             lambda: (lambda s: s["connection"] == "Connected" and s["peer-disk"] == "UpToDate"
                      and s["protocol"] == "A")(halo_show()), 600)
    result["fio"]["halo A"] = fio_all("halo A", "/dev/halo0")

    # protocol A's disconnect marks every block (no ack says what the peer
    # has written): a resync under C first, so that the 10% below is all
    # that differs, as on DRBD's protocol C side
    both("haloctl dev disconnect r0")
    both("haloctl dev connect r0 peer {peer} protocol C")
    wait_for("halo to resync after protocol A",
             lambda: (lambda s: s["connection"] == "Connected" and s["peer-disk"] == "UpToDate"
                      and s["out-of-sync"] == 0)(halo_show()), 1200)
    both("haloctl dev disconnect r0")
    dirtied = dirty("/dev/halo0")
    st = halo_show()
    t0 = time.monotonic()
    both("haloctl dev connect r0 peer {peer} protocol C")
    wait_for("halo's resync of 10%",
             lambda: (lambda s: s["connection"] == "Connected" and s["peer-disk"] == "UpToDate"
                      and s["out-of-sync"] == 0)(halo_show()), 1200)
    secs = time.monotonic() - t0
    result["resync"] = {"halo": {"dirtied": dirtied, "out_of_sync": st["out-of-sync"],
                                 "bytes": halo_show()["resync-sent"] - st["resync-sent"],
                                 "seconds": secs}}
    resync_log("halo", result["resync"]["halo"], result["sync"]["halo"])

    both("haloctl dev disconnect r0")
    result["fio"]["halo disconnected"] = fio_all("halo disc", "/dev/halo0")

    # written alone: the next connection syncs the whole device
    result["under_sync"] = {"halo": fio_under_sync(
        "halo C", "/dev/halo0",
        lambda: both("haloctl dev connect r0 peer {peer} protocol C"),
        lambda: halo_show()["out-of-sync"])}
    both("haloctl dev disconnect r0")

    run("haloctl dev secondary r0")
    both("haloctl dev destroy r0 && haloctl cluster destroy")


def drbd_state():
    return run("cat /proc/drbd")


def drbd(result):
    # port 7788, DRBD's usual first: halo_blk's listener keeps 7789 for as
    # long as the namespace lives
    # no drbdadm configuration here: its handlers (called through the
    # module's usermode helper) would fail and abort the resync
    both("modprobe drbd usermode_helper=/bin/true && "
         "echo /bin/true >/sys/module/drbd/parameters/usermode_helper && %s new-resource r0 && %s new-minor r0 0 0 && "
         "yes yes | drbdmeta --force 0 v08 /dev/ram0 internal create-md >/dev/null 2>&1; "
         "%s attach 0 /dev/ram0 /dev/ram0 internal && "
         "%s connect r0 ipv4:{addr}:7788 ipv4:{peer_addr}:7788 --protocol=C"
         % (DRBDSETUP, DRBDSETUP, DRBDSETUP, DRBDSETUP))
    wait_for("drbd to connect", lambda: "cs:Connected" in drbd_state(), 60)
    size = int(run("cat /sys/block/drbd0/size")) * 512
    t0 = time.monotonic()
    run("%s primary 0 --force" % DRBDSETUP)
    wait_for("drbd's full sync",
             lambda: re.search(r"cs:Connected .*ds:UpToDate/UpToDate", drbd_state()), 1200)
    secs = time.monotonic() - t0
    result["sync"]["drbd"] = {"bytes": size, "seconds": secs, "mib_s": size / secs / 2**20}
    log("drbd full sync: %d MiB in %.1f s, %.1f MiB/s" % (size >> 20, secs, size / secs / 2**20))
    result["drbd_version"] = drbd_state().splitlines()[0]
    result["fio"]["drbd C"] = fio_all("drbd C", "/dev/drbd0")

    both("%s disconnect ipv4:{addr}:7788 ipv4:{peer_addr}:7788" % DRBDSETUP)
    wait_for("drbd to disconnect", lambda: "cs:StandAlone" in drbd_state(), 60)
    dirtied = dirty("/dev/drbd0")
    oos = int(re.search(r"oos:(\d+)", drbd_state()).group(1)) * 1024
    ns0 = int(re.search(r"ns:(\d+)", drbd_state()).group(1))
    t0 = time.monotonic()
    both("%s connect r0 ipv4:{addr}:7788 ipv4:{peer_addr}:7788 --protocol=C" % DRBDSETUP)
    wait_for("drbd's resync of 10%",
             lambda: re.search(r"cs:Connected .*ds:UpToDate/UpToDate", drbd_state()), 1200)
    secs = time.monotonic() - t0
    ns1 = int(re.search(r"ns:(\d+)", drbd_state()).group(1))
    # the counters may start again at a connection: then ns1 is all of it
    result["resync"]["drbd"] = {"dirtied": dirtied, "out_of_sync": oos,
                                "bytes": (ns1 - ns0 if ns1 >= ns0 else ns1) * 1024,
                                "seconds": secs}
    resync_log("drbd", result["resync"]["drbd"], result["sync"]["drbd"])
    result["under_sync"]["drbd"] = fio_under_sync(
        "drbd C", "/dev/drbd0", lambda: run("%s invalidate-remote 0" % DRBDSETUP),
        lambda: int(re.search(r"oos:(\d+)", drbd_state()).group(1)) * 1024)
    run("%s secondary 0" % DRBDSETUP)
    both("%s down r0" % DRBDSETUP)


def main():
    result = {"kernel": os.uname().release, "runtime_s": RUNTIME, "disk_mib": DISK_MIB,
              "fio_mib": FIO_MIB, "jobs": [j for j, _ in JOBS], "fio": {}, "sync": {}}
    fresh_disks()
    result["fio"]["raw"] = fio_all("raw", "/dev/ram0")
    result["link_mib_s"] = link()
    halo(result)
    fresh_disks()
    drbd(result)
    print("BENCH-JSON-BEGIN")
    print(json.dumps(result, indent=1))
    print("BENCH-JSON-END", flush=True)


main()
