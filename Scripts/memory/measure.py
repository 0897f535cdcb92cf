#!/usr/bin/python3
"""Idle memory of rafikid beside jamid, measured in one run, with where it goes (as root).

Inside the jamid harness's private network namespace, over one loopback bootstrap node, it starts
one jamid and one rafikid, gives each one account, waits until both are registered and then
--idle seconds more, and reads /proc/PID/smaps of both. For each daemon it prints RSS, PSS and
USS (pages no other process maps), then the same three figures by mapping: the executable, each
shared library, the heap and anonymous mappings (malloc arenas, Swift's metadata, NIO buffers),
thread stacks and the rest.

    swift build -c release --product rafikid
    /usr/bin/python3 Scripts/memory/measure.py --rafikid .build/release/rafikid [--json]
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../interop"))
import children  # noqa: E402

FIELDS = ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Anonymous")


def group_of(path, exe):
    """The row a mapping is counted in."""
    if not path:
        return "[anonymous]"
    if path == exe:
        return "[executable]"
    if path.startswith("[stack"):
        return "[stack]"
    if path.startswith("["):
        return path
    return os.path.basename(path)


def smaps(pid):
    """kB per mapping group: rss, pss, uss (private clean + dirty) and anon."""
    exe = os.path.realpath("/proc/%d/exe" % pid)
    rows = collections.defaultdict(lambda: collections.Counter())
    current = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split(None, 1)[0]
            if not head.endswith(":"):
                # A mapping line: address perms offset dev inode [path]
                parts = line.split(None, 5)
                path = parts[5].strip() if len(parts) > 5 else ""
                if path.endswith(" (deleted)"):
                    path = path[: -len(" (deleted)")]
                current = rows[group_of(path, exe)]
                continue
            key = head[:-1]
            if key in FIELDS and current is not None:
                current[key] += int(line.split()[1])
    out = {}
    for name, c in rows.items():
        out[name] = {"rss": c["Rss"], "pss": c["Pss"], "uss": c["Private_Clean"] + c["Private_Dirty"], "anon": c["Anonymous"]}
    return out


def sections_of(exe):
    """(name, file offset, size) of the executable's allocated sections, from readelf."""
    out = subprocess.run(["readelf", "-SW", exe], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(\S*A\S*)", line)
        if m and m.group(1) != ".bss" and int(m.group(4), 16):
            rows.append((m.group(1), int(m.group(3), 16), int(m.group(4), 16)))
    return rows


def resident_pages(pid):
    """File offsets of the executable's pages resident in process `pid` (/proc/PID/pagemap, as root)."""
    exe = os.path.realpath("/proc/%d/exe" % pid)
    pages = set()
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/pagemap" % pid, "rb") as pagemap:
        for line in maps:
            parts = line.split(None, 5)
            if len(parts) < 6 or os.path.realpath(parts[5].strip()) != exe:
                continue
            start, end = (int(x, 16) for x in parts[0].split("-"))
            offset = int(parts[2], 16)
            pagemap.seek(start // 4096 * 8)
            entries = pagemap.read((end - start) // 4096 * 8)
            for i in range(0, len(entries), 8):
                if int.from_bytes(entries[i:i + 8], "little") >> 63:
                    pages.add(offset + i // 8 * 4096)
    return pages


def resident_by_section(pid):
    """KiB of the executable resident per ELF section."""
    sections = sections_of(os.path.realpath("/proc/%d/exe" % pid))
    kib = collections.Counter()
    for at in resident_pages(pid):
        kib[next((n for n, o, size in sections if o <= at < o + size), "(other)")] += 4
    return dict(kib)


def totals(rows):
    t = collections.Counter()
    for r in rows.values():
        t.update(r)
    return dict(t)


def threads(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def print_breakdown(name, rows, top):
    t = totals(rows)
    print("%s: RSS %.1f MiB, PSS %.1f MiB, USS %.1f MiB, anonymous %.1f MiB" % (name, t["rss"] / 1024, t["pss"] / 1024, t["uss"] / 1024, t["anon"] / 1024))
    print("  %-40s %9s %9s %9s" % ("mapping", "RSS KiB", "PSS KiB", "USS KiB"))
    for k, r in sorted(rows.items(), key=lambda kv: -kv[1]["rss"])[:top]:
        print("  %-40s %9d %9d %9d" % (k[:40], r["rss"], r["pss"], r["uss"]))


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--harness", default=os.path.normpath(os.path.join(here, "../../../shared/peers/jamid")))
    ap.add_argument("--workdir", default="/tmp/rafiki-memory", help="emptied first")
    ap.add_argument("--rafikid", required=True)
    ap.add_argument("--idle", type=float, default=20, help="seconds both daemons idle, registered, before the reading")
    ap.add_argument("--top", type=int, default=14, help="mapping rows printed per daemon")
    ap.add_argument("--max-seconds", type=int, default=600)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, args.harness)
    import jamiharness as jh
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    shutil.rmtree(args.workdir, ignore_errors=True)
    h = jh.Harness(args.workdir, max_seconds=args.max_seconds)
    daemon = None
    res = {}
    try:
        bs = h.start_bootstrap()
        j = h.start_jamid("J", debug=False)
        m = j.mark()
        acc = j.add_account(jh.offline_account_details(bs.addr, "j"))
        home = os.path.join(args.workdir, "R")
        daemon, url, token = children.start_rafikid(args.rafikid, home, bs.addr, open(home + ".log", "w"), "warning")

        def api(method, path, body=None):
            return children.api(url, token, method, path, body)

        api("POST", "/v1/accounts", {"displayName": "r"})
        children.jamid_registered(jh, j, acc, timeout=300, since=m)
        children.poll("the rafikid account registered",
                      lambda: all(a["state"] == "registered" for a in api("GET", "/v1/accounts")["accounts"]), timeout=120)
        time.sleep(args.idle)
        res["rafikid"], res["jamid"] = smaps(daemon.pid), smaps(j.pid)
        res["rafikid_sections"] = resident_by_section(daemon.pid)
        res["threads"] = {"rafikid": threads(daemon.pid), "jamid": threads(j.pid)}
    finally:
        if daemon is not None:
            children.stop(daemon, grace=20)
        h.close()

    ours, theirs = totals(res["rafikid"]), totals(res["jamid"])
    res["totals_kb"] = {"rafikid": ours, "jamid": theirs}
    res["ratios"] = {k: round(ours[k] / theirs[k], 3) for k in ("rss", "pss", "uss") if theirs.get(k)}
    if args.json:
        out.write(json.dumps(res) + "\n")
        out.flush()
        return
    sys.stdout = out
    print("%-22s %10s %10s %8s" % ("idle, one account", "rafikid", "jamid", "ratio"))
    for k, label in (("rss", "RSS, MiB"), ("pss", "PSS, MiB"), ("uss", "USS, MiB"), ("anon", "anonymous, MiB")):
        print("%-22s %10.1f %10.1f %8.3f" % (label, ours[k] / 1024, theirs[k] / 1024, ours[k] / max(theirs[k], 1)))
    print("%-22s %10d %10d" % ("threads", res["threads"]["rafikid"], res["threads"]["jamid"]))
    print("aims: RSS <= 25 MiB, USS <= 8 MiB\n")
    print_breakdown("rafikid", res["rafikid"], args.top)
    print("  rafikid's executable resident by section, KiB: " + ", ".join(
        "%s %d" % kv for kv in sorted(res["rafikid_sections"].items(), key=lambda kv: -kv[1]) if kv[1] >= 64))
    print()
    print_breakdown("jamid", res["jamid"], args.top)
    out.flush()


if __name__ == "__main__":
    main()
