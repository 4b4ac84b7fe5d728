#!/usr/bin/env python3
"""Quantization quality report: `dsc eval` of every scheme, round to
nearest and calibrated, and of --quantize auto at a few budgets, as a
Markdown table; or (--curve) dsc's KL divergence against bytes beside
llama.cpp's quantized files of tiny-llama-quality, as a table and an SVG plot.

  bench/quality.py [--model DIR_OR_FILE] [--text FILE] [--ctx 256]
                   [--calib FILE] [--budgets 250KiB,300KiB] [--dsc build/bin/dsc]
                   [--markdown FILE]
  bench/quality.py --curve [--sizes 3504512,...] [--rounding gptq]
                   [--svg docs/quality-curve.svg] [--markdown FILE]
                   [--model F32.gguf --text FILE --llama-bin DIR]

Defaults: the stories260K llama2.c checkpoint and TinyStories calibration
text in ../shared. Each row is one `dsc eval --json` run against the
unquantized model on the same text.

--curve: the model is tiny-llama-quality's F32 GGUF; the text's lines are
split in halves, dsc calibrates on the first and evaluates on the second
(context 256), as llama.cpp's figures in ../shared/models/README.md were
measured. Per llama.cpp size (the file bytes of each type in that README),
`--quantize auto --mem-budget <size>`; plus int8:channel with the
classifier's and the table's default schemes (int8:group=32 under int8). dsc's bytes are its weights' (the executable's
weight section); llama.cpp's are the whole file's (its tokenizer included).
With --llama-bin (llama.cpp's llama-quantize and llama-perplexity) the
llama.cpp side is measured here, on --model (an F32 GGUF) and the same
second half of --text: each of --llama-types is made by llama-quantize and
scored by llama-perplexity --kl-divergence against the F32 file at the same
context, and dsc's sizes are those files' sizes (for a model and text other
than tiny-llama-quality's; bench/structured_model.py writes one).
The auto runs share one --auto-cache file: the first measures each weight
under each candidate scheme, the others read the measurements
(--no-auto-cache measures at every size, as before the file existed).
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
SCHEMES = ["int8:tensor", "int8:channel", "int8:group=32", "int4:tensor",
           "int4:head", "int4:channel", "int4:group=32", "int4:group=32,asym",
           "int4:group=64", "int4:group=128", "int4:group=128,asym",
           "int4:group=32,scale=i8", "int4:group=32,asym,scale=i8"]


def evaluate(args, extra):
    """One `dsc eval --json` row; with --quantize auto, r["mix"] is the
    scheme mix dsc's note reports (e.g. "7 x int2:group=32, ...")."""
    cmd = [args.dsc, "eval", args.model, "--text", args.text, "--ctx",
           str(args.ctx), "--json"] + extra
    print("  " + " ".join(extra), file=sys.stderr, flush=True)
    start = time.monotonic()
    p = subprocess.run(cmd, check=True, capture_output=True, text=True)
    r = json.loads(p.stdout)
    m = re.search(r"mixed precision for [^:]*: (.*?); weights", p.stderr)
    r["mix"] = m.group(1) if m else None
    r["seconds"] = time.monotonic() - start
    print("    %.0f s: %d bytes, KLD %.6f%s" % (
        r["seconds"], r["bytes"], r["kld_mean"],
        "; " + r["mix"] if r["mix"] else ""), file=sys.stderr, flush=True)
    return r


# llama.cpp's figures (../shared/models/README.md), used where it is absent.
LLAMA_CPP = [("Q8_0", 3504512, 0.000260), ("Q6_K", 2710912, 0.001565),
             ("Q5_K_M", 2349696, 0.004396), ("Q5_0", 2293120, 0.005549),
             ("Q4_K_M", 2009728, 0.015806), ("Q4_K_S", 1908096, 0.015115),
             ("IQ4_NL", 1908096, 0.016401), ("Q4_0", 1899904, 0.023829),
             ("IQ4_XS", 1811840, 0.016645), ("Q3_K_M", 1634176, 0.052201),
             ("Q2_K", 1284480, 0.253874)]


def llama_cpp_table():
    """(type, file bytes, mean KLD) from the shared README's table."""
    path = os.path.join(SHARED, "models", "README.md")
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
        at = text.find("## tiny-llama-quality/")
        for m in re.finditer(r"^\| (\w+) \| ([\d,]+) \| ([\d.]+) \|",
                             text[at:], re.M):
            rows.append((m.group(1), int(m.group(2).replace(",", "")),
                         float(m.group(3))))
    return rows or LLAMA_CPP


