#!/usr/bin/env python3
"""Checks that a compiled model computes the same bits whatever the thread
count and wherever its weights are.

  check_determinism.py DSC WORKDIR CHECKPOINT [--threads 1-8] [--steps 256]
      [--eval 256] [dsc compile options...]

Compiles CHECKPOINT twice (--weights=embedded and --weights=external; the
latter also run with --mmap), then
runs each executable with every thread count in the range:
  - greedy decoding of "Once upon a time" for --steps positions, keeping the
    text and the logits of every position (--dump-logits);
  - --eval 256 seeded random token ids evaluated in windows of 128
    (--eval-tokens), which runs every kernel with many rows per call, so
    that the thread pool splits each of them.
Every text and every logits file must equal the first byte for byte. Prints
one line per kind of output, then PASS or FAIL.
"""
import os
import subprocess
import sys

import numpy as np


def run(cmd):
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode:
        sys.exit("%s failed (exit %d): %s" % (" ".join(cmd), r.returncode,
                                              r.stderr.decode(errors="replace")))
    return r.stdout


def describe(a, b):
    """Where two logits dumps first differ, and by how much at most."""
    if len(a) != len(b):
        return "sizes %d and %d" % (len(a), len(b))
    x, y = np.frombuffer(a, "<f4"), np.frombuffer(b, "<f4")
    diff = np.nonzero(x != y)[0]
    return "first at float %d, max |difference| %g" % (
        diff[0], np.max(np.abs(x - y)))


def main():
    dsc, work, ckpt = sys.argv[1:4]
    rest = sys.argv[4:]
    opts = {"--threads": "1-8", "--steps": "256", "--eval": "256"}
    compile_args = []
    i = 0
    while i < len(rest):
        if rest[i] in opts:
            opts[rest[i]] = rest[i + 1]
            i += 2
        else:
            compile_args.append(rest[i])
            i += 1
    lo, hi = (int(v) for v in opts["--threads"].split("-"))
    os.makedirs(work, exist_ok=True)

    exes = {}
    for mode in ("embedded", "external"):
        exe = os.path.join(work, mode)
        run([dsc, "compile", ckpt, "-o", exe, "--weights=" + mode, "--quiet"] +
            compile_args)
        exes[mode] = exe
    vocab_probe = os.path.join(work, "probe.bin")
    run([exes["embedded"], "-n", "1", "--temp", "0", "-t", "1",
         "--dump-logits", vocab_probe])
    vocab = os.path.getsize(vocab_probe) // 4
    ids = np.random.default_rng(7).integers(0, vocab, int(opts["--eval"]),
                                            dtype="<i4")
    tokens = os.path.join(work, "tokens.bin")
    ids.tofile(tokens)

    outputs = {"text": [], "decode logits": [], "eval logits": []}
    # Weights read in by every thread (the default) or mapped (--mmap).
    runs = [(m, exe, []) for m, exe in exes.items()]
    runs.append(("external --mmap", exes["external"], ["--mmap"]))
    for mode, exe, load in runs:
        for t in range(lo, hi + 1):
            name = "%s -t %d" % (mode, t)
            tag = mode.replace(" ", "")
            dump = os.path.join(work, "decode-%s-%d.bin" % (tag, t))
            text = run([exe, "-p", "Once upon a time", "-n", opts["--steps"],
                        "--temp", "0", "-t", str(t), "--dump-logits", dump] + load)
            outputs["text"].append((name, text))
            with open(dump, "rb") as f:
                outputs["decode logits"].append((name, f.read()))
            dump = os.path.join(work, "eval-%s-%d.bin" % (tag, t))
            run([exe, "--eval-tokens", tokens, "-c", "128", "-t", str(t),
                 "--dump-logits", dump] + load)
            with open(dump, "rb") as f:
                outputs["eval logits"].append((name, f.read()))

    ok = True
    for kind, runs in outputs.items():
        first_name, first = runs[0]
        bad = [(n, v) for n, v in runs[1:] if v != first]
        if not first:
            print("%s: empty" % kind)
            ok = False
        elif bad:
            ok = False
            for n, v in bad:
                how = describe(first, v) if kind != "text" else "text differs"
                print("%s: %s differs from %s (%s)" % (kind, n, first_name, how))
        else:
            print("%s: %d runs identical (%d bytes)" % (kind, len(runs),
                                                        len(first)))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
