#!/usr/bin/env python3
"""Writes files for the tests of the calibration passes.

  calib_stats.py stats OUT --cols 8[,12...] [--rows 64] [--sample-rows 16]
                 [--outlier C] [--seed 1] [--hessian] [--tokens 1,2,3 --window W]
                 [--bad magic|truncated|nan|cols|trailing|hessian]
  calib_stats.py floats OUT N [--seed 1]

`stats` writes a calibration statistics file (compiler/quant/CalibStats.h:
"DSCCALB1", points, then per point cols, rows, sampleRows, absMean[cols],
sqMean[cols] as float64 and sample[sampleRows x cols] as float32), one point
per --cols entry, from random activations in which column C (--outlier) is
twenty times larger, as in real models. With --hessian or --tokens it is a
"DSCCALB2" file: after the point count the window, the token count and the
tokens (int32), and per point after the sample hessianCols and the mean
x^T x (float32) when --hessian. `--bad` damages it in one field.
`floats` writes N random float32 values (weights for #dsc.file).
"""
import argparse
import struct
import sys

import numpy as np


def stats(args):
    rng = np.random.default_rng(args.seed)
    v2 = args.hessian or args.tokens is not None
    out = bytearray(b"DSCCALB2" if v2 else b"DSCCALB1")
    cols_list = [int(c) for c in args.cols.split(",")]
    out += struct.pack("<Q", len(cols_list))
    if v2:
        toks = [int(t) for t in args.tokens.split(",")] if args.tokens else []
        out += struct.pack("<qQ", args.window, len(toks))
        out += struct.pack("<%di" % len(toks), *toks)
    for cols in cols_list:
        x = rng.standard_normal((args.rows, cols)).astype(np.float32)
        if args.outlier is not None and args.outlier < cols:
            x[:, args.outlier] *= 20
        if args.bad == "cols":
            cols_field = 0
        else:
            cols_field = cols
        out += struct.pack("<qQq", cols_field, args.rows, args.sample_rows)
        absmean = np.abs(x).mean(axis=0).astype(np.float64)
        sqmean = (x.astype(np.float64) ** 2).mean(axis=0)
        if args.bad == "nan":
            absmean[0] = float("nan")
        out += absmean.tobytes() + sqmean.tobytes()
        step = max(1, args.rows // args.sample_rows)
        out += x[::step][: args.sample_rows].tobytes()
        if v2:
            hc = cols if args.hessian else 0
            out += struct.pack("<q", cols + 1 if args.bad == "hessian" else hc)
            if hc:
                h = (x.astype(np.float64).T @ x) / args.rows
                out += h.astype(np.float32).tobytes()
    if args.bad == "magic":
        out[:8] = b"NOTSTATS"
    elif args.bad == "truncated":
        out = out[:-5]
    elif args.bad == "trailing":
        out += b"\0" * 3
    with open(args.out, "wb") as f:
        f.write(out)


def floats(args):
    rng = np.random.default_rng(args.seed)
    with open(args.out, "wb") as f:
        f.write(rng.standard_normal(args.n).astype(np.float32).tobytes())


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stats")
    s.add_argument("out")
    s.add_argument("--cols", required=True)
    s.add_argument("--rows", type=int, default=64)
    s.add_argument("--sample-rows", type=int, default=16)
    s.add_argument("--outlier", type=int)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--hessian", action="store_true")
    s.add_argument("--tokens", default=None)
    s.add_argument("--window", type=int, default=16)
    s.add_argument("--bad", choices=["magic", "truncated", "nan", "cols",
                                     "trailing", "hessian"])
    f = sub.add_parser("floats")
    f.add_argument("out")
    f.add_argument("n", type=int)
    f.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    (stats if args.cmd == "stats" else floats)(args)


if __name__ == "__main__":
    sys.exit(main())
