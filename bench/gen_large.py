#!/usr/bin/env python3
"""Writes a Hugging Face Llama checkpoint with random F16 (or F32/BF16)
weights at a real model's shapes, streaming tensor by tensor so that a 1B
model needs little memory. The weights are seeded, not trained: the
benchmark measures speed, not quality.

  gen_large.py OUT --preset 110m|tinyllama|llama3-8b [--dtype f16] [--seed 1]
"""
import argparse
import json
import os
import struct

import numpy as np

PRESETS = {
    # llama2.c's 110M stories model shape.
    "110m": dict(dim=768, hidden=2048, layers=12, heads=12, kv_heads=12,
                 vocab=32000, seq=1024),
    # TinyLlama-1.1B.
    "tinyllama": dict(dim=2048, hidden=5632, layers=22, heads=32, kv_heads=4,
                      vocab=32000, seq=2048),
    # Llama-3-8B's body (dim 4096, 32 layers, GQA 8) with a 32000 vocabulary,
    # as the llama.cpp anchors measure it.
    "llama3-8b": dict(dim=4096, hidden=14336, layers=32, heads=32, kv_heads=8,
                      vocab=32000, seq=8192),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--preset", choices=PRESETS, default="110m")
    p.add_argument("--dtype", choices=["f16", "f32", "bf16"], default="f16")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--layers", type=int, help="override the preset's layers")
    a = p.parse_args()
    c = dict(PRESETS[a.preset])
    if a.layers:
        c["layers"] = a.layers
    os.makedirs(a.out, exist_ok=True)
    hd = c["dim"] // c["heads"]
    q, kv = c["heads"] * hd, c["kv_heads"] * hd
    shapes = [("model.embed_tokens.weight", (c["vocab"], c["dim"]))]
    for l in range(c["layers"]):
        pre = "model.layers.%d." % l
        shapes += [(pre + "input_layernorm.weight", (c["dim"],)),
                   (pre + "self_attn.q_proj.weight", (q, c["dim"])),
                   (pre + "self_attn.k_proj.weight", (kv, c["dim"])),
                   (pre + "self_attn.v_proj.weight", (kv, c["dim"])),
                   (pre + "self_attn.o_proj.weight", (c["dim"], q)),
                   (pre + "post_attention_layernorm.weight", (c["dim"],)),
                   (pre + "mlp.gate_proj.weight", (c["hidden"], c["dim"])),
                   (pre + "mlp.up_proj.weight", (c["hidden"], c["dim"])),
                   (pre + "mlp.down_proj.weight", (c["dim"], c["hidden"]))]
    shapes += [("model.norm.weight", (c["dim"],)),
               ("lm_head.weight", (c["vocab"], c["dim"]))]
    esize = {"f16": 2, "bf16": 2, "f32": 4}[a.dtype]
    st = {"f16": "F16", "bf16": "BF16", "f32": "F32"}[a.dtype]
    header, off = {}, 0
    for name, shape in shapes:
        n = int(np.prod(shape)) * (esize if len(shape) == 2 else 4)
        header[name] = {"dtype": st if len(shape) == 2 else "F32",
                        "shape": list(shape), "data_offsets": [off, off + n]}
        off += n
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    rng = np.random.default_rng(a.seed)
    with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for name, shape in shapes:
            if len(shape) == 1:
                f.write(np.ones(shape, dtype="<f4").tobytes())
                continue
            # Rows in chunks to bound memory.
            rows = max(1, (1 << 24) // shape[1])
            for r0 in range(0, shape[0], rows):
                x = rng.standard_normal((min(rows, shape[0] - r0), shape[1]),
                                        dtype=np.float32)
                x *= 1.0 / np.sqrt(shape[1])
                if a.dtype == "f16":
                    f.write(x.astype("<f2").tobytes())
                elif a.dtype == "f32":
                    f.write(x.astype("<f4").tobytes())
                else:
                    u = x.view(np.uint32)
                    f.write(((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2").tobytes())
    cfg = {"architectures": ["LlamaForCausalLM"], "hidden_size": c["dim"],
           "intermediate_size": c["hidden"], "num_hidden_layers": c["layers"],
           "num_attention_heads": c["heads"], "num_key_value_heads": c["kv_heads"],
           "vocab_size": c["vocab"], "max_position_embeddings": c["seq"],
           "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
           "tie_word_embeddings": False}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)


if __name__ == "__main__":
    main()
