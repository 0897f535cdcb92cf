"""The DHT attack harness of issue 13 (entry point: Scripts/hardening/dht_attack.py).

One module per concern: `msgpack` and `wire` speak the protocol, `processes` and `targets` start and
stop what a run needs, `probes` and `honest` measure the node from outside, one module per attack
(`partbomb`, `replies`, `sybil`, `listeners`, `putflood`, sharing `traffic`), `run` drives one run
and `report` summarises it.
"""
