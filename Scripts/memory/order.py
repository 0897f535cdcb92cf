#!/usr/bin/python3
"""Symbol ordering files for rafikid: the functions an idle daemon runs, placed together.

Why: a page of code is resident once anything in it ran, and the kernel maps up to 64 KiB of
cached neighbours around each fault. rafikid's hot code is scattered over 17 MiB of `.text`, so
an idle daemon keeps about 12 MiB of it resident although it touches under 5 MiB.

How, in two steps:
1. an instrumented rafikid (`-profile-generate`) runs what measure.py measures (a bootstrap
   node, one account created, registered, a few API calls, idle) and stops; the functions with a
   non-zero count, hottest first, make the first order file;
2. rafikid built with every function in a section of its own and linked with that order runs
   the same scenario from a cold copy on a loop-mounted ext4 image with read-ahead off (so a
   resident page is a touched page); functions on touched pages go first in the next order file,
   which adds the compiler's own functions (metadata accessors, witnesses, thunks) that
   instrumentation does not count. Repeat step 2 a few times.

    swift build -c release --product rafikid --scratch-path .build-profile \
        -Xswiftc -profile-generate -Xcc -fprofile-instr-generate
    /usr/bin/python3 Scripts/memory/order.py --rafikid .build-profile/release/rafikid --out /tmp/order1.txt
    FLAGS="-Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xlinker --no-warn-symbol-ordering"
    swift build -c release --product rafikid --scratch-path .build-ordered $FLAGS -Xlinker --symbol-ordering-file=/tmp/order1.txt
    /usr/bin/python3 Scripts/memory/order.py --refine .build-ordered/release/rafikid --order /tmp/order1.txt --out /tmp/order2.txt
    (relink with /tmp/order2.txt, refine again, ...)

Measured 2026-12-02 (measure.py, idle, one account): the executable's resident pages 16.2 MiB ->
11.4 MiB after four refinements (`.text` 12.0 -> 7.5 MiB; 4.5 MiB of it is touched at all), RSS
42.8 -> 38.2 MiB. Not part of the default build: the order file is 3 MB of mangled names that
goes stale as the code changes, and it needs the function-section flags on every dependency,
which a package manifest cannot set.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../interop"))
import children  # noqa: E402
import measure  # noqa: E402


def run_scenario(args, binary, at_idle=None):
    """One run of `binary` in the jamid harness's namespace: a bootstrap node, one account,
    registered, a few API calls, idle; `at_idle(pid)` is called before the clean stop."""
    sys.path.insert(0, args.harness)
    import jamiharness as jh
    shutil.rmtree(args.workdir, ignore_errors=True)
    h = jh.Harness(args.workdir, max_seconds=args.max_seconds)
    daemon = None
    try:
        bs = h.start_bootstrap()
        home = os.path.join(args.workdir, "R")
        daemon, url, token = children.start_rafikid(binary, home, bs.addr, open(home + ".log", "w"), "warning")

        def api(method, path, body=None):
            return children.api(url, token, method, path, body)

        api("POST", "/v1/accounts", {"displayName": "r"})
        children.poll("the rafikid account registered",
                      lambda: all(a["state"] == "registered" for a in api("GET", "/v1/accounts")["accounts"]), timeout=300)
        for path in ("/v1/status", "/v1/accounts", "/v1/contacts", "/v1/presence"):
            try:
                api("GET", path)
            except Exception as e:  # a path this version does not have still leaves a profile
                print("order.py: GET %s: %s" % (path, e), file=sys.stderr)
        time.sleep(args.idle)
        if at_idle:
            at_idle(daemon.pid)
    finally:
        if daemon is not None:
            # A clean stop: the profile is written at exit.
            children.stop(daemon, grace=30)
        h.close()


# `llvm-profdata show --all-functions` prints, per function:
#   <name>:
#     Hash: 0x...
#     Counters: N
#     Function count: C
# The toolchain's own: Debian's llvm-profdata is older than the profiles swiftc's runtime writes.
PROFDATA = os.path.join(os.path.dirname(os.path.realpath(shutil.which("swiftc") or "/opt/swift/usr/bin/swiftc")), "llvm-profdata")
FUNCTION = re.compile(r"^  (\S.*):$")
COUNT = re.compile(r"^    Function count: (\d+)$")


def hot_functions(profdata):
    listing = subprocess.run([PROFDATA, "show", "--all-functions", profdata],
                             check=True, capture_output=True, text=True).stdout
    hot, name = [], None
    for line in listing.splitlines():
        m = FUNCTION.match(line)
        if m:
            name = m.group(1)
            continue
        m = COUNT.match(line)
        if m and name is not None:
            if int(m.group(1)) > 0:
                hot.append((int(m.group(1)), name))
            name = None
    # Internal functions are recorded as "file;symbol" (or "file:symbol"): lld orders by symbol.
    names = []
    for count, n in sorted(hot, key=lambda cn: -cn[0]):
        for sep in (";", ":"):
            if sep in n and not n.startswith("$"):
                n = n.rsplit(sep, 1)[1]
        names.append(n)
    return list(dict.fromkeys(names))


class ColdCopy:
    """`binary` copied onto a small ext4 image (a loop device, as root) with read-ahead off and
    none of it cached: then every page of it a process maps was touched, as the kernel maps
    neighbours only when they are cached (fault-around) and reads nothing ahead."""

    def __init__(self, workdir, binary):
        self.mount, self.image, self.loop = workdir + "-cold", workdir + "-cold.img", None
        os.makedirs(self.mount, exist_ok=True)
        with open(self.image, "wb") as f:
            f.truncate(os.path.getsize(binary) * 2 + (64 << 20))
        subprocess.run(["mkfs.ext4", "-q", "-F", self.image], check=True)
        self.loop = subprocess.run(["losetup", "-f", "--show", self.image], check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run(["mount", self.loop, self.mount], check=True)
        subprocess.run(["blockdev", "--setra", "0", self.loop], check=True)
        bdi = subprocess.run(["mountpoint", "-d", self.mount], check=True, capture_output=True, text=True).stdout.strip()
        with open("/sys/class/bdi/%s/read_ahead_kb" % bdi, "w") as f:
            f.write("0")
        self.path = os.path.join(self.mount, "rafikid")
        shutil.copy2(binary, self.path)
        os.sync()
        fd = os.open(self.path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)

    def close(self):
        subprocess.run(["umount", self.mount])
        if self.loop:
            subprocess.run(["losetup", "-d", self.loop])
        os.remove(self.image)


def text_symbols(binary):
    """(file offset, size, name) of every function, from nm and the .text section's address."""
    sections = subprocess.run(["readelf", "-SW", binary], check=True, capture_output=True, text=True).stdout
    m = re.search(r"\]\s+\.text\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", sections)
    address, offset = int(m.group(1), 16), int(m.group(2), 16)
    rows = []
    nm = subprocess.run(["nm", "-S", "--defined-only", binary], check=True, capture_output=True, text=True).stdout
    for line in nm.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tTwW":
            rows.append((int(p[0], 16) - address + offset, int(p[1], 16), p[3]))
    return rows


