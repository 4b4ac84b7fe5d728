#!/usr/bin/env python3
"""Checks dsc advise's speed model against measured runs on this machine.

  bench/advise_check.py [--models stories260K,tinyllama] [--threads 1,2]
                        [--schemes none,int8:channel,int4:group=32]
                        [--reps 3] [--dsc build/bin/dsc] [--work DIR]
                        [--markdown FILE]

For each thread count it measures this machine's profile (`dsc advise
--measure -t N`), asks `dsc advise --predict-only` for each model's
predicted decode and prefill speed at a context of C tokens (decoding at
the mean position C/2, a C-token prompt), compiles the same variants
(`dsc compile --quantize S`, no calibration: the layout, which is all the
prediction reads, does not depend on it), and times them: decoding C
positions from one token, and prefilling a C-token prompt, the median (and the best) of
--reps runs alternating the variants. Compiles run at the lowest priority,
timed runs (and --measure) at normal priority; the load average is noted
beside every figure.

Models: stories260K (../shared/models, C = 256) and the TinyLlama-shaped
synthetic F16 checkpoint (bench/gen_large.py --preset tinyllama, reused
from /tmp/dsc-bench/tinyllama-f16 when it exists, C = 128). Both are
compiled without a tokenizer, so that no end of text stops a timed run.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "models")
CANDIDATE = {"none": "full", "int8:channel": "int8", "int4:group=32": "int4-g32",
             "int4:group=128": "int4-g128"}


def sh(cmd, nice=False):
    if nice:
        cmd = ["nice", "-n", "19"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr.strip()))
    return r


def load():
    return os.getloadavg()[0]


def checkpoint(model, work):
    """The checkpoint path, in a directory without a tokenizer."""
    if model == "stories260K":
        src = os.path.join(SHARED, "stories260K", "stories260K.bin")
        if not os.path.exists(src):
            sys.exit("no %s (the shared models)" % src)
        d = os.path.join(work, "stories260K")
        os.makedirs(d, exist_ok=True)
        dst = os.path.join(d, "stories260K.bin")
        if not os.path.exists(dst):
            os.symlink(src, dst)
        return dst, 256
    if model == "tinyllama":
        d = "/tmp/dsc-bench/tinyllama-f16"
        if not os.path.exists(os.path.join(d, "model.safetensors")):
            d = os.path.join(work, "tinyllama-f16")
            if not os.path.exists(os.path.join(d, "model.safetensors")):
                print("generating %s ..." % d, file=sys.stderr)
                sh(["/usr/bin/python3", os.path.join(HERE, "gen_large.py"), d,
                    "--preset", "tinyllama"], nice=True)
        return d, 128
    sys.exit("unknown model %s (stories260K, tinyllama)" % model)


def rates(exe, args, threads):
    r = sh([exe, "--temp", "0", "-t", str(threads)] + args)
    m = re.search(r"prompt (\d+) tokens ([\d.]+) tok/s \| generation (\d+) "
                  r"tokens ([\d.]+) tok/s", r.stderr)
    if not m:
        sys.exit("cannot parse the timing of %s: %s" % (exe, r.stderr))
    return float(m.group(2)), float(m.group(4)), int(m.group(3))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="stories260K,tinyllama")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--schemes", default="none,int8:channel,int4:group=32")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--dsc", default=os.path.join(ROOT, "build", "bin", "dsc"))
    ap.add_argument("--work", default="/tmp/dsc-advise-check")
    ap.add_argument("--profiles", help="reuse host-tN.json profiles from this "
                    "directory instead of measuring")
    ap.add_argument("--markdown", help="also write the table as Markdown")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    schemes = a.schemes.split(",")
    for s in schemes:
        if s not in CANDIDATE:
            sys.exit("--schemes: %s is not one of %s" % (s, ", ".join(CANDIDATE)))
    os.makedirs(a.work, exist_ok=True)

    profiles = {}
    for t in threads:
        path = os.path.join(a.profiles or a.work, "host-t%d.json" % t)
        if not a.profiles:
            before = load()
            print("measuring the profile with %d threads (load %.1f) ..." % (t, before),
                  file=sys.stderr, flush=True)
            sh([a.dsc, "advise", "--measure", "-t", str(t), "-o", path, "--quiet"])
            p = json.load(open(path))
            p["name"] = "host-t%d" % t
            p["load_average"] = [before, load()]
            with open(path, "w") as f:
                json.dump(p, f, indent=2)
        profiles[t] = json.load(open(path))

    rows = []
    for model in a.models.split(","):
        ckpt, ctx = checkpoint(model, a.work)
        cands = ",".join(sorted({"full"} | {CANDIDATE[s] for s in schemes}))
        devs = ",".join(os.path.join(a.profiles or a.work, "host-t%d.json" % t)
                        for t in threads)
        print("predicting %s ..." % model, file=sys.stderr, flush=True)
        out = sh([a.dsc, "advise", ckpt, "--device", devs, "--candidates", cands,
                  "--predict-only", "--ctx", str(ctx), "--json", "--quiet"],
                 nice=True).stdout
        pred = {}
        for dev in json.loads(out)["devices"]:
            t = int(dev["device"]["name"].rsplit("-t", 1)[1])
            for c in dev["candidates"]:
                pred[(t, c["id"])] = c
        exes = {}
        for s in schemes:
            exe = os.path.join(a.work, "%s-%s" % (model, re.sub(r"[^\w]+", "_", s)))
            print("compiling %s %s ..." % (model, s), file=sys.stderr, flush=True)
            cmd = [a.dsc, "compile", ckpt, "-o", exe, "--quiet"]
            if s != "none":
                cmd += ["--quantize", s]
            sh(cmd, nice=True)
            exes[s] = exe
        prompt = " ".join(str(3 + (i * 37) % 500) for i in range(ctx))
        for t in threads:
            dec, pre, loads = {s: [] for s in schemes}, {s: [] for s in schemes}, []
            for rep in range(a.reps):
                # The variants alternate, so that a change of load reaches
                # them all.
                for s in schemes:
                    loads.append(load())
                    _, g, n = rates(exes[s], ["--tokens", "1", "-n", str(ctx)], t)
                    if n < ctx - 2:
                        sys.exit("%s generated %d tokens of %d" % (exes[s], n, ctx - 2))
                    p, _, _ = rates(exes[s], ["--tokens", prompt, "--no-bos",
                                              "-n", str(ctx + 1)], t)
                    dec[s].append(g)
                    pre[s].append(p)
                    print("%-11s %-14s t%d  decode %8.1f  prefill %8.1f tok/s  (load %.1f)"
                          % (model, s, t, g, p, loads[-1]), file=sys.stderr, flush=True)
            for s in schemes:
                c = pred[(t, CANDIDATE[s])]
                md, mp = statistics.median(dec[s]), statistics.median(pre[s])
                rows.append(dict(model=model, scheme=s, threads=t, ctx=ctx,
                                 pred_decode=c["decode_tok_s"], decode=md,
                                 decode_runs=dec[s],
                                 pred_prefill=c["prefill_tok_s"], prefill=mp,
                                 prefill_runs=pre[s], terms=c["terms"],
                                 load=(min(loads), max(loads))))

    head = ("| model | scheme | threads | C | predicted decode | measured decode "
            "median (best) | error (vs best) | predicted prefill | measured prefill "
            "median (best) | error (vs best) | decode read from | load |\n"
            "|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---|\n")
    body = ""
    for r in rows:
        bd, bp = max(r["decode_runs"]), max(r["prefill_runs"])
        body += ("| %s | %s | %d | %d | %.1f | %.1f (%.1f) | %+.0f%% (%+.0f%%) | %.1f "
                 "| %.1f (%.1f) | %+.0f%% (%+.0f%%) | %s | %.1f-%.1f |\n" % (
                     r["model"], r["scheme"], r["threads"], r["ctx"], r["pred_decode"],
                     r["decode"], bd, 100 * (r["pred_decode"] / r["decode"] - 1),
                     100 * (r["pred_decode"] / bd - 1),
                     r["pred_prefill"], r["prefill"], bp,
                     100 * (r["pred_prefill"] / r["prefill"] - 1),
                     100 * (r["pred_prefill"] / bp - 1),
                     r["terms"]["decode"]["level"], r["load"][0], r["load"][1]))
    prof = ""
    for t in threads:
        p = profiles[t]
        prof += ("- %d thread(s): memory %.1f GB/s, L2 %.1f GB/s, cache %.1f GB/s "
                 "(%d MiB counted), efficiency float/int8/int4 %.2f/%.2f/%.2f, "
                 "attention %.1f + %.2f x head_dim ns, portable %.2f ns/weight, "
                 "fixed float/int8/int4 %.2f/%.2f/%.2f us per layer, prefill "
                 "GOP/s float/int8/int4 %.0f/%.0f/%.0f%s\n" % (
                     t, p["bandwidth_gbs"], p.get("l2_bandwidth_gbs", 0),
                     p.get("cache_bandwidth_gbs", 0), p.get("cache_bytes", 0) >> 21,
                     p["efficiency_float"], p["efficiency_int8"], p["efficiency_int4"],
                     p["attention_ns"], p["attention_ns_per_dim"],
                     p["portable_ns_per_weight"], p["layer_overhead_us"],
                     p["layer_overhead_int8_us"], p["layer_overhead_int4_us"],
                     p["gflops"], p["gflops_int8"], p["gflops_int4"],
                     (" (load %.1f-%.1f)" % tuple(p["load_average"]))
                     if "load_average" in p else ""))
    text = head + body + "\nProfiles (`dsc advise --measure`):\n\n" + prof
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
        with open(a.markdown + ".json", "w") as f:
            json.dump(dict(rows=rows, profiles=profiles), f, indent=1)
    worst = max(abs(r["pred_decode"] / r["decode"] - 1) for r in rows)
    print("largest decode error: %.0f%%" % (100 * worst), file=sys.stderr)


if __name__ == "__main__":
    main()
