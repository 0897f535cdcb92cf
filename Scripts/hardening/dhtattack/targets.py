"""The node under attack (started on 127.0.0.1, stopped when its run ends) and what /proc says about it."""
import os
import socket
import subprocess
import threading
import time

from .processes import kill, spawn
from .wire import Wire


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s4, socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s6:
        while True:
            s4.bind(("127.0.0.1", 0))
            port = s4.getsockname()[1]
            try:
                s6.bind(("::1", port))  # dhtnode binds both families
                return port
            except OSError:
                s4.close()
                s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def proc_status(pid):
    """VmRSS and VmSize in kB, or None once the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            d = {k: v for k, _, v in (line.partition(":") for line in f)}
        return {"rss_kb": int(d["VmRSS"].split()[0]), "vm_kb": int(d["VmSize"].split()[0])}
    except (OSError, KeyError, ValueError):
        return None


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


class Target:
    """The node under attack: started on 127.0.0.1, killed when the run ends."""

    def __init__(self, kind, binary, workdir, budget, serve_args=(), bootstrap=None, name="target"):
        self.kind, self.binary = kind, binary
        self.port = free_port()
        self.addr = ("127.0.0.1", self.port)
        log = os.path.join(workdir, "%s-%d.log" % (name, self.port))
        if kind == "rafiki":
            argv = [binary, "--port", str(self.port)] + (["--bootstrap", "%s:%d" % bootstrap] if bootstrap else [])
            argv += ["serve", "--duration", str(int(budget))] + list(serve_args)
        else:
            argv = [binary, "-s", "-p", str(self.port)] + (["-b", "%s:%d" % bootstrap] if bootstrap else [])
        self.argv = argv
        self.proc = spawn(argv, log=log)
        self.pid = self.proc.pid
        # dhtnode has no --duration: a timer bounds it as serve --duration bounds ours.
        self.timer = threading.Timer(budget, kill, args=(self.proc,))
        self.timer.daemon = True
        self.timer.start()
        if not self.wait_ready():
            self.stop()
            raise RuntimeError("%s did not answer pings within 15 s (log: %s)" % (" ".join(argv), log))

    def wait_ready(self, timeout=15.0):
        w = Wire(self.addr)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and self.proc.poll() is None:
                r = w.request("ping", {}, timeout=0.3)
                if r and "r" in r:
                    self.node_id = r["r"].get("id", b"").hex()
                    return True
            return False
        finally:
            w.close()

    def stop(self):
        self.timer.cancel()
        kill(self.proc)


def serve_help_storage(binary):
    """Options of `serve --help` that mention storage or a quota (finding 5 lowers it if one exists)."""
    try:
        out = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [line.strip() for line in out.splitlines() if ("storage" in line.lower() or "quota" in line.lower())]
