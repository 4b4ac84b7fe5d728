#!/usr/bin/env python3
"""dsc's benchmark: decode and prefill speed, memory, compile time and size
at real model shapes, against the machine's measured memory bandwidth.

  bench/run.py [--models 110m,tinyllama] [--threads 1,2] [--reps 3]
               [--quantize none,int8:channel,int4:group=32,int4:group=128]
               [--llama-cpp DIR] [--dsc build/bin/dsc] [--work DIR]
               [--markdown FILE]

For each model it generates a synthetic F16 checkpoint (random weights,
fixed seed; gen_large.py), compiles it with dsc for each scheme (timed),
then runs the executable with a 128-token prompt and 32+ generated tokens
at each thread count, several times. It reports medians, and generation
speed as a fraction of the streaming read bandwidth measured in the same
run (bandwidth.c): bytes of weights read per generated token / time per
token / bandwidth. Peak RSS is also given relative to the weights' bytes.

With --llama-cpp DIR (holding llama-bench and llama-quantize), the same
random weights are converted to GGUF (to_gguf.py), quantized to Q8_0 and
Q4_0 by llama-quantize and measured by llama-bench at the same prompt,
generation length and threads; dsc's int8:channel and int4:group=32 are
compared with them as ratios of tokens/s measured in the same run.
"""
import argparse
import json
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


def layout(dsc, ckpt, quant):
    """Bytes of the weight blob and bytes read per generated token: every
    weight but the embedding table (one row of it is read) unless the table
    is the classifier too."""
    cmd = [dsc, "compile", ckpt, "--emit=mlir", "-o", "-", "--quiet"]
    if quant != "none":
        cmd += ["--quantize", quant]
    mlir = sh(cmd).stdout
    blob = int(re.search(r"dsc.weights_size = (\d+)", mlir).group(1))
    offsets = {}
    for m in re.finditer(r"dsc.global @(\S+) : .*offset = (\d+) : i64", mlir):
        offsets[m.group(1)] = int(m.group(2))
    ends = sorted(offsets.values()) + [blob]
    size = {n: ends[ends.index(o) + 1] - o for n, o in offsets.items()}
    tied = "tie_embeddings = true" in mlir
    per_token = blob - (0 if tied else size.get("token_embd", 0))
    return blob, per_token


