#!/usr/bin/env python3
"""Writes small synthetic checkpoints with fixed seeds, for dsc's tests.

  gen_checkpoint.py FORMAT OUT [options]

FORMAT is hf, gguf or llama2c. The weights are random (seeded) at the shapes
the options give; the same seed and shapes give the same canonical weights in
every format, so imports can be compared across formats. A tokenizer is
written too (tokenizer.json / embedded vocab / tokenizer.bin beside it).

Also usable as a module: `make_weights(cfg)` returns the canonical weights
(Meta/interleaved RoPE row order, [out, in] matrices) that reference.py
evaluates.
"""
import argparse
import json
import os
import struct
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("format", choices=["hf", "gguf", "llama2c"])
    p.add_argument("out")
    p.add_argument("--arch", default="llama", choices=["llama", "qwen2", "mistral"])
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--hidden", type=int, default=172)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--head-dim", type=int, default=0, help="0: dim / heads")
    p.add_argument("--vocab", type=int, default=320)
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--theta", type=float, default=10000.0)
    p.add_argument("--eps", type=float, default=1e-5)
    p.add_argument("--untied", action="store_true", help="separate classifier")
    p.add_argument("--bias", action="store_true", help="q/k/v biases (always for qwen2)")
    p.add_argument("--dtype", default="f32",
                   choices=["f32", "f16", "bf16", "q8_0", "q4_0"] + list(BLOCK_TYPES))
    p.add_argument("--shards", type=int, default=1, help="hf: number of safetensors shards")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=0.0,
                   help="weight std (0: 1/sqrt(fan_in))")
    p.add_argument("--rope-scaling", action="store_true",
                   help="hf: add a llama3 rope_scaling block")
    p.add_argument("--sliding-window", type=int, default=0)
    p.add_argument("--chat-template", default="",
                   help="hf, gguf: a file whose text becomes the chat template "
                        "(tokenizer_config.json / tokenizer.chat_template)")
    p.add_argument("--special-tokens", default="",
                   help="hf, gguf: comma-separated control tokens that take "
                        "the last ids of the vocabulary")
    return p.parse_args(argv)


def config_of(a):
    hd = a.head_dim or a.dim // a.heads
    return dict(arch=a.arch, dim=a.dim, hidden=a.hidden, layers=a.layers,
                heads=a.heads, kv_heads=a.kv_heads, head_dim=hd, vocab=a.vocab,
                seq_len=a.seq_len, theta=a.theta, eps=a.eps,
                tied=not a.untied, bias=a.bias or a.arch == "qwen2",
                seed=a.seed, scale=a.scale, dtype=a.dtype,
                rope_scaling=(dict(factor=8.0, low_freq_factor=1.0,
                                   high_freq_factor=4.0,
                                   original_max_position_embeddings=64)
                              if a.rope_scaling else None),
                sliding_window=a.sliding_window, shards=a.shards,
                chat_template=(open(a.chat_template, encoding="utf-8").read()
                               if a.chat_template else None),
                specials=[t for t in a.special_tokens.split(",") if t])


def make_weights(c, repeat_rows=False):
    """Canonical float32 weights, deterministic in the config.
    repeat_rows: each matrix is one random row repeated (read-only views,
    no memory per row), for timing runs whose weight files must pack small
    (bench/gpu.py); float storage types only."""
    if repeat_rows and c["dtype"] not in ("f32", "f16", "bf16"):
        raise ValueError("repeat_rows takes f32, f16 or bf16 weights")
    rng = np.random.default_rng(c["seed"])
    hd, d = c["head_dim"], c["dim"]
    q, kv = c["heads"] * hd, c["kv_heads"] * hd

    def mat(rows, cols):
        s = c["scale"] or 1.0 / np.sqrt(cols)
        if repeat_rows:
            # Rounded through the storage type here, one row, not below.
            row = roundtrip((rng.standard_normal((1, cols)) * s)
                            .astype(np.float32), c["dtype"])
            return np.broadcast_to(row, (rows, cols))
        return (rng.standard_normal((rows, cols)) * s).astype(np.float32)

    def norm(n):
        return (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)

    w = {"token_embd": mat(c["vocab"], d)}
    for l in range(c["layers"]):
        p = "blk.%d." % l
        w[p + "attn_norm"] = norm(d)
        w[p + "attn_q"] = mat(q, d)
        w[p + "attn_k"] = mat(kv, d)
        w[p + "attn_v"] = mat(kv, d)
        w[p + "attn_output"] = mat(d, q)
        if c["bias"]:
            w[p + "attn_q.bias"] = (0.1 * rng.standard_normal(q)).astype(np.float32)
            w[p + "attn_k.bias"] = (0.1 * rng.standard_normal(kv)).astype(np.float32)
            w[p + "attn_v.bias"] = (0.1 * rng.standard_normal(kv)).astype(np.float32)
        w[p + "ffn_norm"] = norm(d)
        w[p + "ffn_gate"] = mat(c["hidden"], d)
        w[p + "ffn_up"] = mat(c["hidden"], d)
        w[p + "ffn_down"] = mat(d, c["hidden"])
    w["output_norm"] = norm(d)
    if not c["tied"]:
        w["output"] = mat(c["vocab"], d)
    # Round through the storage type so that every format holds the same
    # values and the reference sees exactly what the files hold.
    for k in list(w):
        if w[k].ndim == 1 or not repeat_rows:
            w[k] = roundtrip(w[k], c["dtype"] if w[k].ndim == 2 else "f32")
    return w


