#!/usr/bin/python3
"""Per-value crypto costs of OpenDHT 2.4.12 (libopendht-c2 through ctypes), for the identity
benchmark: signature check, encryption and decryption with one RSA key, on inputs the Swift
benchmark wrote. Prints the median microseconds of each as one JSON object.

  --key FILE (PKCS#8 PEM)  --body FILE  --signature FILE  --plaintext FILE  [--rounds N]
"""
import argparse
import ctypes
import json
import statistics
import time

P = ctypes.c_void_p


class DataView(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("size", ctypes.c_size_t)]


def main():
    ap = argparse.ArgumentParser()
    for name in ("key", "body", "signature", "plaintext"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()
    lib = ctypes.CDLL("libopendht-c.so.2")
    lib.dht_privatekey_import.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
    lib.dht_privatekey_import.restype = P
    lib.dht_privatekey_get_publickey.argtypes = [P]
    lib.dht_privatekey_get_publickey.restype = P
    lib.dht_publickey_check_signature.argtypes = [P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    lib.dht_publickey_check_signature.restype = ctypes.c_bool
    lib.dht_publickey_encrypt.argtypes = [P, ctypes.c_char_p, ctypes.c_size_t]
    lib.dht_publickey_encrypt.restype = P
    lib.dht_privatekey_decrypt.argtypes = [P, ctypes.c_char_p, ctypes.c_size_t]
    lib.dht_privatekey_decrypt.restype = P
    lib.dht_blob_get_data.argtypes = [P]
    lib.dht_blob_get_data.restype = DataView
    lib.dht_blob_delete.argtypes = [P]

    pem = open(args.key, "rb").read()
    key = lib.dht_privatekey_import(pem, len(pem), None)
    pub = lib.dht_privatekey_get_publickey(key)
    body, sig, plain = (open(getattr(args, n), "rb").read() for n in ("body", "signature", "plaintext"))

    def timed(fn):
        xs = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            fn()
            xs.append((time.perf_counter() - t) * 1e6)
        return round(statistics.median(xs), 1)

    assert lib.dht_publickey_check_signature(pub, body, len(body), sig, len(sig))
    blob = lib.dht_publickey_encrypt(pub, plain, len(plain))
    view = lib.dht_blob_get_data(blob)
    cypher = ctypes.string_at(view.data, view.size)
    out = lib.dht_privatekey_decrypt(key, cypher, len(cypher))
    view = lib.dht_blob_get_data(out)
    assert ctypes.string_at(view.data, view.size) == plain

    def encrypt():
        lib.dht_blob_delete(lib.dht_publickey_encrypt(pub, plain, len(plain)))

    def decrypt():
        lib.dht_blob_delete(lib.dht_privatekey_decrypt(key, cypher, len(cypher)))

    res = {"verify_us": timed(lambda: lib.dht_publickey_check_signature(pub, body, len(body), sig, len(sig))),
           "encrypt_us": timed(encrypt), "decrypt_us": timed(decrypt), "cypher_bytes": len(cypher)}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
