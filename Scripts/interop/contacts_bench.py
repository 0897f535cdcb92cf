#!/usr/bin/python3
"""Benchmark for issue 5, ours against jamid in one run (as root, /usr/bin/python3):

  * trust-request latency A -> B, both sides in one DHT with all four daemons running and rounds
    alternating (jamid, ours, jamid, ...): from the sender's API call (jamid: D-Bus sendTrustRequest; ours:
    POST /v1/accounts/{id}/contacts) to the recipient's notification (jamid: the
    incomingTrustRequest signal; ours: the request.received event on the daemon's line-delimited
    event stream, subscribed before the request is sent). One sender account, --rounds recipient
    accounts, RSA-4096 everywhere. A round whose request does not arrive within --round-timeout
    is reported as lost, with where it was lost (sent or not by the sender, stored or not at the
    receiver); the whole run is bounded by --max-seconds.
  * idle memory of one daemon with one account, after --idle seconds: VmRSS (the aim's figure),
    and what it is made of: RssAnon (heap and stacks: memory the daemon allocated), RssFile
    (pages of its executable and libraries mapped in, shared and reclaimable), PSS (shared pages
    divided among the processes mapping them) and USS (pages no other process maps).

Everything runs in the jamid harness's private network namespace over one loopback bootstrap.
Prints a table and, with --json, one JSON object.
    /usr/bin/python3 Scripts/interop/contacts_bench.py --rafikid .build/release/rafikid
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import time

import children


def memory(pid):
    """kB figures of a live process, from /proc/PID/status and smaps_rollup."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[k] = int(v.split()[0])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        roll = {l.split(":")[0]: int(l.split()[1]) for l in f if l.split(":")[0] in ("Pss", "Private_Clean", "Private_Dirty")}
    out["Pss"] = roll.get("Pss", 0)
    out["Uss"] = roll.get("Private_Clean", 0) + roll.get("Private_Dirty", 0)
    return out


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--harness", default=os.path.normpath(os.path.join(here, "../../../shared/peers/jamid")))
    ap.add_argument("--workdir", default="/tmp/rafiki-contacts-bench", help="emptied first: accounts of an earlier run would be loaded again")
    ap.add_argument("--rafikid", required=True)
    ap.add_argument("--rafiki", help="unused (the event stream is read directly); kept for older command lines")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--idle", type=float, default=15)
    ap.add_argument("--round-timeout", type=float, default=60, help="seconds a request may take before the round fails")
    ap.add_argument("--max-seconds", type=int, default=900, help="bound on the whole run")
    ap.add_argument("--log-level", default="warning", help="rafikid's log level (logs go to WORKDIR/RA.log and RB.log)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, args.harness)
    import dbus
    import jamiharness as jh
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    res = {"rounds": args.rounds}
    shutil.rmtree(args.workdir, ignore_errors=True)
    h = jh.Harness(args.workdir, max_seconds=args.max_seconds)
    daemons, streams = [], []
    try:
        bs = h.start_bootstrap()
        # All four daemons run for the whole measurement, in one DHT: each side is timed with
        # the other's daemons idle beside it, over the same network, rounds alternating.
        A, B = h.start_jamid("A", debug=False), h.start_jamid("B", debug=False)
        m = A.mark()
        a = A.add_account(jh.offline_account_details(bs.addr, "a"))
        mb = B.mark()
        bs_acc = [B.add_account(jh.offline_account_details(bs.addr, "b%d" % i)) for i in range(args.rounds)]

        def start(name):
            home = os.path.join(args.workdir, name)
            p, url, token = children.start_rafikid(args.rafikid, home, bs.addr, open(home + ".log", "w"), args.log_level)
            daemons.append(p)
            return p, home, url, token

        api = children.api

        ra, ra_home, ra_url, ra_tok = start("RA")
        rb, rb_home, rb_url, rb_tok = start("RB")
        ours_a = api(ra_url, ra_tok, "POST", "/v1/accounts", {"displayName": "a"})["id"]
        ours_b = [api(rb_url, rb_tok, "POST", "/v1/accounts", {"displayName": "b%d" % i})["id"] for i in range(args.rounds)]
        # jamid makes three RSA-4096 keys and DH parameters per account: minutes for several.
        children.jamid_registered(jh, A, a, timeout=300, since=m)
        for b in bs_acc:
            children.jamid_registered(jh, B, b, timeout=300, since=mb)

        def registered(url, tok):
            return all(x["state"] == "registered" for x in api(url, tok, "GET", "/v1/accounts")["accounts"])
        children.poll("every rafikid account registered", lambda: registered(ra_url, ra_tok) and registered(rb_url, rb_tok), timeout=120)
        time.sleep(3)

        def jamid_round(b):
            uri = B.details(b)["Account.username"]
            mark = B.mark()
            t0 = time.monotonic()
            A.cm.sendTrustRequest(a, uri, dbus.ByteArray(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:a\r\nEND:VCARD\r\n"))
            t, _ = B.wait_signal("incomingTrustRequest", lambda x, b=b: x[0] == b, timeout=args.round_timeout, since=mark)
            return (t - t0) * 1e3

        def ours_round(i, b):
            # Subscribed before the request goes out: the stream's response head comes after the
            # daemon subscribed, so the event cannot fire unseen.
            received = children.EventStream(rb_url, rb_tok, account=b)
            sent = children.EventStream(ra_url, ra_tok, account=ours_a)
            streams.extend([received, sent])
            t0 = time.monotonic()
            api(ra_url, ra_tok, "POST", "/v1/accounts/%s/contacts" % ours_a, {"peer": b})
            try:
                t, _ = received.wait("round %d: request.received at %s" % (i, b[:8]), lambda e: e.get("type") == "request.received",
                                     timeout=args.round_timeout)
                return (t - t0) * 1e3
            except (TimeoutError, EOFError) as e:
                # Say where it was lost: never sent, sent but not shown, or shown but not streamed.
                try:
                    sent.wait("request.sent", lambda e: e.get("type") == "request.sent" and e.get("peer") == b, timeout=0.1)
                    was_sent = True
                except (TimeoutError, EOFError):
                    was_sent = False
                stored = [r["from"] for r in api(rb_url, rb_tok, "GET", "/v1/accounts/%s/requests" % b)["requests"]]
                res.setdefault("lost", []).append({"round": i, "error": str(e), "request_sent_at_sender": was_sent,
                                                   "stored_at_receiver": ours_a in stored})
                print("round %d lost: %s (sender's request.sent: %s; in the receiver's requests: %s)"
                      % (i, e, was_sent, ours_a in stored), file=sys.stderr)
                return None
            finally:
                received.close()
                sent.close()

        jamid_ms, ours_ms = [], []
        for i, (jb, ob) in enumerate(zip(bs_acc, ours_b)):
            jamid_ms.append(jamid_round(jb))
            time.sleep(1)
            ours_ms.append(ours_round(i, ob))
            time.sleep(1)
        res["jamid_latency_ms"] = [round(x, 1) for x in jamid_ms]
        res["ours_latency_ms"] = [round(x, 1) for x in ours_ms if x is not None]
        res["ours_delivered"] = "%d of %d" % (len(res["ours_latency_ms"]), args.rounds)

        # --- idle memory: one daemon, one account (A and RA)
        time.sleep(args.idle)
        res["jamid_memory_kb"] = memory(A.pid)
        res["ours_memory_kb"] = memory(ra.pid)
    finally:
        for s in streams:
            s.close()
        for p in daemons:
            children.stop(p, grace=20)
        h.close()

    if not res.get("ours_latency_ms"):
        print("no Rafiki request was delivered: %s" % res.get("lost"), file=sys.stderr)
        if args.json:
            out.write(json.dumps(res) + "\n")
        out.flush()
        sys.exit(1)
    jm, om = statistics.median(res["jamid_latency_ms"]), statistics.median(res["ours_latency_ms"])
    res["latency_ratio"] = round(om / jm, 3)
    jr, orss = res["jamid_memory_kb"]["VmRSS"], res["ours_memory_kb"]["VmRSS"]
    res["memory_ratio"] = round(orss / jr, 3)
    print("%-34s %12s %12s %8s" % ("", "rafikid", "jamid", "ratio"))
    print("%-34s %12.1f %12.1f %8.3f" % ("trust request A->B, median ms", om, jm, res["latency_ratio"]))
    print("%-34s %12s %12s" % ("  each round, ms", res["ours_latency_ms"], res["jamid_latency_ms"]))
    print("%-34s %12s" % ("  rafikid requests delivered", res["ours_delivered"]))
    print("%-34s %12.1f %12.1f %8.3f" % ("idle RSS, one account, MiB", orss / 1024, jr / 1024, res["memory_ratio"]))
    for key, label in (("RssAnon", "  of which anonymous, MiB"), ("RssFile", "  of which file pages, MiB"), ("Pss", "PSS, MiB"),
                       ("Uss", "USS (private), MiB"), ("VmHWM", "peak RSS (VmHWM), MiB")):
        o, j = res["ours_memory_kb"][key], res["jamid_memory_kb"][key]
        print("%-34s %12.1f %12.1f %8.3f" % (label, o / 1024, j / 1024, o / j if j else 0))
    print("aims: latency ratio <= 0.333, idle RSS <= 20 MiB")
    if args.json:
        out.write(json.dumps(res) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
