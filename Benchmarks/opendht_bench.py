#!/usr/bin/env python3
"""OpenDHT side of the benchmark (Debian's python3-opendht 2.4.12). Loopback only.

  serve --port P            one node with rate limits off, until killed; prints {"event":"ready","port":P}
  latency --nodes N --keys K  N nodes in this process; put/get/listen latency over K keys, as JSON
"""
import argparse, json, os, random, signal, sys, threading, time
import opendht as dht

def runner(port=0, bootstrap=None):
    r = dht.DhtRunner()
    cfg = dht.DhtConfig()
    cfg.setRateLimit(1 << 30, 1 << 30)
    r.run(port=port, ipv4="127.0.0.1", config=cfg)
    if bootstrap:
        r.bootstrap("127.0.0.1", str(bootstrap))
    return r

def serve(args):
    r = runner(args.port)
    print(json.dumps({"event": "ready", "port": r.getBound().getPort()}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:  # sleep in short steps so the main thread handles signals
        time.sleep(0.5)

def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * p))] * 1000 if s else None

def latency(args):
    first = runner()
    port = first.getBound().getPort()
    nodes = [first] + [runner(bootstrap=port) for _ in range(args.nodes - 1)]
    time.sleep(args.settle)
    rng = random.Random(1)
    puts, gets, listens = [], [], []
    for k in range(args.keys):
        key = dht.InfoHash.get("bench-%d" % k)
        a, b, c = rng.sample(nodes, 3)
        heard, done = threading.Event(), threading.Event()
        t_put = [0.0]
        def on_value(v, expired):
            if not expired: heard.set()
            return True
        token = c.listen(key, on_value)
        time.sleep(0.05)  # let the listen reach the storing nodes
        t_put[0] = time.perf_counter()
        a.put(key, dht.Value(b"x" * 32), done_cb=lambda ok, n: done.set())
        done.wait(10); puts.append(time.perf_counter() - t_put[0])
        heard.wait(10); listens.append(time.perf_counter() - t_put[0])
        c.cancelListen(token)
        got, gdone = threading.Event(), threading.Event()
        t0 = time.perf_counter()
        b.get(key, get_cb=lambda v: (got.set(), True)[1], done_cb=lambda ok, n: gdone.set())
        got.wait(10); gets.append(time.perf_counter() - t0)
        gdone.wait(10)
    out = {"put_p50": pct(puts, .5), "put_p99": pct(puts, .99), "get_p50": pct(gets, .5), "get_p99": pct(gets, .99),
           "listen_p50": pct(listens, .5), "listen_p99": pct(listens, .99)}
    print(json.dumps(out), flush=True)
    sys.stdout.flush()
    os._exit(0)  # skip the binding's teardown, which trips over pending callbacks

ap = argparse.ArgumentParser()
sub = ap.add_subparsers(dest="cmd", required=True)
p = sub.add_parser("serve"); p.add_argument("--port", type=int, default=0)
p = sub.add_parser("latency"); p.add_argument("--nodes", type=int, default=32); p.add_argument("--keys", type=int, default=1000); p.add_argument("--settle", type=float, default=3)
a = ap.parse_args()
serve(a) if a.cmd == "serve" else latency(a)
