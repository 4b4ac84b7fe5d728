#!/usr/bin/env python3
"""A GGUF reader that dequantizes every ggml block format dsc reads to
float, in numpy, written from the formats' description (the comments of
runtime/abi/include/dsc/abi/quant_layout.h), independently of the C decoder
the compiler and the kernels share, so that each checks the other.

  read_gguf(path) -> (metadata dict, {name: float32 array [rows, cols]})
"""
import struct

import numpy as np

# ggml type id: (name, values per block, bytes per block)
TYPES = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 30: ("BF16", 1, 2),
    2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292), 20: ("IQ4_NL", 32, 18),
    23: ("IQ4_XS", 256, 136),
}
BY_NAME = {v[0]: k for k, v in TYPES.items()}

IQ4_LEVELS = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25,
                       38, 53, 69, 89, 113], dtype=np.float32)


def _f16(b, off):
    """The f16 at byte `off` of each block (rows of `b`), as float32."""
    return b[:, off:off + 2].copy().view("<f2").astype(np.float32)[:, 0]


def _nibbles32(qs):
    """[n, 16] bytes -> [n, 32] values: byte j holds j (low) and j + 16."""
    return np.concatenate([qs & 0xF, qs >> 4], axis=1).astype(np.int32)


def _k_scales(sc):
    """Q4_K/Q5_K: [n, 12] bytes -> 6-bit scales and mins, [n, 8] each."""
    sc = sc.astype(np.int32)
    s = np.empty((sc.shape[0], 8), np.int32)
    m = np.empty_like(s)
    s[:, :4] = sc[:, 0:4] & 63
    m[:, :4] = sc[:, 4:8] & 63
    s[:, 4:] = (sc[:, 8:12] & 0xF) | ((sc[:, 0:4] >> 6) << 4)
    m[:, 4:] = (sc[:, 8:12] >> 4) | ((sc[:, 4:8] >> 6) << 4)
    return s, m


def _two_bit(qs):
    """Q2_K/Q3_K low bits: [n, 64] bytes -> [n, 256]; bits 2i of byte
    32h + l hold value 128h + 32i + l."""
    n = qs.shape[0]
    q = qs.reshape(n, 2, 1, 32).astype(np.int32)
    shifts = np.array([0, 2, 4, 6]).reshape(1, 1, 4, 1)
    return ((q >> shifts) & 3).reshape(n, 256)


