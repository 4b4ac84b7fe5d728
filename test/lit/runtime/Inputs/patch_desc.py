"""Copies an executable with one field of its model descriptor changed.

usage: patch_desc.py IN OUT FIELD VALUE, FIELD magic or version. The
descriptor is found by its magic ("dscmodel") followed by version 2.
"""
import os
import struct
import sys

src, dst, field, value = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
data = bytearray(open(src, "rb").read())
at = data.find(b"dscmodel" + struct.pack("<q", 2))
assert at >= 0 and data.find(b"dscmodel" + struct.pack("<q", 2), at + 1) < 0, \
    "expected exactly one descriptor"
off = at + (0 if field == "magic" else 8)
data[off:off + 8] = struct.pack("<q", value)
open(dst, "wb").write(data)
os.chmod(dst, 0o755)
