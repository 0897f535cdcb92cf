"""Finding 4: listen squatting, and whether genuine listeners still get updates afterwards."""
import hashlib
import os
import threading
import time

from .processes import kill
from .traffic import attacker_ips, paced
from .wire import Wire, query, reply, rid, rtid, value


def attack_listen_squat(t, env):
    key_text = "dht-attack-squat-%d" % os.getpid()
    key = hashlib.sha1(key_text.encode()).digest()
    w = Wire(t.addr, ip=attacker_ips(1, False)[0], client=False)
    tok = w.token(key)
    answers = {"confirmed": 0, "errors": {}, "unanswered": 0}
    tids = {}
    t0 = time.monotonic()
    for i in paced(env.args.listeners, env.args.listen_rate):
        tid = rtid()
        tids[tid] = True
        w.send(query("listen", {"id": rid(), "ve": 1, "h": key, "token": tok or b"", "sid": rtid()}, tid))
        if i % 32 == 31:
            _tally(w.drain(), tids, answers)
    secs = time.monotonic() - t0
    _tally(w.drain(0.5), tids, answers)
    answers["unanswered"] = len(tids)
    env.squat = {"key_text": key_text, "key": key, "wire": w}
    env.cleanup.append(w.close)
    return {"listens_sent": env.args.listeners, "seconds": round(secs, 2), "token_obtained": tok is not None,
            "answers": answers}


def _tally(msgs, tids, answers):
    for m in msgs:
        if not isinstance(m, dict) or tids.pop(m.get("t"), None) is None:
            continue
        if m.get("y") == "r":
            answers["confirmed"] += 1
        else:
            code = str((m.get("e") or ["?"])[0])
            answers["errors"][code] = answers["errors"].get(code, 0) + 1


def squat_after(t, env):
    """A genuine listener (real node) and a raw one subscribe after the squat; then a value is put."""
    sq = env.squat
    listener = env.honest.listener(t.addr, sq["key_text"], duration=15)
    lines, ready = [], threading.Event()

    def read():
        for raw in listener.stdout:
            line = raw.decode(errors="replace").strip()
            lines.append((time.monotonic(), line))
            if '"listening"' in line:
                ready.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(10)
    time.sleep(2.0)  # its listen reaches the target (search, then listen)
    raw = Wire(t.addr, ip="127.0.0.2", client=False)  # another honest address, a plain listen
    sid = rtid()
    tok = raw.token(sq["key"])
    ans = raw.request("listen", {"id": raw.id, "ve": 1, "h": sq["key"], "token": tok or b"", "sid": sid})
    raw_answer = "none" if ans is None else ("confirmed" if ans.get("y") == "r" else "error %s" % (ans.get("e") or ["?"])[0])
    putter = Wire(t.addr)
    marker = b"after-the-squat %d" % os.getpid()
    ptok = putter.token(sq["key"])
    t_put = time.monotonic()
    ack = putter.request("put", {"h": sq["key"], "values": [value(marker)], "token": ptok or b""})
    raw_update = None
    deadline = t_put + 6
    genuine = lambda: [ts for ts, line in lines if marker.decode() in line]  # noqa: E731
    while time.monotonic() < deadline and (raw_update is None or not genuine()):
        for m in raw.drain(0.1):
            if isinstance(m, dict) and m.get("q") == "update" and m.get("a", {}).get("sid") == sid:
                raw_update = raw_update or round(time.monotonic() - t_put, 3)
                raw.send(reply({"id": raw.id}, m.get("t", 0)))
    got = genuine()
    kill(listener, grace=0.5)
    updates_to_squatters = sum(1 for m in sq["wire"].drain(0.5) if isinstance(m, dict) and m.get("q") == "update")
    raw.close()
    putter.close()
    return {"genuine_listener": env.honest.kind, "genuine_listener_got_update": bool(got),
            "genuine_update_after_s": round(got[0] - t_put, 3) if got else None,
            "genuine_listener_lines": [line for _, line in lines][:4],
            "raw_listen_answer": raw_answer, "raw_listener_got_update": raw_update is not None,
            "raw_update_after_s": raw_update, "put_acked": bool(ack and ack.get("y") == "r"),
            "updates_sent_to_squatters": updates_to_squatters}
