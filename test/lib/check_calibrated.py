#!/usr/bin/env python3
"""Checks that calibration's activation-aware scales leave the model's
function unchanged: compiles a generated checkpoint with --calib to the
graph phase, strips the quantization from that IR (keeping the rescaled
#dsc.scaled sources), compiles it unquantized and compares its logits with
those of the original checkpoint.

  check_calibrated.py DSC WORKDIR FORMAT --quantize SCHEME [gen_checkpoint options]

Prints how many weights were rescaled, the worst logit error (relative to
the row's largest logit), then PASS or FAIL.
"""
import os
import re
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "gen"))
import check_eval  # noqa: E402
import gen_checkpoint  # noqa: E402


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if r.returncode:
        print("failed:", " ".join(cmd), r.stderr)
        sys.exit(1)
    return r.stdout


def main():
    dsc, work, fmt = sys.argv[1:4]
    rest = sys.argv[4:]
    i = rest.index("--quantize")
    scheme = rest[i + 1]
    gen_args = rest[:i] + rest[i + 2:]
    os.makedirs(work, exist_ok=True)
    ckpt = os.path.join(work, "model" + {"hf": "", "gguf": ".gguf", "llama2c": ".bin"}[fmt])
    a = gen_checkpoint.parse_args([fmt, ckpt] + gen_args)
    c = gen_checkpoint.config_of(a)
    {"hf": gen_checkpoint.write_hf, "gguf": gen_checkpoint.write_gguf,
     "llama2c": gen_checkpoint.write_llama2c}[fmt](ckpt, c, gen_checkpoint.make_weights(c))
    text = os.path.join(work, "text.txt")
    with open(text, "w") as f:
        f.write(check_eval.TEXT)

    scaled = os.path.join(work, "scaled.mlir")
    run([dsc, "compile", ckpt, "--quantize", scheme, "--calib", text, "--quiet",
         "--emit=mlir", "--compile-to=graph", "-o", scaled])
    ir = open(scaled).read()
    n_scaled = len(re.findall(r"dsc\.global @\S+ : .* = #dsc\.scaled<", ir))
    n_imp = ir.count("dsc.importance")
    # The same weights, unquantized.
    ir = re.sub(r"!dsc\.qtensor<(\w+), #dsc\.quant<[^>]*>>", r"tensor<\1>", ir)
    ir = re.sub(r"\s*\{dsc\.importance = dense<[^>]*> : tensor<\d+xf32>\}", "", ir)
    plain = os.path.join(work, "scaled-float.mlir")
    with open(plain, "w") as f:
        f.write(ir)

    tokens = "1 30 45 80 100 7 9 261 262 300 5 17"
    logits = []
    for name, src in (("orig", ckpt), ("scaled", plain)):
        exe = os.path.join(work, name + ".exe")
        dump = os.path.join(work, name + ".logits")
        run([dsc, "compile", src, "--quiet", "-o", exe])
        run([exe, "--tokens", tokens, "--no-bos", "-n", "16", "--temp", "0",
             "--dump-logits", dump])
        logits.append(np.fromfile(dump, dtype="<f4").reshape(-1, c["vocab"]))
    ref, ours = logits
    err = (np.abs(ours - ref).max(axis=1) / np.abs(ref).max(axis=1)).max()
    print("rescaled %d weights, %d with importance; max error %.3g" % (n_scaled, n_imp, err))
    ok = n_scaled > 0 and n_imp > 0 and ours.shape == ref.shape and err <= 1e-4
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
