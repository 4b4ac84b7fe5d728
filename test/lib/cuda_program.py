#!/usr/bin/env python3
"""Reads the device program (dsc/abi/cuda_program.h) out of `dsc compile
--target cuda-* --emit=llvm` output and prints what the tests check.

usage: cuda_program.py FILE.ll

Prints the header's word DSC_CP_SCALES_F16 and the number of scales of the
program's quantized weights (rows * cols / group each): what the device
holds of them is that many f16 or f32 values; then the program's parts
(buffers, weights, RoPE tables, pool), which must make up all its words:
the launches are code, not steps in the program. The words' places are read
from the header itself, so that they have one definition.
"""
import os
import re
import sys

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "runtime", "abi", "include", "dsc", "abi",
                      "cuda_program.h")


def abi_enums(path):
    """NAME -> value of every enumerator of the header's anonymous enums."""
    text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
    values = {}
    for body in re.findall(r"enum\s*\{(.*?)\}", text, flags=re.S):
        nxt = 0
        for item in filter(None, (i.strip() for i in body.split(","))):
            name, _, value = (p.strip() for p in item.partition("="))
            nxt = int(value) if value else nxt
            values[name] = nxt
            nxt += 1
    return values


def main():
    e = abi_enums(HEADER)
    text = open(sys.argv[1]).read()
    m = re.search(r"@dsc_cuda_program = [^[]*\[\d+ x i64\] \[([^]]*)\]", text)
    if not m:
        sys.exit("%s: no dsc_cuda_program" % sys.argv[1])
    w = [int(v.split()[1]) for v in m.group(1).split(", ")]
    size = e["DSC_CPW_SIZE"]
    first = e["DSC_CP_HEADER_SIZE"] + w[e["DSC_CP_BUFFERS"]]
    scales = 0
    for i in range(w[e["DSC_CP_WEIGHTS"]]):
        entry = w[first + i * size:first + (i + 1) * size]
        if entry[e["DSC_CPW_KIND"]] in (e["DSC_CPK_Q8"], e["DSC_CPK_Q4"]):
            scales += entry[e["DSC_CPW_ROWS"]] * (
                entry[e["DSC_CPW_COLS"]] // entry[e["DSC_CPW_GROUP"]])
    print("scales_f16 %d" % w[e["DSC_CP_SCALES_F16"]])
    print("scales %d" % scales)
    parts = [w[e["DSC_CP_BUFFERS"]], w[e["DSC_CP_WEIGHTS"]] * size,
             w[e["DSC_CP_ROPES"]] * e["DSC_CPR_SIZE"], w[e["DSC_CP_POOL"]]]
    if e["DSC_CP_HEADER_SIZE"] + sum(parts) != len(w):
        sys.exit("%s: the program's parts make %d words, not its %d" %
                 (sys.argv[1], e["DSC_CP_HEADER_SIZE"] + sum(parts), len(w)))
    print("steps %d head %d ropes %d vocab %d attention_heads %d" %
          (w[e["DSC_CP_STEPS"]], w[e["DSC_CP_HEAD"]], w[e["DSC_CP_ROPES"]],
           w[e["DSC_CP_VOCAB"]], w[e["DSC_CP_ATTN_HEADS"]]))


if __name__ == "__main__":
    main()
