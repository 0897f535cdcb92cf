#!/usr/bin/env python3
"""Issue 13, findings 1-5: DHT attacks on loopback against a node this script starts and stops.

  python3 Scripts/hardening/dht_attack.py ATTACK --target rafiki|opendht [--node-binary PATH] [--json]

ATTACK: partbomb, forged-replies, sybil-puts, sybil-pongs, listen-squat, put-flood, all.
Targets: rafiki = `PATH/rafiki-dhtnode --port P serve --duration D` (rate limits on, the default);
opendht = Debian's `dhtnode -s -p P` (OpenDHT 2.4.12, service mode: no console on stdin).

Measured from outside, per run: VmRSS/VmSize from /proc/PID/status before, peak during (every
100 ms) and 10 s / 60 s after the attack; node CPU % from /proc/PID/stat; pings from an honest
socket every 50 ms during the attack (p50/p99/max, lost); then 20 puts and 20 gets with distinct
keys by an honest client (a real node per operation: `opendht_peer.py put/get`, the reference
OpenDHT 2.4.12 client, by default; `--honest-client rafiki` uses `rafiki-dhtnode put/get`), plus
what each attack needs (find answers, listener updates, put acknowledgements).
Prints one JSON object and one human line per run. Python 3 standard library only; loopback only;
every process it starts runs in its own process group and is killed when the run ends, pass or fail.
"""
import argparse
import atexit
import ctypes
import hashlib
import json
import os
import random
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_RAFIKI = os.path.join(REPO, ".build", "release", "rafiki-dhtnode")
OPENDHT_NODE = "/usr/bin/dhtnode"
PEER = "/work/shared/peers/opendht_peer.py"
SYS_PY = "/usr/bin/python3"  # Debian's, which has python3-opendht for opendht_peer.py
HONEST_IP = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MAX_DATAGRAM = 4096  # rafiki-dhtnode reads at most 4096 bytes per datagram


# ----------------------------------------------------------------------------------------------
# MessagePack, the subset the DHT uses (stdlib only)
# ----------------------------------------------------------------------------------------------
def _head(b, n, fix, c16, c32):
    if n < 16:
        b.append(fix | n)
    elif n < 65536:
        b += bytes([c16]) + n.to_bytes(2, "big")
    else:
        b += bytes([c32]) + n.to_bytes(4, "big")


def _pack(o, b):
    if o is None:
        b.append(0xC0)
    elif o is True or o is False:
        b.append(0xC3 if o else 0xC2)
    elif isinstance(o, int):
        if 0 <= o < 128:
            b.append(o)
        elif 0 <= o:
            for code, size in ((0xCC, 1), (0xCD, 2), (0xCE, 4), (0xCF, 8)):
                if o < 1 << (8 * size):
                    b += bytes([code]) + o.to_bytes(size, "big")
                    break
        elif o >= -32:
            b.append(o & 0xFF)
        else:
            for code, size in ((0xD0, 1), (0xD1, 2), (0xD2, 4), (0xD3, 8)):
                if o >= -(1 << (8 * size - 1)):
                    b += bytes([code]) + o.to_bytes(size, "big", signed=True)
                    break
    elif isinstance(o, str):
        s = o.encode()
        if len(s) < 32:
            b.append(0xA0 | len(s))
        elif len(s) < 256:
            b += bytes([0xD9, len(s)])
        elif len(s) < 65536:
            b += b"\xda" + len(s).to_bytes(2, "big")
        else:
            b += b"\xdb" + len(s).to_bytes(4, "big")
        b += s
    elif isinstance(o, (bytes, bytearray)):
        n = len(o)
        b += bytes([0xC4, n]) if n < 256 else (b"\xc5" + n.to_bytes(2, "big") if n < 65536 else b"\xc6" + n.to_bytes(4, "big"))
        b += o
    elif isinstance(o, (list, tuple)):
        _head(b, len(o), 0x90, 0xDC, 0xDD)
        for x in o:
            _pack(x, b)
    elif isinstance(o, dict):
        _head(b, len(o), 0x80, 0xDE, 0xDF)
        for k, v in o.items():
            _pack(k, b)
            _pack(v, b)
    else:
        raise TypeError(type(o))


def pack(o):
    b = bytearray()
    _pack(o, b)
    return bytes(b)


_FIXED = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q",
          0xCA: ">f", 0xCB: ">d"}


def _unpack(d, i, depth):
    if depth > 16:
        raise ValueError("too deep")
    c = d[i]
    i += 1
    if c < 0x80 or c >= 0xE0:
        return (c if c < 0x80 else c - 256), i
    if c <= 0x8F or c in (0xDE, 0xDF):
        n, i = (c & 15, i) if c <= 0x8F else _len(d, i, 2 if c == 0xDE else 4)
        out = {}
        for _ in range(n):
            k, i = _unpack(d, i, depth + 1)
            out[k if isinstance(k, (str, int)) else repr(k)], i = _unpack(d, i, depth + 1)
        return out, i
    if c <= 0x9F or c in (0xDC, 0xDD):
        n, i = (c & 15, i) if c <= 0x9F else _len(d, i, 2 if c == 0xDC else 4)
        out = []
        for _ in range(n):
            v, i = _unpack(d, i, depth + 1)
            out.append(v)
        return out, i
    if c <= 0xBF or c in (0xD9, 0xDA, 0xDB):
        n, i = (c & 31, i) if c <= 0xBF else _len(d, i, {0xD9: 1, 0xDA: 2, 0xDB: 4}[c])
        return bytes(d[i:i + n]).decode("utf-8", "replace"), i + n
    if c in (0xC4, 0xC5, 0xC6):
        n, i = _len(d, i, {0xC4: 1, 0xC5: 2, 0xC6: 4}[c])
        if i + n > len(d):
            raise ValueError("truncated")
        return bytes(d[i:i + n]), i + n
    if c in (0xC0, 0xC2, 0xC3):
        return {0xC0: None, 0xC2: False, 0xC3: True}[c], i
    if c in _FIXED:
        f = _FIXED[c]
        return struct.unpack_from(f, d, i)[0], i + struct.calcsize(f)
    raise ValueError("unsupported msgpack byte 0x%02x" % c)


