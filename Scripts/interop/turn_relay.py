#!/usr/bin/python3
"""Two rafikid with no route between them except a coturn relay, driven by the Swift test
`TURNRelayNetnsTests` (run as root).

Three network namespaces made here and deleted at the end: `T` holds a DHT bootstrap node
(Debian's dhtnode) and coturn, with one veth link to `A` (10.77.1.0/24) and one to `B`
(10.77.2.0/24) and no IP forwarding, so A and B can reach T but never each other. coturn listens
on both links and relays on B's side (10.77.2.1). A's daemon uses it as its TURN server.
  1. each daemon makes an account and registers through T's bootstrap;
  2. A: `rafiki peers connect <B>` must connect, and the pair in use must be `relay` on both
     sides (B's host candidate reaches A's relayed address; A's own host candidates cannot
     reach B and B's cannot reach A);
  3. a channel probe goes through the relayed socket (declined by B: no service on that name);
  4. both daemons stop cleanly.
Results are one JSON object on stdout; progress goes to stderr.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import time

import children


def sh(*argv):
    subprocess.run(list(argv), check=True, capture_output=True, timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--rafikid", required=True)
    ap.add_argument("--rafiki", required=True)
    ap.add_argument("--max-seconds", type=int, default=240)
    args = ap.parse_args()
    results = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("turn_relay.py: over its time limit")))
    signal.alarm(args.max_seconds)

    tag = "%06x" % random.randrange(1 << 24)
    ns = {n: "rafiki-%s-%s" % (n.lower(), tag) for n in ("T", "A", "B")}
    res = {}
    procs = []
    os.makedirs(args.workdir, exist_ok=True)
    try:
        for name in ns.values():
            sh("ip", "netns", "add", name)
            sh("ip", "-n", name, "link", "set", "lo", "up")
        for side, net in (("A", "10.77.1"), ("B", "10.77.2")):
            t_end, s_end = "t%s%s" % (side.lower(), tag[:4]), "s%s%s" % (side.lower(), tag[:4])
            sh("ip", "link", "add", t_end, "netns", ns["T"], "type", "veth", "peer", "name", s_end, "netns", ns[side])
            sh("ip", "-n", ns["T"], "addr", "add", net + ".1/24", "dev", t_end)
            sh("ip", "-n", ns[side], "addr", "add", net + ".2/24", "dev", s_end)
            sh("ip", "-n", ns["T"], "link", "set", t_end, "up")
            sh("ip", "-n", ns[side], "link", "set", s_end, "up")
        sh("ip", "netns", "exec", ns["T"], "sysctl", "-qw", "net.ipv4.ip_forward=0")

        def inns(n):
            return ["ip", "netns", "exec", ns[n]]

        log = lambda name: open(os.path.join(args.workdir, name), "w")
        procs.append(children.spawn(inns("T") + ["dhtnode", "-p", "4222"], stdin=subprocess.PIPE, stdout=log("dhtnode.log"), stderr=subprocess.STDOUT))
        procs.append(children.spawn(inns("T") + [
            "turnserver", "-n", "--no-cli", "--no-tls", "--no-dtls", "--no-udp", "-L", "10.77.1.1", "-L", "10.77.2.1",
            "-E", "10.77.2.1", "-p", "3478", "-a", "-u", "ring:ring", "-r", "rafiki.test",
            "--log-file", os.path.join(args.workdir, "coturn.log"), "--simple-log",
            "--pidfile", os.path.join(args.workdir, "coturn.pid"), "--userdb", os.path.join(args.workdir, "coturn.db")],
            stdout=log("coturn.out"), stderr=subprocess.STDOUT))
        time.sleep(1.5)

        daemons = {}
        for side, net, turn in (("A", "10.77.1", True), ("B", "10.77.2", False)):
            home = os.path.join(args.workdir, side)
            os.makedirs(home, exist_ok=True)
            config = {"peerAddresses": [net + ".2"], "dhtHost": net + ".2"}
            if turn:
                config.update({"turnServer": net + ".1:3478", "turnUsername": "ring", "turnPassword": "ring"})
            with open(os.path.join(home, "config.json"), "w") as f:
                json.dump(config, f)
            p, _, _ = children.start_rafikid(args.rafikid, home, net + ".1:4222", log("rafikid-%s.log" % side), wrap=inns(side))
            procs.append(p)
            daemons[side] = (p, home)

        def rafiki(side, *argv, check=True):
            p = subprocess.run(inns(side) + [args.rafiki] + list(argv) + ["--home", daemons[side][1]], capture_output=True, text=True, timeout=120)
            if check and p.returncode != 0:
                raise RuntimeError("rafiki %s (%s) failed: %s" % (" ".join(argv), side, p.stderr.strip()))
            return p

        accounts = {}
        for side in ("A", "B"):
            accounts[side] = json.loads(rafiki(side, "account", "create", "--display-name", side, "--json").stdout)
        for side in ("A", "B"):
            children.poll("%s registered" % side, lambda: [a for a in json.loads(rafiki(side, "account", "list", "--json").stdout) if a["state"] == "registered"], timeout=90)
        res["accounts"] = {s: a["id"] for s, a in accounts.items()}

        res["bootstrap_alive"] = procs[0].poll() is None
        t0 = time.monotonic()
        p = rafiki("A", "peers", "connect", accounts["B"]["id"], "--json", check=False)
        res["connect_ms"] = round((time.monotonic() - t0) * 1e3)
        if p.returncode != 0:
            raise RuntimeError("peers connect failed: " + p.stderr.strip())
        res["at_a"] = json.loads(p.stdout)
        res["at_b"] = children.poll("B's side", lambda: [r for r in json.loads(rafiki("B", "peers", "list", "--json").stdout) if r["state"] == "connected"], timeout=30)
        res["probe"] = json.loads(rafiki("A", "peers", "probe", accounts["B"]["device"], "rafiki-test/relayed", "--json").stdout)
        res["exits"] = [children.stop(daemons[s][0], grace=30) for s in ("A", "B")]
        for s in ("A", "B"):
            text = open(os.path.join(args.workdir, "rafikid-%s.log" % s)).read()
            res.setdefault("daemon_errors", []).extend([l for l in text.splitlines() if " error " in l or "critical" in l][:10])
    except Exception as e:  # reported, not raised: the Swift test prints it
        res["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        signal.alarm(0)
        for p in procs:
            children.stop(p, grace=5)
        for name in ns.values():
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
    results.write(json.dumps(res) + "\n")
    results.flush()


if __name__ == "__main__":
    main()
