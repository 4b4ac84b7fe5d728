#!/usr/bin/env python3
"""dsc's benchmark: decode and prefill speed, memory, compile time and size
at real model shapes, against the machine's measured memory bandwidth.

  bench/run.py [--models 110m,tinyllama] [--threads 1,2] [--reps 3]
               [--dsc build/bin/dsc] [--work DIR] [--markdown FILE]

For each model it generates a synthetic F16 checkpoint (random weights,
fixed seed; gen_large.py), compiles it with dsc (timed), then runs the
executable with a 128-token prompt and 32+ generated tokens at each thread
count, several times. It reports medians, and generation speed as a fraction
of the streaming read bandwidth measured in the same run (bandwidth.c): bytes
of weights read per generated token / time per token / bandwidth.
"""
import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def build_bandwidth(work):
    exe = os.path.join(work, "bandwidth")
    flags = ["-O2", "-pthread"]
    if platform.machine() == "x86_64":
        flags.append("-mavx2")
    sh(["clang-22"] + flags + [os.path.join(HERE, "bandwidth.c"), "-o", exe])
    return exe


def bandwidth(exe, threads):
    out = sh([exe, "1", str(max(threads))]).stdout
    bw = {}
    for m in re.finditer(r"threads (\d+) bandwidth ([\d.]+) GB/s", out):
        bw[int(m.group(1))] = float(m.group(2))
    return bw


def run_model(exe, threads, prompt, n):
    r = sh([exe, "--tokens", prompt, "--no-bos", "-n", str(n), "--temp", "0",
            "-t", str(threads)])
    m = re.search(r"prompt (\d+) tokens ([\d.]+) tok/s \| generation (\d+) tokens "
                  r"([\d.]+) tok/s \| peak RSS ([\d.]+) MiB", r.stderr)
    if not m:
        sys.exit("cannot parse: " + r.stderr)
    return float(m.group(2)), float(m.group(4)), float(m.group(5))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="110m,tinyllama")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--generate", type=int, default=32)
    ap.add_argument("--dsc", default=os.path.join(ROOT, "build", "bin", "dsc"))
    ap.add_argument("--work", default="/tmp/dsc-bench")
    ap.add_argument("--markdown", help="also write the results as Markdown")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    os.makedirs(a.work, exist_ok=True)
    bwexe = build_bandwidth(a.work)
    rng = random.Random(7)
    prompt = " ".join(str(rng.randrange(3, 32000)) for _ in range(a.prompt))
    rows = []
    bws = {t: [] for t in threads}
    for model in a.models.split(","):
        ckpt = os.path.join(a.work, model + "-f16")
        if not os.path.exists(os.path.join(ckpt, "model.safetensors")):
            print("generating %s ..." % ckpt, file=sys.stderr)
            sh([sys.executable if "numpy" in sys.modules else "/usr/bin/python3",
                os.path.join(HERE, "gen_large.py"), ckpt, "--preset", model])
        exe = os.path.join(a.work, model + ".exe")
        t0 = time.time()
        sh([a.dsc, "compile", ckpt, "-o", exe, "--quiet"])
        compile_s = time.time() - t0
        size = os.path.getsize(exe)
        # Bytes read per generated token: every weight but the embedding
        # table, of which one row is read.
        mlir = sh([a.dsc, "compile", ckpt, "--emit=mlir"]).stdout
        blob = int(re.search(r"dsc.weights_size = (\d+)", mlir).group(1))
        emb = re.search(r"dsc.global @token_embd : tensor<(\d+)x(\d+)xf16>", mlir)
        tied = "tie_embeddings = true" in mlir
        per_token = blob - (0 if tied else int(emb.group(1)) * int(emb.group(2)) * 2)
        for t in threads:
            pre, gen, rss = [], [], []
            for _ in range(a.reps):
                bw = bandwidth(bwexe, [t])
                bws[t].append(bw[t])
                p, g, r = run_model(exe, t, prompt, a.prompt + a.generate)
                pre.append(p)
                gen.append(g)
                rss.append(r)
                frac = g * per_token / 1e9 / bw[t]
            med_bw = statistics.median(bws[t][-a.reps:])
            rows.append(dict(model=model, threads=t, prefill=statistics.median(pre),
                             gen=statistics.median(gen), rss=max(rss),
                             bw=med_bw,
                             frac=statistics.median(gen) * per_token / 1e9 / med_bw,
                             compile=compile_s, size=size, weights=blob,
                             per_token=per_token))
            r = rows[-1]
            print("%-10s t%d  prefill %7.1f tok/s  generate %6.1f tok/s  "
                  "%.1f%% of %.1f GB/s  peak RSS %.0f MiB" %
                  (model, t, r["prefill"], r["gen"], 100 * r["frac"], r["bw"], r["rss"]))
    header = ("| model (F16) | weights | threads | prefill tok/s | generate tok/s "
              "| bandwidth GB/s | of bandwidth | peak RSS | compile | executable |\n"
              "|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    for r in rows:
        lines.append("| %s | %.0f MB | %d | %.1f | %.1f | %.1f | %.0f%% | %.0f MiB | %.1f s | %.0f MB |" % (
            r["model"], r["weights"] / 1e6, r["threads"], r["prefill"], r["gen"],
            r["bw"], 100 * r["frac"], r["rss"], r["compile"], r["size"] / 1e6))
    table = header + "\n".join(lines) + "\n"
    info = ("Machine: %s, %d CPUs available; %s. dsc %s. Medians of %d runs; "
            "prompt %d tokens, %d generated.\n" % (
                cpu_name(), os.cpu_count(), platform.platform(),
                sh([a.dsc, "version"]).stdout.strip(), a.reps, a.prompt, a.generate))
    print()
    print(info)
    print(table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(info + "\n" + table)


if __name__ == "__main__":
    main()
