#!/usr/bin/env python3
"""Do non-uniform 4-bit levels pay? A numpy experiment on a GGUF model.

  bench/levels.py MODEL.gguf --calib CALIB.txt --text EVAL.txt
      [--dsc build/bin/dsc] [--windows 16] [--ctx 256]

Quantizes every linear weight but the classifier and the table (those stay
float, so that only the layers' rounding differs) at 4.5 bits per weight
(16 codes and one F16 scale per 32 columns) with three sets of levels:

  uniform   the integers -8..7 times the scale (dsc's int4:group=32)
  nf4       the 16 quantiles of a normal distribution, spanning [-1, 1]
            (the levels of QLoRA's NF4, computed here from the normal's
            inverse CDF), times the scale
  fitted    16 levels fitted to this model's weights (Lloyd's algorithm on
            the weights over their group's largest magnitude, weighted by
            the calibration's importance), times the scale

Each group's scale is searched (21 candidates from 0.8 to 1.2 times the
largest magnitude over the largest level, of either sign) to minimise the importance-weighted squared error,
importance being the calibration activations' mean square of each input
column (as dsc's --calib search does; no GPTQ in any of them, so the
levels are compared under the same rounding). Prints the KL divergence of
each against the float model on --windows windows of --ctx tokens of the
evaluation text, and the weighted error of each relative to uniform.
"""
import argparse
import math
import os
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "test", "lib"))
import check_gguf_logits  # noqa: E402
import ggml_blocks  # noqa: E402
import reference  # noqa: E402

LINEAR = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
          "ffn_down")


def tokenize(dsc, model, path):
    r = subprocess.run([dsc, "tokenize", model, "-f", path, "--bos"],
                       check=True, capture_output=True, text=True)
    return [int(t) for t in r.stdout.split()]


def inputs_mean_square(w, c, tokens):
    """Mean x^2 per input column of every linear layer, from the float
    model's forward pass over the calibration tokens (reference.forward's
    activation-quantization hook records each layer's input instead)."""
    acc = {}
    current = {}

    class Record:
        def __contains__(self, name):
            current["name"] = name
            return True

    def record(x):
        a = acc.setdefault(current["name"], [np.zeros(x.shape[1]), 0])
        a[0] += (x * x).sum(axis=0)
        a[1] += x.shape[0]
        return x

    orig = reference.quantize_activations
    reference.quantize_activations = record
    try:
        for start in range(0, len(tokens) - 15, 256):
            reference.forward(w, c, tokens[start:start + 256],
                              act_quant=Record())
    finally:
        reference.quantize_activations = orig
    return {n: a[0] / a[1] for n, a in acc.items()}


def nf4_levels():
    """16 levels at normal quantiles, asymmetric as NF4: 8 positive, 7
    negative and an exact zero, scaled to [-1, 1]."""
    from statistics import NormalDist
    nd = NormalDist()
    off = 0.5 * (1 / 32 + 1 / 30)  # QLoRA's tail offset, as published
    pos = [nd.inv_cdf(p) for p in np.linspace(off, 0.5, 9)[:-1]]
    neg = [nd.inv_cdf(p) for p in np.linspace(off, 0.5, 8)[:-1]]
    pos = -np.array(pos)  # the upper quantiles, by symmetry
    neg = np.array(neg)
    v = np.concatenate([neg / -neg.min(), [0.0], pos / pos.max()])
    return np.sort(v)


