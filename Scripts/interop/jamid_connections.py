#!/usr/bin/python3
"""Peer sockets between rafikid and the real Jami daemon (jamid 13.7), driven by the Swift test
`JamidConnectionTests` (run as root with /usr/bin/python3).

Inside the harness's network namespace (jamid never offers loopback candidates, so both daemons
use the veth address 198.18.0.1) it starts a bootstrap node, one jamid with two accounts (Jay
and Kay) and our daemon (`--rafikid`), driven through our CLI (`--rafiki`):
  1. Jay and Rafiki become contacts (Jay asks, we accept), and we clone Jay's 1:1 conversation
     from his device over a git:// channel, every commit validated; we join and notify Jay, and
     jamid fetches our join from our git server (its conversationMemberEvent "joined");
  2. jamid -> Rafiki: Jay calls us; jamid asks for a `sip` channel on its socket to our device,
     which we accept, and sends its INVITE there, which we decline (603: no calls yet): the call
     ends, the socket stays;
  3. Rafiki -> jamid: Kay accepts our request, `rafiki peers connect <Kay>` brings up a socket
     (timed); a channel name jamid does not serve is declined by jamid, the socket stays up;
  4. jamid's beacons (sent on a connectivity change) are answered: both sockets stay up;
  5. both sockets are still connected after 60 s (keep-alive STUN interleaved with TLS);
  6. rafikid stops cleanly (SIGTERM, status 0) with no error in its log.
Results are one JSON object on stdout; progress goes to stderr.
"""
import glob
import json
import os
import subprocess
import time

import children
import scenario


def options(ap):
    ap.add_argument("--hold", type=float, default=62, help="seconds the sockets must stay up")
    ap.add_argument("--jamid-debug", action="store_true", help="jamid -d (its log in WORKDIR/J)")