def llama_cpp_measure(args, model, text, tmp):
    """(type, file bytes, mean KLD, p99 KLD, same top-1) for each of
    --llama-types, by llama.cpp's own tools on `model` and `text`."""
    q = os.path.join(args.llama_bin, "llama-quantize")
    ppl = os.path.join(args.llama_bin, "llama-perplexity")
    base = os.path.join(tmp, "llama-base.kld")
    common = ["-f", text, "-c", str(args.ctx), "-b", str(args.ctx)]
    if args.llama_threads:
        common += ["-t", str(args.llama_threads)]
    print("  llama.cpp: F32 logits", file=sys.stderr, flush=True)
    subprocess.run([ppl, "-m", model, "--kl-divergence-base", base] + common,
                   check=True, capture_output=True, text=True)
    rows = []
    for t in args.llama_types.split(","):
        out = os.path.join(tmp, "llama-%s.gguf" % t)
        subprocess.run([q, model, out, t], check=True, capture_output=True,
                       text=True)
        p = subprocess.run([ppl, "-m", out, "--kl-divergence-base", base,
                            "--kl-divergence"] + common, check=True,
                           capture_output=True, text=True)
        log = p.stdout + p.stderr
        mean = re.search(r"Mean\s+KLD:\s+([-\d.e]+)", log)
        p99 = re.search(r"99\.0%\s+KLD:\s+([-\d.e]+)", log)
        top = re.search(r"Same top p:\s+([\d.]+)", log)
        if not mean:
            raise RuntimeError("no 'Mean KLD' in llama-perplexity's output "
                               "for %s:\n%s" % (t, log[-2000:]))
        row = (t, os.path.getsize(out), float(mean.group(1)),
               float(p99.group(1)) if p99 else float("nan"),
               float(top.group(1)) / 100 if top else float("nan"))
        print("    %s: %d bytes, KLD %.6f" % row[:3], file=sys.stderr,
              flush=True)
        rows.append(row)
        os.unlink(out)
    return rows


