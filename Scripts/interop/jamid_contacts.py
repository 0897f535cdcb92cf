#!/usr/bin/python3
"""Contacts and presence between rafikid and the real Jami daemon (jamid 13.7), driven by the Swift
test `JamidContactTests` (run as root with /usr/bin/python3).

Inside a private network namespace (../shared/peers/jamid/jamiharness.py) it starts a loopback
bootstrap node, one jamid with two accounts (Jay and Kay) and our daemon (`--rafikid`), which it
drives through our CLI (`--rafiki`):
  1. Jay (jamid) sends Rafiki a trust request with a vCard; it must show up in `rafiki contact requests`;
  2. Rafiki accepts; jamid must report the contact confirmed (contactAdded(..., true));
  3. Rafiki asks Kay (`rafiki contact add`); jamid must emit incomingTrustRequest from our id;
     Kay accepts and `rafiki contact list` must show her confirmed;
  4. presence both ways: jamid's newBuddyNotification for us, `rafiki presence` for Jay and Kay;
  5. whatever jamid tries next (a P2P connection for the 1:1 conversation) must leave rafikid
     running, and SIGTERM must stop it with status 0.
Results are one JSON object on stdout; progress goes to stderr.
"""
import json
import os
import subprocess
import time

import children
import scenario


def main():
    args = scenario.arguments(300)
    import dbus
    with scenario.Scenario(args) as s:
        jh, h, res = s.jh, s.h, s.res
        daemon = None
        s.on_exit(lambda: children.stop(daemon, grace=5))
        bs = h.start_bootstrap()
        # Six RSA-4096 keys made by GnuTLS beside a busy test run: the helper gives it time.
        j, ((jay, jay_id), (kay, kay_id)) = children.start_jamid_accounts(jh, h, bs.addr, ["Jay", "Kay"])
        res["jamid"] = {"jay": jay_id, "kay": kay_id}

        home = os.path.join(args.workdir, "rafiki-home")
        daemon_log = open(os.path.join(args.workdir, "rafikid.log"), "w")
        daemon, _, _ = children.start_rafikid(args.rafikid, home, bs.addr, daemon_log)

        def rafiki(*argv, check=True):
            p = subprocess.run([args.rafiki] + list(argv) + ["--home", home], capture_output=True, text=True, timeout=180)
            if check and p.returncode != 0:
                raise RuntimeError("rafiki %s failed: %s" % (" ".join(argv), p.stderr.strip()))
            return p

        def poll(what, fn, timeout=90):
            return children.poll(what, fn, timeout)

        ours = json.loads(rafiki("account", "create", "--display-name", "Rafa", "--json").stdout)
        res["rafiki"] = ours["id"]
        poll("our registration", lambda: [a for a in json.loads(rafiki("account", "list", "--json").stdout) if a["state"] == "registered"])

        # 1. jamid -> Rafiki
        vcard = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jay from jamid\r\nEND:VCARD\r\n"
        t0 = time.monotonic()
        j.cm.sendTrustRequest(jay, ours["id"], dbus.ByteArray(vcard))
        req = poll("request from jamid", lambda: [r for r in json.loads(rafiki("contact", "requests", "--json").stdout)["requests"] if r["from"] == jay_id])[0]
        res["request_from_jamid"] = {"from": req["from"], "displayName": req.get("displayName"),
                                     "conversationId": req["conversationId"], "ms": round((time.monotonic() - t0) * 1e3)}

        # 2. Rafiki accepts; jamid sees the contact confirmed
        m = j.mark()
        rafiki("contact", "accept", jay_id)
        try:
            j.wait_signal("contactAdded", lambda a: a[0] == jay and a[1] == ours["id"] and bool(a[2]), timeout=60, since=m)
            res["jamid_confirmed"] = True
        except TimeoutError:
            res["jamid_confirmed"] = False
        details = j.cm.getContactDetails(jay, ours["id"])
        res["jamid_contact_details"] = {str(k): str(v) for k, v in details.items()}

        # 3. Rafiki -> jamid
        m = j.mark()
        t0 = time.monotonic()
        rafiki("contact", "add", kay_id)
        try:
            t, a = j.wait_signal("incomingTrustRequest", lambda a: a[0] == kay, timeout=90, since=m)
            res["request_to_jamid"] = {"from": a[2], "conversationId": a[1], "payload": bytes(a[3]).decode("utf-8", "replace"),
                                       "ms": round((t - t0) * 1e3)}
        except TimeoutError:
            res["request_to_jamid"] = None
        # 3b. Kay accepts in jamid; we must see the contact confirmed
        if res["request_to_jamid"]:
            j.cm.acceptTrustRequest(kay, ours["id"])
            try:
                poll("Kay's confirmation", lambda: [c for c in json.loads(rafiki("contact", "list", "--json").stdout) if c["id"] == kay_id and c["confirmed"]], timeout=60)
                res["we_see_kay_confirmed"] = True
            except TimeoutError:
                res["we_see_kay_confirmed"] = False

        # 4. presence, both ways
        pm = dbus.Interface(j.conn.get_object(jh.BUS_NAME, "/cx/ring/Ring/PresenceManager"), "cx.ring.Ring.PresenceManager")
        m = j.mark()
        pm.subscribeBuddy(jay, ours["id"], True)
        try:
            j.wait_signal("newBuddyNotification", lambda a: a[0] == jay and a[1] == ours["id"] and bool(a[2]), timeout=60, since=m)
            res["jamid_sees_us_online"] = True
        except TimeoutError:
            res["jamid_sees_us_online"] = False
        try:
            online = poll("presence at rafiki", lambda: {p["id"] for p in json.loads(rafiki("presence", "--json").stdout) if p["online"]} >= {jay_id, kay_id} and True, timeout=60)
            res["we_see_jamid_online"] = bool(online)
        except TimeoutError:
            res["we_see_jamid_online"] = False
        res["contacts"] = json.loads(rafiki("contact", "list", "--json").stdout)

        # 5. jamid tries to connect for the 1:1 conversation; we must stay up and consistent.
        time.sleep(8)
        res["daemon_alive"] = daemon.poll() is None
        res["contacts_after"] = json.loads(rafiki("contact", "list", "--json").stdout)
        res["daemon_exit"] = children.stop(daemon, grace=30)
        daemon = None
        daemon_log.flush()
        text = open(os.path.join(args.workdir, "rafikid.log")).read()
        res["connection_requests_unanswered"] = text.count("connection request left unanswered")
        res["daemon_errors"] = [l for l in text.splitlines() if " error " in l or "critical" in l][:20]


if __name__ == "__main__":
    main()
