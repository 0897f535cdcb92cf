#!/usr/bin/env python3
"""Issue 13, findings 7 and 8, measured against a running rafikid (loopback only, stdlib only).

Finding 7: three hostile addresses, each followed by a check that the daemon still runs:
  1. `rafiki contact add 'alice@[::1]:99999'` (and the same peer POSTed straight to the API, in
     case the CLI refuses it before the daemon sees it),
  2. a name server answering every lookup `302 Location: http://[::1]:99999/` (a contact add by
     username through the daemon, and `rafiki name lookup`),
  3. `rafiki name lookup alice --server 'http://[::1]:65536'`.
Finding 8: `POST /v1/accounts` with a 61,000-byte display name: the status, and what the
accounts folder holds afterwards.

    python3 Scripts/hardening/hostile_addresses.py --rafikid .build/debug/rafikid --rafiki .build/debug/rafiki

Prints one JSON object. Everything it starts is stopped before it exits (at most --timeout s).
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request


class Redirector(http.server.BaseHTTPRequestHandler):
    """A name server whose every answer is a redirect to an out-of-range port."""

    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", "http://[::1]:99999/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def run(cmd, env=None, timeout=30):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        code = p.returncode
        return {"exit": code if code >= 0 else None, "signal": signal.Signals(-code).name if code < 0 else None,
                "output": (p.stdout + p.stderr).strip()[-300:]}
    except subprocess.TimeoutExpired:
        return {"exit": None, "signal": None, "output": "timed out"}


def api(home, method, path, body=None, timeout=60):
    endpoint = json.load(open(os.path.join(home, "api.json")))
    token = open(os.path.join(home, "api-token")).read().strip()
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(endpoint["url"] + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()[:300]
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        return None, str(e)[:300]


class Daemon:
    """rafikid on a temporary home; restarted (same home) when a step brought it down."""

    def __init__(self, rafikid, home, name_server):
        self.args = [rafikid, "--home", home, "--api-port", "0", "--bootstrap", "127.0.0.1:9", "--name-server", name_server,
                     "--key-bits", "2048", "--log-level", "critical"]
        self.home = home
        self.process = None
        self.restarts = 0

    def start(self):
        if self.process is not None:
            self.restarts += 1
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("rafikid did not start: %r" % line)

    def state(self):
        """"up", or how it ended."""
        if self.process.poll() is None:
            status, _ = api(self.home, "GET", "/v1/status", timeout=30)
            if status == 200:
                return "up"
            time.sleep(1)
        if self.process.poll() is not None:
            code = self.process.returncode
            return "exited with " + (signal.Signals(-code).name if code < 0 else str(code))
        return "not answering"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rafikid", required=True)
    ap.add_argument("--rafiki", required=True)
    ap.add_argument("--timeout", type=float, default=400)
    args = ap.parse_args()
    started = time.monotonic()
    home = tempfile.mkdtemp(prefix="rafiki-hostile-")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ns = "http://127.0.0.1:%d" % server.server_address[1]
    env = dict(os.environ, RAFIKI_HOME=home)
    daemon = Daemon(args.rafikid, home, ns)
    res = {}
    try:
        daemon.start()
        status, body = api(home, "POST", "/v1/accounts", {"displayName": "Me"}, timeout=120)
        if status != 201:
            raise RuntimeError("cannot create an account: %s %s" % (status, body))
        account = json.loads(body)["id"]
        cli = [args.rafiki, "contact", "add", "--home", home, "--account", account]

        # Finding 8.
        before = sorted(os.listdir(os.path.join(home, "accounts")))
        status, body = api(home, "POST", "/v1/accounts", {"displayName": "x" * 61000}, timeout=120)
        after = sorted(os.listdir(os.path.join(home, "accounts")))
        accounts = api(home, "GET", "/v1/accounts")
        res["finding8"] = {"status": status, "message": body[:200], "folders_before": len(before), "folders_after": len(after),
                           "left_behind": sorted(set(after) - set(before)),
                           "accounts_listed": len(json.loads(accounts[1])["accounts"]) if accounts[0] == 200 else None}

        # Finding 7: each step against a running daemon (restarted if the previous one killed it).
        steps = [
            ("cli: rafiki contact add 'alice@[::1]:99999'", lambda: run(cli + ["alice@[::1]:99999"], env, 90)),
            ("api: POST contacts {peer: 'alice@[::1]:99999'}", lambda: api(home, "POST", "/v1/accounts/%s/contacts" % account, {"peer": "alice@[::1]:99999"}, 90)),
            ("cli: rafiki contact add bob (name server answers 302 Location: http://[::1]:99999/)", lambda: run(cli + ["bob"], env, 90)),
            ("cli: rafiki name lookup bob --server <that name server>", lambda: run([args.rafiki, "name", "lookup", "bob", "--server", ns], env, 90)),
            ("cli: rafiki name lookup alice --server 'http://[::1]:65536'", lambda: run([args.rafiki, "name", "lookup", "alice", "--server", "http://[::1]:65536"], env, 90)),
        ]
        res["finding7"] = []
        for name, step in steps:
            if time.monotonic() - started > args.timeout:
                res["finding7"].append({"step": name, "skipped": "out of time"})
                continue
            if daemon.state() != "up":
                daemon.start()
            outcome = step()
            if isinstance(outcome, tuple):
                outcome = {"status": outcome[0], "message": outcome[1][:200]}
            outcome["daemon_after"] = daemon.state()
            res["finding7"].append({"step": name, **outcome})
        res["daemon_restarts"] = daemon.restarts
    except Exception as e:  # reported, then everything is stopped
        res["error"] = str(e)
    finally:
        daemon.stop()
        server.shutdown()
        shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
