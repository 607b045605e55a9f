#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""syslogd.py - a minimal syslog sink for the tests: binds a unix datagram
socket (default /dev/log) and appends every message, one per line, to a
file. Started and stopped (by PID) by the test runner; removes its socket."""
import os
import signal
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        print("syslogd.py: %s exists; not replacing it" % path, file=sys.stderr)
        sys.exit(1)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)

    def stop(*_):
        try:
            os.unlink(path)
        finally:
            os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("READY", flush=True)
    with open(out, "ab", buffering=0) as f:
        while True:
            data = s.recv(65536)
            f.write(data.rstrip(b"\0\n") + b"\n")


if __name__ == "__main__":
    main()
