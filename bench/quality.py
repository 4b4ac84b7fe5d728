#!/usr/bin/env python3
"""Quantization quality report: `dsc eval` of every scheme, round to
nearest and calibrated, and of --quantize auto at a few budgets, as a
Markdown table.

  bench/quality.py [--model DIR_OR_FILE] [--text FILE] [--ctx 256]
                   [--calib FILE] [--budgets 250KiB,300KiB] [--dsc build/bin/dsc]
                   [--markdown FILE]

Defaults: the stories260K llama2.c checkpoint and TinyStories calibration
text in ../shared. Each row is one `dsc eval --json` run against the
unquantized model on the same text.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
SCHEMES = ["int8:tensor", "int8:channel", "int8:group=32", "int4:tensor",
           "int4:head", "int4:channel", "int4:group=32", "int4:group=32,asym",
           "int4:group=64", "int4:group=128", "int4:group=128,asym"]


def evaluate(args, extra):
    cmd = [args.dsc, "eval", args.model, "--text", args.text, "--ctx",
           str(args.ctx), "--json", "--quiet"] + extra
    print("  " + " ".join(extra), file=sys.stderr, flush=True)
    return json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                     text=True).stdout)


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
    args = p.parse_args()
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
