"""Finding 5: a put flood below, up to and at the storage quota."""
import os
import time

from .traffic import attacker_ips, paced
from .wire import Wire, query, rid, rtid, value


def attack_put_flood(t, env):
    """Puts of ~1 KiB values from 16 addresses (client flag, so none enters the routing table):
    a flood below the quota, then enough to pass the quota, then the same flood at the quota."""
    ips = attacker_ips(16, True)
    wires = [Wire(t.addr, ip=ip, client=True) for ip in ips]
    tokens = [w.token() for w in wires]
    data = os.urandom(env.args.flood_value_size)
    quota = env.args.quota_mib << 20
    rate = env.args.flood_rate
    phases, first_keys = {}, []

    def flood(name, count, keep_keys=False):
        """Sends `count` puts at `rate`; counts the acks of this phase's puts only (by tid)."""
        tids, acks, last = set(), [0], [None]

        def collect(wait=0.0):
            for x in wires:
                for m in x.drain(wait if x is wires[-1] else 0.0):
                    if isinstance(m, dict) and m.get("y") == "r" and m.get("t") in tids:
                        tids.discard(m["t"])
                        acks[0] += 1
                        last[0] = time.monotonic()
        t0 = time.monotonic()
        for i in paced(count, rate):
            w = wires[i % len(wires)]
            key = rid()
            if keep_keys and len(first_keys) < 50:
                first_keys.append(key)
            tid = rtid()
            tids.add(tid)
            w.send(query("put", {"id": w.id, "h": key, "values": [value(data)],
                                 "token": tokens[i % len(wires)] or b""}, tid, client=True))
            if i % 256 == 255:
                collect()
        t_sent = time.monotonic()
        while tids and time.monotonic() - max(t_sent, last[0] or t_sent) < 1.0 and time.monotonic() - t_sent < 10:
            collect(0.1)  # a slow node's acks: until 1 s passes without one (at most 10 s)
        span = (last[0] or t_sent) - t0
        phases[name] = {"puts_sent": count, "send_s": round(t_sent - t0, 2), "acked": acks[0],
                        "acks_until_s": round(span, 2), "acked_per_s": int(acks[0] / max(span, 0.001)),
                        "window": (t0, time.monotonic())}

    n = env.args.flood_count
    flood("below_quota", n, keep_keys=True)
    # Fill until the node is seen evicting (one of the first values is gone) once the acknowledged
    # bytes reach the quota (a node that drops datagrams needs more sent); at most 60 s.
    per_value = env.args.flood_value_size + 40
    probe = Wire(t.addr)

    def stored(keys):
        """(answers, answers with the value): a get left unanswered says nothing."""
        answers = [probe.request("get", {"h": k}, timeout=1.0) for k in keys]
        answers = [a for a in answers if a and "r" in a]
        return len(answers), sum(1 for a in answers if a["r"].get("values"))
    filled, fill_sent, fill_acked, t_fill = phases["below_quota"]["acked"] * per_value, 0, 0, time.monotonic()
    while time.monotonic() - t_fill < 60:
        if filled >= quota:
            answered, kept = stored(first_keys[:10])
            if kept < answered:
                break
        batch = min(20000, max(5000, int((quota - filled) / per_value) + 1))
        flood("filling", batch)
        fill_sent += batch
        fill_acked += phases["filling"]["acked"]
        filled += phases["filling"]["acked"] * per_value
    fill_s = time.monotonic() - t_fill
    phases["filling"] = {"puts_sent": fill_sent, "send_s": round(fill_s, 2), "acked": fill_acked,
                         "acked_per_s": int(fill_acked / max(fill_s, 0.001)), "window": (t_fill, time.monotonic())}
    # The node may still be working through the fill: start the last phase once it answers a
    # ping within 100 ms again (at most 30 s), so that phase measures its own puts.
    t_wait = time.monotonic()
    while time.monotonic() - t_wait < 30:
        t_ping = time.monotonic()
        if probe.request("ping", {}, timeout=1.0) and time.monotonic() - t_ping < 0.1:
            break
    backlog_s = time.monotonic() - t_wait
    answered, still = stored(first_keys)
    flood("at_quota", n)
    probe.close()
    for w in wires:
        w.close()
    env.phase_windows = {k: v.pop("window") for k, v in phases.items()}
    return {"value_bytes": env.args.flood_value_size, "rate_per_s": rate, "quota_mib_assumed": env.args.quota_mib,
            "value_bytes_acked_before_at_quota_phase": filled, "quota_reached": still < answered,
            "first_50_values_still_stored": still, "first_50_answered": answered,
            "backlog_after_fill_s": round(backlog_s, 2), "phases": phases}