def decode_blocks(type_id, raw):
    """Dequantizes [n, block bytes] uint8 rows to [n, block values]."""
    name, elems, nbytes = TYPES[type_id]
    b = raw.reshape(-1, nbytes)
    n = b.shape[0]
    if name == "Q8_0":
        return _f16(b, 0)[:, None] * b[:, 2:].view(np.int8).astype(np.float32)
    if name == "Q4_0":
        return _f16(b, 0)[:, None] * (_nibbles32(b[:, 2:]) - 8).astype(np.float32)
    if name == "Q4_1":
        return _f16(b, 0)[:, None] * _nibbles32(b[:, 4:]) + _f16(b, 2)[:, None]
    if name in ("Q5_0", "Q5_1"):
        off = 4 if name == "Q5_1" else 2
        h = b[:, off:off + 4].copy().view("<u4")[:, 0].astype(np.int64)
        hb = (h[:, None] >> np.arange(32)) & 1
        v = _nibbles32(b[:, off + 4:]) | (hb << 4).astype(np.int32)
        if name == "Q5_1":
            return _f16(b, 0)[:, None] * v + _f16(b, 2)[:, None]
        return _f16(b, 0)[:, None] * (v - 16).astype(np.float32)
    if name == "IQ4_NL":
        return _f16(b, 0)[:, None] * IQ4_LEVELS[_nibbles32(b[:, 2:])]
    if name == "Q2_K":
        sc = b[:, 0:16].astype(np.int32)
        d, dmin = _f16(b, 80), _f16(b, 82)
        q = _two_bit(b[:, 16:80]).reshape(n, 16, 16)
        dl = d[:, None] * (sc & 0xF)
        ml = dmin[:, None] * (sc >> 4)
        return (dl[:, :, None] * q - ml[:, :, None]).reshape(n, 256)
    if name == "Q3_K":
        hm, sc, d = b[:, 0:32], b[:, 96:108].astype(np.int32), _f16(b, 108)
        j = np.arange(16)
        lo = np.where(j < 8, sc[:, j % 8] & 0xF, sc[:, j % 8] >> 4)
        hi = (sc[:, 8 + j % 4] >> (2 * (j // 4))) & 3
        s = (lo | (hi << 4)) - 32
        q = _two_bit(b[:, 32:96])
        # value 32i + l has bit i of hmask[l]; a clear bit subtracts 4
        bit = (hm[:, None, :].astype(np.int32) >> np.arange(8)[None, :, None]) & 1
        q = q - 4 * (1 - bit.reshape(n, 256))
        return (d[:, None, None] * s[:, :, None] * q.reshape(n, 16, 16)).reshape(n, 256)
    if name in ("Q4_K", "Q5_K"):
        d, dmin = _f16(b, 0), _f16(b, 2)
        s, m = _k_scales(b[:, 4:16])
        qs = b[:, 48:] if name == "Q5_K" else b[:, 16:]
        pairs = qs.reshape(n, 4, 32).astype(np.int32)
        # sub-block 2p: low nibbles of pair p, 2p + 1: high nibbles
        q = np.stack([pairs & 0xF, pairs >> 4], axis=2).reshape(n, 8, 32)
        if name == "Q5_K":
            qh = b[:, 16:48].astype(np.int32)
            q = q + 16 * ((qh[:, None, :] >> np.arange(8)[None, :, None]) & 1)
        dl = (d[:, None] * s)[:, :, None]
        ml = (dmin[:, None] * m)[:, :, None]
        return (dl * q - ml).reshape(n, 256)
    if name == "Q6_K":
        ql = b[:, 0:128].reshape(n, 2, 2, 32).astype(np.int32)  # half, i&1, l
        qh = b[:, 128:192].reshape(n, 2, 1, 32).astype(np.int32)
        sc = b[:, 192:208].view(np.int8).astype(np.float32)
        d = _f16(b, 208)
        lo = np.concatenate([ql & 0xF, ql >> 4], axis=2)  # i = 0, 1, 2, 3
        hi = (qh >> (2 * np.arange(4)).reshape(1, 1, 4, 1)) & 3
        q = ((lo | (hi << 4)) - 32).reshape(n, 16, 16)
        return (d[:, None, None] * sc[:, :, None] * q).reshape(n, 256)
    if name == "Q8_K":
        d = b[:, 0:4].copy().view("<f4")[:, 0]
        return d[:, None] * b[:, 4:260].view(np.int8).astype(np.float32)
    if name == "IQ4_XS":
        d = _f16(b, 0)
        sh = b[:, 2:4].copy().view("<u2")[:, 0].astype(np.int32)
        sl = b[:, 4:8].astype(np.int32)
        i = np.arange(8)
        s = ((sl[:, i // 2] >> (4 * (i % 2))) & 0xF) | (((sh[:, None] >> (2 * i)) & 3) << 4)
        q = _nibbles32(b[:, 8:].reshape(n * 8, 16)).reshape(n, 8, 32)
        return ((d[:, None] * (s - 32))[:, :, None] * IQ4_LEVELS[q]).reshape(n, 256)
    raise ValueError("no decoder for " + name)


def decode(type_id, raw, shape):
    name = TYPES[type_id][0]
    if name == "F32":
        return np.frombuffer(raw, "<f4").reshape(shape).astype(np.float32)
    if name == "F16":
        return np.frombuffer(raw, "<f2").reshape(shape).astype(np.float32)
    if name == "BF16":
        u = np.frombuffer(raw, "<u2").astype(np.uint32) << 16
        return u.view(np.float32).reshape(shape)
    return decode_blocks(type_id, np.frombuffer(raw, np.uint8)).reshape(shape).astype(np.float32)


def read_gguf(path):
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v if len(v) > 1 else v[0]

    def string():
        nonlocal pos
        n = take("<Q")
        s = data[pos:pos + n].decode("utf-8", "replace")
        pos += n
        return s

    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f",
              7: "<?", 10: "<Q", 11: "<q", 12: "<d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("<I"), take("<Q")
            return [value(et) for _ in range(n)]
        return take(scalar[t])

    assert data[:4] == b"GGUF", path
    pos = 4
    _, n_tensors, n_kv = take("<I"), take("<Q"), take("<Q")
    meta = {}
    for _ in range(n_kv):
        k = string()
        meta[k] = value(take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("<Q") for _ in range(take("<I"))]
        infos.append((name, dims, take("<I"), take("<Q")))
    align = meta.get("general.alignment", 32)
    base = (pos + align - 1) // align * align
    tensors = {}
    for name, dims, t, off in infos:
        _, elems, nbytes = TYPES[t]
        count = int(np.prod(dims))
        raw = data[base + off:base + off + count // elems * nbytes]
        tensors[name] = (t, decode(t, raw, list(reversed(dims))))
    return meta, tensors
