#!/usr/bin/env python3
"""Copies a Hugging Face checkpoint directory with its F32 safetensors
weights rounded to F16 (the ARM FP16 tests' models).

  arm-f16-safetensors.py SRC_DIR DST_DIR
"""
import json
import os
import shutil
import struct
import sys

import numpy as np


def main():
    src, dst = sys.argv[1:3]
    os.makedirs(dst, exist_ok=True)
    for f in os.listdir(src):
        if f != "model.safetensors":
            shutil.copy(os.path.join(src, f), dst)
    raw = open(os.path.join(src, "model.safetensors"), "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out, blobs, off = {}, [], 0
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            sys.exit("%s: tensor %s is %s, not F32" % (src, name, t["dtype"]))
        a, b = t["data_offsets"]
        blob = np.frombuffer(data[a:b], dtype="<f4").astype("<f2").tobytes()
        out[name] = {"dtype": "F16", "shape": t["shape"],
                     "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    text = json.dumps(out).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(dst, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


if __name__ == "__main__":
    main()
