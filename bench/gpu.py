#!/usr/bin/env python3
"""The CUDA targets on a machine with an NVIDIA GPU (docs/cuda.md).

  gpu.py [--build DIR] [--out FILE] [--shared DIR] [--layers N] [--chip C]
  gpu.py prepare BUNDLE [--build DIR] [--shared DIR] [--layers N] [--chip C]
  gpu.py run BUNDLE [--out FILE]

With no phase it does both, in a temporary folder, on a machine that has
the GPU and a built dsc. Split, `prepare` does every dsc, LLVM and CPU step
on the build machine and writes BUNDLE (tens of MB), and `run` needs only
the NVIDIA driver (libcuda.so.1), python3 with numpy and the bundle: a
GPU machine with no LLVM checks what the build machine compiled
(scripts/gpu-check.sh). `run` writes the figures to --out (default
gpu-check.txt) and prints them:

  1. the GPU, its peak memory bandwidth (memory clock x bus width), and
     whether it runs the chip the bundle was compiled for (--chip, default
     sm_90: --target cuda-sm90);
  2. every kernel source run on the GPU against numpy: the host side from
     `dsc-cuda-lower format=host`, linked with runtime/cuda/driver.c;
  3. the kernels' speed at the TinyLlama-1.1B shapes: one decode token's
     weight matrices through the int8 and int4 GEMVs (group 32), as GB/s,
     a fraction of the peak, and the decode tokens/s that bounds; the F16
     GEMM (mma.sync) for a 128-token prefill, as TFLOP/s and tokens/s, and
     the forward pass's tensor-core GEMMs (F16, int8, int4 weights) for a
     64-row prompt block;
  4. stories260K compiled for the GPU (the forward pass on the GPU) against
     the portable CPU target (x86_64, which computes the same function,
     run by `prepare`), F32, int8 and int4: the same greedy text, and the
     same sampled text for a seed (drawn on the device, top-k 40); the
     logits of generated F16, int8 and int4 checkpoints built for the GPU
     against the numpy reference (test/lib/check_logits.py), exact and
     with the prompt on tensor cores (--prefill-precision f16);
  5. end to end at the TinyLlama-1.1B shape for F16, int8 and int4: decode
     tokens/s and its fraction of the memory bandwidth, prefill tokens/s
     (blocks of 64 positions through the matmuls, docs/cuda.md); and F16
     and int4 built with --prefill-precision f16: prefill on tensor cores.

Exit status 1 when a check fails. The TinyLlama-shaped checkpoint's
matrices repeat one random row (each matrix its own row): the GPU reads
every byte as it would of any weights, and the weights files, packed with
lzma, travel in a few MB instead of 4 GB (`prepare` compiles it three times
on the CPU first: minutes; --layers N shortens it, the tokens/s then are
not TinyLlama's). The runs pass --ignore-eos, so every run decodes its 256
tokens whatever the weights pick.
"""
import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import check_cuda_kernels as ck  # noqa: E402

LLVM = "/usr/lib/llvm-22/bin"
KERNELS = ["gemv_q8", "gemv_q4", "gemv_float", "matmul", "rms_norm", "argmax",
           "sample", "attention", "elementwise", "gemm_f16", "gemm"]
# TinyLlama-1.1B: dim 2048, hidden 5632, 22 layers, 4 KV heads of 64.
DIM, HIDDEN, LAYERS, KV, VOCAB = 2048, 5632, 22, 256, 32000

out_lines = []


