#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# blk_writer.py DEV COUNT: write 4 KiB blocks 0, 1, ... COUNT-1 of DEV, each
# with O_DIRECT | O_SYNC, and print a block's number once its write
# returned (was acknowledged). blk_writer.py --check DEV < numbers: every
# block named holds what the writer wrote there.
import mmap
import os
import struct
import sys

BLOCK = 4096


def pattern(i):
    return struct.pack("<Q", i) * (BLOCK // 8)


def write(dev, count):
    fd = os.open(dev, os.O_WRONLY | os.O_DIRECT | os.O_SYNC)
    buf = mmap.mmap(-1, BLOCK)	# page-aligned, as O_DIRECT wants
    for i in range(count):
        buf.seek(0)
        buf.write(pattern(i))
        if os.pwrite(fd, buf, i * BLOCK) != BLOCK:
            sys.exit("short write")
        print(i, flush=True)


def check(dev):
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, BLOCK)
    n = bad = 0
    for line in sys.stdin:
        if not line.endswith("\n"):
            continue	# cut off by the crash: the number is not whole
        i = int(line)
        if os.preadv(fd, [buf], i * BLOCK) != BLOCK or buf[:] != pattern(i):
            print(f"block {i}: acknowledged, but not there", file=sys.stderr)
            bad += 1
        n += 1
    print(f"{n} acknowledged writes checked, {bad} missing")
    sys.exit(1 if bad or not n else 0)


if sys.argv[1] == "--check":
    check(sys.argv[2])
else:
    write(sys.argv[1], int(sys.argv[2]))
