#!/usr/bin/python3
"""File-transfer figures, ours and jamid's, on the same machine in one run (issue 17's benchmark),
as root with /usr/bin/python3, in the harness's network namespace (one private DHT, both pairs
over the namespace's veth address).

- throughput Rafiki -> Rafiki: two rafikid in a 1:1 (A asks B, B accepts); A offers a
  `--mib` MiB file; from B's download call to its `transfer.state complete` event (every byte
  received, written and checked against the offer's SHA3-512);
- throughput jamid -> jamid: Jay and Kay in one jamid (Jay asks, Kay accepts); the same file
  sent by Jay; from Kay's `downloadFile` to her `dataTransferEvent` 6 (finished, after jamid's
  own SHA3-512 check);
- CPU per GiB: user + system time of the processes involved during the transfer (both rafikid;
  the one jamid that holds both accounts), per GiB;
- memory during the transfer: resident memory sampled every 100 ms, before and at its peak.
Prints one JSON object on stdout; progress on stderr.
"""
import os
import threading
import time

import children
import scenario

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


class Sampler:
    """Peak resident memory of some processes, every 100 ms, in a thread."""

    def __init__(self, pids):
        self.pids, self.peak, self._stop = pids, {p: rss_mib(p) for p in pids}, False
        self.before = dict(self.peak)
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop:
            for p in self.pids:
                self.peak[p] = max(self.peak[p], rss_mib(p))
            time.sleep(0.1)

    def stop(self):
        self._stop = True
        self._t.join()


def measured(pids, start, wait):
    """Runs start(), then wait(); (seconds, cpu seconds, memory before/peak per pid)."""
    cpu0 = sum(cpu_seconds(p) for p in pids)
    sampler = Sampler(pids)
    t0 = time.monotonic()
    start()
    wait()
    seconds = time.monotonic() - t0
    sampler.stop()
    cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    return seconds, cpu, {str(p): {"before_mib": round(sampler.before[p], 1), "peak_mib": round(sampler.peak[p], 1)} for p in pids}


def options(ap):
    ap.add_argument("--mib", type=int, default=1024)


def main():
    args = scenario.arguments(1500, rafiki=False, extra=options)
    import dbus
    with scenario.Scenario(args) as s:
        jh, h, res = s.jh, s.h, s.res
        res["mib"] = args.mib
        daemons = []
        s.on_exit(lambda: [children.stop(p, grace=10) for p in daemons])
        source = os.path.join(args.workdir, "payload.bin")
        with open(source, "wb") as f:
            for _ in range(args.mib):
                f.write(os.urandom(1 << 20))
        gib = args.mib / 1024
        bs = h.start_bootstrap()
        lan = jh.NETNS_LAN_ADDR.split("/")[0]
        sides = []
        for name in ("A", "B"):
            side = children.start_side(args.rafikid, args.workdir, lan, name, bs.addr, {"autoDownloadLimit": 0})
            daemons.append(side["p"])
            side["id"] = children.api(side["url"], side["token"], "POST", "/v1/accounts", {"displayName": name})["id"]
            sides.append(side)
        a, b = sides

        call = children.side_call

        for s in sides:
            children.poll("registration", lambda: call(s, "GET", "")["state"] == "registered", timeout=120)
        events = children.EventStream(b["url"], b["token"], b["id"])
        call(a, "POST", "/contacts", {"peer": b["id"]})
        events.wait("A's request", lambda e: e["type"] == "request.received", timeout=120)
        call(b, "POST", "/requests/%s/accept" % a["id"])
        _, e = events.wait("the 1:1 cloned", lambda e: e["type"] == "conversation.changed" and e.get("state") == "cloned", timeout=120)
        conv = e["conversationId"]
        t0 = time.monotonic()
        offer = call(a, "POST", "/conversations/%s/files" % conv, {"path": source})
        res["ours_offer_s"] = round(time.monotonic() - t0, 2)  # copied into A's folder and hashed
        events.wait("the offer", lambda e: e["type"] == "message.received" and e["message"]["id"] == offer["message"], timeout=120)

        def ours_start():
            call(b, "POST", "/conversations/%s/messages/%s/file/download" % (conv, offer["message"]))

        def ours_wait():
            _, e = events.wait("the download", lambda e: e["type"] == "transfer.state" and e.get("fileId") == offer["id"]
                               and e.get("state") in ("complete", "failed"), timeout=900)
            if e["state"] != "complete":
                raise RuntimeError("our download failed: %s" % e.get("detail"))

        seconds, cpu, memory = measured([a["p"].pid, b["p"].pid], ours_start, ours_wait)
        res["ours"] = {"seconds": round(seconds, 2), "mib_per_s": round(args.mib / seconds, 1), "cpu_s_per_gib": round(cpu / gib, 2), "memory": memory}
        events.close()
        for p in daemons:
            children.stop(p, grace=10)
        daemons = []

        # jamid <-> jamid, the same file.
        j, ((jay, jay_id), (kay, kay_id)) = children.start_jamid_accounts(jh, h, bs.addr, ["Jay", "Kay"], debug=True)
        m = j.mark()
        j.cm.sendTrustRequest(jay, kay_id, dbus.ByteArray(b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Jay\r\nEND:VCARD\r\n"))
        _, req = j.wait_signal("incomingTrustRequest", lambda x: x[0] == kay and x[2] == jay_id, timeout=120, since=m)
        jconv = str(req[1])
        j.wait_signal("conversationRequestReceived", lambda x: x[0] == kay, timeout=60, since=m)
        j.cm.acceptTrustRequest(kay, jay_id)
        j.wait_signal("conversationReady", lambda x: x[0] == kay and x[1] == jconv, timeout=120, since=m)
        j.wait_signal("conversationMemberEvent", lambda x: x[0] == jay and x[1] == jconv and int(x[3]) == 1, timeout=120, since=m)
        m = j.mark()
        t0 = time.monotonic()
        j.cm.sendFile(jay, jconv, source, "payload.bin", "")
        _, msg = j.wait_signal("messageReceived", lambda x: x[0] == kay and x[1] == jconv and dict(x[2]).get("type") == "application/data-transfer+json",
                               timeout=300, since=m)
        res["jamid_offer_s"] = round(time.monotonic() - t0, 2)
        info = {str(k): str(v) for k, v in dict(msg[2]).items()}
        target = os.path.join(args.workdir, "kay-got.bin")
        marks = {}

        def jamid_start():
            marks["m"] = j.mark()
            j.cm.downloadFile(kay, jconv, info["id"], info["fileId"], target)

        def jamid_wait():
            _, ev = j.wait_signal("dataTransferEvent", lambda x: x[0] == kay and str(x[3]) == info["fileId"] and int(x[4]) in (6, 7, 8),
                                  timeout=900, since=marks["m"])
            if int(ev[4]) != 6:
                raise RuntimeError("jamid's download ended with code %d" % int(ev[4]))

        seconds, cpu, memory = measured([j.pid], jamid_start, jamid_wait)
        res["jamid"] = {"seconds": round(seconds, 2), "mib_per_s": round(args.mib / seconds, 1), "cpu_s_per_gib": round(cpu / gib, 2), "memory": memory}
        res["throughput_ratio"] = round(res["ours"]["mib_per_s"] / res["jamid"]["mib_per_s"], 2)
        res["cpu_ratio"] = round(res["ours"]["cpu_s_per_gib"] / res["jamid"]["cpu_s_per_gib"], 2)


if __name__ == "__main__":
    main()
