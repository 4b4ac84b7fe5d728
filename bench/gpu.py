#!/usr/bin/env python3
"""The CUDA targets on a machine with an NVIDIA GPU (docs/cuda.md).

  gpu.py [--build DIR] [--out FILE] [--shared DIR] [--layers N]

Needs the NVIDIA driver (libcuda.so.1), a built dsc and /usr/bin/python3
with numpy; no CUDA toolkit. Writes the figures to --out (default
gpu-check.txt) and prints them:

  1. the GPU, its peak memory bandwidth (memory clock x bus width), and the
     target `--target cuda` picks;
  2. every kernel source run on the GPU against numpy: the host side from
     `dsc-cuda-lower format=host`, linked with runtime/cuda/driver.c;
  3. the kernels' speed at the TinyLlama-1.1B shapes: one decode token's
     weight matrices through the int8 and int4 GEMVs (group 32), as GB/s,
     a fraction of the peak, and the decode tokens/s that bounds; the F16
     GEMM (mma.sync) for a 128-token prefill, as TFLOP/s and tokens/s;
  4. stories260K compiled for `cuda` (the forward pass on the GPU) and for
     the portable CPU target (x86_64, which computes the same function),
     F32, int8 and int4: the same greedy text, and the same sampled text
     for a seed (drawn on the device, top-k 40); the logits of generated
     F16, int8 and int4 checkpoints built for `cuda` against the numpy
     reference (test/lib/check_logits.py);
  5. end to end at the TinyLlama-1.1B shape (random weights) for F16, int8
     and int4: decode tokens/s and its fraction of the memory bandwidth,
     prefill tokens/s (blocks of 64 positions through the matmuls,
     docs/cuda.md).

Exit status 1 when a check fails. Parts 1 to 4 take a few minutes; part 5
generates a 2.2 GB F16 checkpoint and compiles it three times on the CPU
first (--layers N shortens it; the tokens/s then are not TinyLlama's).
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
           "sample", "attention", "elementwise", "gemm_f16"]
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
    peak = 2 * clock_khz * 1e3 * bus_bits / 8  # DDR: two transfers a clock
    say("GPU: %s, compute capability %s, %.1f GiB, %d SMs" %
        (name.value.decode(), cc, mem.value / 2**30, attr(16)))
    say("peak memory bandwidth: %.0f GB/s (memory clock %d MHz x %d-bit bus)"
        % (peak / 1e9, clock_khz // 1000, bus_bits))
    return cc, peak


def build_kernel(opt, kernel, chip, ptx, work):
    mlir = os.path.join(work, kernel + ".host.mlir")
    ll = os.path.join(work, kernel + ".host.ll")
    so = os.path.join(work, kernel + ".host.so")
    # The residual add and SwiGLU come from the CPU path's lowering
    # (dsc-gpu-derive-kernels), beside RoPE's source.
    derive = ["--dsc-gpu-derive-kernels"] if kernel == "elementwise" else []
    run([opt, os.path.join(ROOT, "targets", "cuda", "kernels", kernel + ".mlir")]
        + derive +
        ["--dsc-cuda-lower=chip=%s features=%s format=host" % (chip, ptx),
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


def bench_gemv(lib, bits, peak):
    """One decode token's matrices: those reading dim columns stacked into
    one GEMV, and the FFN down projections (hidden columns) into another."""
    group = 32
    shapes = [(LAYERS * (DIM + 2 * KV + DIM + 2 * HIDDEN) + VOCAB, DIM),
              (LAYERS * DIM, HIDDEN)]
    calls, nbytes = [], 0
    for n, k in shapes:
        qbytes = n * k * bits // 8
        q = np.resize((np.arange(251) - 125).astype(np.int8), qbytes)
        s = np.full(n * (k // group), 0.01, np.float32)
        x = np.ones(k, np.float32)
        bufs = [device_buffer(lib, a) for a in
                (q, s, x, np.zeros(n * 32, np.float32), np.zeros(n, np.float32))]
        nbytes += qbytes + s.nbytes
        fn = getattr(lib, "_mlir_ciface_dsc_cuda_gemv_q%d" % bits)
        calls.append(lambda fn=fn, b=bufs, n=n, k=k: fn(
            *b, ctypes.c_int64(n), ctypes.c_int64(k), ctypes.c_int64(group)))
    t = timed(lambda: [c() for c in calls], 10)
    if ck.device_error():
        sys.exit("device: " + ck.device_error())
    say("decode GEMV int%d (group 32), TinyLlama-1.1B weights of one token "
        "(%.0f MB): %.3f ms, %.0f GB/s = %.0f%% of peak, bounds decode at "
        "%.0f tokens/s" % (bits, nbytes / 1e6, t * 1e3, nbytes / t / 1e9,
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
        sys.exit("device: " + ck.device_error())
    say("prefill GEMM f16 (mma.sync), 128 tokens x the TinyLlama matrices "
        "reading dim columns (%d x %d): %.2f ms, %.1f TFLOP/s" %
        (n, k, t * 1e3, 2 * m * n * k / t / 1e12))


def check_kernels(opt, chip, ptx, work):
    """Every kernel source on the GPU against numpy; the libraries built."""
    say("\n== kernels on the GPU against numpy")
    ok, libs = True, {}
    for k in KERNELS:
        so = build_kernel(opt, k, chip, ptx, work)
        r = subprocess.run([sys.executable, os.path.join(
            ROOT, "test", "lib", "check_cuda_kernels.py"), so, k, "--device"],
            capture_output=True, text=True)
        for line in (r.stdout + r.stderr).strip().splitlines():
            say("  " + line)
        ok &= r.returncode == 0
        libs[k] = so
    return ok, libs


def bench_kernels(libs, peak):
    say("\n== kernel speed at the TinyLlama-1.1B shapes")
    for k in ("gemv_q8", "gemv_q4", "gemm_f16"):
        lib = ctypes.CDLL(libs[k])
        ck.DEVICE = lib
        if k == "gemm_f16":
            bench_gemm(lib)
        else:
            bench_gemv(lib, int(k[-1]), peak)


def check_model(dsc, shared, work):
    """stories260K and generated checkpoints built for --target cuda, the
    forward pass on the GPU."""
    ok = True
    say("\n== stories260K: --target cuda (forward pass on the GPU) against "
        "the portable CPU build")
    model = os.path.join(shared, "models", "stories260K", "hf")
    for scheme in ("none", "int8:channel", "int4:group=32"):
        flags = [] if scheme == "none" else ["--quantize", scheme]
        texts, sampled = {}, {}
        # x86_64 computes what the GPU does (f32 activations); the AVX2 and
        # AVX-512 builds quantize activations to int8 (docs/cuda.md).
        for t in ("cuda", "x86_64"):
            exe = os.path.join(work, "story-" + t)
            run([dsc, "compile", model, "--target", t, "-o", exe, "--quiet"]
                + flags)
            s = subprocess.run([exe, "-p", "Once upon a time", "-n", "200",
                                "--temp", "0.8", "-s", "7"],
                               capture_output=True, text=True)
            sampled[t] = s.stdout
            ok &= s.returncode == 0
            r = subprocess.run([exe, "-p", "Once upon a time", "-n", "200",
                                "--temp", "0"], capture_output=True, text=True)
            texts[t] = r.stdout
            for line in r.stderr.splitlines():
                if "note:" in line or "error" in line:
                    say("  %s %s: %s" % (scheme, t, line))
            if t == "cuda" and "the forward pass runs on" not in r.stderr:
                say("  %s: the forward pass did NOT run on the GPU" % scheme)
                ok = False
            ok &= r.returncode == 0
        same = texts["cuda"] == texts["x86_64"]
        say("  %s: greedy text (200 tokens) of the cuda build %s the CPU "
            "build's" % (scheme, "equals" if same else "DIFFERS FROM"))
        ok &= same
        # The device's draw reads the host's coin; texts part only where a
        # coin falls within float rounding of a boundary (not expected in
        # 200 tokens).
        same = sampled["cuda"] == sampled["x86_64"]
        say("  %s: sampled text (seed 7) of the cuda build %s the CPU "
            "build's" % (scheme, "equals" if same else "DIFFERS FROM"))
        ok &= same

    say("\n== logits of --target cuda builds against the reference")
    checker = os.path.join(ROOT, "test", "lib", "check_logits.py")
    for name, extra in (("F16", ["--dtype", "f16"]),
                        ("int8", ["--quantize", "int8:channel"]),
                        ("int4", ["--quantize", "int4:group=32"])):
        r = subprocess.run([sys.executable, checker, dsc,
                            os.path.join(work, "logits-" + name), "hf",
                            "--target", "cuda", "--tol", "1e-4"] + extra,
                           capture_output=True, text=True)
        last = (r.stdout.strip().splitlines() or ["(no output)"])[-2:]
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


def bench_model(dsc, work, peak):
    """End to end on the GPU at the TinyLlama-1.1B shape (random weights):
    decode tokens/s (greedy, 256 tokens), its share of the memory bandwidth
    (the bytes of the weights every token reads: the payload less the
    embedding table, of which one row is read), and prefill tokens/s (128
    positions of --eval-tokens: two blocks of 64 through the matmuls)."""
    say("\n== end to end at the TinyLlama-1.1B shape (random weights), "
        "forward pass on the GPU")
    gen = os.path.join(ROOT, "test", "gen", "gen_checkpoint.py")
    ok = True
    toks = os.path.join(work, "prefill.bin")
    np.random.RandomState(1).randint(1, VOCAB, 128).astype(np.int32).tofile(toks)
    # One F16 checkpoint (2.2 GB); int8 and int4 quantize it (round to
    # nearest: no calibration).
    ckpt = os.path.join(work, "tinyllama")
    run([sys.executable, gen, "hf", ckpt, "--dim", str(DIM),
         "--hidden", str(HIDDEN), "--layers", str(LAYERS), "--heads", "32",
         "--kv-heads", str(KV // 64), "--vocab", str(VOCAB), "--seq-len",
         "2048", "--untied", "--dtype", "f16"])
    for name, flags, table in (
            ("F16", [], 2.0),
            ("int8", ["--quantize", "int8:channel"], 1.0),
            ("int4", ["--quantize", "int4:group=32"], 1.0)):
        exe = os.path.join(work, "tinyllama-" + name)
        run([dsc, "compile", ckpt, "--target", "cuda", "--weights=external",
             "-o", exe, "--quiet"] + flags)
        weights = os.path.getsize(exe + ".dscw") - table * VOCAB * DIM
        dec, pre, nograph, samp = [], [], [], []
        for _ in range(3):
            r = subprocess.run([exe, "-n", "256", "--temp", "0"],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            ok &= r.returncode == 0 and "the forward pass runs on" in r.stderr
            if r.returncode:
                say("  %s: %s" % (name, r.stderr.strip()))
            dec.append(tok_per_s(r.stderr, "generation") or 0.0)
            # The decode step launched kernel by kernel, not as a graph.
            r = subprocess.run([exe, "-n", "256", "--temp", "0"],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, DSC_CUDA_GRAPH="0"))
            ok &= r.returncode == 0
            nograph.append(tok_per_s(r.stderr, "generation") or 0.0)
            # Sampled (temperature 0.8, top-k 40): the draw on the device.
            r = subprocess.run([exe, "-n", "256", "--temp", "0.8", "-s", "1"],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            ok &= r.returncode == 0
            samp.append(tok_per_s(r.stderr, "generation") or 0.0)
            r = subprocess.run([exe, "--eval-tokens", toks, "--dump-logits",
                                os.path.join(work, "logits.bin")],
                               capture_output=True, text=True)
            ok &= r.returncode == 0
            pre.append(tok_per_s(r.stderr, "tokens") or 0.0)
        d, p = statistics.median(dec), statistics.median(pre)
        say("  %s: decode %.1f tokens/s (%.0f MB of weights a token: %.0f GB/s "
            "= %.0f%% of peak; %.1f tokens/s without the CUDA graph, %.1f "
            "sampled), prefill %.1f tokens/s (median of 3)" %
            (name, d, weights / 1e6, d * weights / 1e9,
             100 * d * weights / peak, statistics.median(nograph),
             statistics.median(samp), p))
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default="gpu-check.txt")
    p.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    p.add_argument("--layers", type=int, default=22,
                   help="layers of the TinyLlama-shaped model (22)")
    a = p.parse_args()
    global LAYERS
    LAYERS = a.layers
    dsc = os.path.join(a.build, "bin", "dsc")
    opt = os.path.join(a.build, "bin", "dsc-opt")
    say("dsc GPU check, %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    cc, peak = gpu_info()
    # The newest registry chip the GPU runs, as --target cuda picks it.
    known = {"sm_80": "+ptx70", "sm_86": "+ptx71", "sm_89": "+ptx78",
             "sm_90": "+ptx80"}
    cap = int(cc.replace(".", ""))
    chip = max((c for c in known if int(c[3:]) <= cap), key=lambda c: int(c[3:]))
    say("kernels compiled for %s (%s)" % (chip, known[chip]))
    with tempfile.TemporaryDirectory() as work:
        ok, libs = check_kernels(opt, chip, known[chip], work)
        bench_kernels(libs, peak)
        ok &= check_model(dsc, a.shared, work)
        ok &= bench_model(dsc, work, peak)
    say("\n%s" % ("PASS" if ok else "FAIL"))
    with open(a.out, "w") as f:
        f.write("\n".join(out_lines) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
