"""Child processes: each in its own process group, so killing the group also ends whatever the child
started; all are killed when the harness exits, pass or fail."""
import ctypes
import os
import signal
import subprocess
import sys
import time


CHILDREN = set()
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: no orphan if the harness is killed -9


def spawn(argv, log=None, stdin=subprocess.DEVNULL, stdout=None):
    """Starts a child in its own process group. It gets SIGKILL if the thread that started it ends
    (every caller waits for its children, so only a harness killed with -9 triggers that)."""
    out = stdout if stdout is not None else (open(log, "ab") if log else subprocess.DEVNULL)
    p = subprocess.Popen(argv, stdin=stdin, stdout=out, stderr=open(log, "ab") if log else subprocess.DEVNULL,
                         start_new_session=True, preexec_fn=_die_with_parent)
    CHILDREN.add(p)
    return p


def kill(p, grace=2.0):
    if p is None:
        return
    try:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        os.killpg(p.pid, signal.SIGKILL)  # the group: anything the child started goes too
    except ProcessLookupError:
        pass
    try:
        p.wait(2)
    except subprocess.TimeoutExpired:
        pass
    CHILDREN.discard(p)


def kill_all(*_):
    for p in list(CHILDREN):
        kill(p, grace=0.5)


def on_signal(signum, _frame):
    kill_all()
    sys.exit(128 + signum)


def run_client(argv, timeout):
    """Runs a short client to completion (killed at `timeout`); returns (exit code, stdout, seconds)."""
    t0 = time.monotonic()
    p = spawn(argv, stdout=subprocess.PIPE)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(p, grace=0.2)
        return None, "", time.monotonic() - t0
    CHILDREN.discard(p)
    return p.returncode, out.decode(errors="replace"), time.monotonic() - t0
