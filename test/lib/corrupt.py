#!/usr/bin/env python3
"""Makes broken checkpoint files for dsc's bad-input tests.

  corrupt.py MODE SRC DST

Modes:
  truncate:N          keep the first N bytes (negative: drop the last -N)
  magic               overwrite the first 4 bytes with 'XXXX'
  gguf-version:V      set the GGUF version field
  gguf-type:T         set the ggml type of the first tensor info to T
  gguf-offset         move the first tensor's data offset past the file end
  st-json             garble the safetensors JSON header (same length)
  st-offsets          make the first tensor's data_offsets run past the end
  st-dtype:D          change every tensor's dtype to D
  json-set:KEY=VALUE  set a key of a JSON file (VALUE is JSON)
  gguf-dims:A,B,..    set the dims of the first tensor info (same count)
  gguf-kv:KEY=N       set the integer metadata value KEY to N
  l2c-field:I=N       set llama2.c header field I (0..6) to N
  st-shape:JSON       set the first tensor's shape
  st-hlen:N           set the safetensors header length field to N
"""
import json
import shutil
import struct
import sys


def gguf_first_tensor_info(b):
    """Byte offset of the first tensor info of a GGUF file."""
    n_kv = struct.unpack_from("<Q", b, 16)[0]
    off = 24
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def skip_str(o):
        return o + 8 + struct.unpack_from("<Q", b, o)[0]

    for _ in range(n_kv):
        off = skip_str(off)
        t = struct.unpack_from("<I", b, off)[0]
        off += 4
        if t == 8:
            off = skip_str(off)
        elif t == 9:
            et, n = struct.unpack_from("<IQ", b, off)
            off += 12
            for _ in range(n):
                off = skip_str(off) if et == 8 else off + sizes[et]
        else:
            off += sizes[t]
    return off


def gguf_kv_value(b, key):
    """Offset and type of the value of metadata KEY of a GGUF file."""
    n_kv = struct.unpack_from("<Q", b, 16)[0]
    off = 24
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    for _ in range(n_kv):
        klen = struct.unpack_from("<Q", b, off)[0]
        k = bytes(b[off + 8:off + 8 + klen]).decode()
        off += 8 + klen
        t = struct.unpack_from("<I", b, off)[0]
        off += 4
        if k == key:
            return off, t
        if t == 8:
            off += 8 + struct.unpack_from("<Q", b, off)[0]
        elif t == 9:
            et, n = struct.unpack_from("<IQ", b, off)
            off += 12
            for _ in range(n):
                off += 8 + struct.unpack_from("<Q", b, off)[0] if et == 8 else sizes[et]
        else:
            off += sizes[t]
    sys.exit("no metadata key " + key)


def main():
    mode, src, dst = sys.argv[1:4]
    name, _, arg = mode.partition(":")
    if name == "json-set":
        with open(src) as f:
            d = json.load(f)
        key, _, val = arg.partition("=")
        d[key] = json.loads(val)
        with open(dst, "w") as f:
            json.dump(d, f)
        return
    b = bytearray(open(src, "rb").read())
    if name == "truncate":
        n = int(arg)
        b = b[:n] if n >= 0 else b[:n]
    elif name == "magic":
        b[0:4] = b"XXXX"
    elif name == "gguf-version":
        struct.pack_into("<I", b, 4, int(arg))
    elif name == "gguf-kv":
        key, _, val = arg.partition("=")
        off, t = gguf_kv_value(b, key)
        struct.pack_into({4: "<I", 5: "<i", 10: "<Q", 11: "<q"}[t], b, off, int(val))
    elif name == "l2c-field":
        i, _, val = arg.partition("=")
        struct.pack_into("<i", b, 4 * int(i), int(val))
    elif name == "gguf-dims":
        off = gguf_first_tensor_info(b)
        off += 8 + struct.unpack_from("<Q", b, off)[0]
        dims = [int(d) for d in arg.split(",")]
        if struct.unpack_from("<I", b, off)[0] != len(dims):
            sys.exit("gguf-dims: the first tensor has another number of dims")
        for i, d in enumerate(dims):
            struct.pack_into("<Q", b, off + 4 + 8 * i, d)
    elif name == "st-hlen":
        struct.pack_into("<Q", b, 0, int(arg))
    elif name in ("gguf-type", "gguf-offset"):
        off = gguf_first_tensor_info(b)
        nlen = struct.unpack_from("<Q", b, off)[0]
        off += 8 + nlen
        ndims = struct.unpack_from("<I", b, off)[0]
        off += 4 + 8 * ndims
        if name == "gguf-type":
            struct.pack_into("<I", b, off, int(arg))
        else:
            struct.pack_into("<Q", b, off + 4, (len(b) + 4096) // 32 * 32)
    elif name in ("st-json", "st-offsets", "st-dtype", "st-shape"):
        hlen = struct.unpack_from("<Q", b, 0)[0]
        header = bytes(b[8:8 + hlen])
        if name == "st-json":
            header = b"{" + b"x" * (hlen - 1)
        else:
            d = json.loads(header)
            first = next(k for k in d if k != "__metadata__")
            if name == "st-offsets":
                d[first]["data_offsets"] = [0, len(b) * 2]
            elif name == "st-shape":
                d[first]["shape"] = json.loads(arg)
            else:
                for k in d:
                    if k != "__metadata__":
                        d[k]["dtype"] = arg
            header = json.dumps(d).encode()
            header += b" " * max(0, hlen - len(header))
        b = bytearray(struct.pack("<Q", len(header)) + header + bytes(b[8 + hlen:]))
    else:
        sys.exit("unknown mode " + mode)
    open(dst, "wb").write(bytes(b))


if __name__ == "__main__":
    main()