def _len(d, i, size):
    return int.from_bytes(d[i:i + size], "big"), i + size


def unpack(data):
    """Decodes one datagram; None if it is not msgpack we understand."""
    try:
        return _unpack(data, 0, 0)[0]
    except (IndexError, ValueError, struct.error, KeyError):
        return None


# ----------------------------------------------------------------------------------------------
# Wire messages (OpenDHT 2.4.12 shapes, docs/opendht-protocol.md)
# ----------------------------------------------------------------------------------------------
def rid():
    return os.urandom(20)


def rtid():
    return random.randint(1, 0xFFFFFFFF)


def query(q, args, tid, client=False):
    m = {"a": args, "q": q, "t": tid, "y": "q", "v": "RNG1"}
    if client:
        m["s"] = True
    return pack(m)


def reply(body, tid):
    return pack({"r": body, "t": tid, "y": "r", "v": "RNG1"})


def value(data, vid=None):
    return {"id": vid or random.randint(1, 2 ** 64 - 1), "dat": {"body": {"type": 0, "data": data}}}


def ip_bytes(ip):
    return socket.inet_aton(ip)


def decode_n4(blob):
    out = []
    for i in range(0, len(blob) - 25, 26):
        out.append((blob[i:i + 20].hex(), socket.inet_ntoa(blob[i + 20:i + 24]),
                    struct.unpack(">H", blob[i + 24:i + 26])[0]))
    return out


