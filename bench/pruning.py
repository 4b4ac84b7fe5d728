#!/usr/bin/env python3
"""Structured pruning report: `dsc eval --prune` of each structure and
ratio, teacher-scored with refit and by weight magnitude, and pruned +
int4 against unpruned int4, as Markdown (docs/pruning.md).

  bench/pruning.py [--model FILE_OR_DIR] [--text FILE] [--ctx 256]
                   [--configs ffn=0.1;ffn=0.25;...] [--quant int4:group=32]
                   [--dsc build/bin/dsc] [--markdown FILE] [--title TEXT]
                   [--corrections ffn=0.25;heads=0.25;layers=1]

The text's lines are split in two: pruning (and quantization) calibrate on
the first half, `dsc eval` measures on the second, against the unpruned
model. Tokens/s is the generation speed of the compiled executable
(128 tokens, greedy, one thread). Defaults: stories260K and the
TinyStories text in ../shared. --corrections adds a table of the
teacher method's refit with and without --prune-bias-correct and
--prune-norm-correct (the default) for those configurations (--configs '' --quant '' for that table alone).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
CONFIGS = "ffn=0.1;ffn=0.25;ffn=0.4;heads=0.25;layers=1"


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr))
    return r


def evaluate(args, train, test, extra):
    print("  eval " + " ".join(extra), file=sys.stderr, flush=True)
    r = run([args.dsc, "eval", args.model, "--text", test, "--ctx",
             str(args.ctx), "--json", "--quiet"] + extra)
    return json.loads(r.stdout)


def speed(args, work, extra):
    exe = os.path.join(work, "model")
    print("  compile " + " ".join(extra), file=sys.stderr, flush=True)
    run([args.dsc, "compile", args.model, "-o", exe, "--quiet"] + extra)
    r = run([exe, "--tokens", "1", "--no-bos", "-n", "128", "--temp", "0",
             "-t", "1"])
    m = re.search(r"generation \d+ tokens ([\d.]+) tok/s", r.stderr)
    if not m:
        sys.exit("cannot parse: " + r.stderr)
    return float(m.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=os.path.join(
        SHARED, "models", "stories260K", "stories260K.bin"))
    p.add_argument("--text", default=os.path.join(
        SHARED, "data", "tinystories-calib.txt"))
    p.add_argument("--ctx", type=int, default=256)
    p.add_argument("--configs", default=CONFIGS, help="semicolon-separated")
    p.add_argument("--quant", default="int4:group=32",
                   help="scheme of the pruned + quantized rows ('' for none)")
    p.add_argument("--quant-config", default="ffn=0.25")
    p.add_argument("--no-speed", action="store_true")
    p.add_argument("--dsc", default=os.path.join(ROOT, "build", "bin", "dsc"))
    p.add_argument("--markdown", default=None)
    p.add_argument("--title", default=None)
    p.add_argument("--corrections", default="",
                   help="semicolon-separated: refit with and without "
                        "--prune-bias-correct, --prune-norm-correct")
    args = p.parse_args()

    work = tempfile.mkdtemp(prefix="dsc-prune-bench-")
    with open(args.text, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    half = len(lines) // 2
    train, test = os.path.join(work, "calib.txt"), os.path.join(work, "eval.txt")
    with open(train, "w", encoding="utf-8") as f:
        f.writelines(lines[:half])
    with open(test, "w", encoding="utf-8") as f:
        f.writelines(lines[half:])

    def tps(extra):
        return None if args.no_speed else speed(args, work, extra)

    rows = []
    base = None
    for cfg in filter(None, args.configs.split(";")):
        for method in ("teacher", "magnitude"):
            extra = ["--prune", cfg, "--prune-method", method]
            if method == "teacher":
                extra += ["--calib", train]
            r = evaluate(args, train, test, extra)
            base = base or r
            rows.append((cfg, method + (" + refit" if method == "teacher"
                                        else ""), r, tps(extra)))
    crows = []
    for cfg in filter(None, args.corrections.split(";")):
        for flags in ([], ["bias"], ["norm"], ["bias", "norm"]):
            extra = ["--prune", cfg, "--calib", train]
            extra += ["--prune-%s-correct=%s" % (f, str(f in flags).lower())
                      for f in ("bias", "norm")]
            r = evaluate(args, train, test, extra)
            base = base or r
            crows.append((cfg, " + ".join(["refit"] + flags), r))
    ref_speed = tps([]) if rows else None
    qrows = []
    if args.quant:
        q = ["--quantize", args.quant, "--calib", train]
        qrows.append(("unpruned", args.quant, evaluate(args, train, test, q),
                      tps(q)))
        pq = ["--prune", args.quant_config] + q
        pr = evaluate(args, train, test, pq)
        qrows.append((args.quant_config + " (teacher + refit)", args.quant, pr,
                      tps(pq)))
        # The unpruned model at the pruned one's size: mixed precision
        # (int4/int8/float per matrix, the embedding table too) for a budget.
        budget = ["--quantize", "auto", "--mem-budget", str(pr["bytes"]),
                  "--calib", train]
        r = subprocess.run([args.dsc, "eval", args.model, "--text", test,
                            "--ctx", str(args.ctx), "--json", "--quiet"] +
                           budget, capture_output=True, text=True)
        if r.returncode == 0:
            qrows.append(("unpruned", "auto, budget %d bytes" % pr["bytes"],
                          json.loads(r.stdout), tps(budget)))
        else:
            qrows.append(("unpruned", "auto, budget %d bytes: %s" % (
                pr["bytes"], r.stderr.strip().replace("|", "/")), None, None))

    def params(r):
        return round(8 * r["bytes"] / r["bpw"])

    def fmt_speed(s):
        return "" if s is None else "%.0f" % s

    title = args.title or os.path.basename(args.model.rstrip("/"))
    out = ["### %s\n" % title]
    if rows:
        out += [
           "| pruned | method | parameters | bytes | perplexity | KLD mean | "
           "KLD p99 | top-1 | tokens/s |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|",
           "| nothing (teacher) | | %d | %d | %.4f | 0 | 0 | 100%% | %s |" % (
               params(dict(bytes=base["ref_bytes"], bpw=32.0)),
               base["ref_bytes"], base["ppl_ref"], fmt_speed(ref_speed))]
    for cfg, method, r, s in rows:
        out.append("| %s | %s | %d | %d | %.4f | %.4f | %.3f | %.2f%% | %s |" % (
            cfg, method, params(r), r["bytes"], r["ppl"], r["kld_mean"],
            r["kld_p99"], 100 * r["top1"], fmt_speed(s)))
    if qrows:
        out += ["", "| pruned | quantized | parameters | bytes | perplexity | "
                "KLD mean | KLD p99 | top-1 | tokens/s |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for cfg, scheme, r, s in qrows:
            if r is None:
                out.append("| %s | %s | | | | | | | |" % (cfg, scheme))
                continue
            out.append("| %s | %s | %d | %d | %.4f | %.4f | %.3f | %.2f%% | %s |"
                       % (cfg, scheme, params(r), r["bytes"], r["ppl"],
                          r["kld_mean"], r["kld_p99"], 100 * r["top1"],
                          fmt_speed(s)))
    if crows:
        out += ["", "| pruned (teacher) | recovery | parameters | perplexity | "
                "KLD mean | KLD p99 | top-1 |",
                "|---|---|---:|---:|---:|---:|---:|"]
        for cfg, how, r in crows:
            out.append("| %s | %s | %d | %.4f | %.4f | %.3f | %.2f%% |" % (
                cfg, how, params(r), r["ppl"], r["kld_mean"], r["kld_p99"],
                100 * r["top1"]))
    out.append("\n%d tokens evaluated (second half of %s), windows of %d; "
               "calibration on the first half.\n" % (
                   base["tokens"], os.path.basename(args.text), args.ctx))
    text = "\n".join(out)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
