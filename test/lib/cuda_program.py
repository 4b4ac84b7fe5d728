#!/usr/bin/env python3
"""Reads the device program (dsc/abi/cuda_program.h) out of `dsc compile
--target cuda-* --emit=llvm` output and prints what the tests check.

usage: cuda_program.py FILE.ll

Prints the header's word DSC_CP_SCALES_F16 and the number of scales of the
program's quantized weights (rows * cols / group each): what the device
holds of them is that many f16 or f32 values.
"""
import re
import sys

HEADER, CPW_SIZE = 16, 7  # DSC_CP_HEADER_SIZE, DSC_CPW_SIZE
BUFFERS, WEIGHTS, SCALES_F16 = 1, 2, 10  # DSC_CP_*
ROWS, COLS, KIND, GROUP = 1, 2, 3, 4  # DSC_CPW_*
QUANT = (2, 3)  # DSC_CPK_Q8, DSC_CPK_Q4


def main():
    text = open(sys.argv[1]).read()
    m = re.search(r"@dsc_cuda_program = [^[]*\[\d+ x i64\] \[([^]]*)\]", text)
    if not m:
        sys.exit("%s: no dsc_cuda_program" % sys.argv[1])
    w = [int(v.split()[1]) for v in m.group(1).split(", ")]
    first = HEADER + w[BUFFERS]
    scales = 0
    for i in range(w[WEIGHTS]):
        e = w[first + i * CPW_SIZE:first + (i + 1) * CPW_SIZE]
        if e[KIND] in QUANT:
            scales += e[ROWS] * (e[COLS] // e[GROUP])
    print("scales_f16 %d" % w[SCALES_F16])
    print("scales %d" % scales)


if __name__ == "__main__":
    main()
