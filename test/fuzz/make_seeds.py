#!/usr/bin/env python3
"""Writes seed inputs for the fuzzers into OUT/<fuzzer>/.

Three kinds: small generated files; the committed inputs under seeds/ (every
fuzzer finding, minimized, so each ctest run replays them); and small real
files, or their headers, from ../shared/models when it is present (they are
read there, never copied into the repository).
"""
import json
import os
import shutil
import struct
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
    # Calibration statistics: two points (8 and 4 columns, 2 sample rows).
    stats = b"DSCCALB1" + struct.pack("<Q", 2)
    for cols in (8, 4):
        stats += struct.pack("<qQq", cols, 16, 2)
        stats += struct.pack("<%dd" % (2 * cols), *([0.5] * cols + [0.4] * cols))
        stats += struct.pack("<%df" % (2 * cols), *([0.25] * (2 * cols)))
    put("fuzz_calib_stats", "stats.bin", stats)
    # --quantize auto measurements: two weights, three and one values.
    meas = b"DSCMEAS1" + struct.pack("<QqQ", 0x1234, 512, 2)
    for name, values in ((b"blk.0.attn_q", [(0, 0.5), (3, 0.25), (7, 0.01)]),
                         (b"output", [(2, 1e-3)])):
        meas += struct.pack("<I", len(name)) + name
        meas += struct.pack("<I", len(values))
        for entry, value in values:
            meas += struct.pack("<Id", entry, value)
    put("fuzz_measure_cache", "measurements.bin", meas)
    put("fuzz_gguf_model", "model.gguf", read(os.path.join(tmp, "m.gguf")))
    put("fuzz_hf_config", "config.json", read(os.path.join(tmp, "hf", "config.json")))
    put("fuzz_hf_json", "tokenizer.json", read(os.path.join(tmp, "hf", "tokenizer.json")))
    put("fuzz_hf_json", "small.json", b'{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}}')
    put("fuzz_llama2c_tokenizer", "tokenizer.bin", read(os.path.join(tmp, "tokenizer.bin")))
    st = read(os.path.join(tmp, "hf", "model.safetensors"))
    hlen = struct.unpack_from("<Q", st, 0)[0]
    put("fuzz_safetensors", "header", struct.pack("<Q", len(st)) + st[:8 + hlen])
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

    put("fuzz_payload", "model.dscw", payload_seed())
    for i, args in enumerate([
            ["-p", "Once upon a time", "-n", "256", "--temp", "0"],
            ["--prompt", "Hi", "--top-k", "40", "--top-p", "0.95", "-s", "42"],
            ["-f", "prompt.txt", "-t", "4", "-c", "2048", "--mmap"],
            ["--tokens", "1 2 3", "--no-bos", "--dump-logits", "out.bin"],
            ["--eval-tokens", "ids.bin", "--observe", "obs.bin", "-c", "64"],
            ["--temp", "1e-3", "--top-p", "1", "--seed", "0", "-n", "-1"],
            ["--help"], ["--weights", "model.dscw"], ["-x"], ["-n"]]):
        put("fuzz_exe_args", "args%d" % i, "\0".join(args).encode())

    committed = os.path.join(here, "seeds")
    for fuzzer in sorted(os.listdir(committed)):
        for name in sorted(os.listdir(os.path.join(committed, fuzzer))):
            put(fuzzer, "committed-" + name, read(os.path.join(committed, fuzzer, name)))

    models = os.environ.get("DSC_SHARED_MODELS") or os.path.join(
        here, "..", "..", "..", "shared", "models")
    if os.path.isdir(models):
        real_seeds(models, put)
    else:
        print("make_seeds: %s is absent; no seeds from real files" % models)


# exe_host.h's stand-in model.
FUZZ_MODEL_ID = 0x46555A5A4D4F444C
FUZZ_VOCAB = 32
FUZZ_WEIGHTS_SIZE = 256


