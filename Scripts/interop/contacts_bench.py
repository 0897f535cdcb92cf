#!/usr/bin/python3
"""Benchmark for issue 5, ours against jamid in one run (as root, /usr/bin/python3):

  * trust-request latency A -> B: from the sender's API call (jamid: D-Bus sendTrustRequest; ours:
    POST /v1/accounts/{id}/contacts) to the recipient's notification (jamid: the
    incomingTrustRequest signal; ours: the request.received event on the WebSocket stream, read by
    `rafiki events`). One sender account, --rounds recipient accounts, RSA-4096 everywhere.
  * idle memory (VmRSS, and VmHWM) of one daemon with one account, after --idle seconds.

Everything runs in the jamid harness's private network namespace over one loopback bootstrap.
Prints a table and, with --json, one JSON object.
    /usr/bin/python3 Scripts/interop/contacts_bench.py --rafikid .build/release/rafikid --rafiki .build/release/rafiki
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--harness", default=os.path.normpath(os.path.join(here, "../../../shared/peers/jamid")))
    ap.add_argument("--workdir", default="/tmp/rafiki-contacts-bench")
    ap.add_argument("--rafikid", required=True)
    ap.add_argument("--rafiki", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--idle", type=float, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, args.harness)
    import dbus
    import jamiharness as jh
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    res = {"rounds": args.rounds}
    h = jh.Harness(args.workdir, max_seconds=900)
    daemons = []
    try:
        bs = h.start_bootstrap()
        # --- jamid: A (one account) -> B (rounds accounts)
        A, B = h.start_jamid("A", debug=False), h.start_jamid("B", debug=False)
        m = A.mark()
        a = A.add_account(jh.offline_account_details(bs.addr, "a"))
        mb = B.mark()
        bs_acc = [B.add_account(jh.offline_account_details(bs.addr, "b%d" % i)) for i in range(args.rounds)]
        jh.wait_registered(A, a, since=m)
        for b in bs_acc:
            jh.wait_registered(B, b, since=mb)
        time.sleep(3)
        jamid_ms = []
        for b in bs_acc:
            uri = B.details(b)["Account.username"]
            mark = B.mark()
            t0 = time.monotonic()
            A.cm.sendTrustRequest(a, uri, dbus.ByteArray(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:a\r\nEND:VCARD\r\n"))
            t, _ = B.wait_signal("incomingTrustRequest", lambda x, b=b: x[0] == b, timeout=120, since=mark)
            jamid_ms.append((t - t0) * 1e3)
        res["jamid_latency_ms"] = [round(x, 1) for x in jamid_ms]

        # --- ours
        def start(name):
            home = os.path.join(args.workdir, name)
            log = open(home + ".log", "w")
            p = subprocess.Popen([args.rafikid, "--home", home, "--api-port", "0", "--bootstrap", bs.addr, "--log-level", "warning"],
                                 stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
            url = p.stdout.readline().strip().split(" ", 1)[1]
            token = open(os.path.join(home, "api-token")).read().strip()
            daemons.append(p)
            return p, home, url, token

        def api(url, token, method, path, body=None):
            req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=300) as r:
                return json.loads(r.read() or b"null")

        ra, ra_home, ra_url, ra_tok = start("RA")
        rb, rb_home, rb_url, rb_tok = start("RB")
        ours_a = api(ra_url, ra_tok, "POST", "/v1/accounts", {"displayName": "a"})["id"]
        ours_b = [api(rb_url, rb_tok, "POST", "/v1/accounts", {"displayName": "b%d" % i})["id"] for i in range(args.rounds)]

        def registered(url, tok):
            return all(x["state"] == "registered" for x in api(url, tok, "GET", "/v1/accounts")["accounts"])
        t = time.monotonic()
        while not (registered(ra_url, ra_tok) and registered(rb_url, rb_tok)) and time.monotonic() - t < 120:
            time.sleep(0.2)
        time.sleep(3)
        ours_ms = []
        for b in ours_b:
            ev = subprocess.Popen([args.rafiki, "events", "--json", "--home", rb_home, "--account", b, "--count", "1"],
                                  stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)  # the stream is open well before the request
            t0 = time.monotonic()
            api(ra_url, ra_tok, "POST", "/v1/accounts/%s/contacts" % ours_a, {"peer": b})
            for line in ev.stdout:
                if json.loads(line).get("type") == "request.received":
                    ours_ms.append((time.monotonic() - t0) * 1e3)
                    break
            ev.wait(timeout=30)
        res["ours_latency_ms"] = [round(x, 1) for x in ours_ms]

        # --- idle memory: one daemon, one account (A and RA)
        time.sleep(args.idle)
        res["jamid_memory_kb"] = jh.proc_stats(A.pid)
        res["ours_memory_kb"] = jh.proc_stats(ra.pid)
    finally:
        for p in daemons:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        h.close()

    jm, om = statistics.median(res["jamid_latency_ms"]), statistics.median(res["ours_latency_ms"])
    res["latency_ratio"] = round(om / jm, 3)
    jr, orss = res["jamid_memory_kb"]["VmRSS"], res["ours_memory_kb"]["VmRSS"]
    res["memory_ratio"] = round(orss / jr, 3)
    print("%-34s %12s %12s %8s" % ("", "rafikid", "jamid", "ratio"))
    print("%-34s %12.1f %12.1f %8.3f" % ("trust request A->B, median ms", om, jm, res["latency_ratio"]))
    print("%-34s %12s %12s" % ("  each round, ms", res["ours_latency_ms"], res["jamid_latency_ms"]))
    print("%-34s %12.1f %12.1f %8.3f" % ("idle RSS, one account, MiB", orss / 1024, jr / 1024, res["memory_ratio"]))
    print("%-34s %12.1f %12.1f" % ("peak RSS (VmHWM), MiB", res["ours_memory_kb"]["VmHWM"] / 1024, res["jamid_memory_kb"]["VmHWM"] / 1024))
    print("aims: latency ratio <= 0.333, idle RSS <= 20 MiB")
    if args.json:
        out.write(json.dumps(res) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
