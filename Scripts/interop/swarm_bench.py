#!/usr/bin/python3
"""Swarm figures, ours and jamid's, on the same machine in one run (issue 16's benchmark), as root
with /usr/bin/python3, in the harness's network namespace (one private DHT).

- latency Rafiki -> Rafiki: two rafikid in a 1:1 conversation (A asks B, B accepts);
  `--messages` times: `POST …/messages` on A to the `message.received` event on B's event stream
  (both timed by this script's clock), one message at a time;
- latency jamid -> jamid: Jay and Kay in one jamid (Jay asks, Kay accepts); Jay's `sendMessage`
  (D-Bus) to Kay's `messageReceived` signal (the harness stamps signals as they arrive);
- throughput: A sends `--burst` messages as fast as its API takes them; messages per second
  committed on A, and until the last is on B;
- sync: A writes `--history` messages in a group of its own, then invites B; B's accept call
  to the conversation being on B with every message (clone, validation of every commit and
  signature, index);
- memory per conversation: B's resident memory before and after `--conversations` more
  conversations are created and listed, divided by their number.
Prints one JSON object on stdout; progress on stderr.
"""
import os
import time

import children
import scenario


def pct(samples, q):
    s = sorted(samples)
    return round(s[min(len(s) - 1, int(q * len(s)))], 2) if s else None


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def options(ap):
    ap.add_argument("--messages", type=int, default=50)
    ap.add_argument("--jamid-messages", type=int, default=20)
    ap.add_argument("--burst", type=int, default=300)
    ap.add_argument("--history", type=int, default=10000)
    ap.add_argument("--conversations", type=int, default=200)


