#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Raw-socket injector for halo datagrams (run in the hub namespace of
# lib.sh): capture one datagram from node FROM to node TO on a link, then
# send altered copies of it to TO through the hub's port, as an attacker on
# the wire would.
#
#   inject.py FROM TO KIND COUNT [LINK]
#   KIND: replay (the datagram's bytes as captured), forged (MAC bit flipped),
#         truncated (payload cut to 20 bytes), other-cluster, unknown-node,
#         garbage (not a halo datagram)
import socket
import struct
import sys

ETH_P_ALL = 0x0003  # a bridge port's frames reach only ETH_P_ALL taps


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def capture(ifname, src, dst):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    s.settimeout(10)
    while True:
        frame = s.recv(65535)
        if frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        if ip[9] != 17 or ip[12:16] != src or ip[16:20] != dst:
            continue
        ihl = (ip[0] & 0xF) * 4
        if struct.unpack("!H", ip[ihl + 2:ihl + 4])[0] != 5405:
            continue
        if ip[ihl + 8:ihl + 12] == b"HALO":
            return frame


def rebuild(frame, payload):
    eth, ip = frame[:14], bytearray(frame[14:])
    ihl = (ip[0] & 0xF) * 4
    udp = bytearray(ip[ihl:ihl + 8])
    struct.pack_into("!H", udp, 4, 8 + len(payload))
    struct.pack_into("!H", udp, 6, 0)  # IPv4: no UDP checksum
    hdr = ip[:ihl]
    struct.pack_into("!H", hdr, 2, ihl + 8 + len(payload))
    struct.pack_into("!H", hdr, 10, 0)
    struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
    return eth + bytes(hdr) + bytes(udp) + payload


def main():
    src, dst, kind, count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    link = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    net = bytes([198, 51, 99 + link])
    frame = capture("v%d.%d" % (src, link), net + bytes([src]), net + bytes([dst]))
    ip = frame[14:]
    ihl = (ip[0] & 0xF) * 4
    payload = bytearray(ip[ihl + 8:])
    # Always rebuilt: a captured veth frame may carry only a partial UDP
    # checksum (offload); rebuilt frames carry none, which IPv4 allows.
    if kind != "replay":
        if kind == "forged":
            payload[-1] ^= 1
        elif kind == "truncated":
            payload = payload[:20]
        elif kind == "other-cluster":
            payload[8] ^= 0xFF
        elif kind == "unknown-node":
            struct.pack_into("!I", payload, 12, 99)
        elif kind == "garbage":
            payload[0:4] = b"XXXX"
        else:
            sys.exit("unknown kind " + kind)
    out = rebuild(frame, bytes(payload))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("v%d.%d" % (dst, link), 0))
    for _ in range(count):
        s.send(out)


main()
