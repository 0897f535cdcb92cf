#!/usr/bin/python3
"""Files between rafikid and the real Jami daemon (jamid 13.7) in a 1:1 conversation, driven by
the Swift test `JamidFileTests` (run as root with /usr/bin/python3).

Inside the harness's network namespace: a bootstrap node, one jamid account (Jay), our daemon
driven through our CLI only (`rafiki file …`):
  1. Jay asks, we accept (the 1:1 is cloned and joined); each side then shows the other's
     profile (ours set with `rafiki profile set`, Jay's in the account's profile.vcf);
  2. jamid → us: Jay sends a 50 MiB file (`sendFile`); `rafiki file get --out` downloads it;
  3. us → jamid: `rafiki file send` a 50 MiB file; jamid `downloadFile`s it (its
     `dataTransferEvent` 6 = finished);
  4. a resumed transfer from jamid: Jay sends 200 MiB; our download is started, our daemon is
     killed (SIGKILL) once part of it is on disk, started again, and resumes from the bytes on
     disk by itself (`?start=N` to jamid);
SHA-256 of every file is compared on both sides. Results: one JSON object on stdout.
"""
import glob
import hashlib
import json
import os
import signal
import time

import children
import scenario


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def random_file(path, mib):
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(1 << 20))
    return path


def options(ap):
    ap.add_argument("--mib", type=int, default=50)
    ap.add_argument("--resume-mib", type=int, default=200)