def tokenizer_blob(pieces, flags, bos, eos, unk):
    """The serialized tokenizer (runtime/tokenizer/serialize.c), SPM."""
    pool = b"".join(p.encode() for p, _, _ in pieces)
    offs, at = [], 0
    for p, _, _ in pieces:
        offs.append(at)
        at += len(p.encode())
    offs.append(at)
    n = len(pieces)
    b = b"DSCTOK01" + struct.pack("<9I", 1, 0, flags, n, bos, eos, unk, 0, len(pool))
    b += struct.pack("<%dI" % (n + 1), *offs)
    b += struct.pack("<%df" % n, *[sc for _, sc, _ in pieces])
    types = bytes(t for _, _, t in pieces)
    b += types + b"\0" * (-n % 4)
    return b + pool


def payload_seed():
    """A payload (runtime/include/dsc/payload.h) for the stand-in model:
    the weights section, then a small SentencePiece tokenizer."""
    words = ["\u2581", "H", "i", "\u2581t", "h", "e", "r", "\u2581th",
             "\u2581the", "\u2581there", "\u2581Hi", "o", "n", "c",
             "\u2581o", "\u2581on", "\u2581once", "u", "p", "a", "m",
             "<0x0A>", "<0x20>", "<0xE2>", "<0x96>", "<0x81>", "!", "."]
    pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    pieces += [(w, -float(i), 6 if w.startswith("<0x") else 1)
               for i, w in enumerate(words)]
    pieces += [("x%d" % i, -100.0, 1) for i in range(FUZZ_VOCAB - len(pieces))]
    tok = tokenizer_blob(pieces, 15, 1, 2, 0)
    checksum_at = (8192 + len(tok) + 7) // 8 * 8
    sections = [(b"weights", 4096, FUZZ_WEIGHTS_SIZE),
                (b"tokenizer", 8192, len(tok)), (b"checksum", checksum_at, 8)]
    head = b"DSCPAYL2" + struct.pack("<QQQ", FUZZ_MODEL_ID, len(sections), 0)
    for name, off, size in sections:
        head += name.ljust(16, b"\0") + struct.pack("<QQ", off, size)
    head = head.ljust(4096, b"\0")
    weights = bytes(range(FUZZ_WEIGHTS_SIZE)).ljust(4096, b"\0")
    body = (head + weights + tok).ljust(checksum_at, b"\0")
    return body + struct.pack("<Q", xxh64(body))


def xxh64(data):
    """XXH64 with seed 0 (dsc/checksum.h), so the seed passes --verify."""
    p1, p2, p3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
    p4, p5, m = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5, (1 << 64) - 1
    rotl = lambda x, r: ((x << r) | (x >> (64 - r))) & m

    def rnd(acc, lane):
        return (rotl((acc + lane * p2) & m, 31) * p1) & m

    n, i = len(data), 0
    if n >= 32:
        v = [(p1 + p2) & m, p2, 0, (-p1) & m]
        while i + 32 <= n:
            for j in range(4):
                v[j] = rnd(v[j], struct.unpack_from("<Q", data, i + 8 * j)[0])
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & m
        for j in range(4):
            h = ((h ^ rnd(0, v[j])) * p1 + p4) & m
    else:
        h = p5
    h = (h + n) & m
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, struct.unpack_from("<Q", data, i)[0]), 27) * p1 + p4) & m
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (struct.unpack_from("<I", data, i)[0] * p1) & m, 23) * p2 + p3) & m
        i += 4
    while i < n:
        h = (rotl(h ^ (data[i] * p5) & m, 11) * p1) & m
        i += 1
    h ^= h >> 33
    h = (h * p2) & m
    h ^= h >> 29
    h = (h * p3) & m
    return h ^ (h >> 32)


