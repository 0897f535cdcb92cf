#!/usr/bin/python3
"""Swarm conversations between rafikid and the real Jami daemon (jamid 13.7), driven by the Swift
test `JamidSwarmTests` (run as root with /usr/bin/python3).

Inside the harness's network namespace it starts a bootstrap node, one jamid with two accounts
(Jay and Kay) and our daemon, driven through our CLI only (`rafiki conversation …`,
`rafiki message …`):
  1. Jay asks, we accept: we clone Jay's 1:1 conversation, join, and jamid sees us join;
  2. messages both ways in it: Jay's reaches `rafiki message list`, ours jamid's
     `messageReceived` (timed from the CLI call); then a reply, a reaction and an edit from each
     side, each seen on the other; our read receipt reaches jamid;
  3. we ask Kay: our request offers a new 1:1 conversation, Kay accepts, jamid clones it from
     us and joins; messages both ways;
  4. a group (Jay and Kay made contacts first): we create it with Jay and Kay invited (`application/invite+json`), both accept
     in jamid, clone from us and join; a message from each of the three reaches the other two.
Results are one JSON object on stdout; progress goes to stderr.
"""
import os
import time

import children
import scenario


def options(ap):
    ap.add_argument("--jamid-debug", action="store_true", help="jamid -d (its log in WORKDIR/J)")