def main():
    args = scenario.arguments(480, extra=options)
    import dbus
    with scenario.Scenario(args) as s:
        jh, h, res = s.jh, s.h, s.res
        daemon = None
        s.on_exit(lambda: children.stop(daemon, grace=5))
        bs = h.start_bootstrap()
        j, ((jay, jay_id),) = children.start_jamid_accounts(jh, h, bs.addr, ["Jay"], debug=True)
        home = children.rafiki_home(args.workdir, jh.NETNS_LAN_ADDR.split("/")[0])
        with open(os.path.join(home, "config.json")) as f:
            config = json.load(f)
        config["autoDownloadLimit"] = 0
        with open(os.path.join(home, "config.json"), "w") as f:
            json.dump(config, f)
        log_path = os.path.join(args.workdir, "rafikid.log")
        daemon_log = open(log_path, "w")
        daemon, _, _ = children.start_rafikid(args.rafikid, home, bs.addr, daemon_log, log_level="info")

        rafiki = children.rafiki_cli(args.rafiki, home)

        def poll(what, fn, timeout=90, interval=0.2):
            return children.poll(what, fn, timeout, interval)

        def our_file(conv, name):
            return poll("the offer of %s at us" % name, lambda: [f for f in rafiki("file", "list", conv)["files"] if f["name"] == name])[0]

        me = rafiki("account", "create", "--display-name", "Rafa")["id"]
        poll("our registration", lambda: [a for a in rafiki("account", "list") if a["state"] == "registered"])
        # Profiles: ours set with the CLI; Jay's written where Jami's clients write it.
        rafiki("profile", "set", "--name", "Rafa (our profile)")
        with open(os.path.join(jh.account_dir(j, jay), "profile.vcf"), "w") as f:
            f.write("BEGIN:VCARD\nVERSION:2.1\nFN:Jay (profile.vcf)\nEND:VCARD")

        # 1. Jay asks, we accept.
        m = j.mark()
        j.cm.sendTrustRequest(jay, me, dbus.ByteArray(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jay\r\nEND:VCARD\r\n"))
        req = poll("request from Jay", lambda: [r for r in rafiki("contact", "requests")["requests"] if r["from"] == jay_id])[0]
        one = req["conversationId"]
        rafiki("contact", "accept", jay_id)
        j.wait_signal("conversationMemberEvent", lambda a: a[0] == jay and a[1] == one and a[2] == me and int(a[3]) == 1, timeout=120, since=m)

        # Profiles on both sides: jamid pushes Jay's to us when it syncs with our device; ours
        #    goes to jamid when we fetch from its device (its `profileReceived`).
        def jay_profile():
            p = rafiki("profile", "show", jay_id)
            return p if p["displayName"] == "Jay (profile.vcf)" else None
        res["jay_profile_at_us"] = poll("Jay's profile at us", jay_profile, timeout=120)["displayName"]
        try:
            _, a = j.wait_signal("profileReceived", lambda a: a[0] == jay and str(a[1]) == me, timeout=120, since=m)
            res["our_profile_at_jamid"] = open(str(a[2])).read()
        except TimeoutError:
            res["our_profile_at_jamid"] = None

        # 2. jamid → us.
        src = random_file(os.path.join(args.workdir, "from-jay.bin"), args.mib)
        j.cm.sendFile(jay, one, src, "from-jay.bin", "")
        offer = our_file(one, "from-jay.bin")
        out = os.path.join(args.workdir, "got-from-jay.bin")
        t0 = time.monotonic()
        got = rafiki("file", "get", one, offer["id"], "--out", out)
        seconds = time.monotonic() - t0
        res["from_jamid"] = {"state": got["state"], "size": os.path.getsize(out), "same": sha256(out) == sha256(src),
                             "mib_per_s": round(args.mib / seconds, 1), "file_id": offer["id"]}

        # 3. us → jamid.
        ours = random_file(os.path.join(args.workdir, "from-rafiki.bin"), args.mib)
        m = j.mark()
        sent = rafiki("file", "send", one, ours)
        _, a = j.wait_signal("messageReceived", lambda a: a[0] == jay and a[1] == one and dict(a[2]).get("type") == "application/data-transfer+json",
                             timeout=60, since=m)
        info = {str(k): str(v) for k, v in dict(a[2]).items()}
        target = os.path.join(args.workdir, "jay-got.bin")
        t0 = time.monotonic()
        m = j.mark()
        j.cm.downloadFile(jay, one, info["id"], info["fileId"], target)
        _, ev = j.wait_signal("dataTransferEvent", lambda a: a[0] == jay and str(a[3]) == info["fileId"] and int(a[4]) in (6, 7, 8), timeout=180, since=m)
        seconds = time.monotonic() - t0
        res["to_jamid"] = {"code": int(ev[4]), "file_id_ours": sent["id"], "file_id_jamid": info["fileId"], "sha3": info.get("sha3sum") == sent["sha3"],
                           "same": os.path.exists(target) and sha256(target) == sha256(ours), "mib_per_s": round(args.mib / seconds, 1)}

        # 4. A resumed transfer from jamid: our daemon killed while downloading, then started again.
        big = random_file(os.path.join(args.workdir, "big-from-jay.bin"), args.resume_mib)
        j.cm.sendFile(jay, one, big, "big-from-jay.bin", "")
        offer = our_file(one, "big-from-jay.bin")
        rafiki("file", "get", one, offer["id"], "--no-wait")
        part = os.path.join(home, "accounts", "*", "conversation_data", one, offer["message"] + ".part")
        done = os.path.join(home, "accounts", "*", "conversation_data", one, offer["message"])
        def partly():
            parts = glob.glob(part)
            return parts and os.path.getsize(parts[0]) >= (8 << 20) and not glob.glob(done)
        poll("part of the big file on disk", partly, timeout=120, interval=0.02)
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait(10)
        kept = os.path.getsize(glob.glob(part)[0])
        daemon_log.write("\n--- killed with %d bytes on disk; starting again ---\n" % kept)
        daemon_log.flush()
        daemon, _, _ = children.start_rafikid(args.rafikid, home, bs.addr, daemon_log, log_level="info")
        # Its conversations are served once the account is online again (a loaded machine takes a while).
        poll("our registration after the restart", lambda: [a for a in rafiki("account", "list") if a["state"] == "registered"], timeout=120)
        final = poll("the big file resumed and complete", lambda: [f for f in rafiki("file", "list", one)["files"]
                                                                  if f["message"] == offer["message"] and f["state"] in ("complete", "failed")],
                     timeout=240)[0]
        starts = [int(l.split("start=")[1].split()[0]) for l in open(log_path).read().split("--- killed")[1].splitlines()
                  if "downloading a file" in l and "start=" in l]
        res["resumed"] = {"state": final["state"], "kept": kept, "starts_after_restart": starts,
                          "same": final["state"] == "complete" and sha256(final["path"]) == sha256(big)}

        res["daemon_exit"] = children.stop(daemon, grace=30)
        daemon = None
        daemon_log.flush()
        text = open(log_path).read()
        res["daemon_errors"] = [l for l in text.splitlines() if " error " in l or "critical" in l][:20]


if __name__ == "__main__":
    main()