def say(line=""):
    print(line, flush=True)
    out_lines.append(line)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def gpu_info():
    try:
        cu = ctypes.CDLL("libcuda.so.1")
    except OSError as e:
        sys.exit("gpu.py: cannot load the NVIDIA driver: %s (this check "
                 "needs an NVIDIA GPU and its driver)" % e)
    dev, v = ctypes.c_int(), ctypes.c_int()
    if cu.cuInit(0) or cu.cuDeviceGet(ctypes.byref(dev), 0):
        sys.exit("cuInit/cuDeviceGet failed: no usable GPU")
    name = ctypes.create_string_buffer(128)
    cu.cuDeviceGetName(name, 128, dev)

    def attr(a):
        cu.cuDeviceGetAttribute(ctypes.byref(v), a, dev)
        return v.value
    mem = ctypes.c_size_t()
    cu.cuDeviceTotalMem_v2(ctypes.byref(mem), dev)
    cc = "%d.%d" % (attr(75), attr(76))
    clock_khz, bus_bits = attr(36), attr(37)
    # DDR: two transfers a clock. (test/lib/fake_cuda.c, which runs this
    # script's steps on the host, knows no clock.)
    peak = 2 * clock_khz * 1e3 * bus_bits / 8 or float("nan")
    say("GPU: %s, compute capability %s, %.1f GiB, %d SMs" %
        (name.value.decode(), cc, mem.value / 2**30, attr(16)))
    say("peak memory bandwidth: %.0f GB/s (memory clock %d MHz x %d-bit bus)"
        % (peak / 1e9, clock_khz // 1000, bus_bits))
    return cc, peak


def build_kernel(opt, kernel, chip, ptx, work):
    mlir = os.path.join(work, kernel + ".host.mlir")
    ll = os.path.join(work, kernel + ".host.ll")
    so = os.path.join(work, kernel + ".host.so")
    # dsc-cuda-lower gives the kernels a source declares (the residual add,
    # SwiGLU, RMSNorm, RoPE, attention's softmax, the KV-cache store, float
    # embeddings) their bodies from the CPU path's lowering
    # (dsc-gpu-derive-kernels) first.
    run([opt, os.path.join(ROOT, "targets", "cuda", "kernels", kernel + ".mlir"),
         "--dsc-cuda-lower=chip=%s features=%s format=host" % (chip, ptx),
         "-o", mlir])
    run([os.path.join(LLVM, "mlir-translate"), "--mlir-to-llvmir", mlir, "-o", ll])
    run([os.path.join(LLVM, "clang"), "-shared", "-fPIC", "-O2", "-w", ll,
         os.path.join(ROOT, "runtime", "cuda", "driver.c"),
         "-I" + os.path.join(ROOT, "runtime"), "-ldl", "-o", so])
    return so


def device_buffer(lib, a):
    ref, p = ck.to_device(a)
    return ref


def timed(f, reps):
    f()  # warm-up (module load, first launch)
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def bench_gemv(lib, bits, peak, mode):
    """One decode token's matrices: those reading dim columns stacked into
    one GEMV, and the FFN down projections (hidden columns) into another;
    through the GEMV reading a value (F16) or byte a lane (`mode` ""), a
    32-bit word ("w") or a 16-byte vector, four rows a block ("v")."""
    group = 32
    shapes = [(LAYERS * (DIM + 2 * KV + DIM + 2 * HIDDEN) + VOCAB, DIM),
              (LAYERS * DIM, HIDDEN)]
    calls, nbytes = [], 0
    for n, k in shapes:
        qbytes = n * k * bits // 8
        q = np.resize((np.arange(251) - 125).astype(np.int8), qbytes)
        if bits == 16:
            q = np.full(n * k, 0.01, np.float16)
        if mode == "w" or (mode == "v" and bits != 16):
            q = q.view(np.int32)
        # F16 has no scales (and the GEMV no group argument); the kernels
        # are built for f16 scales (dsc-cuda-lower's default, as a model
        # with dsc's default schemes gets them).
        s = np.full(n * (k // group), 0.01, np.float16)
        # The 16-byte kernels take a residual (not read: radd 0).
        res = (np.zeros(n, np.float32),) if mode == "v" else ()
        arrays = ((q, s) if bits != 16 else (q,)) + (
            np.ones(k, np.float32),) + res + (np.zeros(n, np.float32),)
        bufs = [device_buffer(lib, a) for a in arrays]
        nbytes += qbytes + (s.nbytes if bits != 16 else 0)
        name = "f16" if bits == 16 else "q%d" % bits
        fn = getattr(lib, "_mlir_ciface_dsc_cuda_gemv_%s%s" % (name, mode))
        extra = ([ctypes.c_int64(group)] if bits != 16 else []) + (
            [ctypes.c_int64(0)] if mode == "v" else [])
        calls.append(lambda fn=fn, b=bufs, n=n, k=k, e=extra: fn(
            *b, ctypes.c_int64(n), ctypes.c_int64(k), *e))
    t = timed(lambda: [c() for c in calls], 10)
    if ck.device_error():
        raise RuntimeError("device: " + ck.device_error())
    read = {"": "a value a lane" if bits == 16 else "a byte a lane",
            "w": "a word a lane", "v": "16 bytes a lane, 4 rows a block"}[mode]
    say("decode GEMV %s (%s), TinyLlama-1.1B weights "
        "of one token (%.0f MB): %.3f ms, %.0f GB/s = %.0f%% of peak, bounds "
        "decode at %.0f tokens/s" % ("F16" if bits == 16 else
                                     "int%d (group 32)" % bits, read,
                                     nbytes / 1e6, t * 1e3, nbytes / t / 1e9,
                                     100 * nbytes / t / peak, 1 / t))


def bench_gemm(lib):
    m, k = 128, DIM
    n = LAYERS * (DIM + 2 * KV + DIM + 2 * HIDDEN) // 8 * 8
    x = np.ones((m, k), np.float16)
    w = np.full((n, k), 0.01, np.float16)
    bufs = [device_buffer(lib, a) for a in (x, w, np.zeros((m, n), np.float32))]
    fn = lib._mlir_ciface_dsc_cuda_gemm_f16
    t = timed(lambda: fn(*bufs, ctypes.c_int64(m), ctypes.c_int64(n),
                         ctypes.c_int64(k)), 5)
    if ck.device_error():
        raise RuntimeError("device: " + ck.device_error())
    say("prefill GEMM f16 (mma.sync), 128 tokens x the TinyLlama matrices "
        "reading dim columns (%d x %d): %.2f ms, %.1f TFLOP/s" %
        (n, k, t * 1e3, 2 * m * n * k / t / 1e12))


def bench_prefill_gemm(lib):
    """The forward pass's tensor-core GEMMs (gemm.mlir, --prefill-precision
    f16) for a prompt block of 64 rows (DSC_CUDA_BLOCK) against the
    TinyLlama matrices reading dim columns: f32 x rounded to f16, F16,
    int8 and int4 (group 32) weights."""
    m, k, group = 64, DIM, 32
    n = LAYERS * (DIM + 2 * KV + DIM + 2 * HIDDEN) // 8 * 8
    x = np.ones((m, k), np.float32)
    y = np.zeros((m, n), np.float32)
    for name in ("wf16", "q8", "q4"):
        if name == "wf16":
            ws = (np.full(n * k, 0.01, np.float16),)
        else:
            q = np.resize((np.arange(15) - 7).astype(np.int8),
                          n * k // (2 if name == "q4" else 1))
            ws = (q, np.full(n * (k // group), 0.01, np.float16))
        bufs = [device_buffer(lib, a) for a in ws + (x, y)]
        fn = getattr(lib, "_mlir_ciface_dsc_cuda_gemm_" + name)
        extra = [] if name == "wf16" else [ctypes.c_int64(group)]
        t = timed(lambda: fn(*bufs, ctypes.c_int64(m), ctypes.c_int64(n),
                             ctypes.c_int64(k), *extra), 5)
        if ck.device_error():
            raise RuntimeError("device: " + ck.device_error())
        say("prefill GEMM %s (mma.sync, the forward pass's), 64 rows x %d x "
            "%d: %.2f ms, %.1f TFLOP/s" %
            (name, n, k, t * 1e3, 2 * m * n * k / t / 1e12))


def build_kernels(opt, chip, ptx, bundle):
    """prepare: every kernel source's host library, for the chip."""
    with tempfile.TemporaryDirectory() as work:
        for k in KERNELS:
            so = build_kernel(opt, k, chip, ptx, work)
            os.replace(so, os.path.join(bundle, k + ".host.so"))


def check_kernels(bundle):
    """run: every kernel source on the GPU against numpy."""
    say("\n== kernels on the GPU against numpy")
    ok = True
    for k in KERNELS:
        so = os.path.join(bundle, k + ".host.so")
        r = subprocess.run([sys.executable, os.path.join(
            ROOT, "test", "lib", "check_cuda_kernels.py"), so, k, "--device"],
            capture_output=True, text=True, timeout=120)
        for line in (r.stdout + r.stderr).strip().splitlines():
            say("  " + line)
        ok &= r.returncode == 0
    return ok


def bench_norm_apart(lib):
    """The RMSNorm kernel decode launches where no GEMV kernel computes the
    norm (one row of DIM), and one of a row of 4 values: the floor of a
    synchronous call (launch and synchronization)."""
    i64 = ctypes.c_int64
    fn = lib._mlir_ciface_dsc_cuda_rms_norm_v
    for dim in (DIM, 4):
        bufs = [device_buffer(lib, a) for a in (
            np.ones(dim, np.float32), np.ones(dim, np.float32),
            np.zeros(dim, np.float32))]
        t = timed(lambda b=bufs, d=dim: fn(*b, i64(1), i64(d),
                                           ctypes.c_float(1e-5)), 20)
        if ck.device_error():
            raise RuntimeError("device: " + ck.device_error())
        say("RMSNorm of one row of %d, a synchronous call: %.1f us" %
            (dim, t * 1e6))


def bench_attention(lib):
    """One layer's attention at the TinyLlama shape (32 heads of 64, 4 KV
    heads): decode (one query row) after 128, 512 and 2048 cached
    positions, and a prompt block of 64 rows from 0; a synchronous call
    each (the kernel, its blocks of DSC_CUDA_ATTN_WARPS warps, and the
    launch's floor, which bench_norm_apart's 4-value norm shows)."""
    i64 = ctypes.c_int64
    heads, kvheads, hd, warps = 32, 4, 64, 16
    fn = lib._mlir_ciface_dsc_cuda_attention
    for first, rows in ((127, 1), (511, 1), (2047, 1), (0, 64)):
        C = max(first + rows, 2048)
        arrays = (np.ones(rows * heads * hd, np.float32),
                  np.full(kvheads * C * hd, 0.01, np.float32),
                  np.ones(kvheads * C * hd, np.float32),
                  np.zeros(rows * heads * C, np.float32),
                  np.zeros(rows * heads * warps * hd, np.float32),
                  np.zeros(rows * heads * hd, np.float32),
                  np.array([first], np.int64))
        bufs = [device_buffer(lib, a) for a in arrays]
        t = timed(lambda b=bufs, r=rows: fn(
            *b, i64(r), i64(heads), i64(kvheads), i64(hd),
            ctypes.c_float(0.125)), 20)
        if ck.device_error():
            raise RuntimeError("device: " + ck.device_error())
        say("attention, %d row(s) after %d positions, one layer, a "
            "synchronous call: %.1f us" % (rows, first, t * 1e6))


def bench_norm_fused(lib, bits):
    """q, k and v (gemv_*v3), gate and up with SwiGLU (gemv_*v_swiglu) and
    the classifier of one token at the TinyLlama shapes, each without the norm (norm 0:
    the norm launched apart, above) and with it (norm 1: each warp also
    reads the norm's weight and sums x's squares), a synchronous call each.
    The fusion pays where the difference is below the norm's own call."""
    i64 = ctypes.c_int64
    group = 32
    name = "f16" if bits == 16 else "q%d" % bits

    def weight(n):
        if bits == 16:
            return (np.full(n * DIM, 0.01, np.float16),)
        q = np.resize((np.arange(251) - 125).astype(np.int8),
                      n * DIM * bits // 8).view(np.int32)
        return (q, np.full(n * (DIM // group), 0.01, np.float16))

    x = np.ones(DIM, np.float32)
    tail = [i64(group)] if bits != 16 else []
    # The weights' rows, the outputs' rows.
    for kernel, wrows, rows in (("v3", (DIM, KV, KV), (DIM, KV, KV)),
                                ("v_swiglu", (HIDDEN, HIDDEN), (HIDDEN,))):
        arrays = sum((weight(n) for n in wrows), ()) + (x, x) + tuple(
            np.zeros(n, np.float32) for n in rows)
        bufs = [device_buffer(lib, a) for a in arrays]
        fn = getattr(lib, "_mlir_ciface_dsc_cuda_gemv_%s%s" % (name, kernel))
        times = []
        for norm in (0, 1):
            times.append(timed(lambda b=bufs, m=norm: fn(
                *b, *[i64(n) for n in rows], i64(DIM), *tail,
                ctypes.c_float(1e-5), i64(m)), 20))
        if ck.device_error():
            raise RuntimeError("device: " + ck.device_error())
        say("%s %s, one token: %.1f us without the norm, %.1f us with it" %
            (name, kernel, times[0] * 1e6, times[1] * 1e6))
    # The classifier after the final norm: the v3 kernel given one weight
    # (thrice, the second and third of no rows), beside the one-weight
    # GEMV that runs it without the norm.
    w = weight(VOCAB)
    y = np.zeros(VOCAB, np.float32)
    wbufs = [device_buffer(lib, a) for a in w]
    xb, yb = device_buffer(lib, x), device_buffer(lib, y)
    v3 = getattr(lib, "_mlir_ciface_dsc_cuda_gemv_%sv3" % name)
    v = getattr(lib, "_mlir_ciface_dsc_cuda_gemv_%sv" % name)
    plain = timed(lambda: v(*wbufs, xb, yb, yb, i64(VOCAB), i64(DIM), *tail,
                            i64(0)), 20)
    normed = timed(lambda: v3(*(wbufs * 3), xb, xb, yb, yb, yb, i64(VOCAB),
                              i64(0), i64(0), i64(DIM), *tail,
                              ctypes.c_float(1e-5), i64(1)), 20)
    if ck.device_error():
        raise RuntimeError("device: " + ck.device_error())
    say("%s the classifier, one token: %.1f us without the norm (gemv_%sv), "
        "%.1f us with it (gemv_%sv3, one weight)" %
        (name, plain * 1e6, name, normed * 1e6, name))


def bench_kernels(bundle, peak):
    say("\n== kernel speed at the TinyLlama-1.1B shapes")
    ok = True
    for k in ("gemv_q8", "gemv_q4", "gemv_float", "rms_norm", "attention",
              "gemm_f16", "gemm"):
        lib = ctypes.CDLL(os.path.join(bundle, k + ".host.so"))
        ck.DEVICE = lib
        try:
            if k == "gemm_f16":
                bench_gemm(lib)
            elif k == "gemm":
                bench_prefill_gemm(lib)
            elif k == "rms_norm":
                bench_norm_apart(lib)
            elif k == "attention":
                bench_attention(lib)
            else:
                bits = 16 if k == "gemv_float" else int(k[-1])
                for mode in ("", "w", "v"):
                    bench_gemv(lib, bits, peak, mode)
                bench_norm_fused(lib, bits)
        except RuntimeError as e:
            say("  %s: %s" % (k, e))
            ok = False
    return ok


SCHEMES = (("none", []), ("int8", ["--quantize", "int8:channel"]),
           ("int4", ["--quantize", "int4:group=32"]))
LOGITS = (("F16", ["--dtype", "f16"]), ("int8", ["--quantize", "int8:channel"]),
          ("int4", ["--quantize", "int4:group=32"]),
          # The prompt on tensor cores (--prefill-precision f16): the
          # reference rounds those rows to f16; 3e-4 as fake-driver.test.
          ("F16-tc", ["--dtype", "f16", "--prefill-f16", "yes", "--tol",
                      "3e-4"]),
          ("int8-tc", ["--quantize", "int8:channel", "--prefill-f16", "yes",
                       "--tol", "3e-4"]),
          ("int4-tc", ["--quantize", "int4:group=32", "--prefill-f16", "yes",
                       "--tol", "3e-4"]))
PROMPT = ["-p", "Once upon a time", "-n", "200"]
SAMPLED = ["--temp", "0.8", "-s", "7"]
GREEDY = ["--temp", "0"]


def logits_args(bundle, name, extra):
    # (check_logits.py takes the last --tol given.)
    return ["hf", "--target", TARGET, "--tol", "1e-4",
            "--exe", os.path.join(bundle, "logits-" + name)] + extra


def prepare_model(dsc, shared, bundle):
    """prepare: stories260K built for the GPU, and the CPU build's texts;
    the generated checkpoints of the logits check built for the GPU."""
    model = os.path.join(shared, "models", "stories260K", "hf")
    cpu = os.path.join(bundle, "story-cpu")
    for scheme, flags in SCHEMES:
        run([dsc, "compile", model, "--target", TARGET, "-o",
             os.path.join(bundle, "story-" + scheme), "--quiet"] + flags)
        # x86_64 computes what the GPU does (f32 activations); the AVX2 and
        # AVX-512 builds quantize activations to int8 (docs/cuda.md).
        run([dsc, "compile", model, "--target", "x86_64", "-o", cpu,
             "--quiet"] + flags)
        for kind, args in (("greedy", GREEDY), ("sampled", SAMPLED)):
            with open(os.path.join(bundle, "story-%s.%s.txt" % (scheme, kind)),
                      "w") as f:
                f.write(run([cpu] + PROMPT + args).stdout)
        os.remove(cpu)
    checker = os.path.join(ROOT, "test", "lib", "check_logits.py")
    with tempfile.TemporaryDirectory() as work:
        for name, extra in LOGITS:
            run([sys.executable, checker, dsc, os.path.join(work, name)]
                + logits_args(bundle, name, extra) + ["--compile-only"])


def check_model(bundle):
    """run: stories260K and generated checkpoints built for the GPU, the
    forward pass on the GPU."""
    ok = True
    say("\n== stories260K: %s (forward pass on the GPU) against the portable "
        "CPU build (x86_64)" % TARGET)
    for scheme, _ in SCHEMES:
        exe = os.path.join(bundle, "story-" + scheme)
        for kind, args in (("greedy", GREEDY), ("sampled", SAMPLED)):
            r = subprocess.run([exe] + PROMPT + args, capture_output=True,
                               text=True, timeout=120)
            if kind == "greedy":
                for line in r.stderr.splitlines():
                    if "note:" in line or "error" in line:
                        say("  %s: %s" % (scheme, line))
                if "the forward pass runs on" not in r.stderr or \
                        "runs on the CPU" in r.stderr:
                    say("  %s: the forward pass did NOT run on the GPU" % scheme)
                    ok = False
            if r.returncode:
                say("  %s %s: exit %d: %s" % (scheme, kind, r.returncode,
                                              r.stderr.strip()[-400:]))
                ok = False
            with open(os.path.join(bundle, "story-%s.%s.txt" %
                                   (scheme, kind))) as f:
                want = f.read()
            same = r.stdout == want
            # The device's draw reads the host's coin; sampled texts part
            # only where a coin falls within float rounding of a boundary.
            say("  %s: %s text (200 tokens%s) of the GPU build %s the CPU "
                "build's" % (scheme, kind, ", seed 7" if kind == "sampled"
                             else "", "equals" if same else "DIFFERS FROM"))
            if not same:
                say("    GPU: %r\n    CPU: %r" % (r.stdout[:300], want[:300]))
            ok &= same

    say("\n== logits of %s builds against the numpy reference" % TARGET)
    checker = os.path.join(ROOT, "test", "lib", "check_logits.py")
    with tempfile.TemporaryDirectory() as work:
        for name, extra in LOGITS:
            r = subprocess.run([sys.executable, checker, "-",
                                os.path.join(work, name)]
                               + logits_args(bundle, name, extra),
                               capture_output=True, text=True, timeout=300)
            # The error, the exact reference's distance (-tc), the verdict.
            last = ((r.stdout + r.stderr).strip().splitlines()
                    or ["(no output)"])[-3 if name.endswith("-tc") else -2:]
            say("  %s: %s" % (name, " | ".join(last)))
            ok &= r.returncode == 0 and "PASS" in r.stdout
    return ok


def tok_per_s(stderr, what):
    """The tokens/s the executable reports for `what` ("generation" or
    "evaluated")."""
    for line in stderr.splitlines():
        words = line.replace("|", " ").split()
        if what in words:
            k = words.index(what)
            for i in range(k, len(words) - 1):
                if words[i + 1] == "tok/s":
                    return float(words[i])
    return None


TINY = (("F16", [], 2.0), ("int8", ["--quantize", "int8:channel"], 1.0),
        ("int4", ["--quantize", "int4:group=32"], 1.0),
        # A prompt's matmuls on tensor cores (gemm.mlir): prefill measured
        # (decode is the same kernels as above), beside the exact builds.
        ("F16-tc", ["--prefill-precision", "f16"], 2.0),
        ("int4-tc", ["--quantize", "int4:group=32", "--prefill-precision",
                     "f16"], 1.0))
CHUNK = 256 << 20  # bytes of a weights file packed apart (unpacked in parallel)


def pack(path, chunk):
    """lzma packs one chunk of `path` (its index) into path.<index>.xz."""
    import lzma
    with open(path, "rb") as f:
        f.seek(chunk * CHUNK)
        data = f.read(CHUNK)
    with open("%s.%03d.xz" % (path, chunk), "wb") as f:
        f.write(lzma.compress(data, preset=1))


def unpack(path, chunk):
    import lzma
    with open("%s.%03d.xz" % (path, chunk), "rb") as f:
        return lzma.decompress(f.read())


def repeated_weights(c):
    """The canonical weights at config c with each matrix one random row
    repeated (gen_checkpoint.make_weights' repeat_rows; the classifier's
    rows nearly so): what the GPU reads costs the same as for any weights,
    and lzma packs the files."""
    import gen_checkpoint
    w = gen_checkpoint.make_weights(c, repeat_rows=True)
    # The classifier's rows differ in one value each, so that the logits
    # do (the executables refuse logits that are all equal as corrupted
    # weights).
    out = np.array(w["output"])
    rows = np.arange(c["vocab"])
    out[rows, rows % c["dim"]] += 0.01 * (1 + rows % 97)
    w["output"] = out
    return w


def prepare_tinyllama(dsc, bundle):
    """prepare: the TinyLlama-shaped checkpoint (F16) built for the GPU as
    is and quantized to int8 and int4 (round to nearest: no calibration),
    with the weights in files beside the executables, lzma-packed."""
    sys.path.insert(0, os.path.join(ROOT, "test", "gen"))
    import gen_checkpoint
    from concurrent.futures import ProcessPoolExecutor
    np.random.RandomState(1).randint(3, VOCAB, 128).astype(np.int32).tofile(
        os.path.join(bundle, "prefill.bin"))
    with tempfile.TemporaryDirectory() as work:
        ckpt = os.path.join(work, "tinyllama")
        a = gen_checkpoint.parse_args(
            ["hf", ckpt, "--dim", str(DIM), "--hidden", str(HIDDEN),
             "--layers", str(LAYERS), "--heads", "32", "--kv-heads",
             str(KV // 64), "--vocab", str(VOCAB), "--seq-len", "2048",
             "--untied", "--dtype", "f16"])
        c = gen_checkpoint.config_of(a)
        gen_checkpoint.write_hf(ckpt, c, repeated_weights(c))
        for name, flags, _ in TINY:
            exe = os.path.join(bundle, "tinyllama-" + name)
            print("prepare: compiling %s" % exe, flush=True)
            run([dsc, "compile", ckpt, "--target", TARGET,
                 "--weights=external", "-o", exe, "--quiet"] + flags)
            w = exe + ".dscw"
            n = (os.path.getsize(w) + CHUNK - 1) // CHUNK
            with ProcessPoolExecutor() as pool:
                list(pool.map(pack, [w] * n, range(n)))
            with open(w + ".size", "w") as f:
                f.write("%d %d\n" % (os.path.getsize(w), n))
            os.remove(w)


def bench_tinyllama(bundle, peak):
    """run: end to end on the GPU at the TinyLlama-1.1B shape: decode
    tokens/s (greedy, 256 tokens), its share of the memory bandwidth (the
    bytes of the weights every token reads: the payload less the embedding
    table, of which one row is read), and prefill tokens/s (128 positions
    of --eval-tokens: two blocks of 64 through the matmuls)."""
    from concurrent.futures import ProcessPoolExecutor
    say("\n== end to end at the TinyLlama-1.1B shape, forward pass on the GPU")
    ok = True
    toks = os.path.join(bundle, "prefill.bin")
    gen = ["-n", "256", "--ignore-eos"]
    for name, _, table in TINY:
        exe = os.path.join(bundle, "tinyllama-" + name)
        w = exe + ".dscw"
        with open(w + ".size") as f:
            size, n = map(int, f.read().split())
        t = time.perf_counter()
        with open(w, "wb") as f, ProcessPoolExecutor() as pool:
            for part in pool.map(unpack, [w] * n, range(n)):
                f.write(part)
        if os.path.getsize(w) != size:
            say("  %s: the weights file unpacked to %d bytes, not %d" %
                (name, os.path.getsize(w), size))
            ok = False
            continue
        print("unpacked %s (%.1f GB) in %.1f s" %
              (w, size / 1e9, time.perf_counter() - t), flush=True)
        weights = size - table * VOCAB * DIM

        def go(args, env=None):
            r = subprocess.run([exe] + args, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, timeout=180,
                               env=dict(os.environ, **(env or {})))
            if r.returncode or "the forward pass runs on" not in r.stderr or \
                    "runs on the CPU" in r.stderr:
                say("  %s %s: exit %d: %s" % (name, " ".join(args),
                                              r.returncode, r.stderr[-400:]))
                return None
            return r.stderr

        dec, pre = [], []
        for i in range(REPS):
            t = time.perf_counter()
            e = go(gen + ["--temp", "0"] + (["--verbose"] if i == 0 else []))
            if i == 0 and e:
                # The weights' copy to the device (the note's time), the
                # load and the run's whole time.
                for line in e.strip().splitlines():
                    say("    " + line.split(": ", 1)[-1])
                say("    the whole run: %.2f s" % (time.perf_counter() - t))
            dec.append(tok_per_s(e or "", "generation") or 0.0)
            e = go(["--eval-tokens", toks, "--dump-logits",
                    os.path.join(bundle, "logits.bin")])
            pre.append(tok_per_s(e or "", "tokens") or 0.0)
        if name.endswith("-tc"):
            ok &= min(dec + pre) > 0
            say("  %s: prefill on tensor cores %.1f tokens/s, decode %.1f "
                "(medians of %d: prefill %s, decode %s)" %
                (name, statistics.median(pre), statistics.median(dec), REPS,
                 " ".join("%.1f" % x for x in pre),
                 " ".join("%.1f" % x for x in dec)))
            os.remove(w)
            continue
        # The decode step launched kernel by kernel, not as a graph; and
        # sampled (temperature 0.8, top-k 40): the draw on the device.
        e = go(gen + ["--temp", "0"], {"DSC_CUDA_GRAPH": "0"})
        nograph = tok_per_s(e or "", "generation") or 0.0
        e = go(gen + ["--temp", "0.8", "-s", "1"])
        samp = tok_per_s(e or "", "generation") or 0.0
        # Where a decode step's time goes: each step kind timed with the
        # stream synchronized after it (DSC_CUDA_PROFILE; the latency of a
        # launch and a synchronization is in every figure).
        e = go(["-n", "64", "--ignore-eos", "--temp", "0"],
               {"DSC_CUDA_PROFILE": "1"})
        for line in (e or "").splitlines():
            if line.startswith("profile: "):
                say("    " + line)
        ok &= min(dec + pre + [nograph, samp]) > 0
        d, p = statistics.median(dec), statistics.median(pre)
        say("  %s: decode %.1f tokens/s (%.0f MB of weights a token: %.0f GB/s "
            "= %.0f%% of peak; %.1f tokens/s without the CUDA graph, %.1f "
            "sampled), prefill %.1f tokens/s (median of %d: decode %s, "
            "prefill %s)" %
            (name, d, weights / 1e6, d * weights / 1e9,
             100 * d * weights / peak, nograph, samp, p, REPS,
             " ".join("%.1f" % x for x in dec),
             " ".join("%.1f" % x for x in pre)))
        os.remove(w)
    if os.path.exists(os.path.join(bundle, "logits.bin")):
        os.remove(os.path.join(bundle, "logits.bin"))
    return ok


CHIPS = {"sm_80": "+ptx70", "sm_86": "+ptx71", "sm_89": "+ptx78",
         "sm_90": "+ptx80"}
TARGET = "cuda-sm90"
REPS = 3


def prepare(a, bundle):
    dsc = os.path.join(a.build, "bin", "dsc")
    opt = os.path.join(a.build, "bin", "dsc-opt")
    os.makedirs(bundle, exist_ok=True)
    with open(os.path.join(bundle, "chip"), "w") as f:
        f.write(a.chip + "\n")
    print("prepare: kernels for %s" % a.chip, flush=True)
    build_kernels(opt, a.chip, CHIPS[a.chip], bundle)
    print("prepare: stories260K and the logits checks", flush=True)
    prepare_model(dsc, a.shared, bundle)
    prepare_tinyllama(dsc, bundle)


def check(a, bundle):
    say("dsc GPU check, %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    cc, peak = gpu_info()
    with open(os.path.join(bundle, "chip")) as f:
        chip = f.read().strip()
    if int(cc.replace(".", "")) < int(chip[3:]):
        sys.exit("the bundle was compiled for %s, which this GPU (compute "
                 "capability %s) does not run" % (chip, cc))
    say("kernels and models compiled for %s (%s)" % (chip, CHIPS[chip]))

    def part(f, *args):
        """One part; an exception (a run past its time, a device error)
        fails it, not the parts after it."""
        try:
            return f(*args)
        except Exception as e:  # noqa: BLE001
            say("  %s: %s: %s" % (f.__name__, type(e).__name__, e))
            return False

    ok = part(check_kernels, bundle)
    ok &= part(bench_kernels, bundle, peak)
    ok &= part(check_model, bundle)
    ok &= part(bench_tinyllama, bundle, peak)
    say("\n%s" % ("PASS" if ok else "FAIL"))
    with open(a.out, "w") as f:
        f.write("\n".join(out_lines) + "\n")
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("phase", nargs="?", choices=["prepare", "run"])
    p.add_argument("bundle", nargs="?")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default="gpu-check.txt")
    p.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    p.add_argument("--layers", type=int, default=22,
                   help="layers of the TinyLlama-shaped model (22)")
    p.add_argument("--chip", default="sm_90", choices=sorted(CHIPS))
    p.add_argument("--reps", type=int, default=3,
                   help="run: timed runs of each TinyLlama-shaped build (3)")
    a = p.parse_args()
    if a.phase and not a.bundle:
        p.error("%s needs the bundle folder" % a.phase)
    global LAYERS, TARGET, REPS
    LAYERS, REPS = a.layers, a.reps
    TARGET = "cuda-sm" + a.chip[3:]
    if a.phase == "prepare":
        prepare(a, a.bundle)
        return
    if a.phase == "run":
        sys.exit(0 if check(a, a.bundle) else 1)
    with tempfile.TemporaryDirectory() as bundle:
        prepare(a, bundle)
        sys.exit(0 if check(a, bundle) else 1)


if __name__ == "__main__":
    main()
