#!/usr/bin/env python3
"""Writes a small Qwen2-architecture GGUF (F32) whose weights have some of
the structure trained models have, for checking quantization on a model and
a text that are not in ../shared (bench/quality.py --curve --model OUT).

  structured_model.py OUT.gguf [--text FILE ...] [--vocab-from GGUF]
                      [--dsc build/bin/dsc] [--seed 1] [--write-text FILE]

--write-text writes the text it used (by default docs/*.md joined), for
bench/quality.py --curve --text, which splits its lines the same way.

It is not a trained model. What it has:
- Qwen2's layout: grouped-query attention with biases on q, k and v (large
  ones on k, as Qwen2 has), rotate-half RoPE with theta 1e6, SwiGLU, RMSNorm
  eps 1e-6, an untied classifier.
- Weights that are low-rank plus heavy-tailed noise (Student t, 4 degrees
  of freedom), not Gaussian; a few residual dimensions carry values ten times
  the rest ("massive activations"), and the norms' scales give each layer's
  inputs a few columns much larger than the others (the outlier channels
  that activation-aware quantization exists for).
- Next-token distributions that depend on the text: the classifier is fitted
  (ridge regression on the final normalized hidden states) to the smoothed
  bigram log-probabilities of the text's first half (the lines quality.py
  calibrates on), so the model predicts the text about as a bigram model
  does rather than giving the flat distributions of random weights.
  The layers are random, not learned: attention mixes earlier positions in
  ways the classifier then reads, but no layer computes anything a trained
  one would.

Defaults: every docs/*.md of this repository as the text (prose and tables,
not TinyStories), the 512-piece SentencePiece vocabulary of
../shared/models/tiny-llama-quality (copied from its F32 GGUF, so llama.cpp
and dsc tokenize the text alike), dim 256, FFN 768 (K-quant rows of 256),
4 layers, 4 query heads and 2 KV heads of 64.
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
sys.path.insert(0, os.path.join(ROOT, "test", "gen"))
import ggml_blocks  # noqa: E402
import reference  # noqa: E402
from gen_checkpoint import (gguf_kv, hf_permute,  # noqa: E402
                            write_gguf_file)


def docs_text():
    parts = []
    for p in sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
        with open(p) as f:
            parts.append(f.read())
    return "\n".join(parts)


def fit_half(text):
    """The first half of the lines, as bench/quality.py --curve calibrates."""
    lines = text.split("\n")
    return "\n".join(lines[:len(lines) // 2]) + "\n"


def tokenize(dsc, vocab_gguf, text):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        out = subprocess.run([dsc, "tokenize", vocab_gguf, "-f", path],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    return [int(t) for t in out.split()]


def heavy(rng, shape, scale):
    """Student t (4 degrees of freedom) noise with standard deviation
    `scale`: heavier tails than a Gaussian, as trained weights have."""
    return (rng.standard_t(4, size=shape) / math.sqrt(2.0) * scale).astype(
        np.float64)


def structured(rng, rows, cols, rank, scale):
    """Low-rank plus heavy-tailed noise, about `scale` per element; a few
    rows (output channels) larger than the rest."""
    low = rng.standard_normal((rows, rank)) @ rng.standard_normal((rank, cols))
    low *= scale * 0.8 / math.sqrt(rank)
    w = low + heavy(rng, (rows, cols), scale * 0.6)
    hot = rng.choice(rows, max(1, rows // 64), replace=False)
    w[hot] *= 3.0
    return w


def build(c, rng):
    d, V, F, L = c["dim"], c["vocab"], c["hidden"], c["layers"]
    H, KV, D = c["heads"], c["kv_heads"], c["head_dim"]
    w = {}
    massive = rng.choice(d, 3, replace=False)
    e = structured(rng, V, d, 32, 1.0)
    e[:, massive] *= 10.0
    w["token_embd"] = e
    s = 1.0 / math.sqrt(d)
    for l in range(L):
        p = "blk.%d." % l
        for norm in ("attn_norm", "ffn_norm"):
            g = 1.0 + 0.2 * rng.standard_normal(d)
            g[massive] = 0.05  # the massive dimensions are mostly ignored
            hot = rng.choice(d, 6, replace=False)
            g[hot] *= 6.0  # ... and a few others become outlier inputs
            w[p + norm] = np.abs(g)
        w[p + "attn_q"] = structured(rng, H * D, d, 16, s)
        w[p + "attn_k"] = structured(rng, KV * D, d, 16, s)
        w[p + "attn_v"] = structured(rng, KV * D, d, 16, s)
        w[p + "attn_q.bias"] = 0.1 * rng.standard_normal(H * D)
        w[p + "attn_k.bias"] = 1.0 * rng.standard_normal(KV * D)
        w[p + "attn_v.bias"] = 0.05 * rng.standard_normal(KV * D)
        # Each block changes the residual stream by a fraction of its size.
        w[p + "attn_output"] = structured(rng, d, H * D, 16, 0.5 * s)
        w[p + "ffn_gate"] = structured(rng, F, d, 16, s)
        w[p + "ffn_up"] = structured(rng, F, d, 16, s)
        w[p + "ffn_down"] = structured(rng, d, F, 16, 0.8 / math.sqrt(F))
    w["output_norm"] = np.ones(d)
    return w


def hidden_states(w, c, windows):
    """The final normalized hidden states of each window's positions."""
    wh = dict(w)
    wh["output"] = np.eye(c["dim"])
    cc = dict(c, tied=False)
    return np.concatenate([reference.forward(wh, cc, t) for t in windows])


