"""One run: start the node, measure, attack, measure, stop (pass or fail)."""
import os
import subprocess
import threading
import time

from .config import DEFAULT_RAFIKI
from .listeners import squat_after
from .probes import Monitor, classify, cpu_between, cpu_peak_1s, finds, ping_stats
from .targets import Target, proc_status


class Env:
    def __init__(self, args, honest, workdir):
        self.args, self.honest, self.workdir = args, honest, workdir
        self.attacker, self.cleanup, self.squat, self.phase_windows = None, [], None, {}


def node_binary(args):
    return args.opendht_binary if args.target == "opendht" else (args.node_binary or DEFAULT_RAFIKI)


def build_info(binary):
    info = {"binary": binary}
    try:
        info["mtime"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(os.path.getmtime(binary)))
    except OSError:
        pass
    root = os.path.dirname(os.path.realpath(binary))  # its checkout; HEAD is read now, not at build time
    while root != "/" and not os.path.exists(os.path.join(root, ".git")):
        root = os.path.dirname(root)
    if root != "/":
        try:
            info["commit"] = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                                            text=True, timeout=5).stdout.strip()
            info["dirty"] = bool(subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                                                capture_output=True, text=True, timeout=5).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    return info


def run_one(name, attack, args, honest, workdir, extra=None):
    binary = node_binary(args)
    after = sorted(args.after)
    env = Env(args, honest, workdir)
    result = {"attack": name, "target": args.target, "node": build_info(binary),
              "load_avg_1m": round(os.getloadavg()[0], 2), "started": time.strftime("%H:%M:%S")}
    neighbours, t = [], None
    try:
        t = Target(args.target, binary, workdir, budget=after[-1] + 240, serve_args=args.serve_arg)
        result["node"]["argv"] = " ".join(t.argv)
        if extra == "neighbours":
            for i in range(args.honest_nodes):
                neighbours.append(Target(args.target, binary, workdir, budget=after[-1] + 240, bootstrap=t.addr,
                                         name="neighbour%d" % i))
            honest_ids = {n.node_id for n in neighbours}
            deadline = time.monotonic() + 15  # the target pings them: they become good nodes
            while time.monotonic() < deadline:
                _, before = finds(t.addr, count=3)
                if honest_ids <= {e[0] for e in before}:
                    break
                time.sleep(0.5)
            _, before = finds(t.addr, seed=1)
            result["finds_before"] = classify(before, set(), honest_ids={n.node_id for n in neighbours})
        time.sleep(1.0)
        result["memory_before"] = proc_status(t.pid)
        mon = Monitor(t)
        t_start = time.monotonic()
        try:
            result["attack_figures"] = attack(t, env)
        finally:
            t_end = time.monotonic()
            data = mon.stop()
        samples = data["samples"]
        inside = [s for s in samples if t_start <= s[0] <= t_end + 1.0] or samples
        result["memory_peak_during_attack"] = {"rss_kb": max((s[1] for s in inside), default=None),
                                               "vm_kb": max((s[2] for s in inside), default=None)}
        result["cpu_percent"] = {"avg": cpu_between(samples, t_start, t_end),
                                 "peak_1s": cpu_peak_1s(samples, t_start, t_end + 1.0)}
        result["pings"] = ping_stats(data["pings"], t_start, t_end)
        result["attack_seconds"] = round(t_end - t_start, 2)
        for phase, (a, b) in env.phase_windows.items():
            result["attack_figures"]["phases"][phase]["cpu_percent"] = cpu_between(samples, a, b)
            result["attack_figures"]["phases"][phase]["pings"] = ping_stats(data["pings"], a, b)
        # After the attack: the samples at +10 s / +60 s are taken while the checks below run.
        marks, peak = {}, dict(result["memory_peak_during_attack"])

        def tail():
            # Every 100 ms until the last mark: a node may keep growing while it works through
            # what the attack queued.
            for a in after:
                while time.monotonic() < t_end + a:
                    st = proc_status(t.pid)
                    for k in ("rss_kb", "vm_kb"):
                        if st and (peak[k] is None or st[k] > peak[k]):
                            peak[k] = st[k]
                    time.sleep(min(0.1, max(0.0, t_end + a - time.monotonic())))
                marks["%ds" % a] = proc_status(t.pid)
        tail_thread = threading.Thread(target=tail, daemon=True)
        tail_thread.start()
        if name.startswith("listen-squat"):
            result["listener_check"] = squat_after(t, env)
        if env.attacker:
            result["finds_after"] = classify(finds(t.addr, seed=2)[1], env.attacker["ips"], env.attacker["ids"],
                                             {n.node_id for n in neighbours})
            if getattr(env, "answerer", None):
                result["attack_figures"]["pongs_sent"] = env.answerer.pongs
        if not args.no_honest:
            result["honest"] = honest.ops(t.addr, "%s-%s" % (args.target, name))
        tail_thread.join()
        result["memory_after"] = marks
        result["memory_peak"] = peak  # during the attack and until the last mark
        result["node_alive_at_end"] = t.proc.poll() is None
    except Exception as e:  # noqa: BLE001 - a failed run is reported, the next one still runs
        result["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        for f in env.cleanup:
            try:
                f()
            except Exception:  # noqa: BLE001
                pass
        for n in neighbours:
            n.stop()
        if t:
            t.stop()
    return result