def f32_to_bf16_bits(x):
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def quant_q8_0(x):
    b = x.reshape(-1, 32)
    amax = np.abs(b).max(axis=1)
    d = (amax / 127.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.where(df > 0, 1.0 / np.where(df > 0, df, 1), 0)
    q = np.clip(np.round(b * inv[:, None]), -127, 127).astype(np.int8)
    return d, q


def quant_q4_0(x):
    b = x.reshape(-1, 32)
    idx = np.abs(b).argmax(axis=1)
    mx = b[np.arange(len(b)), idx]
    d = (mx / -8.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.where(df != 0, 1.0 / np.where(df != 0, df, 1), 0)
    q = np.clip(np.floor(b * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    return d, q


# ggml block formats written as random blocks (ggml type id, f16 scale
# offsets in a block); iq2_xxs has no decoder (dsc rejects it).
BLOCK_TYPES = {"q2_k": (10, [80, 82]), "q3_k": (11, [108]),
               "q4_k": (12, [0, 2]), "q5_k": (13, [0, 2]), "q6_k": (14, [208]),
               "iq4_nl": (20, [0]), "iq4_xs": (23, [0]), "q4_1": (3, [0, 2]),
               "q5_0": (6, [0]), "q5_1": (7, [0, 2]), "q8_k": (15, []),
               "iq2_xxs": (16, [0])}
IQ2_XXS_BLOCK = (256, 66)


def random_blocks(x, dtype):
    """Random blocks of a ggml format for a [rows, cols] weight, seeded by
    its values and with scales that give it about x's spread."""
    import ggml_blocks
    t, offsets = BLOCK_TYPES[dtype]
    elems, nbytes = (ggml_blocks.TYPES[t][1:] if t in ggml_blocks.TYPES
                     else IQ2_XXS_BLOCK)
    if x.shape[-1] % elems:
        sys.exit("%s needs rows of a multiple of %d values" % (dtype, elems))
    n = x.size // elems
    rng = np.random.default_rng(zlib.crc32(x.astype("<f4").tobytes()))
    b = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    if t not in ggml_blocks.TYPES:
        return b
    # Q8_K's one scale is an f32 at the start.
    scale_type, offsets = ("<f4", [0]) if dtype == "q8_k" else ("<f2", offsets)
    width = np.dtype(scale_type).itemsize
    for off in offsets:
        b[:, off:off + width] = np.full((n, 1), 1.0, scale_type).view(np.uint8)
    spread = ggml_blocks.decode_blocks(t, b).std()
    f = x.std() / spread if spread > 0 else 0
    for off in offsets:
        b[:, off:off + width] = np.full((n, 1), f, scale_type).view(np.uint8)
    return b


# The blocks behind each decoded weight `roundtrip` returned, by its bytes,
# for gguf_tensor_bytes.
_BLOCKS_OF = {}


def roundtrip(x, dtype):
    if dtype in BLOCK_TYPES:
        import ggml_blocks
        t = BLOCK_TYPES[dtype][0]
        b = random_blocks(x, dtype)
        if t in ggml_blocks.TYPES:
            x = ggml_blocks.decode_blocks(t, b).reshape(x.shape).astype(np.float32)
        _BLOCKS_OF[x.astype("<f4").tobytes()] = b
        return x
    if dtype == "f32":
        return x
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float32)
    if dtype == "bf16":
        return (f32_to_bf16_bits(x).astype(np.uint32) << 16).view(np.float32).reshape(x.shape)
    if dtype == "q8_0":
        d, q = quant_q8_0(x)
        return (q.astype(np.float32) * d.astype(np.float32)[:, None]).reshape(x.shape)
    if dtype == "q4_0":
        d, q = quant_q4_0(x)
        return ((q.astype(np.float32) - 8) * d.astype(np.float32)[:, None]).reshape(x.shape)
    raise ValueError(dtype)


def hf_permute(w, heads):
    """Meta (interleaved) row order -> HF rotate-half order."""
    rows = w.shape[0]
    hd = rows // heads
    rest = w.shape[1:]
    return w.reshape(heads, hd // 2, 2, *rest).swapaxes(1, 2).reshape(rows, *rest)


# --------------------------------------------------------------------------
# Tokenizer: 3 specials, 256 byte tokens, then "▁", letters and "▁x" pairs.

def vocab_pieces(n, specials=()):
    pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    pieces += [("<0x%02X>" % b, 0.0, 6) for b in range(256)]
    extra = ["\u2581"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    extra += ["\u2581" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    extra += [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    extra += [".", ",", "!", "?", "'"]
    i = 0
    while len(pieces) < n:
        if i < len(extra):
            pieces.append((extra[i], -float(i), 1))
        else:
            pieces.append(("<extra_%d>" % i, -1000.0 - i, 5))
        i += 1
    pieces = pieces[:n]
    for k, t in enumerate(specials):
        pieces[n - len(specials) + k] = (t, 0.0, 3)
    return pieces


def write_llama2c_tokenizer(path, n):
    pieces = vocab_pieces(n)
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(p[0].encode()) for p in pieces)))
        for text, score, _ in pieces:
            b = text.replace("\u2581", " ").encode()
            f.write(struct.pack("<fi", score, len(b)) + b)


def write_hf_tokenizer(path, n, specials=()):
    pieces = vocab_pieces(n, specials)
    vocab = {p[0]: i for i, p in enumerate(pieces)}
    merges = [["\u2581", chr(c)] for c in range(ord("a"), ord("z") + 1)
              if "\u2581" + chr(c) in vocab and chr(c) in vocab]
    tok = {
        "version": "1.0",
        "added_tokens": [{"id": i, "content": pieces[i][0], "special": True}
                         for i in list(range(3)) +
                         list(range(n - len(specials), n))],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}]},
        "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": True,
                  "vocab": vocab, "merges": merges},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)


