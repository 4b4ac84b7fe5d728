#!/usr/bin/env python3
"""Compiles GGUF files with dsc and checks each executable's logits against
a numpy forward pass over the file's weights dequantized by ggml_blocks.py.

  check_gguf_logits.py DSC WORKDIR FILE.gguf... [--tokens "1 2 3"]
      [--steps N] [--tol X] [--target T] [--threads N] [--act-quant int]
      [--runner "qemu-aarch64 -cpu cortex-a53"] [--quantize SCHEME]
      [--iq4-act int|float] [--kq-act int|float]

Per file prints `NAME: positions P, max error E, bpw file B exe X` and
`PASS` or `FAIL`; the error of a position is max|ours - ref| / max|ref|,
bits per weight are 8 * bytes / parameters of the file's tensors and of
the executable's weight section. Exits non-zero if any file fails.
--act-quant int: the target's integer kernels read the Q8_0/Q4_0 weights
(imported as dsc schemes) and quantize their inputs to int8, which the
reference then does too; the ggml block kernels compute in float but for
the formats --iq4-act and --kq-act name.
--quantize SCHEME: dsc quantizes the file's float weights (dsc compile
--quantize), and the reference quantizes them as quantize.py does; with
--act-quant int the quantized layers' inputs are rounded to int8 too.
--iq4-act int: with --act-quant int, IQ4_NL weights' inputs as well (the
x86 AVX2 and AVX-512 kernels round them; the portable and ARM ones read
IQ4_NL blocks in float, the default).
--kq-act int: with --act-quant int, Q2_K to Q6_K, Q5_0, Q4_1, Q5_1 and IQ4_XS
weights' inputs as well
(the x86 AVX2 and AVX-512 kernels round them, prompts and generated tokens
alike; the portable and ARM ones read them in float, the default).
"""
import os
import struct
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import ggml_blocks  # noqa: E402
import quantize  # noqa: E402
import reference  # noqa: E402


def config_of(meta, tensors):
    arch = meta["general.architecture"]
    heads = meta[arch + ".attention.head_count"]
    dim = meta[arch + ".embedding_length"]
    return {
        "heads": heads,
        "kv_heads": meta.get(arch + ".attention.head_count_kv", heads),
        "head_dim": meta.get(arch + ".attention.key_length", dim // heads),
        "layers": meta[arch + ".block_count"],
        "theta": meta.get(arch + ".rope.freq_base", 10000.0),
        "eps": meta.get(arch + ".attention.layer_norm_rms_epsilon", 1e-5),
        "bias": arch == "qwen2",
        # dsc shares a classifier stored equal to the table (stories260K's
        # GGUF) with the table: it takes the classifier's scheme.
        "tied": "output.weight" not in tensors or np.array_equal(
            tensors["output.weight"][1], tensors["token_embd.weight"][1]),
        "vocab": tensors["token_embd.weight"][1].shape[0],
    }


def weight_section_bytes(path):
    """Size of the "weights" section of a payload (dsc/payload.h)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    n = struct.unpack_from("<Q", head, 16)[0]
    for i in range(n):
        name, off, size = struct.unpack_from("<16sQQ", head, 32 + 32 * i)
        if name.rstrip(b"\0") == b"weights":
            return size
    raise ValueError("no weights section in " + path)


def check(dsc, work, path, opts):
    meta, tensors = ggml_blocks.read_gguf(path)
    c = config_of(meta, tensors)
    w = {}
    for name, (_, x) in tensors.items():
        if name.endswith(".weight"):
            w[name[:-7]] = x
        elif name.endswith(".bias"):
            w[name[:-5] + ".bias"] = x
    stem = os.path.splitext(os.path.basename(path))[0]
    exe = os.path.join(work, stem + ".exe")
    cmd = [dsc, "compile", path, "--target", opts["--target"], "-o", exe,
           "--weights", "external", "--quiet"]
    if opts["--quantize"]:
        cmd += ["--quantize", opts["--quantize"]]
        floats = w
        # dsc's default schemes of the tables (ModelOptions.cpp).
        schemes = {}
        w = quantize.quantize_model(w, c, opts["--quantize"],
                                    *quantize.default_tables(opts["--quantize"]),
                                    schemes=schemes)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        print("%s: compile failed: %s" % (stem, r.stderr.strip()))
        return False
    dump = os.path.join(work, stem + ".logits")
    runner = opts["--runner"].split()
    try:
        ours, seq = reference.run_greedy(runner, exe, opts["--tokens"],
                                         opts["--steps"], opts["--threads"],
                                         c["vocab"], dump)
    except reference.RunFailed as e:
        print("%s: run failed: %s" % (stem, e))
        return False
    aq = ()
    if opts["--act-quant"] == "int" and opts["--quantize"]:
        # The integer kernels take rows of multiples of 32 columns (others
        # compute in float, e.g. stories260K's ffn_down); IQ4_NL blocks
        # (--quantize iq4_nl) as --iq4-act says.
        aq = {n for n in w if w[n].ndim == 2 and w[n].shape[1] % 32 == 0 and
              not np.array_equal(w[n], floats[n]) and
              (opts["--iq4-act"] == "int" or
               schemes.get(n, ("",))[0] != "iq4_nl")}
    elif opts["--act-quant"] == "int":
        quantized = ("Q8_0", "Q4_0") + (
            ("IQ4_NL",) if opts["--iq4-act"] == "int" else ()) + (
            ("Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q5_0", "Q4_1", "Q5_1",
             "IQ4_XS")
            if opts["--kq-act"] == "int" else ())
        aq = {n[:-7] for n, (t, x) in tensors.items()
              if x.ndim == 2 and ggml_blocks.TYPES[t][0] in quantized}
    del reference.TIES[:]
    ref = reference.forward(w, c, seq[:len(ours)], act_quant=aq)
    err = np.abs(ours - ref).max(axis=1) / np.abs(ref).max(axis=1)
    params = sum(x.size for _, x in tensors.values())
    file_bytes = 0
    for t, x in tensors.values():
        _, elems, nbytes = ggml_blocks.TYPES[t]
        file_bytes += x.size // elems * nbytes
    exe_bytes = weight_section_bytes(exe + ".dscw")
    ok = err.max() <= float(opts["--tol"])
    print("%s: positions %d, max error %.3g, bpw file %.4f exe %.4f" %
          (stem, len(ours), err.max(), 8.0 * file_bytes / params,
           8.0 * exe_bytes / params))
    if not ok and reference.TIES:
        # As check_logits.py says: not the kernel's error.
        print("activations within 1e-4 of a rounding midpoint at positions",
              sorted(set(reference.TIES)), "(errors from position %d)" %
              int(np.argmax(err > float(opts["--tol"]))))
    print("PASS" if ok else "FAIL")
    return ok


def main():
    dsc, work = sys.argv[1:3]
    opts = {"--tokens": "1 403 261 318 470 260 377", "--steps": "12",
            "--tol": "1e-3", "--target": "native", "--threads": "2",
            "--act-quant": "none", "--runner": "", "--quantize": "",
            "--iq4-act": "float", "--kq-act": "float"}
    files = []
    rest = sys.argv[3:]
    i = 0
    while i < len(rest):
        if rest[i] in opts:
            opts[rest[i]] = rest[i + 1]
            i += 2
        else:
            files.append(rest[i])
            i += 1
    os.makedirs(work, exist_ok=True)
    ok = all([check(dsc, work, f, opts) for f in files])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
