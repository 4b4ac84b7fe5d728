#!/usr/bin/env python3
"""Writes the PTX of every gpu.binary in MLIR text to PREFIX<i>.ptx.

usage: extract_ptx.py IN.mlir PREFIX

The PTX is the `assembly` of each #gpu.object (gpu-module-to-binary with
format=isa), escaped as MLIR strings escape (\\XX hex). Prints the files
written; exit status 1 when there is none.
"""
import re
import sys


def main():
    text = open(sys.argv[1]).read()
    n = 0
    for m in re.finditer(r'assembly = "((?:[^"\\]|\\.)*)"', text):
        ptx = re.sub(r'\\([0-9A-Fa-f]{2})|\\\\',
                     lambda x: chr(int(x.group(1), 16)) if x.group(1) else "\\",
                     m.group(1))
        path = "%s%d.ptx" % (sys.argv[2], n)
        with open(path, "w") as f:
            f.write(ptx)
        print(path)
        n += 1
    if n == 0:
        print("%s: no gpu.binary with PTX" % sys.argv[1], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
