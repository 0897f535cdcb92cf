#!/usr/bin/python3
"""One account on a jamid device and a Rafiki device (the archive jamid exported, imported into
rafikid), syncing over `sync://` channels; driven by the Swift test `JamidSyncTests` (run as root
with /usr/bin/python3).

Inside the harness's network namespace: a bootstrap node, one jamid with three accounts (Jay,
shared with us; Kay and Lee, to be added as contacts), our daemon with Jay's archive imported:
  1. a contact added on jamid (`addContact(Jay, Kay)`) shows in `rafiki contact list`;
  2. a contact added with `rafiki contact add Lee` shows in jamid's `getContacts(Jay)`;
  3. a conversation started on jamid (`startConversation`) is cloned by us, and one we create
     is cloned by jamid (`getConversations`);
  4. linking with a PIN both ways: jamid's `exportOnRing` PIN typed into `rafiki account link`,
     and ours (`rafiki account authorize`) given to jamid as `Account.archivePIN`.
Results are one JSON object on stdout; progress goes to stderr.
"""
import base64
import os
import time

import children
import scenario


def main():
    args = scenario.arguments(480)
    with scenario.Scenario(args) as s:
        jh, h, res = s.jh, s.h, s.res
        daemon = None
        s.on_exit(lambda: children.stop(daemon, grace=5))
        bs = h.start_bootstrap()
        j, ((jay, jay_id), (kay, kay_id), (lee, lee_id)) = children.start_jamid_accounts(jh, h, bs.addr, ["Jay", "Kay", "Lee"], debug=True)
        res["jamid"] = {"jay": jay_id, "kay": kay_id, "lee": lee_id}
        archive = os.path.join(args.workdir, "jay.gz")
        if not j.cm.exportToFile(jay, archive, ""):
            raise RuntimeError("jamid did not export Jay's archive")
        home = children.rafiki_home(args.workdir, jh.NETNS_LAN_ADDR.split("/")[0])
        log_path = os.path.join(args.workdir, "rafikid.log")
        daemon, url, token = children.start_rafikid(args.rafikid, home, bs.addr, open(log_path, "w"), log_level="info")
        with open(archive, "rb") as f:
            imported = children.api(url, token, "POST", "/v1/accounts/import", {"archive": base64.b64encode(f.read()).decode(), "deviceName": "rafiki"})
        res["imported"] = imported["id"] == jay_id

        rafiki = children.rafiki_cli(args.rafiki, home)

        def poll(what, fn, timeout=150):
            return children.poll(what, fn, timeout, 0.5)

        poll("our registration", lambda: [a for a in rafiki("account", "list") if a["state"] == "registered"])

        def jamid_contacts():
            return [str(dict(c).get("id")) for c in j.cm.getContacts(jay)]

        # 1. A contact added on jamid reaches us.
        t0 = time.monotonic()
        j.cm.addContact(jay, kay_id)
        def our_contacts():
            listed = rafiki("contact", "list")
            return listed["contacts"] if isinstance(listed, dict) else listed
        ours = poll("Kay in our contacts", lambda: [c for c in our_contacts() if c["id"] == kay_id])[0]
        res["kay_at_us"] = {"state": ours["state"], "seconds": round(time.monotonic() - t0, 1)}

        # 2. A contact added with our CLI reaches jamid.
        t0 = time.monotonic()
        rafiki("contact", "add", lee_id)
        poll("Lee in jamid's contacts", lambda: lee_id in jamid_contacts())
        res["lee_at_jamid"] = {"seconds": round(time.monotonic() - t0, 1)}

        # 3. Conversations both ways.
        theirs = str(j.cm.startConversation(jay))
        t0 = time.monotonic()
        poll("jamid's conversation at us", lambda: [c for c in rafiki("conversation", "list") if c["id"] == theirs])
        res["jamid_conversation_at_us"] = {"seconds": round(time.monotonic() - t0, 1)}
        mine = rafiki("conversation", "create")["id"]
        t0 = time.monotonic()
        poll("our conversation at jamid", lambda: mine in [str(c) for c in j.cm.getConversations(jay)])
        res["our_conversation_at_jamid"] = {"seconds": round(time.monotonic() - t0, 1)}

        # 4. Linking with a PIN, both ways (Jami 13.7's `exportOnRing` and `Account.archivePIN`).
        m = j.mark()
        j.cm.exportOnRing(kay, "")
        _, a = j.wait_signal("exportOnRingEnded", lambda a: a[0] == kay, timeout=120, since=m)
        res["jamid_pin_status"] = int(a[1])
        linked = rafiki("account", "link", str(a[2]), "--device-name", "linked", timeout=180)
        res["linked_from_jamid"] = linked["id"] == kay_id
        rafa = rafiki("account", "create", "--display-name", "Rafa")["id"]
        poll("Rafa registered", lambda: [x for x in rafiki("account", "list") if x["id"] == rafa and x["state"] == "registered"])
        pin = rafiki("account", "authorize", "--account", rafa)["pin"]
        m = j.mark()
        acc = j.add_account(jh.offline_account_details(bs.addr, "linked", {"Account.archivePIN": pin, "Account.archivePassword": ""}))
        _, a = j.wait_signal("registrationStateChanged", lambda a: a[0] == acc and str(a[1]) in ("REGISTERED", "ERROR_GENERIC", "ERROR_NETWORK"),
                             timeout=180, since=m)
        res["jamid_linked_ours"] = {"state": str(a[1]), "same_account": j.details(acc).get("Account.username") == rafa}

        res["daemon_exit"] = children.stop(daemon, grace=30)
        daemon = None
        text = open(log_path).read()
        res["daemon_errors"] = [l for l in text.splitlines() if " error " in l or "critical" in l][:20]
        res["dropped_sync"] = [l for l in text.splitlines() if "dropped a sync message" in l or "not a device sync" in l][:10]
        res["legacy_syncs_merged"] = text.count("merged a device sync from the DHT")


if __name__ == "__main__":
    main()