def main():
    args = scenario.arguments(480, extra=options)
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

        rafiki = children.rafiki_cli(args.rafiki, home)

        def poll(what, fn, timeout=90):
            return children.poll(what, fn, timeout)

        def messages(conv):
            return rafiki("message", "list", conv, "--limit", "200")["messages"]

        def ours_has(conv, pred, what, timeout=60):
            return poll(what, lambda: [x for x in messages(conv) if pred(x)], timeout)[0]

        def jamid_got(acc, conv, pred, since, timeout=60):
            _, a = j.wait_signal("messageReceived", lambda a: a[0] == acc and a[1] == conv and pred(dict(a[2])), timeout=timeout, since=since)
            return {str(k): str(v) for k, v in dict(a[2]).items()}

        ours = rafiki("account", "create", "--display-name", "Rafa")
        me = ours["id"]
        res["rafiki"] = me
        poll("our registration", lambda: [a for a in rafiki("account", "list") if a["state"] == "registered"])

        # 1. Jay asks, we accept: clone, join; jamid sees us join.
        m = j.mark()
        j.cm.sendTrustRequest(jay, me, dbus.ByteArray(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jay\r\nEND:VCARD\r\n"))
        req = poll("request from Jay", lambda: [r for r in rafiki("contact", "requests")["requests"] if r["from"] == jay_id])[0]
        one = req["conversationId"]
        rafiki("contact", "accept", jay_id)
        j.wait_signal("conversationMemberEvent", lambda a: a[0] == jay and a[1] == one and a[2] == me and int(a[3]) == 1, timeout=120, since=m)
        res["jay_conversation"] = one

        # 2. Messages both ways, then a reply, a reaction and an edit from each side.
        j.cm.sendMessage(jay, one, "hello from jamid", "", 0)
        jays = ours_has(one, lambda x: x["body"] == "hello from jamid", "Jay's message")
        res["jay_message_at_us"] = {k: jays.get(k) for k in ("author", "type", "body")}
        m = j.mark()
        t0 = time.monotonic()
        sent = rafiki("message", "send", one, "hello from rafiki")
        got = jamid_got(jay, one, lambda d: d.get("body") == "hello from rafiki", m)
        res["our_message_at_jamid"] = {"id": got.get("id"), "author": got.get("author"), "ms": round((time.monotonic() - t0) * 1e3)}
        res["our_message_id"] = sent["id"]

        m = j.mark()
        rafiki("message", "send", one, "a reply from rafiki", "--reply-to", jays["id"])
        rafiki("message", "react", one, jays["id"], "👍")
        rafiki("message", "edit", one, sent["id"], "hello from rafiki (edited)")
        res["jamid_saw_our_reply"] = jamid_got(jay, one, lambda d: d.get("reply-to") == jays["id"], m).get("body")
        res["jamid_saw_our_reaction"] = jamid_got(jay, one, lambda d: d.get("react-to") == jays["id"], m).get("body")
        res["jamid_saw_our_edit"] = jamid_got(jay, one, lambda d: d.get("edit") == sent["id"], m).get("body")

        j.cm.sendMessage(jay, one, "a reply from jamid", sent["id"], 0)
        j.cm.sendMessage(jay, one, "🎉", sent["id"], 2)
        j.cm.sendMessage(jay, one, "hello from jamid (edited)", jays["id"], 1)
        res["we_saw_jamid_reply"] = ours_has(one, lambda x: x.get("replyTo") == sent["id"], "Jay's reply")["body"]
        res["we_saw_jamid_reaction"] = ours_has(one, lambda x: x["id"] == sent["id"] and any(r["emoji"] == "🎉" for r in x["reactions"]),
                                                 "Jay's reaction")["reactions"]
        res["we_saw_jamid_edit"] = ours_has(one, lambda x: x["id"] == jays["id"] and x.get("edited"), "Jay's edit")["body"]
        # Our read receipt: jamid reports the message displayed by us.
        m = j.mark()
        rafiki("message", "read", one, jays["id"])
        try:
            j.wait_signal("accountMessageStatusChanged", lambda a: a[0] == jay and a[1] == one and a[2] == me and int(a[4]) == 3, timeout=60, since=m)
            res["jamid_saw_our_read"] = True
        except TimeoutError:
            res["jamid_saw_our_read"] = False

        # 3. We ask Kay: our request offers a 1:1 conversation, which jamid clones from us.
        m = j.mark()
        rafiki("contact", "add", kay_id)
        _, a = j.wait_signal("incomingTrustRequest", lambda a: a[0] == kay, timeout=90, since=m)
        offered = [c for c in rafiki("conversation", "list") if any(x["account"] == kay_id for x in c["members"])][0]["id"]
        res["kay_offered"] = {"ours": offered, "jamid": str(a[1])}
        j.cm.acceptTrustRequest(kay, me)
        poll("Kay joined our 1:1", lambda: [x for x in rafiki("conversation", "show", offered)["members"] if x["account"] == kay_id and x["role"] == "member"],
             timeout=120)
        j.cm.sendMessage(kay, offered, "hi from Kay", "", 0)
        res["kay_message_at_us"] = ours_has(offered, lambda x: x["body"] == "hi from Kay", "Kay's message")["author"]
        m = j.mark()
        rafiki("message", "send", offered, "hi Kay")
        res["our_message_at_kay"] = jamid_got(kay, offered, lambda d: d.get("body") == "hi Kay", m).get("author")

        # 4. A group of three: we invite Jay and Kay; both accept in jamid and clone from us.
        #    Jay and Kay become contacts first: jamid 13.7 drops instant messages and connection
        #    requests from accounts that are not contacts, so without it Jay's notifications never
        #    reach Kay (between two jamid accounts; nothing of ours is involved).
        m = j.mark()
        j.cm.sendTrustRequest(jay, kay_id, dbus.ByteArray(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jay\r\nEND:VCARD\r\n"))
        j.wait_signal("incomingTrustRequest", lambda a: a[0] == kay and a[2] == jay_id, timeout=90, since=m)
        j.cm.acceptTrustRequest(kay, jay_id)
        j.wait_signal("contactAdded", lambda a: a[0] == jay and a[1] == kay_id and bool(a[2]), timeout=90, since=m)
        m = j.mark()
        group = rafiki("conversation", "create", "--member", jay_id, "--member", kay_id)["id"]
        res["group"] = group
        for acc in (jay, kay):
            j.wait_signal("conversationRequestReceived", lambda a: a[0] == acc and a[1] == group, timeout=90, since=m)
            j.cm.acceptConversationRequest(acc, group)
        poll("Jay and Kay joined the group", lambda: len([x for x in rafiki("conversation", "show", group)["members"] if x["role"] == "member"]) == 2 or None,
             timeout=150)
        m = j.mark()
        rafiki("message", "send", group, "hello group, from rafiki")
        res["group_ours_at_jay"] = bool(jamid_got(jay, group, lambda d: d.get("body") == "hello group, from rafiki", m))
        res["group_ours_at_kay"] = bool(jamid_got(kay, group, lambda d: d.get("body") == "hello group, from rafiki", m))
        m = j.mark()
        j.cm.sendMessage(jay, group, "hello group, from Jay", "", 0)
        res["group_jay_at_kay"] = bool(jamid_got(kay, group, lambda d: d.get("body") == "hello group, from Jay", m))
        res["group_jay_at_us"] = ours_has(group, lambda x: x["body"] == "hello group, from Jay", "Jay's group message")["author"] == jay_id
        j.cm.sendMessage(kay, group, "hello group, from Kay", "", 0)
        res["group_kay_at_us"] = ours_has(group, lambda x: x["body"] == "hello group, from Kay", "Kay's group message")["author"] == kay_id
        res["group_at_us"] = [x["body"] for x in messages(group) if x["type"] == "text/plain"]

        res["daemon_alive"] = daemon.poll() is None
        res["daemon_exit"] = children.stop(daemon, grace=30)
        daemon = None
        daemon_log.flush()
        text = open(os.path.join(args.workdir, "rafikid.log")).read()
        res["daemon_errors"] = [l for l in text.splitlines() if " error " in l or "critical" in l][:20]
        res["refused_histories"] = [l for l in text.splitlines() if "refused a fetched history" in l][:10]


if __name__ == "__main__":
    main()
