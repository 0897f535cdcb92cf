"""Child processes and waits for the interop scripts and benchmarks.

Every child runs in its own session (so its own process group) and is stopped with its whole
group: a shell wrapper (`shell=True`) and whatever it started go together. Every wait has a bound
and, when the bound is reached, raises TimeoutError saying what was awaited.
"""
import ctypes
import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request


_libc = ctypes.CDLL("libc.so.6", use_errno=True)
PR_SET_PDEATHSIG = 1


def _own_session():
    os.setsid()
    # SIGTERM when this script dies, even by SIGKILL (then its finally blocks do not run).
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def spawn(argv, **kw):
    """subprocess.Popen in a new session (the child leads its own process group), sent SIGTERM
    if this script dies first."""
    kw.setdefault("preexec_fn", _own_session)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(argv, **kw)


def stop(p, grace=10.0):
    """SIGTERM to p's process group, SIGKILL to it after `grace` seconds; returns p's exit status
    (None when p is None). The group is signalled even when p itself has exited, so a
    grandchild left behind by a shell goes too."""
    if p is None:
        return None
    _signal_group(p, signal.SIGTERM)
    try:
        p.wait(grace)
    except subprocess.TimeoutExpired:
        _signal_group(p, signal.SIGKILL)
        p.wait(5)
    _signal_group(p, signal.SIGKILL)  # stragglers of the group, if any
    return p.returncode


def _signal_group(p, sig):
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Lines:
    """The lines of a text stream, read on a thread of their own so a wait can be bounded."""

    def __init__(self, stream):
        self._queue = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream):
        try:
            for line in stream:
                self._queue.put((time.monotonic(), line))
        except Exception:  # noqa: the stream was closed under us, or broke: it has ended
            pass
        self._queue.put(None)

    def next(self, timeout, what):
        """The next line; TimeoutError after `timeout` s, EOFError when the stream ended."""
        return self.next_timed(timeout, what)[1]

    def next_timed(self, timeout, what):
        """The next line and the monotonic time it was read."""
        try:
            item = self._queue.get(timeout=max(0.0, timeout))
        except queue.Empty:
            raise TimeoutError("%s: nothing within %.0f s" % (what, timeout)) from None
        if item is None:
            self._queue.put(None)  # stays ended for later calls
            raise EOFError("%s: the stream ended" % what)
        return item


def poll(what, fn, timeout, interval=0.2):
    """Calls fn until it returns something true; TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError("%s: not within %.0f s" % (what, timeout))
        time.sleep(interval)


def start_rafikid(binary, home, bootstrap, log, log_level=None, timeout=60, wrap=()):
    """Starts rafikid on a free API port and waits for its ready line: (process, API URL, token).
    The process is stopped again when it does not come up. `wrap` prefixes the command (for
    `ip netns exec NAME`)."""
    argv = list(wrap) + [binary, "--home", home, "--api-port", "0", "--bootstrap", bootstrap]
    if log_level:
        argv += ["--log-level", log_level]
    p = spawn(argv, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        ready = Lines(p.stdout).next(timeout, "rafikid's ready line (%s)" % home).strip()
        if not ready.startswith("ready "):
            raise RuntimeError("rafikid did not start: %r (see its log)" % ready)
    except BaseException:
        stop(p)
        raise
    with open(os.path.join(home, "api-token")) as f:
        return p, ready.split(" ", 1)[1], f.read().strip()


def api(url, token, method, path, body=None, timeout=120):
    """One call to rafikid's API: the decoded JSON answer (None for an empty one)."""
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


class EventStream:
    """rafikid's line-delimited event stream (`GET /v1/events/stream?account=...`), read directly.

    The daemon subscribes before it answers, so once the constructor returns (the response head
    has arrived), no event published afterwards can be missed; a `rafiki events` child, by
    contrast, may connect after the event it was started for.
    """

    def __init__(self, base_url, token, account=None, timeout=30):
        u = urllib.parse.urlsplit(base_url)
        self._conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
        path = "/v1/events/stream" + ("?account=" + account if account else "")
        self._conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        response = self._conn.getresponse()
        if response.status != 200:
            raise RuntimeError("event stream: HTTP %d %s" % (response.status, response.read(500)))
        self._conn.sock.settimeout(None)  # the reader thread blocks; waits are bounded by Lines.next
        self._lines = Lines(response)

    def wait(self, what, predicate, timeout):
        """The first event (a dict) satisfying predicate, with the monotonic time it was read."""
        deadline = time.monotonic() + timeout
        while True:
            t, raw = self._lines.next_timed(deadline - time.monotonic(), what)
            text = raw.decode() if isinstance(raw, bytes) else raw
            if not text.strip():
                continue  # keepalive
            event = json.loads(text)
            if predicate(event):
                return t, event

    def close(self):
        """Ends the stream (the reader thread sees it end); safe to call twice."""
        sock = self._conn.sock
        if sock is not None:
            try:
                sock.shutdown(2)
            except OSError:
                pass
        self._conn.close()


