#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# blk_overlap.py DEV DELAY: two O_DIRECT writes of the same 4 KiB block of
# DEV, the second issued 0.2 s after the first, under a backing device
# that takes DELAY seconds per write. halo_blk must not let the second
# reach the disk before the first is there (a disk may complete two writes
# it holds at once in either order, and the peer applies them in order):
# the second completes no sooner than 2 * DELAY after the first began.
# Prints that time; exits 1 if the block does not end with the second's
# data.
import mmap
import os
import sys
import threading
import time

dev, delay = sys.argv[1], float(sys.argv[2])
done = {}


def write(key, fill, after, t0):
    fd = os.open(dev, os.O_RDWR | os.O_DIRECT)
    buf = mmap.mmap(-1, 4096)
    buf.write(fill * 4096)
    time.sleep(max(0.0, t0 + after - time.monotonic()))
    os.pwrite(fd, buf, 0)
    done[key] = time.monotonic()
    os.close(fd)


t0 = time.monotonic() + 0.5   # both opened before the first write goes
threads = [threading.Thread(target=write, args=("first", b"A", 0.0, t0)),
           threading.Thread(target=write, args=("second", b"B", 0.2, t0))]
for t in threads:
    t.start()
for t in threads:
    t.join()
fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
os.preadv(fd, [buf], 0)
os.close(fd)
print("%.3f" % (done["second"] - t0))
sys.exit(0 if buf[:] == b"B" * 4096 else 1)
