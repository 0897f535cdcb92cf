#!/usr/bin/python3
"""Identity interop with the real Jami daemon (jamid 13.7), driven by the Swift test
`JamidIdentityTests` (run as root with /usr/bin/python3).

Inside a private network namespace (../shared/peers/jamid/jamiharness.py) it starts a loopback
bootstrap node and one jamid, then:
  1. imports each `--import FILE:PASSWORD` archive (ours) and reports the account id jamid derives;
  2. creates an account in jamid and exports it twice (with and without a password);
  3. if `--node` is given, runs that command (our DHT node, which publishes our device
     certificate) with BOOTSTRAP=host:port in the same namespace, waits for its `certificate`
     line, then asks jamid to resolve `--resolve PKID` (pinRemoteCertificate) and reports whether
     the certificate got pinned and its details.
Results are one JSON object on stdout; progress goes to stderr.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

import children


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True, help="folder holding jamiharness.py")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--import", dest="imports", action="append", default=[], metavar="FILE:PASSWORD")
    ap.add_argument("--export-password", default="jamid-export-pw")
    ap.add_argument("--node", help="shell command running our node; $BOOTSTRAP is set")
    ap.add_argument("--resolve", help="public-key id jamid should find on the DHT")
    ap.add_argument("--max-seconds", type=int, default=240)
    args = ap.parse_args()
    sys.path.insert(0, args.harness)
    import jamiharness as jh
    results = os.fdopen(os.dup(1), "w")  # results only: the harness logs on stdout, sent to stderr
    os.dup2(2, 1)

    res = {"imports": [], "exports": {}}
    h = jh.Harness(args.workdir, max_seconds=args.max_seconds)
    node = None
    try:
        bs = h.start_bootstrap()
        j = h.start_jamid("J", debug=False)

        def settle(acc, since, timeout=90):
            """Waits for REGISTERED or an error; returns the final state."""
            t, a = j.wait_signal("registrationStateChanged",
                                 lambda a: a[0] == acc and a[1] in ("REGISTERED", "ERROR_GENERIC", "ERROR_AUTH"),
                                 timeout=timeout, since=since)
            return a[1]

        for spec in args.imports:
            path, _, password = spec.rpartition(":")
            m = j.mark()
            acc = j.add_account(jh.offline_account_details(bs.addr, "imported", {
                "Account.archivePath": path, "Account.archivePassword": password}))
            try:
                state = settle(acc, m)
            except TimeoutError:
                state = "TIMEOUT"
            entry = {"file": path, "state": state}
            if state == "REGISTERED":
                entry["account_id"] = j.details(acc).get("Account.username")
                crt = os.path.join(jh.account_dir(j, acc), "ring_device.crt")
                entry["device_chain_pem"] = open(crt).read() if os.path.exists(crt) else None
            res["imports"].append(entry)

        # One account per export: exportToFile needs the account's own archive password.
        for name, pw in (("password", args.export_password), ("plain", "")):
            m = j.mark()
            acc = j.add_account(jh.offline_account_details(bs.addr, "jamid-" + name, {"Account.archivePassword": pw}))
            state = settle(acc, m, timeout=120)
            out = os.path.join(args.workdir, "jamid-export-%s.gz" % name)
            ok = bool(j.cm.exportToFile(acc, out, pw))
            res["exports"][name] = {
                "state": state, "ok": ok, "file": out, "password": pw, "account_id": j.details(acc).get("Account.username"),
                "device_chain_pem": open(os.path.join(jh.account_dir(j, acc), "ring_device.crt")).read()}

        if args.node and args.resolve:
            env = dict(os.environ, BOOTSTRAP=bs.addr)
            node_log = open(os.path.join(args.workdir, "node.log"), "w")
            # A shell runs the node: the node is stopped with the shell's process group.
            node = children.spawn(args.node, shell=True, env=env, stdout=subprocess.PIPE, stderr=node_log, text=True)
            lines = []
            published = threading.Event()

            def read():
                for line in node.stdout:
                    lines.append(line.strip())
                    if '"certificate"' in line and '"ok": true' in line:
                        published.set()
            threading.Thread(target=read, daemon=True).start()
            res["node_published"] = published.wait(30)
            m = j.mark()
            t0 = time.monotonic()
            res["pin_started"] = bool(j.cm.pinRemoteCertificate(acc, args.resolve))
            try:
                j.wait_signal("certificatePinned", lambda a: a[0] == args.resolve, timeout=30, since=m)
                res["pinned_after_s"] = round(time.monotonic() - t0, 3)
                res["pinned"] = True
            except TimeoutError:
                res["pinned"] = False
            res["certificate_details"] = jh.to_py(j.cm.getCertificateDetails(args.resolve))
            res["node_output"] = lines[:20]
    finally:
        children.stop(node, grace=5)
        h.close()
    json.dump(res, results)
    results.write("\n")
    results.flush()


if __name__ == "__main__":
    main()