def jamid_registered(jh, j, acc, timeout, since=0):
    """Waits until jamid's account `acc` is registered: its registrationStateChanged signal, or
    its volatile details saying so, checked every few seconds (on a loaded machine the harness
    has missed the signal of one of two accounts created together although jamid logged the
    account connected). TimeoutError names the state jamid last reported."""
    end = time.monotonic() + timeout
    while True:
        try:
            return jh.wait_registered(j, acc, timeout=max(0.1, min(5.0, end - time.monotonic())), since=since)
        except TimeoutError:
            pass
        status = j.volatile(acc).get("Account.registrationStatus")
        if status == "REGISTERED":
            return time.monotonic()  # the clock of the harness signal times
        if time.monotonic() >= end:
            raise TimeoutError("%s: account %s not registered within %.0f s (jamid says %s)" % (j.name, acc, timeout, status))


def jamid_accounts(jh, j, bootstrap, names, timeout=240):
    """Adds one offline account per name to jamid `j` and waits until each is registered and
    can serve TLS (jamid as TLS server blocks on its DH parameters: README, "DH params").
    Returns [(account, its Jami id)] in the order of `names`."""
    m = j.mark()
    accounts = [j.add_account(jh.offline_account_details(bootstrap, name)) for name in names]
    for acc in accounts:
        jamid_registered(jh, j, acc, timeout=timeout, since=m)
    for acc in accounts:
        poll("jamid's DH params", lambda: os.path.exists(os.path.join(j.env["XDG_CACHE_HOME"], acc, "dhParams")), timeout=120)
    return [(acc, j.details(acc)["Account.username"]) for acc in accounts]


def start_jamid_accounts(jh, h, bootstrap, names, name="J", debug=False, attempts=3, timeout=240):
    """Starts jamid in harness `h` with `jamid_accounts(names)`. jamid 13.7 sometimes dies while
    it makes its accounts' keys (CI saw its bus name vanish during addAccount on a loaded
    machine); nothing of ours has run yet then, so a fresh jamid (its own folder) is started, at
    most `attempts` times, and each restart is logged. Returns (jamid, [(account, Jami id)])."""
    for attempt in range(1, attempts + 1):
        j = h.start_jamid(name if attempt == 1 else "%s%d" % (name, attempt), debug=debug)
        try:
            return j, jamid_accounts(jh, j, bootstrap, names, timeout=timeout)
        except Exception as e:
            try:
                j.jamid.p.wait(5)  # its bus name may go a moment before the process does
            except subprocess.TimeoutExpired:
                pass
            if j.jamid.p.poll() is None or attempt == attempts:
                raise
            print("jamid %s died while making its accounts (rc=%s: %s); starting another (%d/%d)"
                  % (j.name, j.jamid.p.returncode, e, attempt + 1, attempts), file=sys.stderr, flush=True)


def rafiki_home(workdir, lan_addr, name="rafiki-home"):
    """A daemon home under `workdir` whose config offers `lan_addr` as its peer address."""
    home = os.path.join(workdir, name)
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "config.json"), "w") as f:
        json.dump({"peerAddresses": [lan_addr]}, f)
    return home


def rafiki_cli(binary, home, timeout=300):
    """A function that runs our CLI (`binary ARGS --home HOME --json`) and returns its JSON
    answer (None when it printed nothing); a failure raises with the CLI's own message."""
    def run(*argv, timeout=timeout):
        p = subprocess.run([binary] + list(argv) + ["--home", home, "--json"], capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError("rafiki %s failed: %s" % (" ".join(argv), p.stderr.strip()))
        return json.loads(p.stdout) if p.stdout.strip() else None
    return run


def start_side(binary, workdir, lan, name, bootstrap, config=None, wrap=()):
    """One rafikid for a two-daemon script: home `workdir/name` offering `lan` (plus `config`),
    its log `workdir/name.log`. Returns {p, url, token, home}; `side_call` calls its API."""
    home = rafiki_home(workdir, lan, name)
    with open(os.path.join(home, "config.json"), "w") as f:
        json.dump(dict({"peerAddresses": [lan]}, **(config or {})), f)
    p, url, token = start_rafikid(binary, home, bootstrap, open(os.path.join(workdir, name + ".log"), "a"), log_level="info", wrap=wrap)
    return {"p": p, "url": url, "token": token, "home": home}


def side_call(side, method, path, body=None):
    """The API of `side`'s account (`side["id"]`): `/v1/accounts/<id><path>`."""
    return api(side["url"], side["token"], method, "/v1/accounts/%s%s" % (side["id"], path), body)
