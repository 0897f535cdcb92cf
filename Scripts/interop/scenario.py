"""The frame the interop scenarios share: their command line, the harness's network namespace,
and one JSON object of results on stdout.

    args = scenario.arguments(max_seconds=300, extra=lambda ap: ap.add_argument("--mib", type=int))
    with scenario.Scenario(args) as s:
        bs = s.h.start_bootstrap()
        daemon = ...
        s.on_exit(lambda: children.stop(daemon, grace=5))
        s.res["answer"] = 42

An exception inside the block is reported as `res["error"]` (the Swift test prints it with the
logs' folder) instead of a traceback; the exit functions run (last first), then the harness
closes, then the results are written. The harness logs on stdout, so stdout is pointed at
stderr once the results' own descriptor is kept.
"""
import argparse
import json
import os
import sys


def arguments(max_seconds, rafikid=True, rafiki=True, extra=None, description=None):
    """Parses `--harness --workdir [--rafikid] [--rafiki] --max-seconds` and what `extra(ap)`
    adds, and makes the harness importable."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--harness", required=True, help="folder holding jamiharness.py")
    ap.add_argument("--workdir", required=True)
    if rafikid:
        ap.add_argument("--rafikid", required=True)
    if rafiki:
        ap.add_argument("--rafiki", required=True)
    ap.add_argument("--max-seconds", type=int, default=max_seconds, help="bound on the whole run")
    if extra:
        extra(ap)
    args = ap.parse_args()
    sys.path.insert(0, args.harness)
    return args


class Scenario:
    def __init__(self, args):
        import jamiharness
        self.jh = jamiharness
        self._results = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)
        self.res = {}
        self._exits = []
        self.h = jamiharness.Harness(args.workdir, max_seconds=args.max_seconds)

    def on_exit(self, fn):
        """Runs `fn` when the scenario ends, whatever happened (before the harness closes)."""
        self._exits.append(fn)

    def __enter__(self):
        return self

    def __exit__(self, typ, e, tb):
        reported = isinstance(e, Exception)
        if reported:
            self.res["error"] = "%s: %s" % (type(e).__name__, e)
        for fn in reversed(self._exits):
            try:
                fn()
            except Exception as err:
                print("cleaning up: %r" % err, file=sys.stderr, flush=True)
        self.h.close()
        self._results.write(json.dumps(self.res) + "\n")
        self._results.flush()
        return reported


def errors_in(log_path, limit=20):
    """The error and critical lines of a rafikid log."""
    with open(log_path) as f:
        return [l for l in f.read().splitlines() if " error " in l or "critical" in l][:limit]
