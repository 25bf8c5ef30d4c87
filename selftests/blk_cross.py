#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Crossing writes for selftests/blk_dual.sh: two threads, one per primary
# device, write the same blocks in lockstep (a barrier before each round),
# so that each round's two writes are on the wire at the same time. Round
# i writes 8 KiB at OFFSET + i * 16 KiB from both sides: on even rounds
# the same 8 KiB, on odd ones shifted by 4 KiB (half overlapping). Each
# block is written in one round only, so the last write to it is a
# crossing one, and the disks end the same only if both nodes resolved it
# the same way.
#
#   blk_cross.py DEV1 DEV2 OFFSET ROUNDS
import mmap
import os
import sys
import threading

dev1, dev2, offset, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
barrier = threading.Barrier(2)
errors = []


def writer(dev, side):
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, 8192)
    try:
        for i in range(rounds):
            buf.seek(0)
            buf.write(os.urandom(8192))
            at = offset + i * 16384 + (4096 if side == 2 and i % 2 else 0)
            barrier.wait()
            if os.pwritev(fd, [buf], at) != 8192:
                raise OSError("short write")
    except Exception as e:
        errors.append("%s: %s" % (dev, e))
        barrier.abort()
    finally:
        os.close(fd)


threads = [threading.Thread(target=writer, args=(d, s)) for d, s in ((dev1, 1), (dev2, 2))]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("blk_cross.py: " + "; ".join(errors))