def main():
    args = scenario.arguments(1500, rafiki=False, extra=options)
    import dbus
    with scenario.Scenario(args) as s:
        jh, h, res = s.jh, s.h, s.res
        daemons = []
        s.on_exit(lambda: [children.stop(p, grace=10) for p in daemons])
        bs = h.start_bootstrap()
        lan = jh.NETNS_LAN_ADDR.split("/")[0]
        sides = []
        for name in ("A", "B"):
            home = children.rafiki_home(args.workdir, lan, name)
            p, url, token = children.start_rafikid(args.rafikid, home, bs.addr, open(os.path.join(args.workdir, name + ".log"), "w"), log_level="warning")
            daemons.append(p)
            account = children.api(url, token, "POST", "/v1/accounts", {"displayName": name})
            sides.append({"p": p, "url": url, "token": token, "id": account["id"]})
        a, b = sides

        def call(side, method, path, body=None):
            return children.api(side["url"], side["token"], method, "/v1/accounts/%s%s" % (side["id"], path), body)

        for s in sides:
            children.poll("registration", lambda: call(s, "GET", "")["state"] == "registered", timeout=120)
        events = children.EventStream(b["url"], b["token"], b["id"])
        call(a, "POST", "/contacts", {"peer": b["id"]})
        events.wait("A's request", lambda e: e["type"] == "request.received", timeout=120)
        call(b, "POST", "/requests/%s/accept" % a["id"])
        _, e = events.wait("the 1:1 cloned", lambda e: e["type"] == "conversation.changed" and e.get("state") == "cloned", timeout=120)
        conv = e["conversationId"]
        a_events = children.EventStream(a["url"], a["token"], a["id"])
        a_events.wait("B joined", lambda e: e["type"] == "conversation.member" and e.get("state") == "join", timeout=120)
        # Warm up: the socket B opened to clone stays; the first message may pay a sip channel.
        for i in range(3):
            m = call(a, "POST", "/conversations/%s/messages" % conv, {"body": "warm-up %d" % i})
            events.wait("warm-up", lambda e: e["type"] == "message.received" and e["message"]["id"] == m["id"], timeout=60)

        ours = []
        for i in range(args.messages):
            t0 = time.monotonic()
            m = call(a, "POST", "/conversations/%s/messages" % conv, {"body": "latency %d" % i})
            t, _ = events.wait("message %d" % i, lambda e: e["type"] == "message.received" and e["message"]["id"] == m["id"], timeout=60)
            ours.append((t - t0) * 1e3)
            time.sleep(0.05)
        res["latency_ours_ms"] = {"p50": pct(ours, 0.5), "p95": pct(ours, 0.95), "n": len(ours)}

        # Throughput: as fast as A's API takes them.
        t0 = time.monotonic()
        last = None
        for i in range(args.burst):
            last = call(a, "POST", "/conversations/%s/messages" % conv, {"body": "burst %d" % i})
        committed = time.monotonic() - t0
        t, _ = events.wait("the last of the burst", lambda e: e["type"] == "message.received" and e["message"]["id"] == last["id"], timeout=300)
        res["throughput"] = {"messages": args.burst, "committed_per_s": round(args.burst / committed, 1),
                             "received_per_s": round(args.burst / (t - t0), 1)}

        # Sync of a long history to a device that never saw it.
        group = call(a, "POST", "/conversations", {})["id"]
        t0 = time.monotonic()
        for i in range(args.history):
            call(a, "POST", "/conversations/%s/messages" % group, {"body": "history %d" % i})
        res["history_written_s"] = round(time.monotonic() - t0, 1)
        call(a, "POST", "/conversations/%s/members" % group, {"peer": b["id"]})
        events.wait("the invitation", lambda e: e["type"] == "conversation.request" and e.get("conversationId") == group, timeout=120)
        t0 = time.monotonic()
        call(b, "POST", "/conversation-requests/%s/accept" % group)
        accepted = time.monotonic() - t0
        page = call(b, "GET", "/conversations/%s/messages?limit=1" % group)["messages"]
        res["sync"] = {"messages": args.history, "seconds": round(accepted, 2), "last_on_b": page[-1]["body"] if page else None}

        # Memory per conversation (B): more conversations created, then all listed.
        before = rss_kib(b["p"].pid)
        for _ in range(args.conversations):
            call(b, "POST", "/conversations", {})
        listed = len(call(b, "GET", "/conversations")["conversations"])
        after = rss_kib(b["p"].pid)
        res["memory"] = {"conversations": listed, "kib_per_conversation": round((after - before) / args.conversations, 1),
                         "rss_mib": round(after / 1024, 1)}
        events.close()
        a_events.close()

        # jamid <-> jamid
        j, ((jay, jay_id), (kay, kay_id)) = children.start_jamid_accounts(jh, h, bs.addr, ["Jay", "Kay"], debug=True)
        m = j.mark()
        j.cm.sendTrustRequest(jay, kay_id, dbus.ByteArray(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jay\r\nEND:VCARD\r\n"))
        _, req = j.wait_signal("incomingTrustRequest", lambda x: x[0] == kay and x[2] == jay_id, timeout=120, since=m)
        jconv = str(req[1])
        j.cm.acceptTrustRequest(kay, jay_id)
        j.wait_signal("conversationReady", lambda x: x[0] == kay and x[1] == jconv, timeout=120, since=m)
        j.wait_signal("conversationMemberEvent", lambda x: x[0] == jay and x[1] == jconv and int(x[3]) == 1, timeout=120, since=m)
        theirs = []
        for i in range(args.jamid_messages + 3):
            m = j.mark()
            t0 = time.monotonic()
            j.cm.sendMessage(jay, jconv, "latency %d" % i, "", 0)
            t, _ = j.wait_signal("messageReceived", lambda x: x[0] == kay and x[1] == jconv and dict(x[2]).get("body") == "latency %d" % i,
                                 timeout=60, since=m)
            if i >= 3:  # the first ones warm up as ours do
                theirs.append((t - t0) * 1e3)
            time.sleep(0.05)
        res["latency_jamid_ms"] = {"p50": pct(theirs, 0.5), "p95": pct(theirs, 0.95), "n": len(theirs)}
        res["latency_ratio_p50"] = round(res["latency_ours_ms"]["p50"] / res["latency_jamid_ms"]["p50"], 4)


if __name__ == "__main__":
    main()