def svg_plot(dsc_points, llama_points, path):
    """KLD (log scale) against megabytes: dsc's curve and llama.cpp's files."""
    W, H, L, R, T, B = 720, 460, 70, 20, 30, 50
    xs = [b for b, _ in dsc_points] + [b for _, b, _ in llama_points]
    ys = [k for _, k in dsc_points] + [k for _, _, k in llama_points]
    x0, x1 = min(xs) * 0.95 / 1e6, max(xs) * 1.03 / 1e6
    y0 = math.floor(math.log10(max(min(ys), 1e-6)))
    y1 = math.ceil(math.log10(max(ys)))

    def X(b):
        return L + (b / 1e6 - x0) / (x1 - x0) * (W - L - R)

    def Y(k):
        return T + (y1 - math.log10(max(k, 10 ** y0))) / (y1 - y0) * (H - T - B)

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>']
    for e in range(y0, y1 + 1):
        y = Y(10 ** e)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                   % (L, y, W - R, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end">1e%d</text>'
                   % (L - 6, y + 4, e))
    mb = math.ceil(x0 * 4) / 4
    while mb <= x1:
        x = X(mb * 1e6)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>'
                   % (x, T, x, H - B))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%.2f</text>'
                   % (x, H - B + 16, mb))
        mb += 0.25
    out.append('<text x="%d" y="%d" text-anchor="middle">weights / file '
               '(MB, 10^6 bytes)</text>' % ((L + W - R) // 2, H - 12))
    out.append('<text x="16" y="%d" transform="rotate(-90 16 %d)" '
               'text-anchor="middle">mean KL divergence (log)</text>'
               % ((T + H - B) // 2, (T + H - B) // 2))
    pts = sorted(dsc_points)
    out.append('<polyline fill="none" stroke="#1f77b4" stroke-width="2" '
               'points="%s"/>' % " ".join("%.1f,%.1f" % (X(b), Y(k))
                                          for b, k in pts))
    for b, k in pts:
        out.append('<circle cx="%.1f" cy="%.1f" r="4" fill="#1f77b4"/>'
                   % (X(b), Y(k)))
    for name, b, k in llama_points:
        out.append('<rect x="%.1f" y="%.1f" width="7" height="7" '
                   'fill="#d62728"/>' % (X(b) - 3.5, Y(k) - 3.5))
        out.append('<text x="%.1f" y="%.1f" fill="#d62728" font-size="10">'
                   '%s</text>' % (X(b) + 5, Y(k) - 5, name))
    out.append('<rect x="%d" y="%d" width="10" height="10" fill="#1f77b4"/>'
               '<text x="%d" y="%d">dsc (--quantize auto --mem-budget)</text>'
               % (W - R - 260, T + 4, W - R - 245, T + 13))
    out.append('<rect x="%d" y="%d" width="10" height="10" fill="#d62728"/>'
               '<text x="%d" y="%d">llama.cpp (llama-quantize b4747)</text>'
               % (W - R - 260, T + 22, W - R - 245, T + 31))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def curve(args):
    model = args.model if args.model_given else os.path.join(
        SHARED, "models", "tiny-llama-quality", "gguf",
        "tiny-llama-quality-F32.gguf")
    with open(args.text) as f:
        lines = f.read().split("\n")
    half = len(lines) // 2
    llama = [] if args.llama_bin else llama_cpp_table()
    # The sizes: llama.cpp's files, Q5_0 and Q4_0 sitting beside
    # Q5_K_M and Q4_K_S.
    default = [3504512, 2710912, 2349696, 2009728, 1908096, 1811840, 1634176,
               1284480]
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes else
             default)
    llama_full = []
    with tempfile.TemporaryDirectory(prefix="dsc-quality-") as tmp:
        calib = os.path.join(tmp, "calib.txt")
        text = os.path.join(tmp, "eval.txt")
        stats = os.path.join(tmp, "stats.bin")
        cache = [] if args.no_auto_cache else [
            "--auto-cache", os.path.join(tmp, "measurements.bin")]
        with open(calib, "w") as f:
            f.write("\n".join(lines[:half]) + "\n")
        with open(text, "w") as f:
            held = "\n".join(lines[half:])
            f.write(held[:args.eval_chars] if args.eval_chars else held)
        if args.llama_bin and args.llama_rows and os.path.exists(
                args.llama_rows):
            with open(args.llama_rows) as f:
                llama_full = [tuple(r) for r in json.load(f)]
        elif args.llama_bin:
            llama_full = llama_cpp_measure(args, model, text, tmp)
            if args.llama_rows:
                with open(args.llama_rows, "w") as f:
                    json.dump(llama_full, f)
        if args.llama_bin:
            llama = [r[:3] for r in llama_full]
            if not args.sizes:
                sizes = [b for _, b, _ in llama]
        args.model, args.text = model, text
        common = ["--quantize-rounding", args.rounding]
        rows = []
        # The first run calibrates and keeps the statistics for the others.
        r = evaluate(args, ["--quantize", "int8:channel", "--calib", calib,
                            "--save-calib-stats", stats] + common)
        rows.append(("int8:channel (tables int8:group=32)", None, r))
        for size in sizes:
            try:
                r = evaluate(args, ["--quantize", "auto", "--mem-budget",
                                    str(size), "--calib-stats", stats] +
                             common + cache)
            except subprocess.CalledProcessError as e:
                # A size below dsc's smallest model: say so in the table.
                why = e.stderr.strip().splitlines()[-1] if e.stderr else "failed"
                print("    " + why, file=sys.stderr)
                rows.append(("auto: " + why.replace("|", "/"), size, None))
                continue
            rows.append(("auto: " + r["mix"] if r["mix"] else "auto", size,
                         r))
    lines_md = ["| budget (bytes) | llama.cpp at that size | llama.cpp KLD | "
                "dsc scheme | dsc bytes | dsc KLD | dsc KLD p99 | dsc top-1 |",
                "|---:|---|---:|---|---:|---:|---:|---:|"]
    for scheme, size, r in rows:
        same = [(n, k) for n, b, k in llama if size is not None and b == size]
        if size is None:  # the int8 row sits beside Q8_0
            same = [(n, k) for n, b, k in llama if n == "Q8_0"]
        best = min(same, key=lambda t: t[1]) if same else None
        head = ("{:,}".format(size) if size else "-",
                " / ".join(n for n, _ in same) or "-",
                " / ".join("%.6f" % k for _, k in same) or "-", scheme)
        if r is None:
            lines_md.append("| %s | %s | %s | %s | - | - | - | - |" % head)
            continue
        lines_md.append("| %s | %s | %s | %s | %d | %.6f | %.4f | %.2f%% |" % (
            head + (r["bytes"], r["kld_mean"], r["kld_p99"], 100 * r["top1"])))
    auto_seconds = [r["seconds"] for s, size, r in rows
                    if size is not None and r is not None]
    out = "\n".join(lines_md) + ("\n\n%d tokens evaluated, windows of %d; "
                                 "%.0f s for the %d runs (the auto runs: "
                                 "%s s).\n") % (
        rows[0][2]["tokens"], args.ctx,
        sum(r["seconds"] for _, _, r in rows if r), len(rows),
        ", ".join("%.0f" % t for t in auto_seconds))
    if llama_full:
        out += ("\nllama.cpp (%s), measured here: | type | file bytes | "
                "mean KLD | 99th pct KLD | same top-1 |\n" % args.llama_bin)
        out += "\n".join("| %s | %d | %.6f | %.4f | %.2f%% |" % (
            t, b, k, p99, 100 * top) for t, b, k, p99, top in llama_full) + "\n"
    print(out)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(out)
    if args.svg:
        svg_plot([(r["bytes"], r["kld_mean"]) for s, size, r in rows
                  if size is not None and r is not None], llama, args.svg)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=os.path.join(SHARED, "models", "stories260K",
                                                    "stories260K.bin"))
    p.add_argument("--text", default=os.path.join(SHARED, "data", "tinystories-calib.txt"))
    p.add_argument("--calib", default=None, help="calibration text (default: --text)")
    p.add_argument("--ctx", type=int, default=256)
    p.add_argument("--budgets", default="250KiB,300KiB")
    p.add_argument("--schemes", default=";".join(SCHEMES),
                   help="semicolon-separated (schemes contain commas)")
    p.add_argument("--dsc", default=os.path.join(ROOT, "build", "bin", "dsc"))
    p.add_argument("--markdown", default=None)
    p.add_argument("--curve", action="store_true",
                   help="KLD against bytes beside llama.cpp's files")
    p.add_argument("--sizes", default=None,
                   help="--curve: comma-separated budgets in bytes "
                        "(default: llama.cpp's file sizes)")
    p.add_argument("--rounding", default="gptq", help="--curve: gptq or nearest")
    p.add_argument("--svg", default=None, help="--curve: write the plot here")
    p.add_argument("--llama-bin", default=None,
                   help="--curve: measure llama.cpp's K-quants of --model "
                        "with the binaries in this directory")
    p.add_argument("--llama-types",
                   default="Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q4_K_S,Q3_K_M,Q2_K",
                   help="--curve --llama-bin: llama-quantize types")
    p.add_argument("--llama-threads", type=int, default=0)
    p.add_argument("--llama-rows", default=None,
                   help="--curve --llama-bin: keep llama.cpp's rows in this "
                        "JSON file and read them from it when it exists")
    p.add_argument("--eval-chars", type=int, default=0,
                   help="--curve: evaluate on the first N characters of "
                        "the second half only (0: all of it)")
    p.add_argument("--no-auto-cache", action="store_true",
                   help="--curve: measure auto's choices at every size")
    args = p.parse_args()
    args.model_given = any(a == "--model" or a.startswith("--model=")
                           for a in sys.argv[1:])
    if args.curve:
        return curve(args)
    calib = args.calib or args.text
    rows = []
    for scheme in args.schemes.split(";"):
        for method, extra in (("RTN", []), ("calibrated", ["--calib", calib])):
            r = evaluate(args, ["--quantize", scheme] + extra)
            rows.append((scheme, method, r))
    for budget in filter(None, args.budgets.split(",")):
        r = evaluate(args, ["--quantize", "auto", "--mem-budget", budget,
                            "--calib", calib])
        rows.append(("auto, budget " + budget, "calibrated", r))
    ref = rows[0][2]
    lines = ["| scheme | method | weights (bytes) | bits/weight | perplexity | "
             "KLD mean | KLD p99 | top-1 |",
             "|---|---|---:|---:|---:|---:|---:|---:|",
             "| unquantized (f32) | | %d | %.2f | %.4f | 0 | 0 | 100%% |"
             % (ref["ref_bytes"], 32.0, ref["ppl_ref"])]
    for scheme, method, r in rows:
        lines.append("| %s | %s | %d | %.2f | %.4f | %.5f | %.4f | %.2f%% |" % (
            scheme, method, r["bytes"], r["bpw"], r["ppl"], r["kld_mean"],
            r["kld_p99"], 100 * r["top1"]))
    text = "\n".join(lines) + "\n\n%d tokens evaluated, windows of %d.\n" % (
        ref["tokens"], args.ctx)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