def gguf_header_end(b):
    """Offset just past the tensor infos of a GGUF file."""
    pos = 24
    n_tensors, n_kv = struct.unpack_from("<QQ", b, 8)
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def skip(pos, t):
        if t == 8:
            return pos + 8 + struct.unpack_from("<Q", b, pos)[0]
        if t == 9:
            et, count = struct.unpack_from("<IQ", b, pos)
            pos += 12
            if et in sizes:
                return pos + count * sizes[et]
            for _ in range(count):
                pos = skip(pos, et)
            return pos
        return pos + sizes[t]

    for _ in range(n_kv):
        pos = skip(pos, 8)
        pos = skip(pos + 4, struct.unpack_from("<I", b, pos)[0])
    kv_end = pos
    for _ in range(n_tensors):
        pos = skip(pos, 8)
        n_dims = struct.unpack_from("<I", b, pos)[0]
        pos += 4 + 8 * n_dims + 4 + 8
    return kv_end, pos


def real_seeds(models, put):
    """Seeds from the real files in ../shared/models: whole small files, and
    the headers of large ones (the fuzzers mutate every byte they are given,
    so megabytes of weights would only slow them down)."""
    read = lambda p: open(os.path.join(models, p), "rb").read()
    for name in ["stories260K/stories260K.gguf",
                 "tiny-llama-quality/gguf/tiny-llama-quality-Q4_0.gguf",
                 "tiny-llama-quality/gguf/tiny-llama-quality-Q8_0.gguf",
                 # K-quant mixes and IQ4 (ggml block formats kept as is)
                 "tiny-llama-quality/gguf/tiny-llama-quality-Q4_K_M.gguf",
                 "tiny-llama-quality/gguf/tiny-llama-quality-Q2_K.gguf",
                 "tiny-llama-quality/gguf/tiny-llama-quality-IQ4_XS.gguf"]:
        b = read(name)
        kv_end, infos_end = gguf_header_end(b)
        base = os.path.basename(name)
        # Metadata (the vocabulary included) with no tensors.
        put("fuzz_gguf", base + ".meta", b[:8] + struct.pack("<Q", 0) + b[16:kv_end])
        # Every tensor info, the weights cut off.
        put("fuzz_gguf", base + ".infos", b[:infos_end])
        put("fuzz_gguf_model", base + ".infos", b[:infos_end])
    put("fuzz_spm", "tok512.model", read("stories260K/tok512.model"))
    put("fuzz_onnx", "onnx-llama.onnx", read("tiny-random/onnx-llama/model.onnx"))
    for name in ["stories260K/hf/config.json", "tiny-llama-quality/hf/config.json"]:
        put("fuzz_hf_config", name.split("/")[0] + ".json", read(name))
    put("fuzz_llama2c_tokenizer", "tok512.bin", read("stories260K/tok512.bin"))
    m = read("stories260K/stories260K.bin")
    put("fuzz_llama2c", "stories260K.bin", struct.pack("<Q", len(m)) + m[:28])
    for name in ["stories260K/hf/model.safetensors",
                 "tiny-llama-quality/hf/model.safetensors"]:
        st = read(name)
        hlen = struct.unpack_from("<Q", st, 0)[0]
        put("fuzz_safetensors", name.split("/")[0] + ".safetensors",
            struct.pack("<Q", len(st)) + st[:8 + hlen])
    # A real Llama tokenizer.json, its vocabulary cut to 400 ids and the
    # merges to those among them, everything else as exported.
    tj = json.loads(read("tiny-random/onnx-llama/tokenizer.json"))
    keep = {k: v for k, v in tj["model"]["vocab"].items() if v < 400}
    merges = []
    for m in tj["model"]["merges"]:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a in keep and b in keep and a + b in keep:
            merges.append(m)
    tj["model"]["vocab"] = keep
    tj["model"]["merges"] = merges[:300]
    put("fuzz_hf_json", "onnx-llama-tokenizer.json",
        json.dumps(tj, ensure_ascii=False).encode())


if __name__ == "__main__":
    main()
