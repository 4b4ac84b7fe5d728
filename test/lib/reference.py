#!/usr/bin/env python3
"""A reference forward pass in numpy (float64) for dsc's numerics tests.

Computes the logits of every position of a token sequence for the canonical
weights that test/gen/gen_checkpoint.py generates (interleaved RoPE, [out,
in] matrices), so that executables' --dump-logits can be checked.
"""
import math

import numpy as np


def rope_freqs(head_dim, theta, scaling):
    i = np.arange(head_dim // 2, dtype=np.float64)
    f = 1.0 / theta ** (2 * i / head_dim)
    if scaling:
        factor = scaling["factor"]
        lo, hi = scaling["low_freq_factor"], scaling["high_freq_factor"]
        orig = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / f
        smooth = (orig / wavelen - lo) / (hi - lo)
        scaled = np.where(wavelen > orig / lo, f / factor,
                          np.where(wavelen < orig / hi, f,
                                   (1 - smooth) * f / factor + smooth * f))
        f = scaled
    return f


def rmsnorm(x, w, eps):
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * w


def rope(x, pos, heads, head_dim, freqs):
    s = x.shape[0]
    x = x.reshape(s, heads, head_dim // 2, 2)
    ang = np.outer(pos, freqs)[:, None, :]
    c, sn = np.cos(ang), np.sin(ang)
    out = np.empty_like(x)
    out[..., 0] = x[..., 0] * c - x[..., 1] * sn
    out[..., 1] = x[..., 0] * sn + x[..., 1] * c
    return out.reshape(s, heads * head_dim)


def forward(w, c, tokens):
    """Logits [len(tokens), vocab] of positions 0 .. len(tokens)-1."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    H, KV, D = c["heads"], c["kv_heads"], c["head_dim"]
    tokens = np.asarray(tokens)
    S = len(tokens)
    pos = np.arange(S)
    freqs = rope_freqs(D, c["theta"], c.get("rope_scaling"))
    window = c.get("sliding_window") or 0
    x = w["token_embd"][tokens]
    for l in range(c["layers"]):
        p = "blk.%d." % l
        h = rmsnorm(x, w[p + "attn_norm"], c["eps"])
        q = h @ w[p + "attn_q"].T
        k = h @ w[p + "attn_k"].T
        v = h @ w[p + "attn_v"].T
        if c["bias"]:
            q += w[p + "attn_q.bias"]
            k += w[p + "attn_k.bias"]
            v += w[p + "attn_v.bias"]
        q = rope(q, pos, H, D, freqs).reshape(S, H, D)
        k = rope(k, pos, KV, D, freqs).reshape(S, KV, D)
        v = v.reshape(S, KV, D)
        out = np.zeros((S, H, D))
        for hh in range(H):
            g = hh // (H // KV)
            scores = q[:, hh, :] @ k[:, g, :].T / math.sqrt(D)
            mask = np.triu(np.ones((S, S), dtype=bool), 1)
            if window:
                mask |= np.tril(np.ones((S, S), dtype=bool), -window)
            scores[mask] = -np.inf
            scores -= scores.max(axis=1, keepdims=True)
            pr = np.exp(scores)
            pr /= pr.sum(axis=1, keepdims=True)
            out[:, hh, :] = pr @ v[:, g, :]
        x = x + out.reshape(S, H * D) @ w[p + "attn_output"].T
        h2 = rmsnorm(x, w[p + "ffn_norm"], c["eps"])
        g = h2 @ w[p + "ffn_gate"].T
        u = h2 @ w[p + "ffn_up"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w[p + "ffn_down"].T
    x = rmsnorm(x, w["output_norm"], c["eps"])
    head = w["token_embd"] if c["tied"] else w["output"]
    return x @ head.T
