#!/usr/bin/env python3
"""Checks `dsc tokenize` against llama.cpp's tokenizer test vectors.

usage: check_vocab_vectors.py DSC VOCAB.gguf [TOKENIZER]

VOCAB.gguf.inp holds test strings separated by lines `__ggml_vocab_test__`;
VOCAB.gguf.out one line of expected ids per string (no BOS). TOKENIZER, when
given, is tokenized instead of VOCAB.gguf (another file of the same
vocabulary, e.g. a tokenizer.json). Prints one line per failing case and a
summary `passed N/M`; exits 1 unless all pass.
"""
import os
import subprocess
import sys
import tempfile

SEP = "\n__ggml_vocab_test__\n"


def main():
    dsc, vocab = sys.argv[1], sys.argv[2]
    tokenizer = sys.argv[3] if len(sys.argv) > 3 else vocab
    with open(vocab + ".inp", encoding="utf-8") as f:
        cases = f.read().split(SEP)
    with open(vocab + ".out", encoding="utf-8") as f:
        expected = f.read().split("\n")
    if len(cases) != len(expected):
        print("inp has %d cases, out has %d" % (len(cases), len(expected)))
        return 1
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (text, want) in enumerate(zip(cases, expected)):
            path = os.path.join(tmp, "case%d.txt" % i)
            with open(path, "wb") as f:
                f.write(text.encode("utf-8"))
            r = subprocess.run([dsc, "tokenize", tokenizer, "-f", path],
                               capture_output=True)
            got = r.stdout.decode().strip()
            if r.returncode == 0 and got.split() == want.split():
                passed += 1
            else:
                print("case %d %r: want [%s] got [%s] %s" %
                      (i, text[:60], want.strip(), got, r.stderr.decode().strip()))
    print("passed %d/%d" % (passed, len(cases)))
    return 0 if passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