def fit_classifier(w, c, ids, tokens, lam=1e-2):
    V = c["vocab"]
    counts = np.full((V, V), 0.05)
    np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
    logp = np.log(counts / counts.sum(axis=1, keepdims=True))
    win = 256
    usable = ids[:tokens]
    windows = [usable[i:i + win] for i in range(0, len(usable) - 1, win)]
    x = hidden_states(w, c, windows)
    targets = logp[np.concatenate(windows)]
    targets -= targets.mean(axis=1, keepdims=True)
    a = x.T @ x + lam * len(x) * np.eye(x.shape[1])
    head = np.linalg.solve(a, x.T @ targets).T  # [vocab, dim]
    return head, windows


def stats(w, c, windows):
    """Mean next-token NLL and entropy (nats) of the model on `windows`."""
    nll = ent = n = 0.0
    for t in windows:
        z = reference.forward(w, dict(c, tied=False), t)
        z -= z.max(axis=1, keepdims=True)
        lp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        p = np.exp(lp)
        ent += -(p * lp).sum()
        nll += -lp[np.arange(len(t) - 1), t[1:]].sum()
        n += len(t)
    return nll / (n - len(windows)), ent / n


def write_gguf(path, w, c, tokenizer_kvs):
    arch = "qwen2"
    kvs = [gguf_kv("general.architecture", 8, arch),
           gguf_kv("general.name", 8, "dsc structured qwen2 (synthetic)"),
           gguf_kv("general.alignment", 4, 32),
           gguf_kv("general.file_type", 4, 0),
           gguf_kv(arch + ".context_length", 4, c["ctx"]),
           gguf_kv(arch + ".embedding_length", 4, c["dim"]),
           gguf_kv(arch + ".feed_forward_length", 4, c["hidden"]),
           gguf_kv(arch + ".block_count", 4, c["layers"]),
           gguf_kv(arch + ".attention.head_count", 4, c["heads"]),
           gguf_kv(arch + ".attention.head_count_kv", 4, c["kv_heads"]),
           gguf_kv(arch + ".attention.layer_norm_rms_epsilon", 6, c["eps"]),
           gguf_kv(arch + ".rope.freq_base", 6, c["theta"])] + tokenizer_kvs
    tensors = []
    for name, a in w.items():
        if name.endswith("attn_q") or name.endswith("attn_q.bias"):
            a = hf_permute(a, c["heads"])
        elif name.endswith("attn_k") or name.endswith("attn_k.bias"):
            a = hf_permute(a, c["kv_heads"])
        gname = name if name.endswith(".bias") else name + ".weight"
        a = np.ascontiguousarray(a, dtype="<f4")
        tensors.append((gname, 0, a.shape, a.nbytes, a.tobytes))
    write_gguf_file(path, kvs, tensors)


def tokenizer_kvs(meta):
    """The vocabulary's GGUF entries, typed as GGUF stores them."""
    out = []
    for k, v in meta.items():
        if not k.startswith("tokenizer."):
            continue
        if isinstance(v, list):
            et = 8 if isinstance(v[0], str) else 6 if isinstance(v[0], float) else 5
            out.append(gguf_kv(k, 9, (et, v)))
        elif isinstance(v, str):
            out.append(gguf_kv(k, 8, v))
        elif isinstance(v, bool):
            out.append(gguf_kv(k, 7, v))
        elif isinstance(v, float):
            out.append(gguf_kv(k, 6, v))
        else:
            out.append(gguf_kv(k, 4, v))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--text", nargs="*", help="default: docs/*.md")
    p.add_argument("--vocab-from", default=os.path.join(
        SHARED, "models", "tiny-llama-quality", "gguf",
        "tiny-llama-quality-F32.gguf"))
    p.add_argument("--dsc", default=os.path.join(ROOT, "build", "bin", "dsc"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--fit-tokens", type=int, default=16384)
    p.add_argument("--write-text", default=None)
    a = p.parse_args()
    if a.text:
        text = "\n".join(open(t).read() for t in a.text)
    else:
        text = docs_text()
    if a.write_text:
        with open(a.write_text, "w") as f:
            f.write(text)
    meta, _ = ggml_blocks.read_gguf(a.vocab_from)
    V = len(meta["tokenizer.ggml.tokens"])
    c = dict(dim=256, hidden=768, layers=4, heads=4, kv_heads=2, head_dim=64,
             vocab=V, ctx=256, eps=1e-6, theta=1e6, bias=True, tied=False)
    ids = np.array(tokenize(a.dsc, a.vocab_from, fit_half(text)))
    rng = np.random.default_rng(a.seed)
    w = build(c, rng)
    head, windows = fit_classifier(w, c, ids, a.fit_tokens)
    w["output"] = head
    nll, ent = stats(w, c, windows[:8])
    write_gguf(a.out, w, c, tokenizer_kvs(meta))
    info = dict(c, params=int(sum(x.size for x in w.values())),
                fit_tokens=int(sum(len(t) for t in windows)),
                text_tokens_first_half=int(len(ids)),
                nll_first_half=round(nll, 4), ppl_first_half=round(math.exp(nll), 2),
                mean_entropy=round(ent, 4), uniform_entropy=round(math.log(V), 4))
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