def refine(args):
    """The order file rearranged by a run of the binary linked with it: functions on touched
    pages first (those of the previous order, then new ones: the compiler's own functions such as
    metadata accessors, witnesses and thunks, which instrumentation does not count), then those
    the run did not touch. Each round moves what merely shared a page with hot code out of the
    hot region."""
    previous = [line.strip() for line in open(args.order) if line.strip()]
    cold = ColdCopy(args.workdir, args.refine)
    pages = set()
    try:
        run_scenario(args, cold.path, at_idle=lambda pid: pages.update(measure.resident_pages(pid)))
    finally:
        cold.close()
    touched, functions = set(), text_symbols(args.refine)
    lo, hi = min(o for o, _, _ in functions), max(o + n for o, n, _ in functions)
    text_pages = sorted(p for p in pages if lo <= p < hi)
    for offset, size, name in functions:
        first, last = offset // 4096, (offset + max(size, 1) - 1) // 4096
        if any(p * 4096 in pages for p in range(first, last + 1)):
            touched.add(name)
    kept = [n for n in previous if n in touched]
    added = sorted(touched - set(kept))
    # What this run did not touch stays, after the rest: a run takes slightly different paths
    # (timers, the network), and a function another run needed is still likely to run.
    demoted = [n for n in previous if n not in touched]
    with open(args.out, "w") as f:
        f.write("\n".join(kept + added + demoted) + "\n")
    print("order.py: %d pages of code touched, %d of them in the first %d MiB of .text"
          % (len(text_pages), sum(p < lo + (args.hot_mib << 20) for p in text_pages), args.hot_mib))
    print("order.py: %d functions touched again, %d newly, %d not (moved after the others); written to %s"
          % (len(kept), len(added), len(demoted), args.out))


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--harness", default=os.path.normpath(os.path.join(here, "../../../shared/peers/jamid")))
    ap.add_argument("--workdir", default="/tmp/rafiki-order", help="emptied first")
    ap.add_argument("--rafikid", help="a rafikid built with -profile-generate: writes the first order file")
    ap.add_argument("--refine", metavar="RAFIKID", help="a rafikid linked with --order: writes a refined order file")
    ap.add_argument("--order", help="the order file the --refine binary was linked with")
    ap.add_argument("--hot-mib", type=int, default=4, help="--refine reports how many touched pages lie this near the start")
    ap.add_argument("--idle", type=float, default=40, help="seconds the daemon idles, registered")
    ap.add_argument("--max-seconds", type=int, default=600)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.refine:
        if not args.order:
            ap.error("--refine needs --order")
        return refine(args)
    if not args.rafikid:
        ap.error("give --rafikid (instrumented) or --refine")
    profiles = os.path.join(args.workdir + "-profiles")
    shutil.rmtree(profiles, ignore_errors=True)
    os.makedirs(profiles)
    os.environ["LLVM_PROFILE_FILE"] = os.path.join(profiles, "rafikid-%p.profraw")
    run_scenario(args, args.rafikid)
    raw = glob.glob(os.path.join(profiles, "*.profraw"))
    if not raw:
        sys.exit("order.py: the daemon wrote no profile (was it built with -profile-generate?)")
    merged = os.path.join(profiles, "merged.profdata")
    if not os.path.exists(PROFDATA):
        sys.exit("order.py: no %s beside swiftc" % PROFDATA)
    subprocess.run([PROFDATA, "merge", "-o", merged] + raw, check=True)
    names = hot_functions(merged)
    with open(args.out, "w") as f:
        f.write("\n".join(names) + "\n")
    print("order.py: %d functions ran; written to %s" % (len(names), args.out))


if __name__ == "__main__":
    main()
