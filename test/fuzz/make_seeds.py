#!/usr/bin/env python3
"""Writes small seed inputs for the fuzzers into OUT/<fuzzer>/."""
import os
import struct
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "gen"))
import gen_checkpoint as g  # noqa: E402


def main():
    out = sys.argv[1]
    tmp = os.path.join(out, "tmp")
    os.makedirs(tmp, exist_ok=True)
    small = ["--dim", "8", "--hidden", "32", "--layers", "1", "--heads", "2",
             "--kv-heads", "1", "--vocab", "272", "--seq-len", "8"]
    g.main(["gguf", os.path.join(tmp, "m.gguf")] + small)
    g.main(["hf", os.path.join(tmp, "hf")] + small)
    g.main(["llama2c", os.path.join(tmp, "m.bin")] + small)

    def put(fuzzer, name, data):
        d = os.path.join(out, fuzzer)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    read = lambda p: open(p, "rb").read()
    put("fuzz_gguf", "model.gguf", read(os.path.join(tmp, "m.gguf")))
    put("fuzz_hf_json", "tokenizer.json", read(os.path.join(tmp, "hf", "tokenizer.json")))
    put("fuzz_hf_json", "small.json", b'{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}}')
    put("fuzz_llama2c_tokenizer", "tokenizer.bin", read(os.path.join(tmp, "tokenizer.bin")))
    st = read(os.path.join(tmp, "hf", "model.safetensors"))
    hlen = struct.unpack_from("<Q", st, 0)[0]
    put("fuzz_safetensors", "header", st[:8 + hlen])
    m = read(os.path.join(tmp, "m.bin"))
    put("fuzz_llama2c", "header", struct.pack("<Q", len(m)) + m[:28])
    # A SentencePiece model: pieces, trainer spec (BPE, byte_fallback).
    def varint(v):
        b = b""
        while True:
            x = v & 0x7F
            v >>= 7
            b += bytes([x | (0x80 if v else 0)])
            if not v:
                return b
    def field(n, wire, payload):
        key = varint(n << 3 | wire)
        return key + (varint(len(payload)) + payload if wire == 2 else payload)
    spm = b""
    for i, (text, score, t) in enumerate(g.vocab_pieces(272)):
        piece = field(1, 2, text.encode()) + field(2, 5, struct.pack("<f", score)) + field(3, 0, varint(t))
        spm += field(1, 2, piece)
    spm += field(2, 2, field(3, 0, varint(2)) + field(35, 0, varint(1)))
    spm += field(3, 2, field(1, 2, b"identity"))
    put("fuzz_spm", "model.model", spm)


if __name__ == "__main__":
    main()
