#!/usr/bin/env python3
"""Damages the dsc payload of an executable or .dscw file in place, for tests.

  corrupt_payload.py FILE random SEED   4 KB of seeded random bytes written
                                        over the middle of the weights
  corrupt_payload.py FILE nan COUNT     COUNT floats of the weights, from the
                                        middle on, made NaN
  corrupt_payload.py FILE magic TEXT    the payload's 8-byte magic replaced

The payload is found as the runtime finds it: through the 256-byte trailer
at the end of an executable, else at the start of the file.
"""
import random
import struct
import sys


def payload_base(f):
    f.seek(-256, 2)
    trailer = f.read(256)
    if trailer[248:256] == b"DSCTRAIL":
        return struct.unpack_from("<Q", trailer, 232)[0]
    return 0


def main():
    path, mode, arg = sys.argv[1:4]
    with open(path, "r+b") as f:
        base = payload_base(f)
        f.seek(base)
        header = f.read(64)
        if mode == "magic":
            f.seek(base)
            f.write(arg.encode().ljust(8, b"\0")[:8])
            return
        # sections[0] is the weights: name[16], offset, size at byte 32.
        offset, size = struct.unpack_from("<QQ", header, 48)
        f.seek(base + offset + size // 2 // 4 * 4)
        if mode == "nan":
            f.write(b"\xff" * 4 * int(arg))
        else:
            f.write(random.Random(int(arg)).randbytes(4096))


if __name__ == "__main__":
    main()