class Wire:
    """One UDP socket speaking the protocol to the target: requests matched by tid."""

    def __init__(self, node, ip=HONEST_IP, client=True, node_id=None):
        self.node = node
        self.client = client
        self.id = node_id or rid()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.sock.bind((ip, 0))
        self.addr = self.sock.getsockname()
        self.stray = []  # datagrams that did not answer a request: (time, msg)

    def send(self, data):
        try:
            self.sock.sendto(data, self.node)
        except OSError:
            pass

    def request(self, q, args, timeout=2.0):
        tid = rtid()
        self.send(query(q, dict({"id": self.id}, **args), tid, self.client))
        return self.wait(tid, timeout)

    def wait(self, tid, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            data, _ = self.sock.recvfrom(65535)
            m = unpack(data)
            if isinstance(m, dict) and m.get("t") == tid and m.get("y") in ("r", "e"):
                return m
            self.stray.append((time.monotonic(), m))

    def drain(self, seconds=0.0):
        """Reads everything pending (waiting up to `seconds` for more); returns the messages."""
        out, deadline = [], time.monotonic() + seconds
        while True:
            r, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                return out
            data, _ = self.sock.recvfrom(65535)
            out.append(unpack(data))

    def token(self, key=None):
        r = self.request("get", {"h": key or rid()})
        return (r or {}).get("r", {}).get("token")

    def close(self):
        self.sock.close()


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


# ----------------------------------------------------------------------------------------------
# Processes: every child in its own process group, all killed on exit
# ----------------------------------------------------------------------------------------------
CHILDREN = set()
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: no orphan if the harness is killed -9


def spawn(argv, log=None, stdin=subprocess.DEVNULL, stdout=None):
    """Starts a child in its own process group. It gets SIGKILL if the thread that started it ends
    (every caller waits for its children, so only a harness killed with -9 triggers that)."""
    out = stdout if stdout is not None else (open(log, "ab") if log else subprocess.DEVNULL)
    p = subprocess.Popen(argv, stdin=stdin, stdout=out, stderr=open(log, "ab") if log else subprocess.DEVNULL,
                         start_new_session=True, preexec_fn=_die_with_parent)
    CHILDREN.add(p)
    return p


def kill(p, grace=2.0):
    if p is None:
        return
    try:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        os.killpg(p.pid, signal.SIGKILL)  # the group: anything the child started goes too
    except ProcessLookupError:
        pass
    try:
        p.wait(2)
    except subprocess.TimeoutExpired:
        pass
    CHILDREN.discard(p)


def kill_all(*_):
    for p in list(CHILDREN):
        kill(p, grace=0.5)


def on_signal(signum, _frame):
    kill_all()
    sys.exit(128 + signum)


def run_client(argv, timeout):
    """Runs a short client to completion (killed at `timeout`); returns (exit code, stdout, seconds)."""
    t0 = time.monotonic()
    p = spawn(argv, stdout=subprocess.PIPE)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(p, grace=0.2)
        return None, "", time.monotonic() - t0
    CHILDREN.discard(p)
    return p.returncode, out.decode(errors="replace"), time.monotonic() - t0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s4, socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s6:
        while True:
            s4.bind(("127.0.0.1", 0))
            port = s4.getsockname()[1]
            try:
                s6.bind(("::1", port))  # dhtnode binds both families
                return port
            except OSError:
                s4.close()
                s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def proc_status(pid):
    """VmRSS and VmSize in kB, or None once the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            d = {k: v for k, _, v in (line.partition(":") for line in f)}
        return {"rss_kb": int(d["VmRSS"].split()[0]), "vm_kb": int(d["VmSize"].split()[0])}
    except (OSError, KeyError, ValueError):
        return None


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


class Target:
    """The node under attack: started on 127.0.0.1, killed when the run ends."""

    def __init__(self, kind, binary, workdir, budget, serve_args=(), bootstrap=None, name="target"):
        self.kind, self.binary = kind, binary
        self.port = free_port()
        self.addr = ("127.0.0.1", self.port)
        log = os.path.join(workdir, "%s-%d.log" % (name, self.port))
        if kind == "rafiki":
            argv = [binary, "--port", str(self.port)] + (["--bootstrap", "%s:%d" % bootstrap] if bootstrap else [])
            argv += ["serve", "--duration", str(int(budget))] + list(serve_args)
        else:
            argv = [binary, "-s", "-p", str(self.port)] + (["-b", "%s:%d" % bootstrap] if bootstrap else [])
        self.argv = argv
        self.proc = spawn(argv, log=log)
        self.pid = self.proc.pid
        # dhtnode has no --duration: a timer bounds it as serve --duration bounds ours.
        self.timer = threading.Timer(budget, kill, args=(self.proc,))
        self.timer.daemon = True
        self.timer.start()
        if not self.wait_ready():
            self.stop()
            raise RuntimeError("%s did not answer pings within 15 s (log: %s)" % (" ".join(argv), log))

    def wait_ready(self, timeout=15.0):
        w = Wire(self.addr)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and self.proc.poll() is None:
                r = w.request("ping", {}, timeout=0.3)
                if r and "r" in r:
                    self.node_id = r["r"].get("id", b"").hex()
                    return True
            return False
        finally:
            w.close()

    def stop(self):
        self.timer.cancel()
        kill(self.proc)


# ----------------------------------------------------------------------------------------------
# Monitor: a separate process (no GIL shared with the attack) pinging and sampling /proc
# ----------------------------------------------------------------------------------------------
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
        self.proc = spawn([sys.executable, os.path.abspath(__file__), "_monitor", "--pid", str(target.pid),
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


# ----------------------------------------------------------------------------------------------
# Honest client (a real node per operation)
# ----------------------------------------------------------------------------------------------
class Honest:
    def __init__(self, kind, rafiki_binary):
        self.kind, self.rafiki = kind, rafiki_binary

    def describe(self):
        return "opendht_peer.py put/get/listen (OpenDHT 2.4.12)" if self.kind == "opendht" else \
            "rafiki-dhtnode put/get/listen (%s)" % self.rafiki

    def argv(self, node, timeout, *command):
        boot = "%s:%d" % node
        if self.kind == "opendht":
            return [SYS_PY, PEER, "--bootstrap", boot, "--timeout", str(timeout)] + list(command)
        return [self.rafiki, "--bootstrap", boot, "--timeout", str(timeout)] + list(command)

    def ops(self, node, tag, count=20, concurrency=5, timeout=None):
        """`count` puts then `count` gets of distinct keys; a get counts if it finds its value."""
        # A rafiki-dhtnode put waits out the retransmissions to earlier (exited) clients the target
        # still lists, about 8 s; opendht_peer.py puts take about 1.5 s.
        timeout = timeout or (15 if self.kind == "opendht" else 25)
        keys = ["dht-attack-%s-%d-%d" % (tag, os.getpid(), i) for i in range(count)]
        t0 = time.monotonic()

        def put(k):
            rc, out, secs = run_client(self.argv(node, timeout, "put", "--key", k, "--data", "honest " + k), timeout + 5)
            return rc == 0 and '"ok": true' in out, secs

        def get(k):
            rc, out, secs = run_client(self.argv(node, timeout, "get", "--key", k, "--expect", "1"), timeout + 5)
            return rc == 0 and ("honest " + k) in out, secs

        with ThreadPoolExecutor(concurrency) as ex:
            puts = list(ex.map(put, keys))
            t_puts = time.monotonic() - t0
            gets = list(ex.map(get, keys))
        return {"client": self.kind, "puts_ok": sum(ok for ok, _ in puts), "gets_found": sum(ok for ok, _ in gets),
                "of": count, "put_p50_s": round(statistics.median(s for _, s in puts), 2),
                "get_p50_s": round(statistics.median(s for _, s in gets), 2),
                "puts_took_s": round(t_puts, 1), "total_s": round(time.monotonic() - t0, 1)}

    def listener(self, node, key, duration):
        """A real node listening to `key`; returns the process (JSON lines on its stdout)."""
        return spawn(self.argv(node, duration + 20, "listen", "--key", key, "--duration", str(duration),
                               "--count", "1"), stdout=subprocess.PIPE)


# ----------------------------------------------------------------------------------------------
# Attacks. Each gets the target and an Env; returns its own figures. Attack sockets live on
# 127.66.x.y so the honest client, pinger and finds (127.0.0.1) never share their per-IP budget.
# ----------------------------------------------------------------------------------------------
def attacker_ips(n, spread):
    return ["127.66.%d.1" % i for i in range(1, n + 1)] if spread else ["127.66.0.%d" % i for i in range(1, n + 1)]


def paced(total, rate):
    """Yields i = 0..total-1, sleeping so that item i goes out at i / rate seconds."""
    t0 = time.monotonic()
    for i in range(total):
        if i % 64 == 0:
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        yield i


def fit_sizes(build, size, limit=MAX_DATAGRAM):
    """The most announced values of `size` bytes whose header still fits in `limit` bytes."""
    n = (limit // 3) + 1
    while len(build([size] * n)) > limit:
        n -= 1
    return n


def attack_partbomb(t, env, shape):
    w = Wire(t.addr, ip=attacker_ips(1, False)[0], client=False)
    tok = (w.token() or b"\0" * 32) if shape == "request" else None
    size = env.args.part_size

    def header(sizes, tid):
        if shape == "reply":
            return reply({"id": rid(), "values": sizes}, tid)
        return query("put", {"id": rid(), "h": rid(), "values": sizes, "token": tok}, tid)
    n = fit_sizes(lambda sizes: header(sizes, 0xFFFFFFFF), size)
    # Built beforehand, so each round leaves as one burst.
    rounds = [[header([size] * n, rtid()) for _ in range(env.args.headers)] for _ in range(env.args.rounds)]
    sent = bytes_sent = 0
    t0 = time.monotonic()
    for i, datagrams in enumerate(rounds):
        while time.monotonic() < t0 + i * env.args.round_interval:
            time.sleep(0.01)
        for d in datagrams:
            w.send(d)
            sent += 1
            bytes_sent += len(d)
    secs = time.monotonic() - t0
    got = w.drain(0.5)
    w.close()
    return {"shape": shape, "headers_sent": sent, "values_per_header": n, "announced_value_size": size,
            "datagram_bytes": bytes_sent // max(1, sent), "udp_bytes": bytes_sent, "seconds": round(secs, 2),
            "announced_bytes_per_round": env.args.headers * n * size,
            "answers_to_attacker": len([m for m in got if m is not None])}


def attack_forged_replies(t, env):
    """Reply-shaped datagrams (first key `r`), fresh sender id and random (unknown) tid each."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((attacker_ips(1, False)[0], 0))
    s.connect(t.addr)
    s.setblocking(False)
    head = b"\x84\xa1r\x82\xa2id\xc4\x14"
    mid = b"\xa2sa\xc4\x04" + ip_bytes(s.getsockname()[0]) + b"\xa1t\xce"
    tail = b"\xa1y\xa1r\xa1v\xa4RNG1"
    sample_id, sample_tid = rid(), 0x01020304
    assert head + sample_id + mid + sample_tid.to_bytes(4, "big") + tail == reply(
        {"id": sample_id, "sa": ip_bytes(s.getsockname()[0])}, sample_tid)
    sent = dropped = queries = 0
    t0 = time.monotonic()
    end = t0 + env.args.duration
    while time.monotonic() < end:
        blk = os.urandom(24 * 4096)
        for i in range(0, len(blk), 24):
            try:
                s.send(head + blk[i:i + 20] + mid + blk[i + 20:i + 24] + tail)
                sent += 1
            except (BlockingIOError, ConnectionRefusedError):
                dropped += 1
        while True:  # the node's own requests to the forged senders (pings of new nodes)
            try:
                if unpack(s.recv(65535)) is not None:
                    queries += 1
            except (BlockingIOError, ConnectionRefusedError):
                break
    secs = time.monotonic() - t0
    late = time.monotonic() + 3
    while time.monotonic() < late:
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            try:
                queries += unpack(s.recv(65535)) is not None
            except (BlockingIOError, ConnectionRefusedError):
                pass
    env.attacker = {"ips": {s.getsockname()[0]}, "ids": set()}
    s.close()
    return {"sent": sent, "send_errors": dropped, "seconds": round(secs, 2), "send_rate_per_s": int(sent / secs),
            "node_requests_to_forged_senders": queries}


def attack_sybil_puts(t, env, sockets):
    """`count` puts, each with a fresh random sender id, from `sockets` sockets (one address each)."""
    ips = attacker_ips(sockets, env.args.spread_subnets)
    wires = [Wire(t.addr, ip=ip, client=False) for ip in ips]
    tokens = [w.token() for w in wires]
    ids, acks, errors = set(), 0, 0
    count, rate = env.args.sybil_count, env.args.sybil_rate
    t0 = time.monotonic()
    for i in paced(count, rate):
        w = wires[i % len(wires)]
        nid = rid()
        ids.add(nid.hex())
        w.send(query("put", {"id": nid, "h": rid(), "values": [value(b"sybil %d" % i)],
                             "token": tokens[i % len(wires)] or b""}, rtid()))
    secs = time.monotonic() - t0
    pings = 0
    for w in wires:
        for m in w.drain(0.3 if w is wires[-1] else 0.0):
            if isinstance(m, dict):
                acks += m.get("y") == "r"
                errors += m.get("y") == "e"
                pings += m.get("y") == "q"
    for w in wires:
        w.close()
    env.attacker = {"ips": set(ips), "ids": ids}
    return {"sockets": sockets, "addresses": len(set(ips)), "puts_sent": count, "seconds": round(secs, 2),
            "acked": acks, "errors": errors, "node_requests_to_sybils": pings,
            "tokens_obtained": sum(1 for x in tokens if x)}


class PongAnswerer(threading.Thread):
    """Answers every ping the target sends to our sockets with a reply carrying a fresh id."""

    def __init__(self, wires, ids):
        super().__init__(daemon=True)
        self.wires, self.ids, self.stop, self.pongs = wires, ids, threading.Event(), 0
        self.lock = threading.Lock()

    def run(self):
        socks = {w.sock: w for w in self.wires}
        while not self.stop.is_set():
            r, _, _ = select.select(list(socks), [], [], 0.1)
            for s in r:
                w = socks[s]
                try:
                    data, frm = s.recvfrom(65535)
                except OSError:
                    continue
                m = unpack(data)
                if isinstance(m, dict) and m.get("y") == "q" and m.get("q") == "ping":
                    nid = rid()
                    with self.lock:
                        self.ids.add(nid.hex())
                    s.sendto(reply({"id": nid, "sa": ip_bytes(frm[0])}, m.get("t", 0)), frm)
                    self.pongs += 1


def attack_sybil_pongs(t, env, sockets):
    """Queries with fresh ids make the node ping us; every ping is answered with yet another id."""
    ips = attacker_ips(sockets, env.args.spread_subnets)
    wires = [Wire(t.addr, ip=ip, client=False) for ip in ips]
    ids = set()
    answerer = PongAnswerer(wires, ids)
    answerer.start()
    count, rate = env.args.sybil_count, env.args.sybil_rate
    t0 = time.monotonic()
    for i in paced(count, rate):
        w = wires[i % len(wires)]
        nid = rid()
        with answerer.lock:
            ids.add(nid.hex())
        w.send(query("ping", {"id": nid}, rtid()))
    secs = time.monotonic() - t0
    time.sleep(2.0)  # the node's pings of the last newcomers get answered
    env.attacker = {"ips": set(ips), "ids": ids}
    env.cleanup.append(lambda: (answerer.stop.set(), answerer.join(1), [w.close() for w in wires]))
    env.answerer = answerer
    return {"sockets": sockets, "addresses": len(set(ips)), "queries_sent": count, "seconds": round(secs, 2),
            "pongs_sent_so_far": answerer.pongs}


def attack_listen_squat(t, env):
    key_text = "dht-attack-squat-%d" % os.getpid()
    key = hashlib.sha1(key_text.encode()).digest()
    w = Wire(t.addr, ip=attacker_ips(1, False)[0], client=False)
    tok = w.token(key)
    answers = {"confirmed": 0, "errors": {}, "unanswered": 0}
    tids = {}
    t0 = time.monotonic()
    for i in paced(env.args.listeners, env.args.listen_rate):
        tid = rtid()
        tids[tid] = True
        w.send(query("listen", {"id": rid(), "ve": 1, "h": key, "token": tok or b"", "sid": rtid()}, tid))
        if i % 32 == 31:
            _tally(w.drain(), tids, answers)
    secs = time.monotonic() - t0
    _tally(w.drain(0.5), tids, answers)
    answers["unanswered"] = len(tids)
    env.squat = {"key_text": key_text, "key": key, "wire": w}
    env.cleanup.append(w.close)
    return {"listens_sent": env.args.listeners, "seconds": round(secs, 2), "token_obtained": tok is not None,
            "answers": answers}


def _tally(msgs, tids, answers):
    for m in msgs:
        if not isinstance(m, dict) or tids.pop(m.get("t"), None) is None:
            continue
        if m.get("y") == "r":
            answers["confirmed"] += 1
        else:
            code = str((m.get("e") or ["?"])[0])
            answers["errors"][code] = answers["errors"].get(code, 0) + 1


def squat_after(t, env):
    """A genuine listener (real node) and a raw one subscribe after the squat; then a value is put."""
    sq = env.squat
    listener = env.honest.listener(t.addr, sq["key_text"], duration=15)
    lines, ready = [], threading.Event()

    def read():
        for raw in listener.stdout:
            line = raw.decode(errors="replace").strip()
            lines.append((time.monotonic(), line))
            if '"listening"' in line:
                ready.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(10)
    time.sleep(2.0)  # its listen reaches the target (search, then listen)
    raw = Wire(t.addr, ip="127.0.0.2", client=False)  # another honest address, a plain listen
    sid = rtid()
    tok = raw.token(sq["key"])
    ans = raw.request("listen", {"id": raw.id, "ve": 1, "h": sq["key"], "token": tok or b"", "sid": sid})
    raw_answer = "none" if ans is None else ("confirmed" if ans.get("y") == "r" else "error %s" % (ans.get("e") or ["?"])[0])
    putter = Wire(t.addr)
    marker = b"after-the-squat %d" % os.getpid()
    ptok = putter.token(sq["key"])
    t_put = time.monotonic()
    ack = putter.request("put", {"h": sq["key"], "values": [value(marker)], "token": ptok or b""})
    raw_update = None
    deadline = t_put + 6
    genuine = lambda: [ts for ts, line in lines if marker.decode() in line]  # noqa: E731
    while time.monotonic() < deadline and (raw_update is None or not genuine()):
        for m in raw.drain(0.1):
            if isinstance(m, dict) and m.get("q") == "update" and m.get("a", {}).get("sid") == sid:
                raw_update = raw_update or round(time.monotonic() - t_put, 3)
                raw.send(reply({"id": raw.id}, m.get("t", 0)))
    got = genuine()
    kill(listener, grace=0.5)
    updates_to_squatters = sum(1 for m in sq["wire"].drain(0.5) if isinstance(m, dict) and m.get("q") == "update")
    raw.close()
    putter.close()
    return {"genuine_listener": env.honest.kind, "genuine_listener_got_update": bool(got),
            "genuine_update_after_s": round(got[0] - t_put, 3) if got else None,
            "genuine_listener_lines": [line for _, line in lines][:4],
            "raw_listen_answer": raw_answer, "raw_listener_got_update": raw_update is not None,
            "raw_update_after_s": raw_update, "put_acked": bool(ack and ack.get("y") == "r"),
            "updates_sent_to_squatters": updates_to_squatters}


def attack_put_flood(t, env):
    """Puts of ~1 KiB values from 16 addresses (client flag, so none enters the routing table):
    a flood below the quota, then enough to pass the quota, then the same flood at the quota."""
    ips = attacker_ips(16, True)
    wires = [Wire(t.addr, ip=ip, client=True) for ip in ips]
    tokens = [w.token() for w in wires]
    data = os.urandom(env.args.flood_value_size)
    quota = env.args.quota_mib << 20
    rate = env.args.flood_rate
    phases, first_keys = {}, []

    def flood(name, count, keep_keys=False):
        """Sends `count` puts at `rate`; counts the acks of this phase's puts only (by tid)."""
        tids, acks, last = set(), [0], [None]

        def collect(wait=0.0):
            for x in wires:
                for m in x.drain(wait if x is wires[-1] else 0.0):
                    if isinstance(m, dict) and m.get("y") == "r" and m.get("t") in tids:
                        tids.discard(m["t"])
                        acks[0] += 1
                        last[0] = time.monotonic()
        t0 = time.monotonic()
        for i in paced(count, rate):
            w = wires[i % len(wires)]
            key = rid()
            if keep_keys and len(first_keys) < 50:
                first_keys.append(key)
            tid = rtid()
            tids.add(tid)
            w.send(query("put", {"id": w.id, "h": key, "values": [value(data)],
                                 "token": tokens[i % len(wires)] or b""}, tid, client=True))
            if i % 256 == 255:
                collect()
        t_sent = time.monotonic()
        while tids and time.monotonic() - max(t_sent, last[0] or t_sent) < 1.0 and time.monotonic() - t_sent < 10:
            collect(0.1)  # a slow node's acks: until 1 s passes without one (at most 10 s)
        span = (last[0] or t_sent) - t0
        phases[name] = {"puts_sent": count, "send_s": round(t_sent - t0, 2), "acked": acks[0],
                        "acks_until_s": round(span, 2), "acked_per_s": int(acks[0] / max(span, 0.001)),
                        "window": (t0, time.monotonic())}

    n = env.args.flood_count
    flood("below_quota", n, keep_keys=True)
    # Fill until the node is seen evicting (one of the first values is gone) once the acknowledged
    # bytes reach the quota (a node that drops datagrams needs more sent); at most 60 s.
    per_value = env.args.flood_value_size + 40
    probe = Wire(t.addr)

    def stored(keys):
        """(answers, answers with the value): a get left unanswered says nothing."""
        answers = [probe.request("get", {"h": k}, timeout=1.0) for k in keys]
        answers = [a for a in answers if a and "r" in a]
        return len(answers), sum(1 for a in answers if a["r"].get("values"))
    filled, fill_sent, fill_acked, t_fill = phases["below_quota"]["acked"] * per_value, 0, 0, time.monotonic()
    while time.monotonic() - t_fill < 60:
        if filled >= quota:
            answered, kept = stored(first_keys[:10])
            if kept < answered:
                break
        batch = min(20000, max(5000, int((quota - filled) / per_value) + 1))
        flood("filling", batch)
        fill_sent += batch
        fill_acked += phases["filling"]["acked"]
        filled += phases["filling"]["acked"] * per_value
    fill_s = time.monotonic() - t_fill
    phases["filling"] = {"puts_sent": fill_sent, "send_s": round(fill_s, 2), "acked": fill_acked,
                         "acked_per_s": int(fill_acked / max(fill_s, 0.001)), "window": (t_fill, time.monotonic())}
    # The node may still be working through the fill: start the last phase once it answers a
    # ping within 100 ms again (at most 30 s), so that phase measures its own puts.
    t_wait = time.monotonic()
    while time.monotonic() - t_wait < 30:
        t_ping = time.monotonic()
        if probe.request("ping", {}, timeout=1.0) and time.monotonic() - t_ping < 0.1:
            break
    backlog_s = time.monotonic() - t_wait
    answered, still = stored(first_keys)
    flood("at_quota", n)
    probe.close()
    for w in wires:
        w.close()
    env.phase_windows = {k: v.pop("window") for k, v in phases.items()}
    return {"value_bytes": env.args.flood_value_size, "rate_per_s": rate, "quota_mib_assumed": env.args.quota_mib,
            "value_bytes_acked_before_at_quota_phase": filled, "quota_reached": still < answered,
            "first_50_values_still_stored": still, "first_50_answered": answered,
            "backlog_after_fill_s": round(backlog_s, 2), "phases": phases}


# ----------------------------------------------------------------------------------------------
# One run: start, measure, attack, measure, stop
# ----------------------------------------------------------------------------------------------
class Env:
    def __init__(self, args, honest, workdir):
        self.args, self.honest, self.workdir = args, honest, workdir
        self.attacker, self.cleanup, self.squat, self.phase_windows = None, [], None, {}


def node_binary(args):
    return args.opendht_binary if args.target == "opendht" else (args.node_binary or DEFAULT_RAFIKI)


def build_info(binary):
    info = {"binary": binary}
    try:
        info["mtime"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(os.path.getmtime(binary)))
    except OSError:
        pass
    root = os.path.dirname(os.path.realpath(binary))  # its checkout; HEAD is read now, not at build time
    while root != "/" and not os.path.exists(os.path.join(root, ".git")):
        root = os.path.dirname(root)
    if root != "/":
        try:
            info["commit"] = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                                            text=True, timeout=5).stdout.strip()
            info["dirty"] = bool(subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                                                capture_output=True, text=True, timeout=5).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    return info


