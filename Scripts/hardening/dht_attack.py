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

# Everything but argument parsing and dispatch lives in the dhtattack package next to this file
# (Python puts this file's directory first on sys.path, so the import works from any directory).
import argparse
import atexit
import json
import os
import signal
import sys
import tempfile

from dhtattack.config import DEFAULT_RAFIKI, OPENDHT_NODE, PEER, SYS_PY
from dhtattack.honest import Honest
from dhtattack.listeners import attack_listen_squat
from dhtattack.partbomb import attack_partbomb
from dhtattack.probes import monitor_main
from dhtattack.processes import CHILDREN, kill_all, on_signal
from dhtattack.putflood import attack_put_flood
from dhtattack.replies import attack_forged_replies
from dhtattack.report import summary
from dhtattack.run import node_binary, run_one
from dhtattack.sybil import attack_sybil_pongs, attack_sybil_puts
from dhtattack.targets import serve_help_storage


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
