#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sockclient.py - talk to smsotp-helper --listen as a test client.

  sockclient.py SOCKET LINE...      one request (LINEs, then the blank
                                    line), the reply printed as it came
  sockclient.py SOCKET --silent N --many M LINE...
                                    N connections that send nothing, and
                                    M requests at once (each LINE with
                                    {i} replaced by the request's number);
                                    prints "silent-closed S of N",
                                    "answered A of M", "statuses ...",
                                    and the slowest answer in ms

Exit status 0 when every request got a reply, 1 otherwise.
"""
import socket
import sys
import threading
import time


def request(path, lines, timeout=45.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    try:
        s.sendall(("".join(l + "\n" for l in lines) + "\n").encode())
    except (BrokenPipeError, ConnectionResetError):
        pass	# refused at once (too many in flight): the reply is there
    out = b""
    while True:
        try:
            b = s.recv(4096)
        except ConnectionResetError:
            break
        if not b:
            break
        out += b
    s.close()
    return out.decode()


def many(path, nsilent, nmany, lines):
    silent = []
    for _ in range(nsilent):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10.0)
        s.connect(path)
        silent.append(s)
    replies = [None] * nmany
    took = [0.0] * nmany

    def one(i):
        t0 = time.monotonic()
        try:
            replies[i] = request(path, [l.replace("{i}", "%02d" % (i % 30 + 1)) for l in lines])
        except OSError as e:
            replies[i] = "error: %s" % e
        took[i] = time.monotonic() - t0

    th = [threading.Thread(target=one, args=(i,)) for i in range(nmany)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    closed = 0
    for s in silent:	# answered ERROR (or nothing), then closed
        try:
            out = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                out += b
            closed += out in (b"", b"status=ERROR\n")
        except OSError:
            pass
        s.close()
    statuses = {}
    for r in replies:
        st = r.split("\n", 1)[0] if r and r.startswith("status=") else "none"
        statuses[st] = statuses.get(st, 0) + 1
    ok = sum(1 for r in replies if r and r.startswith("status="))
    print("silent-closed %d of %d" % (closed, nsilent))
    print("answered %d of %d" % (ok, nmany))
    print("statuses " + " ".join("%s:%d" % kv for kv in sorted(statuses.items())))
    print("slowest-ms %d" % (max(took) * 1000 if took else 0))
    return ok == nmany


def main(argv):
    path = argv[1]
    if len(argv) > 2 and argv[2] == "--silent":
        nsilent = int(argv[3])
        assert argv[4] == "--many"
        return 0 if many(path, nsilent, int(argv[5]), argv[6:]) else 1
    reply = request(path, argv[2:])
    sys.stdout.write(reply)
    return 0 if reply.startswith("status=") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
