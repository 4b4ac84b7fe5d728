#!/usr/bin/env python3
"""Compiles a generated checkpoint with dsc, runs it with --dump-logits and
compares every evaluated position with the numpy reference.

  check_logits.py DSC WORKDIR FORMAT [gen_checkpoint options...]
      [--target T] [--tokens "1 2 3"] [--steps N] [--threads N] [--tol X]
      [--compile-flags "--sanitize ..."] [--prefill-bf16 yes] [--prefill-f16 yes]
      [--exe PATH] [--compile-only]

--exe names the executable (default WORKDIR/model.exe); --compile-only stops
once it is built, and DSC `-` runs an executable built so before instead of
compiling: a machine with a GPU but no dsc checks what another built
(bench/gpu.py). The checkpoint is regenerated from the same options either
way, for the reference.

Prints the worst error, `max error X at position P`, and `PASS` or `FAIL`;
the error of a position is max|ours - ref| / max|ref|.
"""
import os
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "gen"))
import gen_checkpoint  # noqa: E402
import quantize  # noqa: E402
import reference  # noqa: E402


def main():
    dsc, work, fmt = sys.argv[1:4]
    rest = sys.argv[4:]
    opts = {"--target": "native", "--tokens": "1 30 45 80 100 7 9 261 262 300",
            "--steps": "16", "--threads": "2", "--tol": "1e-4", "--runner": "",
            "--quantize": "", "--act-quant": "none", "--compile-flags": "",
            "--prefill-bf16": "no", "--prefill-f16": "no", "--exe": ""}
    compile_only = "--compile-only" in rest
    rest = [r for r in rest if r != "--compile-only"]
    # Without a flag dsc gives the tables quantize.default_tables' schemes
    # (ModelOptions.cpp); a bare flag gives them --quantize's scheme, =none
    # keeps them float.
    flags = {"--quantize-embeddings": None, "--quantize-head": None}
    given = []
    gen_args = []
    i = 0
    while i < len(rest):
        name, _, value = rest[i].partition("=")
        if name in flags:
            given.append(rest[i])
            flags[name] = value or True
            i += 1
        elif rest[i] in opts:
            opts[rest[i]] = rest[i + 1]
            i += 2
        else:
            gen_args.append(rest[i])
            i += 1
    defaults = quantize.default_tables(opts["--quantize"])
    for f, d in zip(("--quantize-embeddings", "--quantize-head"), defaults):
        if flags[f] is None:
            flags[f] = d
    os.makedirs(work, exist_ok=True)
    ext = {"hf": "", "gguf": ".gguf", "llama2c": ".bin"}[fmt]
    ckpt = os.path.join(work, "model" + ext)
    a = gen_checkpoint.parse_args([fmt, ckpt] + gen_args)
    c = gen_checkpoint.config_of(a)
    w = gen_checkpoint.make_weights(c)
    {"hf": gen_checkpoint.write_hf, "gguf": gen_checkpoint.write_gguf,
     "llama2c": gen_checkpoint.write_llama2c}[fmt](ckpt, c, w)
    exe = opts["--exe"] or os.path.join(work, "model.exe")
    cmd = [dsc, "compile", ckpt, "--target", opts["--target"], "-o", exe, "--quiet"]
    cmd += opts["--compile-flags"].split()
    # The prompt's products in bf16 (float weights): the reference rounds
    # the prompt rows' operands as the kernel does.
    bf16_rows = f16_rows = 0
    if opts["--prefill-bf16"] == "yes":
        cmd += ["--prefill-precision", "bf16"]
        bf16_rows = len(opts["--tokens"].split())
    # CUDA's tensor cores: the prompt's rows (one block) rounded to f16.
    if opts["--prefill-f16"] == "yes":
        cmd += ["--prefill-precision", "f16"]
        f16_rows = len(opts["--tokens"].split())
        if not 2 <= f16_rows <= 64:
            print("--prefill-f16 needs a prompt of one block of 2 to 64 rows")
            return 1
    if opts["--quantize"]:
        cmd += ["--quantize", opts["--quantize"]]
        cmd += given
        role = {f: (False if v == "none" else v) for f, v in flags.items()}
        if c["tied"] and "--quantize-embeddings" in [g.partition("=")[0] for g in given] \
                and "--quantize-head" not in [g.partition("=")[0] for g in given]:
            role["--quantize-head"] = role["--quantize-embeddings"]
        w = quantize.quantize_model(w, c, opts["--quantize"],
                                    role["--quantize-embeddings"],
                                    role["--quantize-head"])
    if dsc != "-":
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            print("compile failed:", r.stderr)
            return 1
    if compile_only:
        return 0
    dump = os.path.join(work, "logits.bin")
    runner = opts["--runner"].split() if opts["--runner"] else []
    try:
        ours, seq = reference.run_greedy(runner, exe, opts["--tokens"],
                                         opts["--steps"], opts["--threads"],
                                         c["vocab"], dump)
    except reference.RunFailed as e:
        print("run failed:", e)
        return 1
    # The matrices the quantization changed, when asked below.
    quantized = ()
    if opts["--act-quant"] == "int" or f16_rows:
        orig = gen_checkpoint.make_weights(c)
        quantized = {n for n in w if w[n].ndim == 2 and
                     not np.array_equal(w[n], orig[n])}
    # --act-quant int: the target's integer kernels quantize the inputs of
    # the quantized linear layers (group sizes multiple of 32).
    aq = ()
    # All block formats but Q8_K (--dtype iq4_nl, iq4_xs, q4_1, q5_0, q5_1,
    # q2_k .. q6_k): the x86 kernels quantize their inputs too.
    if opts["--act-quant"] == "int":
        aq = {n for n in w if w[n].ndim == 2 and (
            n in quantized or
            c["dtype"] in ("iq4_nl", "iq4_xs", "q4_1", "q5_0", "q5_1",
                           "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"))}
    # The weights the tensor cores take: quantized ones and, in an F16
    # checkpoint, all.
    f16w = ()
    if f16_rows:
        f16w = {n for n in w if w[n].ndim == 2 and (
            c["dtype"] == "f16" or n in quantized)}
    del reference.TIES[:]
    ref = reference.forward(w, c, seq[:len(ours)], act_quant=aq,
                            bf16_rows=bf16_rows, f16_rows=f16_rows,
                            f16_weights=f16w)
    err = np.abs(ours - ref).max(axis=1) / np.abs(ref).max(axis=1)
    worst = int(err.argmax())
    print("positions %d, max error %.3g at position %d" % (len(ours), err[worst], worst))
    tol = float(opts["--tol"])
    ok = err.max() <= tol
    if bf16_rows and not ok:
        # Rounding to bf16 (8-bit mantissas) amplifies the kernels' float32
        # sums, in another order than the float64 reference's: where an
        # activation lies within about 1e-7 of a midpoint between two bf16
        # values, the two round it apart, by 2^-8 of it, and that prompt
        # position's logits move by about 2e-3 (one such flip in a few
        # thousand roundings is expected). A few prompt positions may;
        # decoding's rows stay exact. Against the exact reference (the OFF
        # check of prefill-bf16.test) every prompt position is off by 3e-3
        # or more.
        prompt_err, rest = err[:bf16_rows], err[bf16_rows:]
        flips = int((prompt_err > tol).sum())
        print("prompt positions above %g: %d (rounding flips), at most %.3g" %
              (tol, flips, prompt_err.max()))
        ok = (flips <= max(1, bf16_rows // 10) and prompt_err.max() <= 2.5e-3
              and (rest.size == 0 or rest.max() <= tol))
    ok = ok and len(ours) == max(int(opts["--steps"]), len(opts["--tokens"].split()))
    if f16_rows:
        # The tolerance must tell the rounding apart: against the exact
        # reference the same logits are off by more than it.
        exact = reference.forward(w, c, seq[:len(ours)], act_quant=aq)
        e = (np.abs(ours - exact).max(axis=1) / np.abs(exact).max(axis=1)).max()
        print("against the exact reference: %.3g" % e)
        if e <= float(opts["--tol"]):
            print("the prompt's rows look unrounded: the exact reference "
                  "is within the tolerance too")
            ok = False
    if not ok and reference.TIES:
        # A value the reference rounds from within 1e-4 of a midpoint may
        # round the other way in the kernel, whose float32 inputs differ in
        # the last bits (weights on a coarse grid, e.g. IQ4_XS's, make exact
        # midpoints likely): that is not the kernel's error.
        print("activations within 1e-4 of a rounding midpoint at positions",
              sorted(set(reference.TIES)), "(another --seed or --tokens "
              "avoids them)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
