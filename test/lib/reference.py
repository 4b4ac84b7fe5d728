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


# Rows whose activations quantize_activations rounded from within 1e-4 of
# a midpoint (callers may clear it), for a checker to report.
TIES = []


def quantize_activations(x):
    """int8 per 32-block, scale amax/127, as dsc's integer kernels do
    (float32 arithmetic, round half to even)."""
    x = x.astype(np.float32)
    s, k = x.shape
    b = x.reshape(s, k // 32, 32)
    amax = np.abs(b).max(axis=2, keepdims=True)
    inv = np.where(amax > 0, np.float32(127) / np.where(amax > 0, amax, 1), 0).astype(np.float32)
    t = b * inv
    q = np.rint(t)
    TIES.extend(np.argwhere(np.abs(np.abs(t - q) - 0.5) < 1e-4)[:, 0].tolist())
    d = (amax / np.float32(127)).astype(np.float32)
    return (q * d).reshape(s, k).astype(np.float64)


def round_bf16(a):
    """a rounded to float32, then to bf16 (nearest even), as float64."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return u.view(np.float32).astype(np.float64)


def forward(w, c, tokens, act_quant=(), bf16_rows=0, f16_rows=0,
            f16_weights=()):
    """Logits [len(tokens), vocab] of positions 0 .. len(tokens)-1.
    Inputs of the linear layers named in act_quant are quantized to int8
    first, as integer kernels do. The first bf16_rows rows (a prompt
    compiled with --prefill-precision bf16) multiply float weights with
    both operands rounded to bf16. The first f16_rows rows (a prompt of
    several rows in one block, compiled for CUDA with --prefill-precision
    f16) are rounded to f16 (clamped to its range) before the weights named
    in f16_weights (F16 and quantized ones: the caller knows which) of rows
    a multiple of 8 and of a multiple of 16 columns (the tensor-core
    kernels'), the classifier too; the weights' values (f16, or quantized
    integers) are exact. (The runtime also needs groups of a multiple of
    16 and a block of at least 2 rows: the callers' prompts are one block
    of 2 to 64 rows, their groups 32 or whole rows.)"""
    w = {k: v.astype(np.float64) for k, v in w.items()}

    def lin(x, name):
        if name in act_quant:
            x = quantize_activations(x)
        y = x @ w[name].T
        # Only weights in 4x16 tiles have the kernel (rows a multiple of 4,
        # K of 16; not a tied table, which stays in rows for the lookup),
        # and only calls of at least 4 rows (DSC_GEMM_MIN_ROWS) take it.
        N, K = w[name].shape
        if bf16_rows >= 4 and N % 4 == 0 and K % 16 == 0 and name != "token_embd":
            y[:bf16_rows] = round_bf16(x[:bf16_rows]) @ round_bf16(w[name]).T
        if f16_rows >= 2 and N % 8 == 0 and K % 16 == 0 and name in f16_weights:
            x16 = np.clip(x[:f16_rows].astype(np.float32), -65504, 65504)
            y[:f16_rows] = x16.astype(np.float16).astype(np.float64) @ w[name].T
        return y

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
        q = lin(h, p + "attn_q")
        k = lin(h, p + "attn_k")
        v = lin(h, p + "attn_v")
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
        x = x + lin(out.reshape(S, H * D), p + "attn_output")
        h2 = rmsnorm(x, w[p + "ffn_norm"], c["eps"])
        g = lin(h2, p + "ffn_gate")
        u = lin(h2, p + "ffn_up")
        x = x + lin(g / (1 + np.exp(-g)) * u, p + "ffn_down")
    x = rmsnorm(x, w["output_norm"], c["eps"])
    return lin(x, "token_embd" if c["tied"] else "output")


class RunFailed(Exception):
    """An executable under test exited non-zero; the message is its stderr."""


def run_greedy(runner, exe, tokens, steps, threads, vocab, dump):
    """Runs a compiled model greedily from the prompt ids `tokens` (a string
    of ids, given whole: --no-bos) for `steps` tokens, so that generated
    positions are checked too, and reads the logits it dumped to `dump`.
    Returns (logits, the evaluated sequence: the prompt, then each greedy
    choice); raises RunFailed when the run fails."""
    import subprocess
    r = subprocess.run(runner + [exe, "--tokens", tokens, "--no-bos", "-n",
                                 steps, "--temp", "0", "-t", threads,
                                 "--dump-logits", dump], capture_output=True)
    if r.returncode:
        raise RunFailed(r.stderr.decode(errors="replace"))
    ours = np.fromfile(dump, dtype="<f4").reshape(-1, vocab)
    seq = [int(t) for t in tokens.split()]
    for row in ours[len(seq) - 1:-1]:
        seq.append(int(np.argmax(row)))
    return ours, seq

