#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# lb.sh's HTTP ends.
#
#   lb_http.py serve ADDR PORT NAME      answer every request with NAME
#                                        (GET /slow: once the file named by
#                                        LB_RELEASE exists, at most 900 s)
#   lb_http.py get VIP PORT N [SRC...]   N requests (from each SRC address
#                                        in turn, if given, else from any);
#                                        prints one line per request:
#                                        "SRC NAME", NAME "-" if it failed;
#                                        with LB_SPORT set, request i comes
#                                        from source port LB_SPORT + i;
#                                        LB_PATH (/) is what it asks for,
#                                        LB_TIMEOUT (1 s) how long it waits
import os
import socket
import socketserver
import sys
import time


def serve(addr, port, name):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            if self.rfile.readline().split()[1:2] == [b"/slow"]:
                for _ in range(9000):
                    if os.path.exists(os.environ.get("LB_RELEASE", "/")):
                        break
                    time.sleep(0.1)
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s\n"
                             % (len(name) + 1, name.encode()))

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer((addr, int(port)), Handler) as s:
        s.serve_forever()


def get(vip, port, n, srcs):
    out = []
    sport = int(os.environ.get("LB_SPORT", "0"))
    path = os.environ.get("LB_PATH", "/").encode()
    timeout = float(os.environ.get("LB_TIMEOUT", "1"))
    for i in range(int(n)):
        src = srcs[i % len(srcs)] if srcs else ""
        name = "-"
        try:
            with socket.create_connection((vip, int(port)), timeout=timeout,
                                          source_address=(src, sport + i if sport else 0)) as c:
                c.sendall(b"GET %s HTTP/1.0\r\n\r\n" % path)
                data = b""
                while True:
                    b = c.recv(4096)
                    if not b:
                        break
                    data += b
            name = data.split(b"\r\n\r\n", 1)[1].decode().strip() or "-"
        except (OSError, IndexError):
            pass
        out.append("%s %s" % (src or "-", name))
    print("\n".join(out), flush=True)


if sys.argv[1] == "serve":
    serve(*sys.argv[2:5])
else:
    get(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
