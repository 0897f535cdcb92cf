"""DHT messages in the OpenDHT 2.4.12 shapes (docs/opendht-protocol.md) and a socket speaking them."""
import os
import random
import select
import socket
import struct
import time

from .config import HONEST_IP
from .msgpack import pack, unpack


def rid():
    return os.urandom(20)


def rtid():
    return random.randint(1, 0xFFFFFFFF)


def query(q, args, tid, client=False):
    m = {"a": args, "q": q, "t": tid, "y": "q", "v": "RNG1"}
    if client:
        m["s"] = True
    return pack(m)


def reply(body, tid):
    return pack({"r": body, "t": tid, "y": "r", "v": "RNG1"})


def value(data, vid=None):
    return {"id": vid or random.randint(1, 2 ** 64 - 1), "dat": {"body": {"type": 0, "data": data}}}


def ip_bytes(ip):
    return socket.inet_aton(ip)


def decode_n4(blob):
    out = []
    for i in range(0, len(blob) - 25, 26):
        out.append((blob[i:i + 20].hex(), socket.inet_ntoa(blob[i + 20:i + 24]),
                    struct.unpack(">H", blob[i + 24:i + 26])[0]))
    return out


class Wire:
    """One UDP socket speaking the protocol to the target: requests matched by tid."""

    def __init__(self, node, ip=HONEST_IP, client=True, node_id=None):
        self.node = node
        self.client = client
        self.id = node_id or rid()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.sock.bind((ip, 0))
        self.addr = self.sock.getsockname()
        self.stray = []  # datagrams that did not answer a request: (time, msg)

    def send(self, data):
        try:
            self.sock.sendto(data, self.node)
        except OSError:
            pass

    def request(self, q, args, timeout=2.0):
        tid = rtid()
        self.send(query(q, dict({"id": self.id}, **args), tid, self.client))
        return self.wait(tid, timeout)

    def wait(self, tid, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            data, _ = self.sock.recvfrom(65535)
            m = unpack(data)
            if isinstance(m, dict) and m.get("t") == tid and m.get("y") in ("r", "e"):
                return m
            self.stray.append((time.monotonic(), m))

    def drain(self, seconds=0.0):
        """Reads everything pending (waiting up to `seconds` for more); returns the messages."""
        out, deadline = [], time.monotonic() + seconds
        while True:
            r, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                return out
            data, _ = self.sock.recvfrom(65535)
            out.append(unpack(data))

    def token(self, key=None):
        r = self.request("get", {"h": key or rid()})
        return (r or {}).get("r", {}).get("token")

    def close(self):
        self.sock.close()
