"""Where the harness finds its programs, and the fixed facts about the loopback network it uses.

Paths are resolved from this file, so the harness works from any current directory.
"""
import os

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # Scripts/hardening
REPO = os.path.dirname(os.path.dirname(HERE))
ENTRY = os.path.join(HERE, "dht_attack.py")  # also runs the sampler process (`_monitor`)
DEFAULT_RAFIKI = os.path.join(REPO, ".build", "release", "rafiki-dhtnode")
OPENDHT_NODE = "/usr/bin/dhtnode"
PEER = "/work/shared/peers/opendht_peer.py"
SYS_PY = "/usr/bin/python3"  # Debian's, which has python3-opendht for opendht_peer.py
HONEST_IP = "127.0.0.1"
MAX_DATAGRAM = 4096  # rafiki-dhtnode reads at most 4096 bytes per datagram
