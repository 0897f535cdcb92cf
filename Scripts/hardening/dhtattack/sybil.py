"""Finding 3: sybil ids from few addresses, by puts and by answering the node's pings with new ids."""
import select
import threading
import time

from .msgpack import unpack
from .traffic import attacker_ips, paced
from .wire import Wire, ip_bytes, query, reply, rid, rtid, value


def attack_sybil_puts(t, env, sockets):
    """`count` puts, each with a fresh random sender id, from `sockets` sockets (one address each)."""
    ips = attacker_ips(sockets, env.args.spread_subnets)
    wires = [Wire(t.addr, ip=ip, client=False) for ip in ips]
    tokens = [w.token() for w in wires]
    ids, acks, errors = set(), 0, 0
    count, rate = env.args.sybil_count, env.args.sybil_rate
    t0 = time.monotonic()
    for i in paced(count, rate):
        w = wires[i % len(wires)]
        nid = rid()
        ids.add(nid.hex())
        w.send(query("put", {"id": nid, "h": rid(), "values": [value(b"sybil %d" % i)],
                             "token": tokens[i % len(wires)] or b""}, rtid()))
    secs = time.monotonic() - t0
    pings = 0
    for w in wires:
        for m in w.drain(0.3 if w is wires[-1] else 0.0):
            if isinstance(m, dict):
                acks += m.get("y") == "r"
                errors += m.get("y") == "e"
                pings += m.get("y") == "q"
    for w in wires:
        w.close()
    env.attacker = {"ips": set(ips), "ids": ids}
    return {"sockets": sockets, "addresses": len(set(ips)), "puts_sent": count, "seconds": round(secs, 2),
            "acked": acks, "errors": errors, "node_requests_to_sybils": pings,
            "tokens_obtained": sum(1 for x in tokens if x)}


class PongAnswerer(threading.Thread):
    """Answers every ping the target sends to our sockets with a reply carrying a fresh id."""

    def __init__(self, wires, ids):
        super().__init__(daemon=True)
        self.wires, self.ids, self.stop, self.pongs = wires, ids, threading.Event(), 0
        self.lock = threading.Lock()

    def run(self):
        socks = {w.sock: w for w in self.wires}
        while not self.stop.is_set():
            r, _, _ = select.select(list(socks), [], [], 0.1)
            for s in r:
                w = socks[s]
                try:
                    data, frm = s.recvfrom(65535)
                except OSError:
                    continue
                m = unpack(data)
                if isinstance(m, dict) and m.get("y") == "q" and m.get("q") == "ping":
                    nid = rid()
                    with self.lock:
                        self.ids.add(nid.hex())
                    s.sendto(reply({"id": nid, "sa": ip_bytes(frm[0])}, m.get("t", 0)), frm)
                    self.pongs += 1


def attack_sybil_pongs(t, env, sockets):
    """Queries with fresh ids make the node ping us; every ping is answered with yet another id."""
    ips = attacker_ips(sockets, env.args.spread_subnets)
    wires = [Wire(t.addr, ip=ip, client=False) for ip in ips]
    ids = set()
    answerer = PongAnswerer(wires, ids)
    answerer.start()
    count, rate = env.args.sybil_count, env.args.sybil_rate
    t0 = time.monotonic()
    for i in paced(count, rate):
        w = wires[i % len(wires)]
        nid = rid()
        with answerer.lock:
            ids.add(nid.hex())
        w.send(query("ping", {"id": nid}, rtid()))
    secs = time.monotonic() - t0
    time.sleep(2.0)  # the node's pings of the last newcomers get answered
    env.attacker = {"ips": set(ips), "ids": ids}
    env.cleanup.append(lambda: (answerer.stop.set(), answerer.join(1), [w.close() for w in wires]))
    env.answerer = answerer
    return {"sockets": sockets, "addresses": len(set(ips)), "queries_sent": count, "seconds": round(secs, 2),
            "pongs_sent_so_far": answerer.pongs}