def main():
    args = scenario.arguments(420, extra=options)
    import dbus
    with scenario.Scenario(args) as s:
        jh, h, res = s.jh, s.h, s.res
        daemon = None
        s.on_exit(lambda: children.stop(daemon, grace=5))
        bs = h.start_bootstrap()
        j, ((jay, jay_id), (kay, kay_id)) = children.start_jamid_accounts(jh, h, bs.addr, ["Jay", "Kay"], debug=args.jamid_debug)
        res["jamid"] = {"jay": jay_id, "kay": kay_id}
        home = children.rafiki_home(args.workdir, jh.NETNS_LAN_ADDR.split("/")[0])
        daemon_log = open(os.path.join(args.workdir, "rafikid.log"), "w")
        daemon, url, token = children.start_rafikid(args.rafikid, home, bs.addr, daemon_log, log_level="info")

        def rafiki(*argv, check=True):
            p = subprocess.run([args.rafiki] + list(argv) + ["--home", home], capture_output=True, text=True, timeout=180)
            if check and p.returncode != 0:
                raise RuntimeError("rafiki %s failed: %s" % (" ".join(argv), p.stderr.strip()))
            return p

        def peers():
            return json.loads(rafiki("peers", "list", "--json").stdout)

        def poll(what, fn, timeout=90):
            return children.poll(what, fn, timeout)

        ours = json.loads(rafiki("account", "create", "--display-name", "Rafa", "--json").stdout)
        res["rafiki"] = ours["id"]
        poll("our registration", lambda: [a for a in json.loads(rafiki("account", "list", "--json").stdout) if a["state"] == "registered"])

        # 1. Jay asks, we accept.
        m = j.mark()
        j.cm.sendTrustRequest(jay, ours["id"], dbus.ByteArray(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jay\r\nEND:VCARD\r\n"))
        req = poll("request from Jay", lambda: [r for r in json.loads(rafiki("contact", "requests", "--json").stdout)["requests"] if r["from"] == jay_id])[0]
        conversation = req["conversationId"]
        rafiki("contact", "accept", jay_id)
        j.wait_signal("contactAdded", lambda a: a[0] == jay and a[1] == ours["id"] and bool(a[2]), timeout=60, since=m)

        # 1b. Accepting clones Jay's 1:1 conversation from his device (a git:// channel on a
        #     socket we open, jamid's git server, every commit jamid wrote validated, signatures
        #     included); the folder only appears once all of it passed.
        folder = poll("Jay's conversation cloned", lambda: glob.glob(os.path.join(home, "accounts", "*", "conversations", conversation)), timeout=90)[0]
        log = subprocess.run(["git", "--git-dir", folder, "log", "--format=%H %ae %s", "main"], capture_output=True, text=True).stdout.splitlines()
        res["cloned"] = {"conversation": conversation, "commits": log}
        # 1c. We join and notify Jay (an ImMessage application/im-gitmessage-id at his inbox, as
        #     we decline `sip`): jamid fetches our join from our git server and validates it.
        try:
            t0 = time.monotonic()
            j.wait_signal("conversationMemberEvent", lambda a: a[0] == jay and a[1] == conversation and a[2] == ours["id"] and int(a[3]) == 1,
                          timeout=90, since=m)
            res["jamid_saw_our_join_s"] = round(time.monotonic() - t0, 1)
        except TimeoutError:
            res["jamid_saw_our_join_s"] = None
        # 1d. Jay writes; jamid notifies us (a SIP MESSAGE on a `sip` channel, or a DHT
        #     ImMessage), we fetch his commit from jamid's git server and it lands in our repository.
        t0 = time.monotonic()
        j.cm.sendMessage(jay, conversation, "hello from jamid", "", 0)
        def jays_message():
            out = subprocess.run(["git", "--git-dir", folder, "log", "--format=%s", "main"], capture_output=True, text=True).stdout
            return [l for l in out.splitlines() if "hello from jamid" in l]
        try:
            res["jay_message"] = poll("Jay's message fetched", jays_message, timeout=60)[0]
            res["jay_message_s"] = round(time.monotonic() - t0, 1)
        except TimeoutError:
            res["jay_message"] = None

        # 2. jamid -> Rafiki: Jay calls us; jamid uses a `sip` channel on its socket to our
        #    device (the one our clone opened, which jamid reuses), and we decline its INVITE
        #    (603, no calls yet): the call ends, the socket stays up.
        t0 = time.monotonic()
        m = j.mark()
        call = str(j.call.placeCall(jay, "jami:" + ours["id"]))
        jay_row = poll("Jay's socket to us", lambda: [r for r in peers() if r.get("account") == jay_id and r["state"] == "connected"], timeout=90)[0]
        res["incoming_ms"] = round((time.monotonic() - t0) * 1e3)
        jay_device = jay_row["device"]
        try:
            poll("Jay's sip channel", lambda: [r for r in peers() if r["device"] == jay_device and "sip" in r.get("channels", [])], timeout=60)
            res["jay_sip_channel"] = True
        except TimeoutError:
            res["jay_sip_channel"] = False
        try:
            _, a = j.wait_signal("callStateChanged", lambda a: str(a[-3] if len(a) >= 3 else "") == call and str(a[-2]) in ("HUNGUP", "OVER", "FAILURE", "BUSY"),
                                 timeout=60, since=m)
            res["call_ended"] = str(a[-2])
        except TimeoutError:
            res["call_ended"] = None
        res["jay_socket"] = [r for r in peers() if r["device"] == jay_device][0]
        try:
            j.call.hangUp(jay, call)
        except dbus.DBusException:
            pass  # already ended by jamid
        connected_at = time.monotonic()

        # 3. Rafiki -> jamid: Kay becomes a contact, then `rafiki peers connect <Kay>` (timed);
        #    a channel name jamid does not serve is declined by jamid, the socket stays up.
        m = j.mark()
        rafiki("contact", "add", kay_id)
        j.wait_signal("incomingTrustRequest", lambda a: a[0] == kay, timeout=90, since=m)
        j.cm.acceptTrustRequest(kay, ours["id"])
        poll("Kay's confirmation", lambda: [c for c in json.loads(rafiki("contact", "list", "--json").stdout) if c["id"] == kay_id and c["confirmed"]], timeout=60)
        t0 = time.monotonic()
        p = rafiki("peers", "connect", kay_id, "--json", check=False)
        res["connect_ms"] = round((time.monotonic() - t0) * 1e3)
        if p.returncode != 0:
            raise RuntimeError("rafiki peers connect failed: " + p.stderr.strip())
        res["connect_to_jamid"] = json.loads(p.stdout)
        kay_device = res["connect_to_jamid"][0]["device"]
        res["probe_unknown"] = json.loads(rafiki("peers", "probe", kay_device, "rafiki-test/unknown", "--json").stdout)

        # 4. jamid's beacons: on a connectivity change jamid sends {"p":true} on every socket and
        #    closes the ones that do not answer within 3 s.
        m = j.mark()
        j.cm.connectivityChanged()
        time.sleep(6)
        res["after_beacons"] = [{"device": r["device"], "state": r["state"]} for r in peers()]

        # 5. Held through keep-alives.
        time.sleep(max(0, args.hold - (time.monotonic() - connected_at)))
        final = peers()
        res["held_s"] = round(time.monotonic() - connected_at, 1)
        res["after_hold"] = final
        res["daemon_alive"] = daemon.poll() is None
        res["daemon_exit"] = children.stop(daemon, grace=30)
        daemon = None
        daemon_log.flush()
        text = open(os.path.join(args.workdir, "rafikid.log")).read()
        res["daemon_errors"] = [l for l in text.splitlines() if " error " in l or "critical" in l][:20]


if __name__ == "__main__":
    main()