def quantize_groups(wt, imp, levels, group=32):
    """Importance-weighted scale search and nearest-level rounding of every
    group; levels are in [-1, 1] units of the scale (uniform: -8..7 / 8 as
    in int4 with scale = absmax / 8 for the search's start)."""
    rows, cols = wt.shape
    g = wt.reshape(rows, cols // group, group)
    im = imp.reshape(1, cols // group, group)
    amax = np.abs(g).max(axis=2, keepdims=True)
    amax[amax == 0] = 1e-30
    best_err = np.full(amax.shape, np.inf)
    best = np.zeros_like(g)
    top = np.abs(levels).max()
    # The scale's sign is searched too: levels need not be symmetric
    # (-8..7), and the largest magnitude may fall on either side (dsc maps
    # it to -8 with a signed scale).
    for f in np.concatenate([np.linspace(0.80, 1.20, 21),
                             -np.linspace(0.80, 1.20, 21)]):
        d = (amax * f / top).astype(np.float16).astype(np.float64)
        d[d == 0] = 1e-30
        x = g / d
        idx = np.abs(x[..., None] - levels).argmin(axis=-1)
        q = levels[idx] * d
        err = ((q - g) ** 2 * im).sum(axis=2, keepdims=True)
        take = err < best_err
        best_err = np.where(take, err, best_err)
        best = np.where(take, q, best)
    return best.reshape(rows, cols)


def fit_levels(ws, imps, iters=30, group=32):
    """Lloyd's algorithm on every weight over its group's largest
    magnitude, weighted by importance: 16 levels in [-1, 1]."""
    xs, ms = [], []
    for wt, imp in zip(ws, imps):
        rows, cols = wt.shape
        g = wt.reshape(rows, cols // group, group)
        amax = np.abs(g).max(axis=2, keepdims=True)
        amax[amax == 0] = 1
        xs.append((g / amax).ravel())
        ms.append(np.broadcast_to(imp.reshape(1, cols // group, group) *
                                  amax ** 2, g.shape).ravel())
    x = np.concatenate(xs)
    m = np.concatenate(ms)
    lv = np.arange(-8, 8) / 8.0
    for _ in range(iters):
        edges = (lv[1:] + lv[:-1]) / 2
        idx = np.searchsorted(edges, x)
        s = np.bincount(idx, weights=x * m, minlength=16)
        n = np.bincount(idx, weights=m, minlength=16)
        lv = np.where(n > 0, s / np.maximum(n, 1e-300), lv)
        lv = np.sort(lv)
    return lv / np.abs(lv).max()


def kld(ref, got):
    def logsm(z):
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    lp, lq = logsm(ref), logsm(got)
    return float((np.exp(lp) * (lp - lq)).sum(axis=1).mean())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--calib", required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--dsc", default=os.path.join(here, "..", "build", "bin",
                                                 "dsc"))
    p.add_argument("--windows", type=int, default=16)
    p.add_argument("--ctx", type=int, default=256)
    p.add_argument("--calib-tokens", type=int, default=4096)
    a = p.parse_args()

    meta, tensors = ggml_blocks.read_gguf(a.model)
    c = check_gguf_logits.config_of(meta, tensors)
    w = {}
    for name, (_, x) in tensors.items():
        if name.endswith(".weight"):
            w[name[:-7]] = x.astype(np.float64)
        elif name.endswith(".bias"):
            w[name[:-5] + ".bias"] = x.astype(np.float64)
    calib = tokenize(a.dsc, a.model, a.calib)[:a.calib_tokens]
    text = tokenize(a.dsc, a.model, a.text)
    print("calibration: %d tokens" % len(calib), file=sys.stderr, flush=True)
    imp = inputs_mean_square(w, c, calib)
    names = [n for n in w if n.split(".")[-1] in LINEAR and n in imp]

    sets = {"uniform": np.arange(-8, 8) / 8.0, "nf4": nf4_levels()}
    sets["fitted"] = fit_levels([w[n] for n in names],
                                [imp[n] for n in names])
    for k, lv in sets.items():
        print("%-8s levels: %s" % (k, " ".join("%.3f" % v for v in lv)),
              flush=True)

    windows = [text[i:i + a.ctx]
               for i in range(0, len(text) - a.ctx + 1, a.ctx)][:a.windows]
    refs = [reference.forward(w, c, t) for t in windows]
    base = None
    for k, lv in sets.items():
        q = dict(w)
        werr = 0.0
        for n in names:
            q[n] = quantize_groups(w[n], imp[n], lv)
            werr += float((((q[n] - w[n]) ** 2) * imp[n]).sum())
        ks = [kld(r, reference.forward(q, c, t)) for r, t in
              zip(refs, windows)]
        m = float(np.mean(ks))
        base = base or (m, werr)
        print("%-8s KLD %.6f (%.3f x uniform), weighted error %.4g "
              "(%.3f x uniform), %d windows of %d" %
              (k, m, m / base[0], werr, werr / base[1], len(windows), a.ctx),
              flush=True)


if __name__ == "__main__":
    main()