def run_one(name, attack, args, honest, workdir, extra=None):
    binary = node_binary(args)
    after = sorted(args.after)
    env = Env(args, honest, workdir)
    result = {"attack": name, "target": args.target, "node": build_info(binary),
              "load_avg_1m": round(os.getloadavg()[0], 2), "started": time.strftime("%H:%M:%S")}
    neighbours, t = [], None
    try:
        t = Target(args.target, binary, workdir, budget=after[-1] + 240, serve_args=args.serve_arg)
        result["node"]["argv"] = " ".join(t.argv)
        if extra == "neighbours":
            for i in range(args.honest_nodes):
                neighbours.append(Target(args.target, binary, workdir, budget=after[-1] + 240, bootstrap=t.addr,
                                         name="neighbour%d" % i))
            honest_ids = {n.node_id for n in neighbours}
            deadline = time.monotonic() + 15  # the target pings them: they become good nodes
            while time.monotonic() < deadline:
                _, before = finds(t.addr, count=3)
                if honest_ids <= {e[0] for e in before}:
                    break
                time.sleep(0.5)
            _, before = finds(t.addr, seed=1)
            result["finds_before"] = classify(before, set(), honest_ids={n.node_id for n in neighbours})
        time.sleep(1.0)
        result["memory_before"] = proc_status(t.pid)
        mon = Monitor(t)
        t_start = time.monotonic()
        try:
            result["attack_figures"] = attack(t, env)
        finally:
            t_end = time.monotonic()
            data = mon.stop()
        samples = data["samples"]
        inside = [s for s in samples if t_start <= s[0] <= t_end + 1.0] or samples
        result["memory_peak_during_attack"] = {"rss_kb": max((s[1] for s in inside), default=None),
                                               "vm_kb": max((s[2] for s in inside), default=None)}
        result["cpu_percent"] = {"avg": cpu_between(samples, t_start, t_end),
                                 "peak_1s": cpu_peak_1s(samples, t_start, t_end + 1.0)}
        result["pings"] = ping_stats(data["pings"], t_start, t_end)
        result["attack_seconds"] = round(t_end - t_start, 2)
        for phase, (a, b) in env.phase_windows.items():
            result["attack_figures"]["phases"][phase]["cpu_percent"] = cpu_between(samples, a, b)
            result["attack_figures"]["phases"][phase]["pings"] = ping_stats(data["pings"], a, b)
        # After the attack: the samples at +10 s / +60 s are taken while the checks below run.
        marks, peak = {}, dict(result["memory_peak_during_attack"])

        def tail():
            # Every 100 ms until the last mark: a node may keep growing while it works through
            # what the attack queued.
            for a in after:
                while time.monotonic() < t_end + a:
                    st = proc_status(t.pid)
                    for k in ("rss_kb", "vm_kb"):
                        if st and (peak[k] is None or st[k] > peak[k]):
                            peak[k] = st[k]
                    time.sleep(min(0.1, max(0.0, t_end + a - time.monotonic())))
                marks["%ds" % a] = proc_status(t.pid)
        tail_thread = threading.Thread(target=tail, daemon=True)
        tail_thread.start()
        if name.startswith("listen-squat"):
            result["listener_check"] = squat_after(t, env)
        if env.attacker:
            result["finds_after"] = classify(finds(t.addr, seed=2)[1], env.attacker["ips"], env.attacker["ids"],
                                             {n.node_id for n in neighbours})
            if getattr(env, "answerer", None):
                result["attack_figures"]["pongs_sent"] = env.answerer.pongs
        if not args.no_honest:
            result["honest"] = honest.ops(t.addr, "%s-%s" % (args.target, name))
        tail_thread.join()
        result["memory_after"] = marks
        result["memory_peak"] = peak  # during the attack and until the last mark
        result["node_alive_at_end"] = t.proc.poll() is None
    except Exception as e:  # noqa: BLE001 - a failed run is reported, the next one still runs
        result["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        for f in env.cleanup:
            try:
                f()
            except Exception:  # noqa: BLE001
                pass
        for n in neighbours:
            n.stop()
        if t:
            t.stop()
    return result


def mib(kb):
    return "?" if kb is None else "%.0f MiB" % (kb / 1024)


def summary(r):
    if "error" in r:
        return "%s/%s: ERROR %s" % (r["target"], r["attack"], r["error"])
    p, a = r["pings"], r.get("attack_figures", {})
    after = r.get("memory_after", {})
    s = "%s/%s: RSS %s -> peak %s (during the attack %s; VM peak %s) -> %s; CPU avg %s%%; pings p50 %s ms p99 %s ms max %s ms lost %d/%d" % (
        r["target"], r["attack"], mib((r["memory_before"] or {}).get("rss_kb")), mib(r["memory_peak"]["rss_kb"]),
        mib(r["memory_peak_during_attack"]["rss_kb"]), mib(r["memory_peak"]["vm_kb"]), ", ".join("%s %s" % (k, mib((v or {}).get("rss_kb"))) for k, v in after.items()),
        r["cpu_percent"]["avg"], p["p50_ms"], p["p99_ms"], p["max_ms"], p["lost"], p["sent"])
    if "send_rate_per_s" in a:
        s += "; sent %d/s, node asked %d forged senders" % (a["send_rate_per_s"], a["node_requests_to_forged_senders"])
    if "finds_after" in r:
        f = r["finds_after"]
        s += "; finds: %d of %d distinct ids are ours (%d at our addresses)" % (
            f["attacker_ids"], f["distinct_ids"], f["at_attacker_addresses"])
    if "listener_check" in r:
        c = r["listener_check"]
        s += "; squat answers %s; genuine listener got update: %s; raw listen %s, update %s" % (
            json.dumps(a.get("answers")), c["genuine_listener_got_update"], c["raw_listen_answer"],
            c["raw_listener_got_update"])
    if "phases" in a:
        s += "; " + ", ".join("%s %d acks/s cpu %s%%" % (k, v["acked_per_s"], v.get("cpu_percent"))
                              for k, v in a["phases"].items() if k != "filling")
        s += "; first 50 values still stored: %d" % a["first_50_values_still_stored"]
    if "honest" in r:
        h = r["honest"]
        s += "; honest %s: %d/%d puts ok, %d/%d gets found" % (h["client"], h["puts_ok"], h["of"], h["gets_found"], h["of"])
    return s


def plan(attack, args):
    """(run name, attack function, extra) for the requested attack."""
    socks = [int(x) for x in args.sockets.split(",")]
    runs = {
        "partbomb": [("partbomb-reply", lambda t, e: attack_partbomb(t, e, "reply"), None),
                     ("partbomb-request", lambda t, e: attack_partbomb(t, e, "request"), None)],
        "forged-replies": [("forged-replies", attack_forged_replies, None)],
        "sybil-puts": [("sybil-puts-%d" % n, (lambda n: lambda t, e: attack_sybil_puts(t, e, n))(n), None) for n in socks],
        "sybil-pongs": [("sybil-pongs-%d" % n, (lambda n: lambda t, e: attack_sybil_pongs(t, e, n))(n), "neighbours")
                        for n in socks],
        "listen-squat": [("listen-squat", attack_listen_squat, None)],
        "put-flood": [("put-flood", attack_put_flood, None)],
    }
    if attack == "all":
        return [r for k in ("partbomb", "forged-replies", "sybil-puts", "sybil-pongs", "listen-squat", "put-flood")
                for r in runs[k]]
    return runs[attack]


def serve_help_storage(binary):
    """Options of `serve --help` that mention storage or a quota (finding 5 lowers it if one exists)."""
    try:
        out = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [line.strip() for line in out.splitlines() if ("storage" in line.lower() or "quota" in line.lower())]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("attack", choices=["partbomb", "forged-replies", "sybil-puts", "sybil-pongs", "listen-squat",
                                       "put-flood", "all"])
    ap.add_argument("--target", choices=["rafiki", "opendht"], required=True)
    ap.add_argument("--node-binary", help="rafiki-dhtnode to attack (default %s)" % DEFAULT_RAFIKI)
    ap.add_argument("--opendht-binary", default=OPENDHT_NODE, help="dhtnode to attack (default %(default)s)")
    ap.add_argument("--honest-client", choices=["opendht", "rafiki"], default="opendht",
                    help="real node used for the honest puts/gets and the genuine listener: opendht_peer.py "
                         "(default, the same for every target and build) or rafiki-dhtnode")
    ap.add_argument("--client-binary", help="rafiki-dhtnode for --honest-client rafiki (default: --node-binary, else %s)"
                    % DEFAULT_RAFIKI)
    ap.add_argument("--json", action="store_true", help="only JSON lines on stdout (human lines go to stderr)")
    ap.add_argument("--out", help="also append each run's JSON to this file")
    ap.add_argument("--after", type=lambda s: [int(x) for x in s.split(",")], default=[10, 60],
                    help="seconds after the attack to sample memory (default 10,60)")
    ap.add_argument("--no-honest", action="store_true", help="skip the 20 honest puts/gets")
    ap.add_argument("--serve-arg", action="append", default=[], help="extra argument for `rafiki-dhtnode serve` "
                    "(repeatable), e.g. a storage quota option if the build has one")
    g = ap.add_argument_group("attack sizes (defaults mirror issue 13)")
    g.add_argument("--rounds", type=int, default=3, help="partbomb rounds (3)")
    g.add_argument("--headers", type=int, default=256, help="partbomb headers per round (256)")
    g.add_argument("--round-interval", type=float, default=3.5, help="partbomb seconds between rounds (3.5; sessions die after 3 s)")
    g.add_argument("--part-size", type=int, default=65535, help="partbomb announced size per value (65535: 3 bytes each)")
    g.add_argument("--duration", type=float, default=10.0, help="forged-replies seconds (10)")
    g.add_argument("--sockets", default="1,16", help="sybil-puts/sybil-pongs socket counts (1,16), one address each")
    g.add_argument("--spread-subnets", action="store_true", help="sybil addresses in distinct /24s (default: one /24)")
    g.add_argument("--sybil-count", type=int, default=3000, help="sybil puts / pinging queries (3000)")
    g.add_argument("--sybil-rate", type=float, default=3500, help="sybil datagrams per second in all (3500: 3000 in < 1 s)")
    g.add_argument("--honest-nodes", type=int, default=4, help="sybil-pongs: honest nodes of the target's kind in the network (4)")
    g.add_argument("--listeners", type=int, default=1024, help="listen-squat listens (1024)")
    g.add_argument("--listen-rate", type=float, default=600, help="listen-squat listens per second (600: 1,024 in 1.7 s)")
    g.add_argument("--quota-mib", type=int, default=64, help="put-flood: the node's storage quota (64 MiB default of both)")
    g.add_argument("--flood-value-size", type=int, default=1024, help="put-flood value data bytes (1024)")
    g.add_argument("--flood-rate", type=float, default=6000, help="put-flood puts per second from 16 addresses (6000)")
    g.add_argument("--flood-count", type=int, default=5000, help="put-flood puts per measured phase (5000)")
    args = ap.parse_args()
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    atexit.register(kill_all)
    rafiki = args.client_binary or (args.node_binary if args.target == "rafiki" and args.node_binary else DEFAULT_RAFIKI)
    honest = Honest(args.honest_client, rafiki)
    binary = node_binary(args)
    for path in [binary] + ([rafiki] if args.honest_client == "rafiki" else [PEER, SYS_PY]):
        if not os.access(path, os.X_OK if not path.endswith(".py") else os.R_OK):
            sys.exit("missing %s" % path)
    workdir = tempfile.mkdtemp(prefix="dht_attack-")
    human = sys.stderr if args.json else sys.stdout
    print("# target %s (%s), honest client: %s, logs in %s" % (args.target, binary, honest.describe(), workdir), file=human)
    if args.target == "rafiki" and args.attack in ("put-flood", "all"):
        opts = serve_help_storage(binary)
        print("# `serve --help` storage/quota options: %s" % (opts or "none (measuring at the default quota)"), file=human)
    results = []
    for name, fn, extra in plan(args.attack, args):
        r = run_one(name, fn, args, honest, workdir, extra)
        if name == "put-flood" and args.target == "rafiki":
            r["serve_storage_options"] = serve_help_storage(binary)
        results.append(r)
        line = json.dumps(r, sort_keys=False)
        print(line if args.json else json.dumps(r, indent=1), flush=True)
        print(summary(r), file=human, flush=True)
        if args.out:
            with open(args.out, "a") as f:
                f.write(line + "\n")
    kill_all()
    leftover = [p.pid for p in CHILDREN if p.poll() is None]
    if leftover:
        print("# warning: processes still running: %s" % leftover, file=sys.stderr)
    sys.exit(1 if any("error" in r for r in results) else 0)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_monitor":
        mp = argparse.ArgumentParser()
        mp.add_argument("_monitor")
        mp.add_argument("--pid", type=int, required=True)
        mp.add_argument("--node", required=True)
        mp.add_argument("--ping-interval", type=float, default=0.05)
        mp.add_argument("--sample-interval", type=float, default=0.1)
        monitor_main(mp.parse_args())
    else:
        main()
