#!/usr/bin/python3
"""Times account creation in the real Jami daemon (jamid 13.7) for the identity benchmark.

Inside a private network namespace it starts a loopback bootstrap node and one jamid, then
creates `--count` accounts one after the other (archive without password, as ours in the
benchmark). For each: seconds from `addAccount` until the account leaves INITIALIZING (keys
generated, certificates issued, archive written), and until REGISTERED on the DHT.
Prints one JSON object on stdout.
"""
import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True, help="folder holding jamiharness.py")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--max-seconds", type=int, default=600)
    args = ap.parse_args()
    sys.path.insert(0, args.harness)
    import jamiharness as jh
    results = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    res = {"created_s": [], "registered_s": []}
    h = jh.Harness(args.workdir, max_seconds=args.max_seconds)
    try:
        bs = h.start_bootstrap()
        j = h.start_jamid("bench", debug=False)
        for n in range(args.count):
            m = j.mark()
            t0 = time.monotonic()
            acc = j.add_account(jh.offline_account_details(bs.addr, "bench%d" % n))
            t1, _ = j.wait_signal("registrationStateChanged",
                                  lambda a: a[0] == acc and a[1] != "INITIALIZING", timeout=120, since=m)
            t2 = jh.wait_registered(j, acc, timeout=120, since=m)
            res["created_s"].append(round(t1 - t0, 4))
            res["registered_s"].append(round(t2 - t0, 4))
            j.cm.removeAccount(acc)
    finally:
        h.close()
    json.dump(res, results)
    results.write("\n")
    results.flush()


if __name__ == "__main__":
    main()
