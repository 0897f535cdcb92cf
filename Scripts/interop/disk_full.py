#!/usr/bin/python3
"""A full disk at the receiver, driven by the Swift test `DiskFullTests` (as root, with
/usr/bin/python3): two rafikid in the harness's network namespace (no jamid), B's
`conversation_data` on an 8 MiB tmpfs it mounts in a mount namespace of its own
(`unshare -m`), so nothing outside is touched.
  1. a 20 MiB file: B's download is refused at once (`507 storage.full`);
  2. two 5 MiB files downloaded together: each fits alone, both do not; the one that meets the
     full disk fails with that reason, B stays up, what it stored is intact (the other file
     checks out, its messages still list), and a cancel gives the space back.
Results are one JSON object on stdout; progress goes to stderr.
"""
import json
import os
import urllib.error

import children
import scenario


def main():
    args = scenario.arguments(300, rafiki=False)
    with scenario.Scenario(args) as s:
        jh, h, res = s.jh, s.h, s.res
        daemons = []
        s.on_exit(lambda: [children.stop(p, grace=10) for p in daemons])
        bs = h.start_bootstrap()
        lan = jh.NETNS_LAN_ADDR.split("/")[0]

        def start(name, wrap=()):
            # A serves at 4 MiB/s, so that B's two downloads surely overlap.
            config = {"autoDownloadLimit": 0, "uploadRateLimit": (4 << 20) if name == "A" else 0}
            side = children.start_side(args.rafikid, args.workdir, lan, name, bs.addr, config, wrap)
            daemons.append(side["p"])
            return side

        a = start("A")
        a["id"] = children.api(a["url"], a["token"], "POST", "/v1/accounts", {"displayName": "A"})["id"]
        b = start("B")
        b["id"] = children.api(b["url"], b["token"], "POST", "/v1/accounts", {"displayName": "B"})["id"]
        # B again, its conversation_data on a small tmpfs of its own mount namespace.
        children.stop(b["p"], grace=20)
        data = os.path.join(b["home"], "accounts", b["id"], "conversation_data")
        os.makedirs(data, exist_ok=True)
        mount = 'mount -t tmpfs -o size=8m rafiki-test "$0" && exec "$@"'
        b.update(start("B", wrap=("unshare", "--mount", "--propagation", "private", "sh", "-c", mount, data)))

        call = children.side_call

        for s in (a, b):
            children.poll("registration", lambda: call(s, "GET", "")["state"] == "registered", timeout=120)
        events = children.EventStream(b["url"], b["token"], b["id"])
        call(a, "POST", "/contacts", {"peer": b["id"]})
        events.wait("A's request", lambda e: e["type"] == "request.received", timeout=120)
        call(b, "POST", "/requests/%s/accept" % a["id"])
        _, e = events.wait("the 1:1 cloned", lambda e: e["type"] == "conversation.changed" and e.get("state") == "cloned", timeout=120)
        conv = e["conversationId"]

        def offer(mib, name):
            path = os.path.join(args.workdir, name)
            with open(path, "wb") as f:
                f.write(os.urandom(mib << 20))
            o = call(a, "POST", "/conversations/%s/files" % conv, {"path": path})
            events.wait("the offer of " + name, lambda e: e["type"] == "message.received" and e["message"]["id"] == o["message"], timeout=60)
            return o

        def download(o):
            try:
                return call(b, "POST", "/conversations/%s/messages/%s/file/download" % (conv, o["message"]))
            except urllib.error.HTTPError as err:
                return {"status": err.code, "body": json.loads(err.read() or b"{}")}

        big = offer(20, "big.bin")
        res["too_big"] = download(big)

        one, two = offer(5, "one.bin"), offer(5, "two.bin")
        for f in (one, two):
            started = download(f)
            if "status" in started:
                raise RuntimeError("a download was refused at its start: %s" % started)
        ends = {}
        while len(ends) < 2:
            _, e = events.wait("both downloads end", lambda e: e["type"] == "transfer.state" and e.get("state") in ("complete", "failed"), timeout=120)
            ends[e["fileId"]] = {"state": e["state"], "detail": e.get("detail")}
        res["together"] = ends
        res["b_alive"] = b["p"].poll() is None
        res["messages_listed"] = len(call(b, "GET", "/conversations/%s/messages" % conv)["messages"])
        failed = [f for f in (one, two) if ends[f["id"]]["state"] == "failed"]
        complete = [f for f in (one, two) if ends[f["id"]]["state"] == "complete"]
        res["complete_checked"] = all(call(b, "GET", "/conversations/%s/messages/%s/file" % (conv, f["message"]))["state"] == "complete" for f in complete)
        if failed:
            f = failed[0]
            res["failed_view"] = call(b, "GET", "/conversations/%s/messages/%s/file" % (conv, f["message"]))
            children.api(b["url"], b["token"], "DELETE", "/v1/accounts/%s/conversations/%s/messages/%s/file/download" % (b["id"], conv, f["message"]))
            res["after_cancel"] = call(b, "GET", "/conversations/%s/messages/%s/file" % (conv, f["message"]))
        events.close()


if __name__ == "__main__":
    main()
