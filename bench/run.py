#!/usr/bin/env python3
"""dsc's benchmark: decode and prefill speed, memory, compile time and size
at real model shapes, against the machine's measured memory bandwidth.

  bench/run.py [--models 110m,tinyllama] [--threads 1,2] [--reps 3]
               [--quantize none,int8:channel,int4:group=32,gguf:Q4_K_M]
               [--llama-cpp DIR] [--dsc build/bin/dsc] [--work DIR]
               [--markdown FILE]

For each model it generates a synthetic F16 checkpoint (random weights,
fixed seed; gen_large.py), compiles it with dsc for each scheme (timed),
then runs the executable with a 128-token prompt and 32+ generated tokens
at each thread count, several times. It reports medians, and generation
speed as a fraction of the streaming read bandwidth measured in the same
run (bandwidth.c, from huge pages as the executables' weights are; the
machine line says what share of its buffer got them): bytes of weights
read per generated token / time per token / bandwidth. Peak RSS is also
given relative to the weights' bytes, and the time to the first token
from a cold page cache (the executable and its weights evicted by
evict.c) and a warm one, with the weights read into huge pages (the
default) and mapped (--mmap).

With --llama-cpp DIR (holding llama-bench, llama-quantize and llama-cli),
the same random weights are converted to GGUF (to_gguf.py) and, for each
dsc scheme measured that has a llama.cpp counterpart (none: the F16 GGUF
itself; int8:channel: Q8_0; int4:group=32: Q4_0, made by llama-quantize),
measured by llama-bench at the same prompt, generation length and threads.
The runs alternate: each repetition runs dsc's executable and one
llama-bench repetition of the same scheme and threads (llama.cpp first in
odd repetitions), and each ratio is the median of the repetitions' own
dsc/llama.cpp ratios (their range beside it, and how many runs gave one
where llama-bench's after-prompt figure was missing), since this
machine's bandwidth moves within minutes.
dsc generates after its prompt, so its generation is compared with
llama.cpp's after the same prompt: llama-bench's -pg (prompt, then
generation) time less its prompt time (its plain generation test, from an
empty cache, is shown beside it);
llama-quantize's time and llama-cli's first token (cold and warm) and peak
RSS are set beside dsc's compile time, first token and peak RSS.
--prefill-precision bf16 compiles the float (none) scheme with prompts'
products in bf16 (its executable tagged -prefill_bf16, its rows named
"F16, prompts in bf16"); run it apart from an exact run to compare them.
--int4-layout blocks|tiles compiles int4:group=32 with that weight layout
(its executable tagged -blocks or -tiles) instead of the target's default.
A scheme gguf:TYPE (e.g. gguf:Q4_K_M, needs --llama-cpp) is llama.cpp's own
file of that type, made by llama-quantize from the same weights: dsc
compiles that file as it is, and llama.cpp runs the same file beside it.
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


def build_evict(work):
    exe = os.path.join(work, "evict")
    sh(["clang-22", "-O2", os.path.join(HERE, "evict.c"), "-o", exe])
    return exe


def timed(cmd, evict=None, files=()):
    """Wall seconds and peak RSS (MiB, from /usr/bin/time) of cmd, after
    evicting `files` from the page cache when `evict` is given."""
    if evict:
        sh([evict] + [f for f in files if os.path.exists(f)])
    t = time.time()
    r = subprocess.run(["/usr/bin/time", "-f", "maxrss %M"] + cmd,
                       capture_output=True, text=True)
    wall = time.time() - t
    if r.returncode:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr[-2000:]))
    rss = int(re.findall(r"maxrss (\d+)", r.stderr)[-1]) / 1024
    return wall, rss


def ttft(exe, threads, evict, reps, extra=()):
    """Median seconds from start to the first generated token (a 4-token
    prompt, one token generated), from a cold page cache (the executable
    and its weights evicted) and warm."""
    files = [exe, exe + ".dscw"]
    # -n counts positions, the prompt's included: 4 is the prompt and the
    # one token sampled from its logits, as llama-cli -n 1.
    cmd = [exe, "--tokens", "1 2 3 4", "--no-bos", "-n", "4", "--temp", "0",
           "-t", str(threads)] + list(extra)
    cold = [timed(cmd, evict, files)[0] for _ in range(reps)]
    timed(cmd)
    warm = [timed(cmd)[0] for _ in range(reps)]
    return statistics.median(cold), statistics.median(warm)


def bandwidth(exe, threads):
    """GB/s per thread count, and the percent of bandwidth.c's buffer in
    huge pages (None where it could not tell)."""
    out = sh([exe, "1", str(max(threads))]).stdout
    bw = {}
    for m in re.finditer(r"threads (\d+) bandwidth ([\d.]+) GB/s", out):
        bw[int(m.group(1))] = float(m.group(2))
    huge = re.search(r"huge pages: (\d+)%", out)
    return bw, int(huge.group(1)) if huge else None


def fmt1(x):
    """Tokens/s to one decimal, or '-' where there is no figure."""
    return "%.1f" % x if x else "-"


def fmt2(x):
    """A ratio to two decimals, or '-' where there is no figure."""
    return "%.2f" % x if x else "-"


def run_model(exe, threads, prompt, n):
    r = sh([exe, "--tokens", prompt, "--no-bos", "-n", str(n), "--temp", "0",
            "-t", str(threads)])
    m = re.search(r"prompt (\d+) tokens ([\d.]+) tok/s \| generation (\d+) tokens "
                  r"([\d.]+) tok/s \| peak RSS ([\d.]+) MiB", r.stderr)
    if not m:
        sys.exit("cannot parse: " + r.stderr)
    return float(m.group(2)), float(m.group(4)), float(m.group(5))


def layout(dsc, ckpt, quant, target="native"):
    """Bytes of the weight blob and bytes read per generated token: every
    weight but the embedding table (one row of it is read) unless the table
    is the classifier too."""
    cmd = [dsc, "compile", ckpt, "--emit=mlir", "-o", "-", "--quiet",
           "--target", target]
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


# dsc's scheme -> the llama.cpp type it is compared with.
LLAMA_PAIR = {"none": "F16", "int8:channel": "Q8_0", "int4:group=32": "Q4_0"}


def llama_kind(quant):
    """The llama.cpp type a dsc scheme is compared with: LLAMA_PAIR's, or
    TYPE for gguf:TYPE (llama.cpp's own file, which dsc compiles)."""
    if quant.startswith("gguf:"):
        return quant[5:]
    return LLAMA_PAIR.get(quant)


def dsc_scheme(kind):
    """The dsc scheme a llama.cpp type was measured beside."""
    pair = {v: k for k, v in LLAMA_PAIR.items()}
    return pair.get(kind, "gguf:" + kind)


def after_prompt(prompt_n, gen_n, pre, both):
    """Generation tokens/s after a prompt, from llama-bench's prompt test
    (pre tokens/s) and its prompt-then-generation test (both: tokens/s of
    the two together): the second's time less the first's. None when
    either is missing or the difference is not positive (noise)."""
    if not pre or not both:
        return None
    t = (prompt_n + gen_n) / both - prompt_n / pre
    return gen_n / t if t > 0 else None


def llama_prepare(args, ckpt, work, threads, evict, kinds):
    """llama.cpp's `kinds` (F16: the converted file as it is; Q8_0, Q4_0:
    quantized from it) of the same weights: {kind: GGUF path}, and per kind
    {kind: (quantize seconds or None, ttft cold, ttft warm, peak RSS MiB)}."""
    gguf = os.path.join(work, os.path.basename(ckpt) + ".gguf")
    if not os.path.exists(gguf):
        print("converting %s to GGUF ..." % ckpt, file=sys.stderr)
        sh(["/usr/bin/python3", os.path.join(HERE, "to_gguf.py"), ckpt, gguf])
    files, extra = {}, {}
    for kind in kinds:
        q, quant_s = gguf, None
        if kind != "F16":
            q = gguf[:-5] + "-" + kind.lower() + ".gguf"
            # Timed from a warm source, as dsc's compile is.
            quant_s, _ = timed([os.path.join(args.llama_cpp, "llama-quantize"),
                                gguf, q, kind])
        # Start-up: llama-cli with a 4-token prompt, one token, no chat.
        cli = [os.path.join(args.llama_cpp, "llama-cli"), "-m", q, "-p",
               "a b c", "-n", "1", "--temp", "0", "-no-cnv",
               "-t", str(max(threads))]
        cold = [timed(cli, evict, [q]) for _ in range(args.reps)]
        timed(cli)
        warm = [timed(cli) for _ in range(args.reps)]
        files[kind] = q
        extra[kind] = (quant_s, statistics.median(c[0] for c in cold),
                       statistics.median(w[0] for w in warm),
                       max(r[1] for r in cold + warm))
    return files, extra


def llama_bench_once(args, gguf, t, prompt_n, gen_n):
    """One llama-bench repetition of the prompt, the generation from an
    empty cache and -pg (the prompt and then the generation in one context,
    as dsc's run does): (prefill, generate, generate after the prompt)
    tokens/s."""
    r = sh([os.path.join(args.llama_cpp, "llama-bench"), "-m", gguf,
            "-p", str(prompt_n), "-n", str(gen_n),
            "-pg", "%d,%d" % (prompt_n, gen_n), "-t", str(t), "-r", "1",
            "-o", "json"])
    pre = gen = both = None
    for row in json.loads(r.stdout):
        n_p, n_g = row.get("n_prompt", 0), row.get("n_gen", 0)
        if n_p == prompt_n and n_g == 0:
            pre = float(row["avg_ts"])
        if n_g == gen_n and n_p == 0:
            gen = float(row["avg_ts"])
        if n_p == prompt_n and n_g == gen_n:
            both = float(row["avg_ts"])
    return pre, gen, after_prompt(prompt_n, gen_n, pre, both)


def median_or_none(xs):
    xs = [x for x in xs if x]
    return statistics.median(xs) if xs else None


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
    ap.add_argument("--prefill-precision", default="exact",
                    help="dsc compile --prefill-precision for float weights "
                         "(exact or bf16; quantized schemes stay exact)")
    ap.add_argument("--target", default="native",
                    help="dsc compile --target (e.g. x86_64-avx2 on an "
                         "AVX-512 machine, beside a llama.cpp built for AVX2)")
    ap.add_argument("--int4-layout", default="auto",
                    help="dsc compile --int4-layout for int4:group=32 "
                         "(auto, blocks or tiles)")
    ap.add_argument("--llama-cpp", help="directory with llama-bench and llama-quantize")
    ap.add_argument("--markdown", help="also write the results as Markdown")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]

    def scheme_name(q):
        if q.startswith("gguf:"):
            return "llama.cpp's %s file" % q[5:]
        if q != "none":
            return q
        return "F16" + ("" if a.prefill_precision == "exact" else
                        ", prompts in %s" % a.prefill_precision)

    os.makedirs(a.work, exist_ok=True)
    bwexe = build_bandwidth(a.work)
    evict = build_evict(a.work)
    rng = random.Random(7)
    prompt = " ".join(str(rng.randrange(3, 32000)) for _ in range(a.prompt))
    rows = []
    bws = {t: [] for t in threads}
    huge_shares = []  # bandwidth.c's share of huge pages, each run
    llama, llama_extra = {}, {}
    starts = []
    for model in a.models.split(","):
        ckpt = os.path.join(a.work, model + "-f16")
        if not os.path.exists(os.path.join(ckpt, "model.safetensors")):
            print("generating %s ..." % ckpt, file=sys.stderr)
            sh(["/usr/bin/python3", os.path.join(HERE, "gen_large.py"), ckpt,
                "--preset", model])
        files, extra = {}, {}
        quants = a.quantize.split(",")
        if any(q.startswith("gguf:") for q in quants) and not a.llama_cpp:
            sys.exit("run.py: a gguf:TYPE scheme needs --llama-cpp "
                     "(llama-quantize makes the file)")
        if a.llama_cpp:
            # First: the gguf:TYPE schemes compile llama.cpp's files.
            kinds = [llama_kind(q) for q in quants if llama_kind(q)]
            files, extra = llama_prepare(a, ckpt, a.work, threads, evict, kinds)
            for k, v in extra.items():
                llama_extra[(model, k)] = v
        built = []
        for quant in quants:
            tag = model if quant == "none" else model + "-" + re.sub(r"[^\w]+", "_", quant)
            if a.target != "native":
                tag += "-" + re.sub(r"[^\w]+", "_", a.target)
            relax = quant == "none" and a.prefill_precision != "exact"
            if relax:
                tag += "-prefill_" + a.prefill_precision
            layout_flag = quant == "int4:group=32" and a.int4_layout != "auto"
            if layout_flag:
                tag += "-" + a.int4_layout
            exe = os.path.join(a.work, tag + ".exe")
            source = ckpt
            if quant.startswith("gguf:"):
                source = files[llama_kind(quant)]
            t0 = time.time()
            cmd = [a.dsc, "compile", source, "-o", exe, "--quiet",
                   "--target", a.target]
            if quant != "none" and source == ckpt:
                cmd += ["--quantize", quant]
            if relax:
                cmd += ["--prefill-precision", a.prefill_precision]
            if layout_flag:
                cmd += ["--int4-layout", a.int4_layout]
            sh(cmd)
            compile_s = time.time() - t0
            size = os.path.getsize(exe)
            blob, per_token = layout(a.dsc, source,
                                     quant if source == ckpt else "none",
                                     a.target)
            built.append((quant, exe, compile_s, size, blob, per_token))
            # Start-up with the weights read into huge pages (the default)
            # and mapped (--mmap), on the most threads measured.
            tmax = max(threads)
            for load in ("read", "mmap"):
                cold, warm = ttft(exe, tmax, evict, a.reps,
                                  ["--mmap"] if load == "mmap" else [])
                starts.append(dict(model=model, quant=quant, load=load,
                                   cold=cold, warm=warm, threads=tmax))
                print("%-10s %-14s start-up (%s, t%d): first token %.2f s cold, "
                      "%.2f s warm" % (model, quant, load, tmax, cold, warm),
                      flush=True)
        # Each repetition runs dsc and llama.cpp on the same scheme and
        # threads back to back (llama.cpp first in odd repetitions, so that
        # what running second does falls on both), so that both meet the
        # machine in about the same state (this VM's bandwidth moves within
        # minutes), and the ratios are the medians of each repetition's own.
        for quant, exe, compile_s, size, blob, per_token in built:
            kind = llama_kind(quant)
            gguf = files.get(kind)
            for t in threads:
                pre, gen, rss, lm = [], [], [], []

                def run_dsc():
                    p, g, r = run_model(exe, t, prompt, a.prompt + a.generate)
                    pre.append(p)
                    gen.append(g)
                    rss.append(r)

                def run_llama():
                    if gguf:
                        lm.append(llama_bench_once(a, gguf, t, a.prompt,
                                                   a.generate))

                for rep in range(a.reps):
                    bw, huge = bandwidth(bwexe, [t])
                    bws[t].append(bw[t])
                    if huge is not None:
                        huge_shares.append(huge)
                    for step in ((run_llama, run_dsc) if rep % 2 else
                                 (run_dsc, run_llama)):
                        step()
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
                if gguf:
                    # None where llama-bench gave no figure (the -pg time
                    # less the prompt's not positive): left out, counted.
                    ratios = lambda mine, i: [m / l[i] if l[i] else None
                                              for m, l in zip(mine, lm)]
                    llama[(model, kind, t)] = dict(
                        pre=median_or_none(l[0] for l in lm),
                        gen=median_or_none(l[1] for l in lm),
                        after=median_or_none(l[2] for l in lm),
                        rpre=ratios(pre, 0), rgen=ratios(gen, 2))
                    v = llama[(model, kind, t)]
                    print("%-10s %-14s t%d  llama.cpp %s: prefill %s, generate "
                          "after the prompt %s; dsc/llama.cpp per run: prefill "
                          "%s, generate %s" % (
                              model, quant, t, kind, fmt1(v["pre"]), fmt1(v["after"]),
                              " ".join(map(fmt2, v["rpre"])),
                              " ".join(map(fmt2, v["rgen"]))),
                          flush=True)
    header = ("| model | weights | scheme | threads | prefill tok/s | generate tok/s "
              "| bytes/token | bandwidth GB/s | of bandwidth | peak RSS (x weights) "
              "| compile | executable |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    for r in rows:
        lines.append("| %s | %.0f MB | %s | %d | %.1f | %.1f | %.0f MB | %.1f | %.0f%% | "
                     "%.0f MiB (%.2fx) | %.1f s | %.0f MB |" % (
                         r["model"], r["weights"] / 1e6,
                         scheme_name(r["quant"]), r["threads"],
                         r["prefill"], r["gen"], r["per_token"] / 1e6, r["bw"],
                         100 * r["frac"], r["rss"], r["rss"] * 1048576 / r["weights"],
                         r["compile"], r["size"] / 1e6))
    table = header + "\n".join(lines) + "\n"
    if llama:
        table += ("\n| model | llama.cpp | threads | prefill tok/s | generate tok/s, "
                  "empty cache | generate tok/s, after the prompt "
                  "| dsc scheme | dsc/llama.cpp prefill, median of the runs' "
                  "(range) | dsc/llama.cpp generate after the prompt, median "
                  "of the runs' (range) |\n"
                  "|---|---|---|---|---|---|---|---|---|\n")
        # The median of the runs' ratios (each dsc run beside the llama.cpp
        # run of the same repetition), and their range.
        def ratio(rs):
            ok = [x for x in rs if x]
            if not ok:
                return "-"
            short = ", %d of %d runs" % (len(ok), len(rs)) if len(ok) < len(rs) else ""
            return "%.2f (%.2f-%.2f%s)" % (statistics.median(ok), min(ok), max(ok), short)
        for (model, kind, t), v in sorted(llama.items()):
            table += "| %s | %s | %d | %s | %s | %s | %s | %s | %s |\n" % (
                model, kind, t, fmt1(v["pre"]), fmt1(v["gen"]), fmt1(v["after"]),
                scheme_name(dsc_scheme(kind)), ratio(v["rpre"]), ratio(v["rgen"]))
    table += ("\n| model | scheme | weights | threads | first token, cold | first token, warm |\n"
              "|---|---|---|---|---|---|\n")
    for st in starts:
        table += "| %s | %s | %s | %d | %.2f s | %.2f s |\n" % (
            st["model"], scheme_name(st["quant"]),
            "read into huge pages (default)" if st["load"] == "read" else "mapped (--mmap)",
            st["threads"], st["cold"], st["warm"])
    if llama_extra:
        table += ("\n| model | llama.cpp | llama-quantize | first token, cold | "
                  "first token, warm | peak RSS | dsc scheme | dsc compile | dsc first token cold / warm | dsc peak RSS |\n"
                  "|---|---|---|---|---|---|---|---|---|---|\n")
        for (model, kind), (qs, cold, warm, rss) in sorted(llama_extra.items()):
            mine = [r for r in rows if r["model"] == model and r["quant"] == dsc_scheme(kind)]
            st = [x for x in starts if x["model"] == model and x["quant"] == dsc_scheme(kind)
                  and x["load"] == "read"]
            table += "| %s | %s | %s | %.2f s | %.2f s | %.0f MiB | %s | %s | %s | %s |\n" % (
                model, kind, "%.1f s" % qs if qs is not None else "- (as converted)",
                cold, warm, rss, scheme_name(dsc_scheme(kind)),
                "%.1f s" % mine[0]["compile"] if mine else "-",
                "%.2f / %.2f s" % (st[0]["cold"], st[0]["warm"]) if st else "-",
                "%.0f MiB" % max(r["rss"] for r in mine) if mine else "-")
    load = os.getloadavg()
    lo, hi = min(huge_shares, default=None), max(huge_shares, default=None)
    huge = ("unknown" if lo is None else "%d%% of its buffer" % lo if lo == hi
            else "%d-%d%% of its buffer" % (lo, hi))
    info = ("Machine: %s, %d CPUs available; %s. %s. Medians of %d runs; "
            "prompt %d tokens, %d generated; the bandwidth read from huge "
            "pages: %s. Load average at the end: %.1f %.1f %.1f.\n" % (
                cpu_name(), os.cpu_count(), platform.platform(),
                sh([a.dsc, "version"]).stdout.strip() +
                ("" if a.target == "native" else " --target " + a.target),
                a.reps, a.prompt, a.generate,
                huge, *load))
    print()
    print(info)
    print(table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(info + "\n" + table)


if __name__ == "__main__":
    main()
