#!/usr/bin/env python3
"""Records real OpenDHT 2.4 datagrams as fuzzing seeds.

Starts a reference OpenDHT node, puts a relay between it and OpenDHT clients doing put, get
and listen (including a value big enough to travel as value parts), and writes every datagram
that crosses the relay to seeds/opendht-NNN.bin. Loopback only; stops by itself.
Usage: python3 Fuzz/capture-seeds.py   (from the repository root, with ../shared beside it)
"""
import os, socket, subprocess, sys, threading, time

HARNESS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "peers", "opendht_peer.py")
OUT = os.path.join(os.path.dirname(__file__), "seeds")
SERVER, RELAY = 42901, 42900

def main():
    os.makedirs(OUT, exist_ok=True)
    server = subprocess.Popen([sys.executable, HARNESS, "--port", str(SERVER), "serve", "--duration", "25"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    relay.bind(("127.0.0.1", RELAY))
    relay.settimeout(0.5)
    upstream = {}  # client address -> socket towards the server
    seen, stop = [0], threading.Event()

    def record(data):
        with open(os.path.join(OUT, "opendht-%03d.bin" % seen[0]), "wb") as f:
            f.write(data)
        seen[0] += 1

    def back(client, sock):
        while not stop.is_set():
            try:
                data, _ = sock.recvfrom(65536)
            except socket.timeout:
                continue
            record(data)
            relay.sendto(data, client)

    def pump():
        while not stop.is_set():
            try:
                data, client = relay.recvfrom(65536)
            except socket.timeout:
                continue
            record(data)
            if client not in upstream:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.1", 0))
                s.settimeout(0.5)
                upstream[client] = s
                threading.Thread(target=back, args=(client, s), daemon=True).start()
            upstream[client].sendto(data, ("127.0.0.1", SERVER))

    threading.Thread(target=pump, daemon=True).start()
    boot = ["--bootstrap", "127.0.0.1:%d" % RELAY]
    listen = subprocess.Popen([sys.executable, HARNESS] + boot + ["listen", "--key", "seed", "--duration", "8"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    for args in (["put", "--key", "seed", "--data", "seed value", "--user-type", "text/plain"],
                 ["put", "--key", "seed", "--data-hex", "ab" * 2000, "--type", "3"],
                 ["get", "--key", "seed"], ["get", "--key", "seed", "--type", "3"]):
        subprocess.run([sys.executable, HARNESS] + boot + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=40)
    listen.wait(timeout=20)
    stop.set()
    server.terminate()
    print("recorded %d datagrams in %s" % (seen[0], OUT))

main()
