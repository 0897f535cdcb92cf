#!/usr/bin/python3
"""Connection setup time, ours and jamid's, on the same machine in one run (issue 15's benchmark),
as root with /usr/bin/python3. Both run in the harness's network namespace on its veth address
(jamid never offers loopback candidates), each pair of daemons on one private DHT.

- Rafiki <-> Rafiki: two rafikid; `--rounds` times: `POST /peers` (connect by device id), the
  socket's `setupMs` (our request put on the DHT -> socket ready: ICE, TLS, multiplexer
  version), then a channel probe (the first channel request and its answer, timed by the
  client), then disconnect.
- jamid <-> jamid: one jamid with three accounts; Jay asks Kay and Lea, they accept, and jamid
  connects them (to clone the conversation, to sync, for sip); from jamid's own debug log, each
  "Request connection to D" (the request put on the DHT) to "Connection to D is ready - Initied
  by connectDevice()" (ICE, TLS and the multiplexer up) is one sample.
- With `--peer-bench`, also rafiki-peer-bench's figures (one and 16 channels over one socket
  against raw TLS with the same contexts; memory per socket and per channel).
Prints one JSON object on stdout (medians, samples, ratio); progress on stderr.
"""
import json
import os
import re
import statistics
import time

import children
import scenario


def options(ap):
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--peer-bench", help="rafiki-peer-bench binary: also throughput and memory, in the same run")


def main():
    args = scenario.arguments(480, extra=options)
    import dbus
    with scenario.Scenario(args) as s:
        jh, h, res = s.jh, s.h, s.res
        daemons = []
        s.on_exit(lambda: [children.stop(p, grace=10) for p in daemons])
        bs = h.start_bootstrap()
        lan = jh.NETNS_LAN_ADDR.split("/")[0]

        # Rafiki <-> Rafiki
        sides = []
        for name in ("R1", "R2"):
            home = os.path.join(args.workdir, name)
            os.makedirs(home, exist_ok=True)
            with open(os.path.join(home, "config.json"), "w") as f:
                json.dump({"peerAddresses": [lan]}, f)
            p, url, token = children.start_rafikid(args.rafikid, home, bs.addr, open(os.path.join(args.workdir, name + ".log"), "w"), log_level="warning")
            daemons.append(p)
            account = children.api(url, token, "POST", "/v1/accounts", {"displayName": name})
            sides.append((url, token, account))
        for url, token, account in sides:
            children.poll("registered", lambda: children.api(url, token, "GET", "/v1/accounts/" + account["id"])["state"] == "registered", timeout=90)
        (u1, t1, a1), (u2, t2, a2) = sides
        setups, probes = [], []
        for i in range(args.rounds + 1):
            rows = children.api(u1, t1, "POST", "/v1/accounts/%s/peers" % a1["id"], {"peer": a2["device"]})["peers"]
            if rows[0]["state"] != "connected":
                raise RuntimeError("round %d: %s" % (i, rows))
            t0 = time.monotonic()
            children.api(u1, t1, "POST", "/v1/accounts/%s/peers/%s/channels" % (a1["id"], a2["device"]), {"name": "bench/probe"})
            probe = (time.monotonic() - t0) * 1e3
            if i > 0:  # the first round warms caches (certificates, routes)
                setups.append(rows[0]["setupMs"])
                probes.append(round(probe, 2))
            children.api(u1, t1, "DELETE", "/v1/accounts/%s/peers/%s" % (a1["id"], a2["device"]))
            time.sleep(0.5)
        res["rafiki"] = {"setup_ms": setups, "first_channel_ms": probes,
                         "setup_median_ms": statistics.median(setups), "first_channel_median_ms": statistics.median(probes)}

        # jamid <-> jamid
        j = h.start_jamid("J", debug=True)
        m = j.mark()
        accs = {n: j.add_account(jh.offline_account_details(bs.addr, n)) for n in ("Jay", "Kay", "Lea")}
        for acc in accs.values():
            children.jamid_registered(jh, j, acc, timeout=240, since=m)
        for acc in accs.values():
            children.poll("jamid's DH params", lambda: os.path.exists(os.path.join(j.env["XDG_CACHE_HOME"], acc, "dhParams")), timeout=120)
        uris = {n: j.details(a)["Account.username"] for n, a in accs.items()}
        for peer in ("Kay", "Lea"):
            m = j.mark()
            j.cm.sendTrustRequest(accs["Jay"], uris[peer], dbus.ByteArray(b""))
            j.wait_signal("incomingTrustRequest", lambda a: a[0] == accs[peer], timeout=90, since=m)
            time.sleep(2)
            j.cm.acceptTrustRequest(accs[peer], uris["Jay"])
        time.sleep(15)
        log = open(os.path.join(args.workdir, "J", "jamid.log"), errors="replace").read()
        stamp = re.compile(r"\[(\d+\.\d+)\|")
        asked, samples = {}, []
        for line in log.splitlines():
            t = stamp.search(line)
            if not t:
                continue
            r = re.search(r"Request connection to ([0-9a-f]{64})", line)
            if r:
                asked.setdefault(r.group(1), float(t.group(1)))
            r = re.search(r"Connection to ([0-9a-f]{64}) is ready - Initied by connectDevice", line)
            if r and r.group(1) in asked:
                samples.append(round((float(t.group(1)) - asked.pop(r.group(1))) * 1e3, 1))
        if not samples:
            raise RuntimeError("no jamid connection found in its log")
        res["jamid"] = {"setup_ms": samples, "setup_median_ms": statistics.median(samples)}
        res["setup_ratio_ours_to_jamid"] = round(res["rafiki"]["setup_median_ms"] / res["jamid"]["setup_median_ms"], 3)
        if args.peer_bench:
            import subprocess
            out = subprocess.run([args.peer_bench, "--json"], capture_output=True, text=True, timeout=300)
            res["throughput_and_memory"] = json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr.strip()[-300:]}


if __name__ == "__main__":
    main()
