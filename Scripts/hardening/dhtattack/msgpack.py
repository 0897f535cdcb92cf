"""MessagePack, only the subset the DHT uses: the harness stays stdlib only, so nothing to install.

`unpack` returns None for anything it does not understand, since every datagram it reads comes from
the node under attack and must not stop a run.
"""
import struct


def _head(b, n, fix, c16, c32):
    if n < 16:
        b.append(fix | n)
    elif n < 65536:
        b += bytes([c16]) + n.to_bytes(2, "big")
    else:
        b += bytes([c32]) + n.to_bytes(4, "big")


def _pack(o, b):
    if o is None:
        b.append(0xC0)
    elif o is True or o is False:
        b.append(0xC3 if o else 0xC2)
    elif isinstance(o, int):
        if 0 <= o < 128:
            b.append(o)
        elif 0 <= o:
            for code, size in ((0xCC, 1), (0xCD, 2), (0xCE, 4), (0xCF, 8)):
                if o < 1 << (8 * size):
                    b += bytes([code]) + o.to_bytes(size, "big")
                    break
        elif o >= -32:
            b.append(o & 0xFF)
        else:
            for code, size in ((0xD0, 1), (0xD1, 2), (0xD2, 4), (0xD3, 8)):
                if o >= -(1 << (8 * size - 1)):
                    b += bytes([code]) + o.to_bytes(size, "big", signed=True)
                    break
    elif isinstance(o, str):
        s = o.encode()
        if len(s) < 32:
            b.append(0xA0 | len(s))
        elif len(s) < 256:
            b += bytes([0xD9, len(s)])
        elif len(s) < 65536:
            b += b"\xda" + len(s).to_bytes(2, "big")
        else:
            b += b"\xdb" + len(s).to_bytes(4, "big")
        b += s
    elif isinstance(o, (bytes, bytearray)):
        n = len(o)
        b += bytes([0xC4, n]) if n < 256 else (b"\xc5" + n.to_bytes(2, "big") if n < 65536 else b"\xc6" + n.to_bytes(4, "big"))
        b += o
    elif isinstance(o, (list, tuple)):
        _head(b, len(o), 0x90, 0xDC, 0xDD)
        for x in o:
            _pack(x, b)
    elif isinstance(o, dict):
        _head(b, len(o), 0x80, 0xDE, 0xDF)
        for k, v in o.items():
            _pack(k, b)
            _pack(v, b)
    else:
        raise TypeError(type(o))


def pack(o):
    b = bytearray()
    _pack(o, b)
    return bytes(b)


_FIXED = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q",
          0xCA: ">f", 0xCB: ">d"}


def _unpack(d, i, depth):
    if depth > 16:
        raise ValueError("too deep")
    c = d[i]
    i += 1
    if c < 0x80 or c >= 0xE0:
        return (c if c < 0x80 else c - 256), i
    if c <= 0x8F or c in (0xDE, 0xDF):
        n, i = (c & 15, i) if c <= 0x8F else _len(d, i, 2 if c == 0xDE else 4)
        out = {}
        for _ in range(n):
            k, i = _unpack(d, i, depth + 1)
            out[k if isinstance(k, (str, int)) else repr(k)], i = _unpack(d, i, depth + 1)
        return out, i
    if c <= 0x9F or c in (0xDC, 0xDD):
        n, i = (c & 15, i) if c <= 0x9F else _len(d, i, 2 if c == 0xDC else 4)
        out = []
        for _ in range(n):
            v, i = _unpack(d, i, depth + 1)
            out.append(v)
        return out, i
    if c <= 0xBF or c in (0xD9, 0xDA, 0xDB):
        n, i = (c & 31, i) if c <= 0xBF else _len(d, i, {0xD9: 1, 0xDA: 2, 0xDB: 4}[c])
        return bytes(d[i:i + n]).decode("utf-8", "replace"), i + n
    if c in (0xC4, 0xC5, 0xC6):
        n, i = _len(d, i, {0xC4: 1, 0xC5: 2, 0xC6: 4}[c])
        if i + n > len(d):
            raise ValueError("truncated")
        return bytes(d[i:i + n]), i + n
    if c in (0xC0, 0xC2, 0xC3):
        return {0xC0: None, 0xC2: False, 0xC3: True}[c], i
    if c in _FIXED:
        f = _FIXED[c]
        return struct.unpack_from(f, d, i)[0], i + struct.calcsize(f)
    raise ValueError("unsupported msgpack byte 0x%02x" % c)


def _len(d, i, size):
    return int.from_bytes(d[i:i + size], "big"), i + size


def unpack(data):
    """Decodes one datagram; None if it is not msgpack we understand."""
    try:
        return _unpack(data, 0, 0)[0]
    except (IndexError, ValueError, struct.error, KeyError):
        return None
