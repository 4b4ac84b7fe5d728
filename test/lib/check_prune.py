#!/usr/bin/env python3
"""Checks dsc-prune-structures' magnitude method against numpy.

  check_prune.py CFG_JSON PRUNED_MLIR --ffn F --heads H --layers N

The model must be a llama2c checkpoint (its q projections' offsets tell
which teacher layer each pruned layer is).

Recomputes, from the canonical weights of a gen_checkpoint.py model, which
layers, heads (KV groups, or query heads within groups) and FFN channels
the magnitude method removes (least squared weight norm) and checks that
the pruned IR's globals slice exactly the rest, renumbered.
"""
import argparse
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "gen"))
import gen_checkpoint  # noqa: E402


def keep_highest(scores, n):
    order = sorted(range(len(scores)), key=lambda i: (scores[i], i))
    return sorted(order[n:])


def expected(w, cfg, ffn, heads, layers):
    L, hd = cfg["layers"], cfg["head_dim"]
    nh, nkv = cfg["heads"], cfg["kv_heads"]
    group = nh // nkv
    sq = lambda a: float((a.astype(np.float64) ** 2).sum())
    lay = [sq(w["blk.%d.attn_output" % i]) + sq(w["blk.%d.ffn_down" % i])
           for i in range(L)]
    kept_layers = keep_highest(lay, layers)
    n = round(heads * nh)
    whole = nkv > 1 and n % group == 0 and n // group < nkv
    out = []
    for s in kept_layers:
        p = "blk.%d." % s
        q, k, v, o = (w[p + x] for x in ("attn_q", "attn_k", "attn_v",
                                         "attn_output"))
        hs = [sq(q[h * hd:(h + 1) * hd]) + sq(o[:, h * hd:(h + 1) * hd])
              for h in range(nh)]
        if whole:
            gs = [sum(hs[g * group:(g + 1) * group]) +
                  sq(k[g * hd:(g + 1) * hd]) + sq(v[g * hd:(g + 1) * hd])
                  for g in range(nkv)]
            kv = keep_highest(gs, n // group)
            qh = [h for g in kv for h in range(g * group, (g + 1) * group)]
        else:
            kv = list(range(nkv))
            qh = []
            for g in range(nkv):
                sub = hs[g * group:(g + 1) * group]
                qh += [g * group + i for i in keep_highest(sub, n // nkv)]
        gate, up, down = w[p + "ffn_gate"], w[p + "ffn_up"], w[p + "ffn_down"]
        fs = [sq(gate[j]) + sq(up[j]) + sq(down[:, j])
              for j in range(gate.shape[0])]
        ch = keep_highest(fs, round(ffn * gate.shape[0]))
        out.append((s, qh, kv, ch))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cfg")
    ap.add_argument("mlir")
    ap.add_argument("--ffn", type=float, default=0)
    ap.add_argument("--heads", type=float, default=0)
    ap.add_argument("--layers", type=int, default=0)
    a = ap.parse_args()
    cfg = json.load(open(a.cfg))
    w = gen_checkpoint.make_weights(cfg)
    ir = open(a.mlir).read()
    hd = cfg["head_dim"]

    def lst(name, key):
        m = re.search(r"dsc\.global @%s : [^=]*= (.*)" % re.escape(name), ir)
        if not m:
            sys.exit("no global %s" % name)
        src = m.group(1)
        off = int(re.search(r"offset = (\d+)", src).group(1))
        sel = re.search(r"%s = \[([0-9, ]*)\]" % key, src)
        return off, (None if sel is None else
                     [int(x) for x in sel.group(1).split(",")])

    exp = expected(w, cfg, a.ffn, a.heads, a.layers)
    # llama2c: a 28-byte header, the embedding, every layer's attn_norm,
    # then every layer's q projection.
    base = 28 + 4 * cfg["dim"] * (cfg["vocab"] + cfg["layers"])
    for i, (s, qh, kv, ch) in enumerate(exp):
        p = "blk.%d." % i
        rows_q = [h * hd + r for h in qh for r in range(hd)]
        rows_kv = [g * hd + r for g in kv for r in range(hd)]
        full = lambda sel, n: sel if sel is not None else list(range(n))
        checks = [("attn_q", "rows", rows_q, cfg["heads"] * hd),
                  ("attn_k", "rows", rows_kv, cfg["kv_heads"] * hd),
                  ("attn_output", "cols", rows_q, cfg["heads"] * hd),
                  ("ffn_gate", "rows", ch, cfg["hidden"]),
                  ("ffn_down", "cols", ch, cfg["hidden"])]
        for name, key, want, n in checks:
            off, sel = lst(p + name, key)
            got = full(sel, n)
            if got != want:
                sys.exit("%s%s: kept %s, numpy says %s" % (p, name, got, want))
        # The layer is the teacher's layer s: its q projection's bytes.
        q_off = lst(p + "attn_q", "rows")[0]
        if q_off != base + s * cfg["dim"] * cfg["heads"] * hd * 4:
            sys.exit("%sattn_q: offset %d is not teacher layer %d's" %
                     (p, q_off, s))
    if re.search(r"dsc\.global @blk\.%d\." % len(exp), ir):
        sys.exit("a removed layer's weights are still there")
    print("ok: %d layers, %d query heads, %d KV heads, %d channels" %
          (len(exp), len(exp[0][1]), len(exp[0][2]), len(exp[0][3])))


if __name__ == "__main__":
    main()
