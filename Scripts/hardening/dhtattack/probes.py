"""Measurements taken from outside the node: the ping/memory/CPU sampler and honest `find`s.

The sampler runs as a separate process (the entry point's hidden `_monitor` command) so it shares no
GIL with the attack traffic and its ping latencies measure the node, not the harness.
"""
import json
import os
import random
import select
import subprocess
import sys
import time

from .config import ENTRY, HONEST_IP
from .msgpack import unpack
from .processes import CHILDREN, kill, spawn
from .targets import cpu_ticks, proc_status
from .wire import Wire, decode_n4, query, rtid

CLK_TCK = os.sysconf("SC_CLK_TCK")


def monitor_main(args):
    node = (args.node.rsplit(":", 1)[0], int(args.node.rsplit(":", 1)[1]))
    w = Wire(node, ip=HONEST_IP)
    w.sock.setblocking(False)
    pings, samples, sent = [], [], {}
    t_end = None
    watch = [w.sock, sys.stdin]
    next_ping = next_sample = time.monotonic()
    while True:
        now = time.monotonic()
        if t_end is None and now >= next_ping:
            tid = rtid()
            sent[tid] = len(pings)
            pings.append([now, None])
            w.send(query("ping", {"id": w.id}, tid, client=True))
            next_ping += args.ping_interval
        if now >= next_sample:
            st, ticks = proc_status(args.pid), cpu_ticks(args.pid)
            if st and ticks is not None:
                samples.append([now, st["rss_kb"], st["vm_kb"], ticks])
            next_sample += args.sample_interval
        if t_end is not None and now >= t_end:
            break
        wait = max(0.0, min(next_ping if t_end is None else t_end, next_sample) - time.monotonic())
        r, _, _ = select.select(watch, [], [], wait)
        if sys.stdin in r and os.read(sys.stdin.fileno(), 4096) == b"":
            watch = [w.sock]  # the harness closed our stdin: the attack is over
            t_end = time.monotonic() + 1.0  # answers still get 1 s after the last ping
        while w.sock in r:
            try:
                data = w.sock.recv(65535)
            except OSError:
                break
            m = unpack(data)
            i = sent.pop(m.get("t"), None) if isinstance(m, dict) else None
            if i is not None:
                pings[i][1] = time.monotonic() - pings[i][0]
    sys.stdout.write(json.dumps({"pings": pings, "samples": samples}))


class Monitor:
    def __init__(self, target):
        self.proc = spawn([sys.executable, ENTRY, "_monitor", "--pid", str(target.pid),
                           "--node", "%s:%d" % target.addr], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        time.sleep(0.3)

    def stop(self):
        try:
            out, _ = self.proc.communicate(timeout=15)
            CHILDREN.discard(self.proc)
            return json.loads(out)
        except (subprocess.TimeoutExpired, ValueError):
            kill(self.proc)
            return {"pings": [], "samples": []}


def pct(sorted_vals, q):
    if not sorted_vals:
        return None
    return sorted_vals[min(len(sorted_vals) - 1, int(round(q * (len(sorted_vals) - 1))))]


def ping_stats(pings, t0, t1):
    window = [p for p in pings if t0 <= p[0] <= t1]
    rtts = sorted(p[1] * 1000 for p in window if p[1] is not None)
    r = lambda x: None if x is None else round(x, 2)  # noqa: E731
    return {"sent": len(window), "answered": len(rtts), "lost": len(window) - len(rtts),
            "p50_ms": r(pct(rtts, 0.5)), "p99_ms": r(pct(rtts, 0.99)), "max_ms": r(rtts[-1] if rtts else None),
            "over_100ms": sum(1 for x in rtts if x > 100)}


def cpu_between(samples, t0, t1):
    """Average CPU % of the node between two times, from the tick counter samples."""
    inside = [s for s in samples if t0 <= s[0] <= t1]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return None
    return round(100.0 * (inside[-1][3] - inside[0][3]) / CLK_TCK / (inside[-1][0] - inside[0][0]), 1)


def cpu_peak_1s(samples, t0, t1):
    inside = [s for s in samples if t0 <= s[0] <= t1]
    best, j = None, 0
    for i in range(len(inside)):
        while inside[i][0] - inside[j][0] > 1.0:
            j += 1
        if inside[i][0] - inside[j][0] >= 0.9:
            v = 100.0 * (inside[i][3] - inside[j][3]) / CLK_TCK / (inside[i][0] - inside[j][0])
            best = v if best is None else max(best, v)
    return None if best is None else round(best, 1)


def finds(node, count=20, seed=None):
    """`find` for random targets from an honest client socket; returns the node entries answered."""
    w = Wire(node)
    rng = random.Random(seed)
    entries, answered = [], 0
    for _ in range(count):
        r = w.request("find", {"target": bytes(rng.getrandbits(8) for _ in range(20))}, timeout=1.5)
        if r and "r" in r:
            answered += 1
            entries += decode_n4(r["r"].get("n4", b""))
    w.close()
    return answered, entries


def classify(entries, attacker_ips, attacker_ids=(), honest_ids=()):
    ids = {e[0] for e in entries}
    return {"entries": len(entries), "distinct_ids": len(ids),
            "attacker_ids": len(ids & set(attacker_ids)),
            "at_attacker_addresses": len({e[0] for e in entries if e[1] in attacker_ips}),
            "honest_ids": len(ids & set(honest_ids)),
            "distinct_addresses": len({(e[1], e[2]) for e in entries})}
