#!/usr/bin/env python3
"""dsc's round-to-nearest quantizer in numpy, bit for bit, for tests: which
scheme each weight gets (dsc-quant-apply's policy) and the values dsc stores.
"""
import numpy as np


# IQ4_NL's 16 levels (ggml's format documentation; dsc/abi/ggml_decode.h).
IQ4_LEVELS = np.array([-127, -104, -83, -65, -49, -35, -22, -10,
                       1, 13, 25, 38, 53, 69, 89, 113], dtype=np.float32)


def parse(text):
    if text == "iq4_nl":
        return dict(bits=4, gran="group", block=32, sym=True, f32=False,
                    i8=False, nl=True)
    bits_text, _, rest = text.partition(":")
    parts = rest.split(",")
    g, _, v = parts[0].partition("=")
    spec = dict(bits=int(bits_text[3:]), gran=g,
                block=int(v) if v else 0, sym=True, f32=False, i8=False)
    for opt in parts[1:]:
        if opt == "asym":
            spec["sym"] = False
        elif opt == "scale=f32":
            spec["f32"] = True
        elif opt == "scale=i8":
            spec["i8"] = True
    return spec


def choose_super(spec, scheme, cols):
    """The super-block of two-level scales (scale=i8) chooseQuantScheme
    gives a weight of `scheme`: the largest of 256, 192, 128, 64 columns
    that divides the row, for int2-int6 groups of 32; 0 for one-level
    scales."""
    bits, gran, block, _ = scheme
    if not spec["i8"] or bits == "iq4_nl" or gran != "group" or block != 32 or bits != spec["bits"]:
        return 0
    for d in (256, 192, 128, 64):
        if cols % d == 0:
            return d
    return 0


def choose(spec, rows, cols, head_rows):
    """(bits, granularity, block, group columns) or None, as
    chooseQuantScheme decides."""
    if rows % 4:
        return None
    if spec.get("nl"):
        if cols % 32 == 0:
            return "iq4_nl", "group", 32, 32
        spec = dict(spec, nl=False)
    bits, gran, block = spec["bits"], spec["gran"], spec["block"]
    if gran == "head":
        if head_rows and rows % head_rows == 0:
            block = head_rows
        else:
            gran = "channel"
    fits = lambda d: bits == 8 or d % 32 == 0
    if gran == "group" and (cols % block or not fits(block)):
        best = 0
        for _ in range(2):
            for d in range(min(block, cols), 15, -1):
                if cols % d == 0 and fits(d):
                    best = d
                    break
            if best:
                break
            if bits < 8:
                bits = 8
        if best:
            block = best
        else:
            gran = "channel"
    group = block if gran == "group" else cols
    if bits < 8 and group % 32:
        bits = 8
    return bits, gran, block, group


def round_scale(d, f32):
    d = np.float32(d)
    return d if f32 else np.float32(np.float16(d))


def sym_scale(m, bits, f32):
    m = np.float32(m)
    if bits == 8:
        return round_scale(np.float32(abs(m)) / np.float32(127), f32)
    return round_scale(m / np.float32(-(1 << (bits - 1))), f32)


def first_absmax(v):
    return v.flat[int(np.argmax(np.abs(v)))]


def quant_group(w, bits, sym, f32, fixed=None):
    """Dequantized values of one group (float32)."""
    w = w.astype(np.float32)
    qmax = (1 << bits) - 1
    if sym:
        off = 1 << (bits - 1)
        d = fixed if fixed is not None else sym_scale(first_absmax(w), bits, f32)
        lo = -127 if bits == 8 else -off
        inv = np.float32(1) / d if d != 0 else np.float32(0)
        q = np.clip(np.rint(w * inv), lo, off - 1)
        return (q * d).astype(np.float32)
    lo, hi = min(np.float32(w.min()), np.float32(0)), max(np.float32(w.max()), np.float32(0))
    d = round_scale(np.float32(hi - lo) / np.float32(qmax), f32)
    inv = np.float32(1) / d if d != 0 else np.float32(0)
    z = int(np.clip(np.rint(-lo * inv), 0, qmax)) if d != 0 else 0
    q = np.clip(np.rint(w * inv) + z, 0, qmax)
    return ((q - z) * d).astype(np.float32)


def group_scale(w, bits, sym):
    """The round-to-nearest scale of one group, unrounded (float32)."""
    if sym:
        return np.float32(first_absmax(w)) / np.float32(-(1 << (bits - 1)))
    lo = min(np.float32(w.min()), np.float32(0))
    hi = max(np.float32(w.max()), np.float32(0))
    return np.float32(hi - lo) / np.float32((1 << bits) - 1)


