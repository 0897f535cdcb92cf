#!/usr/bin/python3
"""Name-server interop with the real Jami daemon (jamid 13.7), driven by the Swift test
`JamidNameTests` (run as root with /usr/bin/python3).

Inside a private network namespace (../shared/peers/jamid/jamiharness.py) it:
  1. starts our name server (`--server`, a shell command that prints `ready http://HOST:PORT`);
  2. runs `--before` with $NAMESERVER set (our CLI registering a name for a Rafiki account);
  3. starts a bootstrap node and one jamid whose account uses our server (`RingNS.uri`), and
     has jamid register `--jamid-name` (registerName), look up `--rafiki-name` (lookupName),
     reverse-look-up `--rafiki-id` (lookupAddress) and look up a name nobody holds;
  4. runs `--after` with $NAMESERVER, $JAMID_NAME and $JAMID_ID set (our CLI looking jamid's
     name up).
Results are one JSON object on stdout; progress goes to stderr.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import children


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True, help="folder holding jamiharness.py")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--server", required=True, help="shell command running our name server")
    ap.add_argument("--before", default="", help="shell command run once the server is ready")
    ap.add_argument("--after", default="", help="shell command run after jamid's registration")
    ap.add_argument("--jamid-name", required=True)
    ap.add_argument("--rafiki-name", required=True)
    ap.add_argument("--rafiki-id", required=True)
    ap.add_argument("--max-seconds", type=int, default=240)
    args = ap.parse_args()
    sys.path.insert(0, args.harness)
    import jamiharness as jh
    results = os.fdopen(os.dup(1), "w")  # results only: the harness logs on stdout, sent to stderr
    os.dup2(2, 1)

    res = {}
    h = jh.Harness(args.workdir, max_seconds=args.max_seconds)
    server = None
    try:
        server_log = open(os.path.join(args.workdir, "nameserver.log"), "w")
        server = children.spawn(args.server, shell=True, stdout=subprocess.PIPE, stderr=server_log, text=True)
        ready = children.Lines(server.stdout).next(60, "the name server's ready line").strip()
        if not ready.startswith("ready "):
            raise RuntimeError("name server did not start: %r" % ready)
        url = ready.split(" ", 1)[1]
        res["server"] = url
        env = dict(os.environ, NAMESERVER=url)

        def shell(cmd, extra=None):
            p = subprocess.run(cmd, shell=True, env=dict(env, **(extra or {})), capture_output=True, text=True, timeout=120)
            return {"status": p.returncode, "stdout": p.stdout, "stderr": p.stderr}

        if args.before:
            res["before"] = shell(args.before)

        bs = h.start_bootstrap()
        j = h.start_jamid("J", debug=False)
        m = j.mark()
        acc = j.add_account(jh.offline_account_details(bs.addr, "jamid-names", {"RingNS.uri": url}))
        children.jamid_registered(jh, j, acc, timeout=120, since=m)
        jamid_id = j.details(acc).get("Account.username")
        res["jamid_id"] = jamid_id

        m = j.mark()
        t0 = time.monotonic()
        j.cm.registerName(acc, "", args.jamid_name)
        _, a = j.wait_signal("nameRegistrationEnded", lambda a: a[0] == acc, timeout=60, since=m)
        res["register"] = {"status": int(a[1]), "name": str(a[2]), "seconds": round(time.monotonic() - t0, 3)}
        res["registered_name_detail"] = j.volatile(acc).get("Account.registeredName")

        def lookup(method, key):
            m = j.mark()
            getattr(j.cm, method)(acc, "", key)
            _, a = j.wait_signal("registeredNameFound", lambda a: a[0] == acc, timeout=60, since=m)
            return {"status": int(a[1]), "address": str(a[2]), "name": str(a[3])}

        res["lookup_rafiki"] = lookup("lookupName", args.rafiki_name)
        res["reverse_rafiki"] = lookup("lookupAddress", args.rafiki_id)
        res["lookup_missing"] = lookup("lookupName", "nobody-has-this")

        if args.after:
            res["after"] = shell(args.after, {"JAMID_NAME": args.jamid_name, "JAMID_ID": jamid_id})
    finally:
        if server:
            res["server_exit"] = children.stop(server)
        h.close()
    json.dump(res, results)
    results.write("\n")
    results.flush()


if __name__ == "__main__":
    main()