# --------------------------------------------------------------------------
# Writers

def hf_name(name):
    if name == "token_embd":
        return "model.embed_tokens.weight"
    if name == "output_norm":
        return "model.norm.weight"
    if name == "output":
        return "lm_head.weight"
    _, l, rest = name.split(".", 2)
    m = {"attn_norm": "input_layernorm.weight", "attn_q": "self_attn.q_proj.weight",
         "attn_k": "self_attn.k_proj.weight", "attn_v": "self_attn.v_proj.weight",
         "attn_output": "self_attn.o_proj.weight",
         "attn_q.bias": "self_attn.q_proj.bias", "attn_k.bias": "self_attn.k_proj.bias",
         "attn_v.bias": "self_attn.v_proj.bias",
         "ffn_norm": "post_attention_layernorm.weight",
         "ffn_gate": "mlp.gate_proj.weight", "ffn_up": "mlp.up_proj.weight",
         "ffn_down": "mlp.down_proj.weight"}
    return "model.layers.%s.%s" % (l, m[rest])


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, (dtype, arr_bytes, shape) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [off, off + len(arr_bytes)]}
        blobs.append(arr_bytes)
        off += len(arr_bytes)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def write_hf(out, c, w):
    os.makedirs(out, exist_ok=True)
    arch = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM",
            "mistral": "MistralForCausalLM"}[c["arch"]]
    cfg = {"architectures": [arch], "model_type": c["arch"],
           "hidden_size": c["dim"], "intermediate_size": c["hidden"],
           "num_hidden_layers": c["layers"], "num_attention_heads": c["heads"],
           "num_key_value_heads": c["kv_heads"], "vocab_size": c["vocab"],
           "max_position_embeddings": c["seq_len"], "rms_norm_eps": c["eps"],
           "rope_theta": c["theta"], "hidden_act": "silu",
           "tie_word_embeddings": c["tied"], "bos_token_id": 1, "eos_token_id": 2}
    if c["head_dim"] != c["dim"] // c["heads"]:
        cfg["head_dim"] = c["head_dim"]
    if c["bias"] and c["arch"] != "qwen2":
        cfg["attention_bias"] = True
    if c["rope_scaling"]:
        cfg["rope_scaling"] = dict(c["rope_scaling"], rope_type="llama3")
    if c["sliding_window"]:
        cfg["sliding_window"] = c["sliding_window"]
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    dt = c["dtype"] if c["dtype"] in ("f32", "f16", "bf16") else "f32"
    tensors = {}
    for name, x in w.items():
        if name.endswith("attn_q") or name.endswith("attn_q.bias"):
            x = hf_permute(x, c["heads"])
        elif name.endswith("attn_k") or name.endswith("attn_k.bias"):
            x = hf_permute(x, c["kv_heads"])
        t = dt if x.ndim == 2 else "f32"
        if t == "f32":
            b, st = x.astype("<f4").tobytes(), "F32"
        elif t == "f16":
            b, st = x.astype("<f2").tobytes(), "F16"
        else:
            b, st = f32_to_bf16_bits(x).astype("<u2").tobytes(), "BF16"
        tensors[hf_name(name)] = (st, b, x.shape)
    names = list(tensors)
    if c["shards"] <= 1:
        write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    else:
        k = c["shards"]
        weight_map = {}
        for s in range(k):
            part = names[s::k]
            fn = "model-%05d-of-%05d.safetensors" % (s + 1, k)
            write_safetensors(os.path.join(out, fn), {n: tensors[n] for n in part})
            for n in part:
                weight_map[n] = fn
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=1)
    write_hf_tokenizer(os.path.join(out, "tokenizer.json"), c["vocab"],
                       c["specials"])
    if c["chat_template"] is not None:
        with open(os.path.join(out, "tokenizer_config.json"), "w",
                  encoding="utf-8") as f:
            json.dump({"chat_template": c["chat_template"]}, f,
                      ensure_ascii=False)


