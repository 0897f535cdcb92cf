"""The honest client: a real node per operation, so its puts and gets see the target as any peer does."""
import os
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from .config import PEER, SYS_PY
from .processes import run_client, spawn


class Honest:
    def __init__(self, kind, rafiki_binary):
        self.kind, self.rafiki = kind, rafiki_binary

    def describe(self):
        return "opendht_peer.py put/get/listen (OpenDHT 2.4.12)" if self.kind == "opendht" else \
            "rafiki-dhtnode put/get/listen (%s)" % self.rafiki

    def argv(self, node, timeout, *command):
        boot = "%s:%d" % node
        if self.kind == "opendht":
            return [SYS_PY, PEER, "--bootstrap", boot, "--timeout", str(timeout)] + list(command)
        return [self.rafiki, "--bootstrap", boot, "--timeout", str(timeout)] + list(command)

    def ops(self, node, tag, count=20, concurrency=5, timeout=None):
        """`count` puts then `count` gets of distinct keys; a get counts if it finds its value."""
        # A rafiki-dhtnode put waits out the retransmissions to earlier (exited) clients the target
        # still lists, about 8 s; opendht_peer.py puts take about 1.5 s.
        timeout = timeout or (15 if self.kind == "opendht" else 25)
        keys = ["dht-attack-%s-%d-%d" % (tag, os.getpid(), i) for i in range(count)]
        t0 = time.monotonic()

        def put(k):
            rc, out, secs = run_client(self.argv(node, timeout, "put", "--key", k, "--data", "honest " + k), timeout + 5)
            return rc == 0 and '"ok": true' in out, secs

        def get(k):
            rc, out, secs = run_client(self.argv(node, timeout, "get", "--key", k, "--expect", "1"), timeout + 5)
            return rc == 0 and ("honest " + k) in out, secs

        with ThreadPoolExecutor(concurrency) as ex:
            puts = list(ex.map(put, keys))
            t_puts = time.monotonic() - t0
            gets = list(ex.map(get, keys))
        return {"client": self.kind, "puts_ok": sum(ok for ok, _ in puts), "gets_found": sum(ok for ok, _ in gets),
                "of": count, "put_p50_s": round(statistics.median(s for _, s in puts), 2),
                "get_p50_s": round(statistics.median(s for _, s in gets), 2),
                "puts_took_s": round(t_puts, 1), "total_s": round(time.monotonic() - t0, 1)}

    def listener(self, node, key, duration):
        """A real node listening to `key`; returns the process (JSON lines on its stdout)."""
        return spawn(self.argv(node, duration + 20, "listen", "--key", key, "--duration", str(duration),
                               "--count", "1"), stdout=subprocess.PIPE)
