#!/usr/bin/env python3
"""Runs the CUDA kernels' IR, lowered for the host CPU, against numpy.

usage: check_cuda_kernels.py LIB.so KERNEL [--seed N] [--device]
                             [--scales f16|f32]

LIB.so is a kernel source of targets/cuda/kernels after the GPU pipeline's
loop tiling (dsc-gpu-tile-flat-loops), lowered by dsc-codegen-lower-to-llvm
and built as a shared library: the parallel loops that become GPU blocks
and threads run here as loops, so that a wrong index, bound or layout in a
kernel fails without a GPU. Exit status 1 with the largest error when a
result differs from the reference.

With --device, LIB.so is the same source through dsc-cuda-lower and MLIR's
gpu-to-llvm (the host side launching the PTX kernels) linked with
runtime/cuda/driver.c: the arrays are copied to device memory, the kernels
run on the GPU, and the results are checked the same way
(scripts/gpu-check.sh). Without a driver or GPU it fails with one line
naming what is missing.

--scales is the quantized weights' scales' type the kernels were built for
(dsc-cuda-lower's scales option; f16 by default): the scales are passed,
and the reference computed, in that type.
"""
import argparse
import ctypes
import sys

import numpy as np


class Memref1(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("size", ctypes.c_int64),
                ("stride", ctypes.c_int64)]


def memref(a):
    a = np.ascontiguousarray(a).reshape(-1)
    p = a.ctypes.data
    return ctypes.byref(Memref1(p, p, 0, a.size, 1)), a


DEVICE = None  # the mgpu library when the kernels run on the GPU
SCALES = np.float16  # the quantized weights' scales as the kernels read them


def device_error():
    DEVICE.dsc_mgpu_error.restype = ctypes.c_char_p
    e = DEVICE.dsc_mgpu_error()
    return e.decode() if e else None


def to_device(a):
    """A device copy of `a` as a memref, and the pointer to copy back from."""
    a = np.ascontiguousarray(a).reshape(-1)
    DEVICE.dsc_mgpu_alloc.restype = ctypes.c_uint64
    p = DEVICE.dsc_mgpu_alloc(ctypes.c_size_t(max(a.nbytes, 1)))
    if not p:
        sys.exit("device: " + device_error())
    DEVICE.dsc_mgpu_copy_in(ctypes.c_uint64(p), a.ctypes.data_as(ctypes.c_void_p),
                            ctypes.c_size_t(a.nbytes))
    return ctypes.byref(Memref1(p, p, 0, a.size, 1)), p


def call(lib, name, *args):
    keep, cargs, back = [], [], []
    for a in args:
        if isinstance(a, np.ndarray) and DEVICE:
            ref, p = to_device(a)
            keep.append(ref)
            back.append((a, p))
            cargs.append(ref)
        elif isinstance(a, np.ndarray):
            ref, arr = memref(a)
            keep.append(arr)
            cargs.append(ref)
        elif isinstance(a, float):
            cargs.append(ctypes.c_float(a))
        else:
            cargs.append(ctypes.c_int64(a))
    getattr(lib, "_mlir_ciface_" + name)(*cargs)
    for a, p in back:  # every array: outputs come back, inputs are equal
        assert a.flags["C_CONTIGUOUS"]
        DEVICE.dsc_mgpu_copy_out(a.ctypes.data_as(ctypes.c_void_p),
                                 ctypes.c_uint64(p), ctypes.c_size_t(a.nbytes))
        DEVICE.dsc_mgpu_free(ctypes.c_uint64(p))
    if DEVICE and device_error():
        sys.exit("device: " + device_error())