def quantize_super(w, bits, sym, sb):
    """Two-level scales without calibration (Quantizer.cpp): per row and
    super-block of sb columns, the f16 scale unit = max |group scale| / 127
    (255 asymmetric), then each group of 32 at the smallest code's scale of
    at least its own."""
    rows, cols = w.shape
    out = np.empty_like(w, dtype=np.float32)
    hi_c = 127 if sym else 255
    qmax = (1 << bits) - 1
    for r in range(rows):
        for j in range(cols // sb):
            blk = w[r, j * sb:(j + 1) * sb].astype(np.float32)
            raw = [group_scale(blk[k * 32:(k + 1) * 32], bits, sym)
                   for k in range(sb // 32)]
            m = max(abs(d) for d in raw)
            unit = np.float32(np.float16(m / np.float32(hi_c)))
            if not np.isfinite(unit):
                unit = np.float32(0)
            for k in range(sb // 32):
                g = blk[k * 32:(k + 1) * 32]
                if unit == 0:
                    d = np.float32(0)
                else:
                    # The code covering the group's scale (Quantizer.cpp's
                    # ScaleGrid::cover).
                    code = min(np.ceil(np.float32(abs(raw[k]) / unit)), np.float32(hi_c))
                    d = np.float32(np.copysign(np.float32(code), raw[k]) * unit)
                inv = np.float32(1) / d if d != 0 else np.float32(0)
                if sym:
                    off = 1 << (bits - 1)
                    q = np.clip(np.rint(g * inv), -off, off - 1)
                    deq = q * d
                else:
                    lo = min(np.float32(g.min()), np.float32(0))
                    z = int(np.clip(np.rint(-lo * inv), 0, qmax)) if d != 0 else 0
                    q = np.clip(np.rint(g * inv) + z, 0, qmax)
                    deq = (q - z) * d
                out[r, j * sb + k * 32:j * sb + (k + 1) * 32] = deq
    return out


def quantize_levels(w):
    """IQ4_NL by round to nearest, as dsc's quantizer without calibration:
    per 32 values an f16 scale mapping the first value of largest magnitude
    to the lowest level, then each value to the nearest level (ties to the
    lower one)."""
    rows, cols = w.shape
    g = w.astype(np.float32).reshape(rows, cols // 32, 32)
    idx = np.argmax(np.abs(g), axis=2)
    m = np.take_along_axis(g, idx[..., None], axis=2)[..., 0]
    d = (m / IQ4_LEVELS[0]).astype(np.float16).astype(np.float32)
    d[~np.isfinite(d)] = 0
    inv = np.zeros_like(d)
    np.divide(np.float32(1), d, out=inv, where=d != 0)
    x = (g * inv[..., None]).astype(np.float32)
    lo = np.clip(np.searchsorted(IQ4_LEVELS, x, side="right") - 1, 0, 14)
    hi = lo + 1
    take_lo = (x - IQ4_LEVELS[lo]) <= (IQ4_LEVELS[hi] - x)
    k = np.where(take_lo, lo, hi)
    return (IQ4_LEVELS[k] * d[..., None]).astype(np.float32).reshape(rows, cols)


def quantize(w, scheme, f32, sym, sb=0):
    bits, gran, block, group = scheme
    rows, cols = w.shape
    if bits == "iq4_nl":
        return quantize_levels(w)
    if sb:
        return quantize_super(w, bits, sym, sb)
    out = np.empty_like(w, dtype=np.float32)
    share = rows if gran == "tensor" else (block if gran == "head" else 1)
    fixed = {}
    if share > 1:
        for i in range(rows // share):
            fixed[i] = sym_scale(first_absmax(w[i * share:(i + 1) * share]), bits, f32)
    for r in range(rows):
        for g in range(cols // group):
            out[r, g * group:(g + 1) * group] = quant_group(
                w[r, g * group:(g + 1) * group], bits, sym, f32,
                fixed.get(r // share) if share > 1 else None)
    return out


def default_tables(text):
    """The schemes dsc gives the embedding table and the classifier under
    --quantize text when no table flag is given (defaultTableScheme in
    ModelOptions.cpp): the table int8:group=32, the classifier too under an
    8-bit scheme, else int8:channel."""
    head = "int8:group=32" if text.startswith("int8:") else "int8:channel"
    return "int8:group=32", head


def quantize_model(w, c, text, embeddings=False, head=False, schemes=None):
    """The weights dsc computes with for --quantize text. `embeddings` and
    `head` are False (float), True (text's scheme) or a scheme of their own;
    a tied table takes the head's. `schemes` (a dict), when given, gets each
    quantized weight's (bits or "iq4_nl", granularity, block, group)."""
    out = dict(w)
    for name, x in w.items():
        if x.ndim != 2:
            continue
        is_emb = name == "token_embd"
        is_head = name == "output" or (is_emb and c["tied"])
        role = head if is_head else embeddings if is_emb else True
        if not role:
            continue
        spec = parse(text if role is True else role)
        head_rows = c["head_dim"] if name.split(".")[-1] in ("attn_q", "attn_k", "attn_v") else 0
        scheme = choose(spec, x.shape[0], x.shape[1], head_rows)
        if scheme is None:
            continue
        if schemes is not None:
            schemes[name] = scheme
        out[name] = quantize(x, scheme, spec["f32"], spec["sym"],
                             choose_super(spec, scheme, x.shape[1]))
    return out
