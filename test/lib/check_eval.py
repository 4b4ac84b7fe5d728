#!/usr/bin/env python3
"""Checks `dsc eval --json` against the same measures computed here from the
numpy reference: perplexity of the quantized model, KL divergence of its
next-token distributions from the unquantized model's (mean, 99th
percentile), top-1 agreement and bits per weight.

  check_eval.py DSC WORKDIR --quantize SCHEME [--ctx N] [gen_checkpoint options]

Prints the measures side by side, then PASS or FAIL.
"""
import json
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

TEXT = ("Once upon a time, there was a little girl named Lily. She liked to "
        "play outside with her dog. One day, they found a big red ball in "
        "the park! Lily was happy. Can we play, she asked? ") * 3


def log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def main():
    dsc, work = sys.argv[1:3]
    rest = sys.argv[3:]
    scheme, ctx, gen_args = "", 32, []
    i = 0
    while i < len(rest):
        if rest[i] == "--quantize":
            scheme = rest[i + 1]
            i += 2
        elif rest[i] == "--ctx":
            ctx = int(rest[i + 1])
            i += 2
        else:
            gen_args.append(rest[i])
            i += 1
    os.makedirs(work, exist_ok=True)
    ckpt = os.path.join(work, "model.bin")
    a = gen_checkpoint.parse_args(["llama2c", ckpt] + gen_args)
    c = gen_checkpoint.config_of(a)
    w = gen_checkpoint.make_weights(c)
    gen_checkpoint.write_llama2c(ckpt, c, w)
    text = os.path.join(work, "text.txt")
    with open(text, "w") as f:
        f.write(TEXT)

    cmd = [dsc, "eval", ckpt, "--text", text, "--ctx", str(ctx), "--json",
           "--quiet", "--target", "x86_64"]
    if scheme:
        cmd += ["--quantize", scheme]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        print("eval failed:", r.stderr)
        return 1
    got = json.loads(r.stdout)

    ids = subprocess.run([dsc, "tokenize", os.path.join(work, "tokenizer.bin"),
                          "-f", text], capture_output=True, text=True, check=True)
    tokens = [int(t) for t in ids.stdout.split()]
    # dsc's default schemes of the table and the classifier.
    qw = quantize.quantize_model(w, c, scheme, *quantize.default_tables(
        scheme)) if scheme else w
    nll, kld, top1 = [], [], []
    for at in range(0, len(tokens) - 1, ctx):
        win = tokens[at:at + ctx]
        if len(win) < 2:
            break
        ref = log_softmax(reference.forward(w, c, win))[:-1]
        q = log_softmax(reference.forward(qw, c, win))[:-1]
        nxt = np.asarray(win[1:])
        nll += list(-q[np.arange(len(nxt)), nxt])
        kld += list(np.maximum((np.exp(ref) * (ref - q)).sum(axis=1), 0))
        top1 += list(ref.argmax(axis=1) == q.argmax(axis=1))
    kld = np.sort(np.asarray(kld))
    want = {"ppl": float(np.exp(np.mean(nll))), "kld_mean": float(kld.mean()),
            "kld_p99": float(kld[min(len(kld) - 1, int(0.99 * len(kld)))]),
            "top1": float(np.mean(top1)), "tokens": len(kld)}
    params = sum(x.size for n, x in w.items())
    want["bpw"] = 8.0 * got["bytes"] / params

    ok = got["tokens"] == want["tokens"]
    print("tokens %d (reference %d)" % (got["tokens"], want["tokens"]))
    # Float rounding differs between the compiled code and numpy; a top-1
    # tie may flip one position.
    tol = {"ppl": 1e-4, "kld_mean": 1e-3, "kld_p99": 1e-3, "bpw": 1e-9}
    for k in ["ppl", "kld_mean", "kld_p99", "top1", "bpw"]:
        if k == "top1":
            good = abs(got[k] - want[k]) <= 1.0 / want["tokens"] + 1e-12
        else:
            good = abs(got[k] - want[k]) <= tol[k] * max(abs(want[k]), 1e-6) + 1e-7
        ok = ok and good
        print("%-8s %.6g (reference %.6g)%s" % (k, got[k], want[k], "" if good else "  <-- differs"))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