def quantize(w, bits, group):
    """Symmetric round-to-nearest per group, as dsc's plain layout holds it."""
    n, k = w.shape
    g = w.reshape(n, k // group, group)
    qmax = 2 ** (bits - 1) - 1
    s = np.abs(g).max(axis=2) / qmax
    s[s == 0] = 1
    q = np.clip(np.rint(g / s[..., None]), -qmax - 1, qmax).astype(np.int8)
    return q.reshape(n, k), s.astype(SCALES)


def pack4(q):
    """Two values per byte, low nibble first."""
    u = (q.astype(np.int16) & 15).astype(np.uint8).reshape(-1, 2)
    return (u[:, 0] | (u[:, 1] << 4)).view(np.int8)


def check(name, got, want, tol):
    err = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0
    scale = float(np.max(np.abs(want))) or 1.0
    if not err <= tol * scale:
        print("%s: max error %.3g (relative %.3g) > %.3g" %
              (name, err, err / scale, tol))
        return False
    print("%s: OK (max error %.3g)" % (name, err))
    return True


# The fused norms' eps: as large as mean(x^2) of the standard normal x
# (about 1), so that a kernel leaving eps out, or adding it elsewhere, is
# off by far more than the tolerance.
NORM_EPS = 0.5


def rms_normed(x, w, eps):
    """RMSNorm of the vector x with weight w, in float64."""
    x64 = x.astype(np.float64)
    return x64 / np.sqrt((x64 * x64).mean() + eps) * w


def gemv(lib, rng, bits):
    ok = True
    # k 1152: 9 words a lane for q8w (its loop unrolled four times runs
    # twice, then one left over), 4 or 5 for q4w; group = k: per channel.
    # k 4096: the 16-byte kernels' unrolled loop runs too (4 or 8 vectors a
    # lane), named with its k.
    n = 67
    for k, group in ((1152, 32), (1152, 64), (1152, 128), (1152, 1152),
                     (4096, 32)):
        g = "group %d" % group if k == 1152 else "k %d group %d" % (k, group)
        w = rng.standard_normal((n, k)).astype(np.float32)
        x = rng.standard_normal(k).astype(np.float32)
        q, s = quantize(w, bits, group)
        ref = (q.astype(np.float64) * np.repeat(s, group, axis=1)) @ x
        # NaN: a row no warp writes fails.
        y = np.full(n, np.nan, np.float32)
        data = pack4(q) if bits == 4 else q
        call(lib, "dsc_cuda_gemv_q%d" % bits, data, s, x, y, n, k, group)
        ok &= check("gemv_q%d %s" % (bits, g), y, ref, 1e-5)
        # The word-reading kernel, the same buffer as 32-bit words.
        y = np.full(n, np.nan, np.float32)
        call(lib, "dsc_cuda_gemv_q%dw" % bits, data.view(np.int32), s, x,
             y, n, k, group)
        ok &= check("gemv_q%dw %s" % (bits, g), y, ref, 1e-5)
        # 16-byte vectors, four rows a block: n = 67 leaves the last block
        # one row and three spare warps, which must store nothing (y has a
        # sentinel past its end).
        # Without the residual (radd 0) it is not read: NaN there fails.
        y = np.full(n + 1, np.nan, np.float32)
        y[n] = 7
        call(lib, "dsc_cuda_gemv_q%dv" % bits, data.view(np.int32), s, x,
             np.full(n, np.nan, np.float32), y, n, k, group, 0)
        ok &= check("gemv_q%dv %s" % (bits, g), y[:n], ref, 1e-5)
        ok &= check("gemv_q%dv sentinel" % bits, y[n:], np.array([7.0]), 0)
        # The residual add fused in (radd 1): y = W x + res.
        res = rng.standard_normal(n).astype(np.float32)
        y = np.full(n, np.nan, np.float32)
        call(lib, "dsc_cuda_gemv_q%dv" % bits, data.view(np.int32), s, x,
             res, y, n, k, group, 1)
        ok &= check("gemv_q%dv %s residual" % (bits, g), y,
                    ref + res, 1e-5)
        # Gate and up with SwiGLU fused: silu(W x) * (U x); without the
        # norm (0) its weight is not read (NaN there fails), with it (1)
        # W and U multiply RMSNorm(x) with weight nw, eps NORM_EPS.
        wu = rng.standard_normal((n, k)).astype(np.float32)
        qu, su = quantize(wu, bits, group)
        deq = q.astype(np.float64) * np.repeat(s, group, axis=1)
        dequ = qu.astype(np.float64) * np.repeat(su, group, axis=1)
        datau = pack4(qu) if bits == 4 else qu
        nw = rng.standard_normal(k).astype(np.float32)
        xn = rms_normed(x, nw, NORM_EPS)
        for norm, nwv, xr in ((0, np.full(k, np.nan, np.float32), x),
                              (1, nw, xn)):
            y = np.full(n, np.nan, np.float32)
            call(lib, "dsc_cuda_gemv_q%dv_swiglu" % bits, data.view(np.int32),
                 s, datau.view(np.int32), su, x, nwv, y, n, k, group,
                 NORM_EPS, norm)
            rg, ru = deq @ xr, dequ @ xr
            ok &= check("gemv_q%dv_swiglu %s%s" %
                        (bits, g, " norm" if norm else ""), y,
                        rg / (1 + np.exp(-rg)) * ru, 1e-5)
        # Three GEMVs over the same x in one kernel (q, k, v): 67, 9 and 6
        # rows, so that blocks straddle the matrices' boundaries.
        ws = [w, rng.standard_normal((9, k)).astype(np.float32),
              rng.standard_normal((6, k)).astype(np.float32)]
        qs = [quantize(m, bits, group) for m in ws]
        refs = [(qq.astype(np.float64) * np.repeat(ss, group, axis=1)) @ x
                for qq, ss in qs]
        args = []
        for qq, ss in qs:
            args += [(pack4(qq) if bits == 4 else qq).view(np.int32), ss]
        ys = [np.full(m.shape[0] + 1, np.nan, np.float32) for m in ws]
        for yy in ys:
            yy[-1] = 7
        call(lib, "dsc_cuda_gemv_q%dv3" % bits, *args, x,
             np.full(k, np.nan, np.float32), *ys, 67, 9, 6, k, group, 1e-5, 0)
        ok &= check("gemv_q%dv3 %s" % (bits, g),
                    np.concatenate([yy[:-1] for yy in ys]),
                    np.concatenate(refs), 1e-5)
        ok &= check("gemv_q%dv3 sentinels" % bits,
                    np.array([yy[-1] for yy in ys]), np.full(3, 7.0), 0)
        # With the RMSNorm before them fused (q, k and v of a normed x).
        ys = [np.full(m.shape[0], np.nan, np.float32) for m in ws]
        call(lib, "dsc_cuda_gemv_q%dv3" % bits, *args, x, nw, *ys, 67, 9, 6,
             k, group, NORM_EPS, 1)
        ok &= check("gemv_q%dv3 %s norm" % (bits, g), np.concatenate(ys),
                    np.concatenate([
                        (qq.astype(np.float64) *
                         np.repeat(ss, group, axis=1)) @ xn
                        for qq, ss in qs]), 1e-5)
        # One weight, the second and third of no rows (the classifier
        # after the final norm), with the norm: their outputs untouched.
        y, spare = np.full(n, np.nan, np.float32), np.full(1, 7, np.float32)
        call(lib, "dsc_cuda_gemv_q%dv3" % bits, *args[:2], *args[:2],
             *args[:2], x, nw, y, spare, spare, n, 0, 0, k, group, NORM_EPS, 1)
        ok &= check("gemv_q%dv3 %s one weight norm" % (bits, g), y,
                    deq @ xn, 1e-5)
        ok &= check("gemv_q%dv3 one weight spare" % bits, spare,
                    np.array([7.0]), 0)
    return ok


def gemv_float(lib, rng):
    ok = True
    n, k = 67, 250  # k not a multiple of the warp's 32 lanes
    for dtype in (np.float32, np.float16):
        w = rng.standard_normal((n, k)).astype(dtype)
        x = rng.standard_normal(k).astype(np.float32)
        ref = w.astype(np.float64) @ x
        y = np.full(n, np.nan, np.float32)
        name = "gemv_f32" if dtype == np.float32 else "gemv_f16"
        call(lib, "dsc_cuda_" + name, w.reshape(-1), x, y, n, k)
        ok &= check(name, y, ref, 1e-5)
    # F16 as 32-bit words (k even): 250, and 1150 (the unrolled loop runs
    # several times).
    for k in (250, 1150):
        w = rng.standard_normal((n, k)).astype(np.float16)
        x = rng.standard_normal(k).astype(np.float32)
        ref = w.astype(np.float64) @ x
        y = np.full(n, np.nan, np.float32)
        call(lib, "dsc_cuda_gemv_f16w", w.reshape(-1).view(np.int32), x,
             y, n, k)
        ok &= check("gemv_f16w k %d" % k, y, ref, 1e-5)
    # 16-byte vectors, four rows a block (k a multiple of 8; n = 67 leaves
    # three spare warps in the last block, which must store nothing).
    for k in (264, 1152):
        w = rng.standard_normal((n, k)).astype(np.float16)
        x = rng.standard_normal(k).astype(np.float32)
        ref = w.astype(np.float64) @ x
        y = np.full(n + 1, np.nan, np.float32)
        y[n] = 7
        call(lib, "dsc_cuda_gemv_f16v", w.reshape(-1), x,
             np.full(n, np.nan, np.float32), y, n, k, 0)
        ok &= check("gemv_f16v k %d" % k, y[:n], ref, 1e-5)
        ok &= check("gemv_f16v sentinel", y[n:], np.array([7.0]), 0)
        res = rng.standard_normal(n).astype(np.float32)
        y = np.full(n, np.nan, np.float32)
        call(lib, "dsc_cuda_gemv_f16v", w.reshape(-1), x, res, y, n, k, 1)
        ok &= check("gemv_f16v k %d residual" % k, y, ref + res, 1e-5)
        wu = rng.standard_normal((n, k)).astype(np.float16)
        nw = rng.standard_normal(k).astype(np.float32)
        xn = rms_normed(x, nw, NORM_EPS)
        # Without the norm (its weight, NaN, not read), and with it.
        for norm, nwv, xr in ((0, np.full(k, np.nan, np.float32), x),
                              (1, nw, xn)):
            y = np.full(n, np.nan, np.float32)
            call(lib, "dsc_cuda_gemv_f16v_swiglu", w.reshape(-1),
                 wu.reshape(-1), x, nwv, y, n, k, NORM_EPS, norm)
            rg, ru = w.astype(np.float64) @ xr, wu.astype(np.float64) @ xr
            ok &= check("gemv_f16v_swiglu k %d%s" %
                        (k, " norm" if norm else ""), y,
                        rg / (1 + np.exp(-rg)) * ru, 1e-5)
        ws = [w, rng.standard_normal((9, k)).astype(np.float16),
              rng.standard_normal((6, k)).astype(np.float16)]
        ys = [np.full(m.shape[0] + 1, np.nan, np.float32) for m in ws]
        for yy in ys:
            yy[-1] = 7
        call(lib, "dsc_cuda_gemv_f16v3", *[m.reshape(-1) for m in ws], x,
             np.full(k, np.nan, np.float32), *ys, 67, 9, 6, k, 1e-5, 0)
        ok &= check("gemv_f16v3 k %d" % k,
                    np.concatenate([yy[:-1] for yy in ys]),
                    np.concatenate([m.astype(np.float64) @ x for m in ws]),
                    1e-5)
        ok &= check("gemv_f16v3 sentinels", np.array([yy[-1] for yy in ys]),
                    np.full(3, 7.0), 0)
        ys = [np.full(m.shape[0], np.nan, np.float32) for m in ws]
        call(lib, "dsc_cuda_gemv_f16v3", *[m.reshape(-1) for m in ws], x, nw,
             *ys, 67, 9, 6, k, NORM_EPS, 1)
        ok &= check("gemv_f16v3 k %d norm" % k, np.concatenate(ys),
                    np.concatenate([m.astype(np.float64) @ xn for m in ws]),
                    1e-5)
        # One weight (the classifier after the final norm).
        y, spare = np.full(n, np.nan, np.float32), np.full(1, 7, np.float32)
        w1 = ws[0].reshape(-1)
        call(lib, "dsc_cuda_gemv_f16v3", w1, w1, w1, x, nw, y, spare, spare,
             n, 0, 0, k, NORM_EPS, 1)
        ok &= check("gemv_f16v3 k %d one weight norm" % k, y,
                    ws[0].astype(np.float64) @ xn, 1e-5)
        ok &= check("gemv_f16v3 one weight spare", spare, np.array([7.0]), 0)
    return ok


def rms_norm(lib, rng):
    """Rows a whole number of the 32 lanes' columns, not, and shorter."""
    ok = True
    for rows, dim in ((5, 288), (3, 250), (2, 20), (2, 2048)):
        eps = 1e-5
        x = rng.standard_normal((rows, dim)).astype(np.float32)
        w = rng.standard_normal(dim).astype(np.float32)
        y = np.full((rows, dim), np.nan, np.float32)
        call(lib, "dsc_cuda_rms_norm", x, w, y, rows, dim, eps)
        x64 = x.astype(np.float64)
        ref = x64 / np.sqrt((x64 * x64).mean(axis=1, keepdims=True) + eps) * w
        ok &= check("rms_norm dim %d" % dim, y, ref, 1e-5)
        if dim % 4 == 0:  # 16 bytes a lane: rows of whole vectors
            y = np.full((rows, dim), np.nan, np.float32)
            call(lib, "dsc_cuda_rms_norm_v", x, w, y, rows, dim, eps)
            ok &= check("rms_norm_v dim %d" % dim, y, ref, 1e-5)
    return ok


def argmax(lib, rng):
    ok = True
    for n in (1, 255, 256, 32000):
        logits = rng.standard_normal(n).astype(np.float32)
        # Ties: the first index wins, as numpy's argmax (and the CPU path).
        logits[n // 3] = logits[(2 * n) // 3] = np.float32(10)
        out = np.full(1, -7, np.int32)
        call(lib, "dsc_cuda_argmax", logits, np.zeros(256, np.float32),
             np.zeros(256, np.int32), out, n)
        want = int(np.argmax(logits))
        if out[0] != want:
            print("argmax n=%d: %d, want %d" % (n, out[0], want))
            ok = False
        else:
            print("argmax n=%d: OK" % n)
    return ok


def sample_ref(logits, temp, top_p, k, coin):
    """runtime/core/sampler.c with top-k on, in float64: the token, how far
    r = coin * kept sum lies from the nearest boundary of the draw, and how
    far top-p lies from the sums either side of the cut (both relative), so
    that a coin or logits the float32 kernel could read either way are not
    asked about."""
    x = logits.astype(np.float64) / temp
    e = np.exp(x - x.max())
    p = e / e.sum()
    # Descending, ties by the lower index (the CPU's stable sort).
    order = np.lexsort((np.arange(len(p)), -p))[:k]
    probs = p[order]
    cum = np.cumsum(probs)
    last = len(order) - 1
    cut_margin = 1.0
    if 0 < top_p < 1:
        over = np.nonzero(cum > top_p)[0]
        if len(over):
            last = int(over[0])
        cut_margin = np.min(np.abs(cum - top_p))
    kept = cum[last]
    r = coin * kept
    cdf = cum[:last + 1]
    j = int(np.searchsorted(cdf, r, side="right"))
    token = int(order[min(j, last)])
    return token, np.min(np.abs(cdf - r)) / kept, cut_margin


def run_sample(lib, logits, temp, top_p, k, coin):
    """dsc_cuda_sample's token for these logits and settings, with fresh
    scratch (273 lists of 64 candidates, their lengths, 512 floats)."""
    out = np.full(1, -7, np.int32)
    call(lib, "dsc_cuda_sample", logits,
         np.array([temp, top_p, k, coin], np.float32),
         np.zeros(273 * 64, np.float32), np.zeros(273 * 64, np.int32),
         np.zeros(273, np.int32), np.zeros(512, np.float32), out, len(logits))
    return int(out[0])


def sample(lib, rng):
    """Temperatures, top-k from 1 to 64 and top-p on and off, over vocabularies
    smaller than the 256 lanes and TinyLlama's; logits with many ties (the
    order among equal ones is by index) and without."""
    ok = True
    cases = ((32000, 40, 0.95, 0.8, False), (32000, 64, 1.0, 1.0, False),
             (32000, 1, 0.9, 0.7, False), (32000, 40, 0.5, 1.3, True),
             (100, 64, 0.95, 0.8, True), (50, 40, 0.0, 0.8, False),
             (512, 17, 0.95, 2.0, True))
    for n, k, top_p, temp, ties in cases:
        bad = 0
        for _ in range(12):
            while True:  # logits whose top-p cut is clear
                logits = (rng.standard_normal(n) * 3).astype(np.float32)
                if ties:  # a few values, many times each
                    logits = np.round(logits).astype(np.float32)
                if sample_ref(logits, temp, top_p, k, 0.5)[2] > 1e-4:
                    break
            while True:  # and a coin clear of the draw's boundaries
                coin = float(np.float32(rng.random()))
                want, margin, _ = sample_ref(logits, temp, top_p, k, coin)
                if margin > 1e-4:
                    break
            got = run_sample(lib, logits, temp, top_p, k, coin)
            if got != want:
                print("sample n=%d k=%d top-p %g T %g%s: %d, want %d" %
                      (n, k, top_p, temp, " ties" if ties else "", got, want))
                bad += 1
        if bad:
            ok = False
        else:
            print("sample n=%d k=%d top-p %g T %g%s: OK" %
                  (n, k, top_p, temp, " ties" if ties else ""))
    # Logits that are not finite give -1 (the host reports them).
    for bad_value in (np.nan, np.inf, -np.inf):
        logits = rng.standard_normal(1000).astype(np.float32)
        if bad_value == -np.inf:
            logits[:] = -np.inf
        else:
            logits[321] = bad_value
        got = run_sample(lib, logits, 0.8, 0.95, 40, 0.5)
        what = "all -inf" if bad_value == -np.inf else str(bad_value)
        if got != -1:
            print("sample with %s logits: %d, want -1" % (what, got))
            ok = False
        else:
            print("sample with %s logits: -1" % what)
    return ok


def attention(lib, rng):
    """Decode (one row after 12 cached positions) and a prompt block (5 rows
    after 8): each row sees the cache up to its own position only."""
    ok = True
    heads = 8
    # 70 rows after 40: more positions than the 32 lanes that find each
    # row's maximum and sum; and a cache wider than the span (its capacity,
    # as the executables pass) and scores wider still. Head dim 12: lanes
    # 12-31 of each warp have no value to sum; 80: lanes 0-15 sum three,
    # the others two. 600 positions: more than a block of 16 warps' 512
    # threads (88 score two), with 2 and 4 warps too (the partial sums'
    # size gives the kernel its warps). 8 KV heads: one a query head. NaN
    # in the output and the partial sums where no thread writes fails.
    cases = [(32, 12, 1, 0, 16, 2), (32, 8, 5, 0, 16, 2),
             (32, 0, 4, 0, 16, 2), (32, 40, 70, 9, 16, 2),
             (12, 40, 3, 0, 16, 2), (64, 599, 1, 0, 16, 2),
             (80, 30, 2, 0, 16, 8), (32, 40, 70, 9, 2, 2),
             (64, 599, 1, 0, 4, 2)]
    for hd, first, rows, room, warps, kvheads in cases:
        span = first + rows
        # The layer's blocks [kv_head, position, head_dim] (kv_cache.h) of
        # the cache's capacity C; the scores as wide as it, or wider (the
        # kernels take C from the cache, P from the scores).
        C = span + room
        P = C + (5 if room else 0)
        q = rng.standard_normal((rows, heads, hd)).astype(np.float32)
        kc = rng.standard_normal((kvheads, C, hd)).astype(np.float32)
        vc = rng.standard_normal((kvheads, C, hd)).astype(np.float32)
        scale = 1 / np.sqrt(hd)
        out = np.full((rows, heads, hd), np.nan, np.float32)
        call(lib, "dsc_cuda_attention", q, kc, vc,
             np.zeros(rows * heads * P, np.float32),
             np.full(rows * heads * warps * hd, np.nan, np.float32), out,
             np.array([first], np.int64), rows, heads, kvheads, hd,
             float(scale))
        ref = np.zeros((rows, heads, hd))
        for t in range(rows):
            n = first + t + 1
            for h in range(heads):
                kh = h // (heads // kvheads)
                sc = kc[kh, :n, :].astype(np.float64) @ q[t, h] * scale
                p = np.exp(sc - sc.max())
                ref[t, h] = (p / p.sum()) @ vc[kh, :n, :]
        ok &= check("attention%s first %d rows %d%s%s" %
                    ("" if hd == 32 else " head dim %d" % hd, first, rows,
                     "" if warps == 16 else " %d warps" % warps,
                     "" if kvheads == 2 else " %d kv heads" % kvheads),
                    out, ref, 1e-5)
    hd, kvheads = 32, 2
    # The rows' keys and values (each row kv_heads x head_dim) into cache
    # slots 9-11 of 16 of each KV head's [position, head_dim], the rest kept.
    kvdim, first, rows = kvheads * hd, 9, 3
    k = rng.standard_normal((rows, kvdim)).astype(np.float32)
    v = rng.standard_normal((rows, kvdim)).astype(np.float32)
    kc = rng.standard_normal((kvheads, 16, hd)).astype(np.float32)
    vc = rng.standard_normal((kvheads, 16, hd)).astype(np.float32)
    want_k, want_v = kc.copy(), vc.copy()
    want_k[:, first:first + rows] = k.reshape(rows, kvheads, hd).swapaxes(0, 1)
    want_v[:, first:first + rows] = v.reshape(rows, kvheads, hd).swapaxes(0, 1)
    call(lib, "dsc_cuda_kv_store", k, v, kc, vc, np.array([first], np.int64),
         rows, kvheads, hd)
    ok &= check("kv_store", np.concatenate([kc, vc]),
                np.concatenate([want_k, want_v]), 0)
    return ok


def embed(lib, rng):
    """Rows of the embedding table of token ids in device memory."""
    ok = True
    vocab, dim = 50, 96
    tok = np.array([3, 49, 0, 3, 17], np.int32)
    for bits in (8, 4):
        for group in (32, dim):
            w = rng.standard_normal((vocab, dim)).astype(np.float32)
            q, s = quantize(w, bits, group)
            table = q.astype(np.float64) * np.repeat(s, group, axis=1)
            y = np.zeros((len(tok), dim), np.float32)
            data = pack4(q) if bits == 4 else q
            call(lib, "dsc_cuda_embed_q%d" % bits, data, s, tok, y, len(tok),
                 dim, group)
            ok &= check("embed_q%d group %d" % (bits, group), y, table[tok],
                        1e-7)
    for dtype in (np.float32, np.float16):
        w = rng.standard_normal((vocab, dim)).astype(dtype)
        y = np.zeros((len(tok), dim), np.float32)
        name = "embed_f32" if dtype == np.float32 else "embed_f16"
        call(lib, "dsc_cuda_" + name, w.reshape(-1), tok, y, len(tok), dim)
        ok &= check(name, y, w.astype(np.float64)[tok], 0)
    return ok


def matmul(lib, rng):
    """The prompt's matmuls: y [m, n] = x [m, k] @ w [n, k]^T."""
    ok = True
    n, k = 67, 256
    for m in (1, 7, 64):
        x = rng.standard_normal((m, k)).astype(np.float32)
        for bits in (8, 4):
            for group in (32, 128, k):
                w = rng.standard_normal((n, k)).astype(np.float32)
                q, s = quantize(w, bits, group)
                ref = x.astype(np.float64) @ (
                    q.astype(np.float64) * np.repeat(s, group, axis=1)).T
                y = np.zeros((m, n), np.float32)
                data = pack4(q) if bits == 4 else q
                call(lib, "dsc_cuda_matmul_q%d" % bits, data, s, x, y, m, n,
                     k, group)
                ok &= check("matmul_q%d m %d group %d" % (bits, m, group), y,
                            ref, 1e-5)
        for dtype in (np.float32, np.float16):
            w = rng.standard_normal((n, k)).astype(dtype)
            ref = x.astype(np.float64) @ w.astype(np.float64).T
            y = np.zeros((m, n), np.float32)
            name = "matmul_f32" if dtype == np.float32 else "matmul_f16"
            call(lib, "dsc_cuda_" + name, w.reshape(-1), x, y, m, n, k)
            ok &= check("%s m %d" % (name, m), y, ref, 1e-5)
    return ok


def elementwise(lib, rng):
    n = 1000
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    y = np.zeros(n, np.float32)
    call(lib, "dsc_cuda_add", a, b, y, n)
    ok = check("add", y, a.astype(np.float64) + b, 1e-7)
    call(lib, "dsc_cuda_swiglu", a, b, y, n)
    a64 = a.astype(np.float64)
    ok &= check("swiglu", y, a64 / (1 + np.exp(-a64)) * b, 1e-5)
    # RoPE: decode's one row, and a block of 3 rows at positions 17-19; on
    # one buffer (the second untouched: heads2 0), and on two in one launch
    # (q's 6 heads and k's 2).
    dim = 48
    freqs = 1.0 / 10000.0 ** (2 * np.arange(dim // 2) / dim)
    table = np.outer(np.arange(24), freqs)  # [positions, dim / 2]

    def rope_ref(x, rows):
        ang = table[17:17 + rows]
        xr = x.astype(np.float64).reshape(rows, x.shape[1], dim // 2, 2)
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        ref = np.empty_like(xr)
        ref[..., 0] = xr[..., 0] * c - xr[..., 1] * s
        ref[..., 1] = xr[..., 0] * s + xr[..., 1] * c
        return ref.reshape(x.shape)

    for rows in (1, 3):
        for heads2 in (0, 2):
            x = rng.standard_normal((rows, 6, dim)).astype(np.float32)
            x2 = rng.standard_normal((rows, max(heads2, 1), dim)).astype(
                np.float32)
            want2 = rope_ref(x2, rows) if heads2 else x2.astype(np.float64)
            want = rope_ref(x, rows)
            call(lib, "dsc_cuda_rope", x, x2, np.cos(table).astype(np.float32),
                 np.sin(table).astype(np.float32), np.array([17], np.int64),
                 rows, 6, heads2, dim)
            name = "rope rows %d" % rows + (" and k" if heads2 else "")
            ok &= check(name, np.concatenate([x.ravel(), x2.ravel()]),
                        np.concatenate([want.ravel(), want2.ravel()]), 1e-6)
        # With the cache store (rope_kv): q's 6 heads and k's 2 rotated,
        # and the rotated keys and the values v stored into the layer's
        # blocks kc and vc ([kv_heads, 24 positions, dim]) at positions
        # 17..; the other slots keep their values.
        x = rng.standard_normal((rows, 6, dim)).astype(np.float32)
        k = rng.standard_normal((rows, 2, dim)).astype(np.float32)
        v = rng.standard_normal((rows, 2, dim)).astype(np.float32)
        kc = rng.standard_normal((2, 24, dim)).astype(np.float32)
        vc = rng.standard_normal((2, 24, dim)).astype(np.float32)
        want, wantk = rope_ref(x, rows), rope_ref(k, rows)
        wantkc, wantvc = kc.astype(np.float64), vc.astype(np.float64)
        wantkc[:, 17:17 + rows] = wantk.swapaxes(0, 1)
        wantvc[:, 17:17 + rows] = v.swapaxes(0, 1)
        call(lib, "dsc_cuda_rope_kv", x, k, np.cos(table).astype(np.float32),
             np.sin(table).astype(np.float32), np.array([17], np.int64),
             rows, 6, 2, dim, v, kc, vc)
        ok &= check("rope_kv rows %d" % rows,
                    np.concatenate([x.ravel(), k.ravel(), kc.ravel(),
                                    vc.ravel()]),
                    np.concatenate([want.ravel(), wantk.ravel(),
                                    wantkc.ravel(), wantvc.ravel()]), 1e-6)
    return ok


def gemm_f16(lib, rng):
    """Tensor cores (mma.sync): on a GPU, or the fake driver's emulation
    (--device; no cpu form)."""
    m, n, k = 48, 40, 96
    x = rng.standard_normal((m, k)).astype(np.float16)
    w = rng.standard_normal((n, k)).astype(np.float16)
    y = np.zeros((m, n), np.float32)
    call(lib, "dsc_cuda_gemm_f16", x, w, y, m, n, k)
    return check("gemm_f16", y, x.astype(np.float64) @ w.T.astype(np.float64),
                 1e-5)


def gemm(lib, rng):
    """Prefill's tensor-core GEMMs (mma.sync; --device): y [m, n] = x [m, k]
    rounded to f16 @ w [n, k]^T, w F16, or int8 / int4 with scales per
    group; m not a multiple of 16, and rows past m (a sentinel) untouched."""
    ok = True
    n, k = 40, 96
    for m in (1, 7, 40):
        x = rng.standard_normal((m, k)).astype(np.float32)
        # Values past f16's range are clamped to it, not infinite.
        x[0, :3] = (1e5, -3e5, 65520.0)
        x16 = np.clip(x, -65504, 65504).astype(np.float16).astype(np.float64)
        cases = [("wf16", None, 16)] + [("q%d" % b, b, g)
                                         for b in (8, 4) for g in (16, 32, k)]
        for name, bits, group in cases:
            w = rng.standard_normal((n, k)).astype(np.float32)
            if bits is None:
                w16 = w.astype(np.float16)
                ref = x16 @ w16.astype(np.float64).T
                args = [w16.reshape(-1)]
            else:
                q, sc = quantize(w, bits, group)
                ref = x16 @ (q.astype(np.float64) *
                             np.repeat(sc, group, axis=1)).T
                args = [pack4(q) if bits == 4 else q.reshape(-1), sc]
            y = np.full((m + 16, n), 7.0, np.float32)
            extra = [group] if bits else []
            call(lib, "dsc_cuda_gemm_" + name, *args, x, y.reshape(-1), m, n,
                 k, *extra)
            label = "gemm_%s m %d" % (name, m) + (
                " group %d" % group if bits else "")
            ok &= check(label, y[:m], ref, 1e-5)
            if not np.all(y[m:] == 7.0):
                print("%s: wrote rows past m" % label)
                ok = False
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lib")
    p.add_argument("kernel", choices=["gemv_q8", "gemv_q4", "gemv_float",
                                      "rms_norm",
                                      "argmax", "sample", "attention",
                                      "elementwise",
                                      "matmul", "embed",
                                      "gemm_f16", "gemm"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", action="store_true")
    p.add_argument("--scales", choices=["f16", "f32"], default="f16")
    a = p.parse_args()
    global DEVICE, SCALES
    SCALES = np.float16 if a.scales == "f16" else np.float32
    lib = ctypes.CDLL(a.lib)
    if a.device:
        DEVICE = lib
        if device_error():  # a module LIB.so registers failed
            sys.exit("device: " + device_error())
    rng = np.random.default_rng(a.seed)
    tests = {
        "gemv_q8": lambda: gemv(lib, rng, 8),
        "gemv_q4": lambda: gemv(lib, rng, 4),
        "gemv_float": lambda: gemv_float(lib, rng),
        "rms_norm": lambda: rms_norm(lib, rng),
        "argmax": lambda: argmax(lib, rng),
        "sample": lambda: sample(lib, rng),
        "attention": lambda: attention(lib, rng),
        "elementwise": lambda: elementwise(lib, rng),
        "matmul": lambda: matmul(lib, rng),
        "embed": lambda: embed(lib, rng),
        "gemm_f16": lambda: gemm_f16(lib, rng),
        "gemm": lambda: gemm(lib, rng),
    }
    sys.exit(0 if tests[a.kernel]() else 1)


if __name__ == "__main__":
    main()