def llama_cpp(args, ckpt, work, threads, prompt_n, gen_n):
    """tokens/s of llama.cpp's Q8_0 and Q4_0 of the same weights:
    {(kind, threads): (prefill, generate)}."""
    gguf = os.path.join(work, os.path.basename(ckpt) + ".gguf")
    if not os.path.exists(gguf):
        print("converting %s to GGUF ..." % ckpt, file=sys.stderr)
        sh(["/usr/bin/python3", os.path.join(HERE, "to_gguf.py"), ckpt, gguf])
    out = {}
    for kind in ("Q8_0", "Q4_0"):
        q = gguf[:-5] + "-" + kind.lower() + ".gguf"
        if not os.path.exists(q):
            sh([os.path.join(args.llama_cpp, "llama-quantize"), gguf, q, kind])
        for t in threads:
            r = sh([os.path.join(args.llama_cpp, "llama-bench"), "-m", q,
                    "-p", str(prompt_n), "-n", str(gen_n), "-t", str(t),
                    "-r", str(args.reps), "-o", "json"])
            pre = gen = None
            for row in json.loads(r.stdout):
                if row.get("n_prompt") == prompt_n and row.get("n_gen", 0) == 0:
                    pre = float(row["avg_ts"])
                if row.get("n_gen") == gen_n and row.get("n_prompt", 0) == 0:
                    gen = float(row["avg_ts"])
            out[(kind, t)] = (pre, gen)
    return out


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
    ap.add_argument("--quantize", default="none",
                    help="comma-separated schemes ('none': F16 as stored)")
    ap.add_argument("--llama-cpp", help="directory with llama-bench and llama-quantize")
    ap.add_argument("--markdown", help="also write the results as Markdown")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    os.makedirs(a.work, exist_ok=True)
    bwexe = build_bandwidth(a.work)
    rng = random.Random(7)
    prompt = " ".join(str(rng.randrange(3, 32000)) for _ in range(a.prompt))
    rows = []
    bws = {t: [] for t in threads}
    llama = {}
    for model in a.models.split(","):
        ckpt = os.path.join(a.work, model + "-f16")
        if not os.path.exists(os.path.join(ckpt, "model.safetensors")):
            print("generating %s ..." % ckpt, file=sys.stderr)
            sh(["/usr/bin/python3", os.path.join(HERE, "gen_large.py"), ckpt,
                "--preset", model])
        for quant in a.quantize.split(","):
            tag = model if quant == "none" else model + "-" + re.sub(r"[^\w]+", "_", quant)
            exe = os.path.join(a.work, tag + ".exe")
            t0 = time.time()
            cmd = [a.dsc, "compile", ckpt, "-o", exe, "--quiet"]
            if quant != "none":
                cmd += ["--quantize", quant]
            sh(cmd)
            compile_s = time.time() - t0
            size = os.path.getsize(exe)
            blob, per_token = layout(a.dsc, ckpt, quant)
            for t in threads:
                pre, gen, rss = [], [], []
                for _ in range(a.reps):
                    bw = bandwidth(bwexe, [t])
                    bws[t].append(bw[t])
                    p, g, r = run_model(exe, t, prompt, a.prompt + a.generate)
                    pre.append(p)
                    gen.append(g)
                    rss.append(r)
                med_bw = statistics.median(bws[t][-a.reps:])
                rows.append(dict(model=model, quant=quant, threads=t,
                                 prefill=statistics.median(pre),
                                 gen=statistics.median(gen), rss=max(rss),
                                 bw=med_bw,
                                 frac=statistics.median(gen) * per_token / 1e9 / med_bw,
                                 compile=compile_s, size=size, weights=blob,
                                 per_token=per_token))
                r = rows[-1]
                print("%-10s %-14s t%d  prefill %7.1f tok/s  generate %6.1f tok/s  "
                      "%.1f%% of %.1f GB/s  peak RSS %.0f MiB (%.2fx weights)" %
                      (model, quant, t, r["prefill"], r["gen"], 100 * r["frac"], r["bw"],
                       r["rss"], r["rss"] * 1048576 / blob), flush=True)
        if a.llama_cpp:
            for k, v in llama_cpp(a, ckpt, a.work, threads, a.prompt, a.generate).items():
                llama[(model,) + k] = v
    header = ("| model | weights | scheme | threads | prefill tok/s | generate tok/s "
              "| bytes/token | bandwidth GB/s | of bandwidth | peak RSS (x weights) "
              "| compile | executable |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    for r in rows:
        lines.append("| %s | %.0f MB | %s | %d | %.1f | %.1f | %.0f MB | %.1f | %.0f%% | "
                     "%.0f MiB (%.2fx) | %.1f s | %.0f MB |" % (
                         r["model"], r["weights"] / 1e6,
                         "F16" if r["quant"] == "none" else r["quant"], r["threads"],
                         r["prefill"], r["gen"], r["per_token"] / 1e6, r["bw"],
                         100 * r["frac"], r["rss"], r["rss"] * 1048576 / r["weights"],
                         r["compile"], r["size"] / 1e6))
    table = header + "\n".join(lines) + "\n"
    if llama:
        table += ("\n| model | llama.cpp | threads | prefill tok/s | generate tok/s "
                  "| dsc scheme | dsc/llama.cpp prefill | dsc/llama.cpp generate |\n"
                  "|---|---|---|---|---|---|---|---|\n")
        pair = {"Q8_0": "int8:channel", "Q4_0": "int4:group=32"}
        for (model, kind, t), (pre, gen) in sorted(llama.items()):
            mine = [r for r in rows if r["model"] == model and r["threads"] == t
                    and r["quant"] == pair[kind]]
            ratio = lambda x, y: "%.2f" % (x / y) if x and y else "-"
            table += "| %s | %s | %d | %s | %s | %s | %s | %s |\n" % (
                model, kind, t, "%.1f" % pre if pre else "-",
                "%.1f" % gen if gen else "-", pair[kind],
                ratio(mine[0]["prefill"], pre) if mine else "-",
                ratio(mine[0]["gen"], gen) if mine else "-")
    info = ("Machine: %s, %d CPUs available; %s. %s. Medians of %d runs; "
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
