"""What every attack shares. Each attack gets the target and an Env and returns its own figures.

Attack sockets live on 127.66.x.y so the honest client, pinger and finds (127.0.0.1) never share
their per-IP rate budget.
"""
import time


def attacker_ips(n, spread):
    return ["127.66.%d.1" % i for i in range(1, n + 1)] if spread else ["127.66.0.%d" % i for i in range(1, n + 1)]


def paced(total, rate):
    """Yields i = 0..total-1, sleeping so that item i goes out at i / rate seconds."""
    t0 = time.monotonic()
    for i in range(total):
        if i % 64 == 0:
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        yield i
