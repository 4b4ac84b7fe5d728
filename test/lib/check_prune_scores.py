#!/usr/bin/env python3
"""Compares two score files of dsc-prune-structures (scores=FILE): the
second-order estimate against exact removal.

  check_prune_scores.py ESTIMATE.tsv EXACT.tsv --min-rho R --min-mean M

Per layer and kind (ffn, group, head), the Spearman rank correlation of
the two scores; fails unless every one is at least R and their mean at
least M.
"""
import argparse
import sys
from collections import defaultdict

import numpy as np


def load(path):
    rows = {}
    with open(path) as f:
        header = f.readline().split()
        if header != ["kind", "layer", "index", "score", "removed"]:
            sys.exit("%s: not a scores file" % path)
        for line in f:
            kind, layer, index, score, _ = line.split("\t")
            rows[(kind, int(layer), int(index))] = float(score)
    return rows


def ranks(x):
    return np.argsort(np.argsort(x, kind="stable"), kind="stable")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("estimate")
    p.add_argument("exact")
    p.add_argument("--min-rho", type=float, required=True)
    p.add_argument("--min-mean", type=float, required=True)
    a = p.parse_args()
    est, exact = load(a.estimate), load(a.exact)
    if set(est) != set(exact) or not est:
        sys.exit("the files score different structures")
    groups = defaultdict(list)
    for key in est:
        if key[0] != "layer":
            groups[key[:2]].append(key)
    rhos = []
    for (kind, layer), keys in sorted(groups.items()):
        x = np.array([est[k] for k in keys])
        y = np.array([exact[k] for k in keys])
        rho = float(np.corrcoef(ranks(x), ranks(y))[0, 1])
        rhos.append(rho)
        print("%s layer %d: %d structures, Spearman %.3f" % (kind, layer,
                                                             len(keys), rho))
        if rho < a.min_rho:
            sys.exit("%s layer %d: Spearman %.3f < %.3f" % (kind, layer, rho,
                                                           a.min_rho))
    mean = sum(rhos) / len(rhos)
    print("mean Spearman %.3f" % mean)
    if mean < a.min_mean:
        sys.exit("mean Spearman %.3f < %.3f" % (mean, a.min_mean))


if __name__ == "__main__":
    main()