GGUF_TYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q8_0": 8, "bf16": 30}
GGUF_TYPES.update({k: v[0] for k, v in BLOCK_TYPES.items()})


def gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_kv(key, vtype, value):
    out = gguf_string(key) + struct.pack("<I", vtype)
    if vtype == 8:
        return out + gguf_string(value)
    if vtype == 9:
        etype, items = value
        out += struct.pack("<IQ", etype, len(items))
        for it in items:
            out += gguf_string(it) if etype == 8 else struct.pack(
                {4: "<I", 5: "<i", 6: "<f"}[etype], it)
        return out
    return out + struct.pack({4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q"}[vtype], value)


def gguf_tensor_bytes(x, dtype):
    if dtype in BLOCK_TYPES:
        blocks = _BLOCKS_OF.get(x.astype("<f4").tobytes())
        if blocks is None:
            sys.exit("%s weights must be written as make_weights made them"
                     % dtype)
        return blocks.tobytes()
    if dtype == "f32":
        return x.astype("<f4").tobytes()
    if dtype == "f16":
        return x.astype("<f2").tobytes()
    if dtype == "bf16":
        return f32_to_bf16_bits(x).astype("<u2").tobytes()
    if dtype == "q8_0":
        d, q = quant_q8_0(x)
        blocks = np.zeros(len(d), dtype=[("d", "<f2"), ("qs", "i1", 32)])
        blocks["d"], blocks["qs"] = d, q
        return blocks.tobytes()
    if dtype == "q4_0":
        d, q = quant_q4_0(x)
        qs = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
        blocks = np.zeros(len(d), dtype=[("d", "<f2"), ("qs", "u1", 16)])
        blocks["d"], blocks["qs"] = d, qs
        return blocks.tobytes()
    raise ValueError(dtype)


def write_gguf_file(path, kvs, tensors):
    """A GGUF v3 file of the key/value entries `kvs` (gguf_kv's) and
    `tensors`, a list of (name, ggml type, shape, byte size, bytes), where
    bytes is a function returning the tensor's data, called once per tensor
    in order so that large checkpoints stream; every tensor is aligned to 32
    bytes. Written through path + ".tmp", renamed once complete."""
    infos, off = [], 0
    for name, kind, shape, size, _ in tensors:
        dims = list(reversed(shape))
        infos.append(gguf_string(name) + struct.pack("<I", len(dims)) +
                     b"".join(struct.pack("<Q", d) for d in dims) +
                     struct.pack("<IQ", kind, off))
        off = (off + size + 31) // 32 * 32
    head = (b"GGUF" + struct.pack("<IQQ", 3, len(infos), len(kvs)) +
            b"".join(kvs) + b"".join(infos))
    head += b"\0" * ((32 - len(head) % 32) % 32)
    with open(path + ".tmp", "wb") as f:
        f.write(head)
        for _, _, _, size, data in tensors:
            raw = data()
            assert len(raw) == size, (len(raw), size)
            f.write(raw)
            f.write(b"\0" * ((32 - size % 32) % 32))
    os.replace(path + ".tmp", path)


def write_gguf(out, c, w):
    arch = "qwen2" if c["arch"] == "qwen2" else "llama"
    pieces = vocab_pieces(c["vocab"], c["specials"])
    kvs = [
        gguf_kv("general.architecture", 8, arch),
        gguf_kv("general.alignment", 4, 32),
        gguf_kv(arch + ".context_length", 4, c["seq_len"]),
        gguf_kv(arch + ".embedding_length", 4, c["dim"]),
        gguf_kv(arch + ".feed_forward_length", 4, c["hidden"]),
        gguf_kv(arch + ".block_count", 4, c["layers"]),
        gguf_kv(arch + ".attention.head_count", 4, c["heads"]),
        gguf_kv(arch + ".attention.head_count_kv", 4, c["kv_heads"]),
        gguf_kv(arch + ".attention.layer_norm_rms_epsilon", 6, c["eps"]),
        gguf_kv(arch + ".rope.freq_base", 6, c["theta"]),
        gguf_kv("tokenizer.ggml.model", 8, "llama"),
        gguf_kv("tokenizer.ggml.tokens", 9, (8, [p[0] for p in pieces])),
        gguf_kv("tokenizer.ggml.scores", 9, (6, [p[1] for p in pieces])),
        gguf_kv("tokenizer.ggml.token_type", 9, (5, [p[2] for p in pieces])),
        gguf_kv("tokenizer.ggml.bos_token_id", 4, 1),
        gguf_kv("tokenizer.ggml.eos_token_id", 4, 2),
    ]
    if c["head_dim"] != c["dim"] // c["heads"]:
        kvs.append(gguf_kv(arch + ".attention.key_length", 4, c["head_dim"]))
    if c["chat_template"] is not None:
        kvs.append(gguf_kv("tokenizer.chat_template", 8, c["chat_template"]))
    tensors = []
    for name, x in w.items():
        dt = c["dtype"] if x.ndim == 2 else "f32"
        order = None
        if arch == "qwen2" and ("attn_q" in name or "attn_k" in name):
            heads = c["heads"] if "attn_q" in name else c["kv_heads"]
            order = hf_permute(np.arange(x.shape[0]), heads)
        if dt in BLOCK_TYPES:
            # Blocks lie within rows: permuting rows permutes the rows of
            # blocks.
            data = gguf_tensor_bytes(x, dt)
            if order is not None:
                data = np.frombuffer(data, np.uint8).reshape(x.shape[0], -1)[order].tobytes()
        else:
            if order is not None:
                x = x[order]
            data = gguf_tensor_bytes(x, dt)
        gname = name + (".weight" if not name.endswith(".bias") else "")
        if name.endswith(".bias"):
            gname = name[:-5] + ".bias"
        tensors.append((gname, GGUF_TYPES[dt], x.shape, len(data),
                        lambda data=data: data))
    write_gguf_file(out, kvs, tensors)


def write_llama2c(out, c, w):
    hd = c["head_dim"]
    if hd * c["heads"] != c["dim"]:
        sys.exit("llama2c needs head_dim * heads == dim")
    if c["bias"] or c["arch"] != "llama":
        sys.exit("llama2c has no biases and only the llama architecture")
    vocab = c["vocab"] if c["tied"] else -c["vocab"]
    with open(out, "wb") as f:
        f.write(struct.pack("<7i", c["dim"], c["hidden"], c["layers"], c["heads"],
                            c["kv_heads"], vocab, c["seq_len"]))
        def put(x):
            f.write(x.astype("<f4").tobytes())
        put(w["token_embd"])
        for k in ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                  "ffn_norm", "ffn_gate", "ffn_down", "ffn_up"]:
            for l in range(c["layers"]):
                put(w["blk.%d.%s" % (l, k)])
        put(w["output_norm"])
        f.write(b"\0" * (c["seq_len"] * hd // 2 * 4 * 2))
        if not c["tied"]:
            put(w["output"])
    write_llama2c_tokenizer(os.path.join(os.path.dirname(os.path.abspath(out)),
                                         "tokenizer.bin"), c["vocab"])


def main(argv=None):
    a = parse_args(argv)
    c = config_of(a)
    w = make_weights(c)
    if a.format == "hf":
        write_hf(a.out, c, w)
    elif a.format == "gguf":
        write_gguf(a.out, c, w)
    else:
        write_llama2c(a.out, c, w)
    with open((a.out.rstrip("/") if a.format == "hf" else a.out) + ".cfg.json", "w") as f:
        json.dump(c, f)


if __name__ == "__main__":
    main()
