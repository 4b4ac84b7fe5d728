#!/usr/bin/env python3
"""Checks that one build's greedy tokens are ones another build would pick
too, up to near-ties: two builds whose kernels round differently (armv7
and x86-64, say) compute logits a fraction of a percent apart, so their
greedy texts part at the first near-tie; comparing texts then tests the
tie, not the kernels.

  check_greedy_close.py LOGITS VOCAB PROMPT_IDS EXE [--tol X] [--runner CMD]

LOGITS is the first build's --dump-logits of a greedy run from the prompt
PROMPT_IDS (given with --tokens --no-bos), so its tokens are the prompt and
each position's argmax. EXE, the second build, evaluates that same sequence
(--eval-tokens, teacher forcing); at every position the first build's
choice must be within TOL (default 0.02) of the range of EXE's logits below
EXE's own top logit. Prints the positions checked and the largest shortfall
as a fraction of the range; exit status 1 when a position is past TOL.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("logits")
    p.add_argument("vocab", type=int)
    p.add_argument("prompt")
    p.add_argument("exe")
    p.add_argument("--tol", type=float, default=0.02)
    p.add_argument("--runner", default="")
    a = p.parse_args()
    first = np.fromfile(a.logits, dtype="<f4").reshape(-1, a.vocab)
    prompt = [int(t) for t in a.prompt.split()]
    # The prompt, then each position's choice; the last position's choice
    # is checked too, though no position follows it.
    chosen = [int(t) for t in first[len(prompt) - 1:].argmax(axis=1)]
    seq = prompt + chosen[:-1]
    with tempfile.TemporaryDirectory() as d:
        toks = os.path.join(d, "tokens.bin")
        out = os.path.join(d, "logits.bin")
        np.array(seq, dtype="<i4").tofile(toks)
        cmd = a.runner.split() + [a.exe, "--eval-tokens", toks,
                                  "--dump-logits", out, "-c", str(len(seq))]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as err:
            sys.exit("%s: %s" % (a.exe, err.strerror))
        if r.returncode:
            sys.exit("%s failed: %s" % (a.exe, r.stderr.strip()))
        second = np.fromfile(out, dtype="<f4").reshape(-1, a.vocab)
    if len(second) != len(seq):
        sys.exit("%s evaluated %d positions, not %d" % (a.exe, len(second),
                                                         len(seq)))
    worst, at = 0.0, -1
    for pos in range(len(prompt) - 1, len(seq)):
        row = second[pos]
        span = row.max() - row.min()
        if not span > 0:
            sys.exit("%s's logits at position %d are all equal" % (a.exe, pos))
        short = (row.max() - row[chosen[pos - len(prompt) + 1]]) / span
        if short > worst:
            worst, at = short, pos
    n = len(chosen)
    print("positions %d, largest shortfall %.4f of the range (position %d)"
          % (n, worst, at))
    if worst > a.tol:
        print("FAIL: past %g" % a.tol)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
