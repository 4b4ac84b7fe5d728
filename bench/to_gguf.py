#!/usr/bin/env python3
"""Converts a Llama checkpoint written by gen_large.py (Hugging Face
safetensors) to a GGUF file with the same weights, for running llama.cpp on
them side by side with dsc: tensors renamed to GGUF's names, q/k rows put
back from HF's rotate-half order into the interleaved order GGUF uses, a
SentencePiece-style vocabulary of the model's size.

  to_gguf.py HF_DIR OUT.gguf
"""
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "test", "gen"))
from gen_checkpoint import (GGUF_TYPES, gguf_kv, vocab_pieces,  # noqa: E402
                            write_gguf_file)

NAMES = {"model.embed_tokens.weight": "token_embd.weight",
         "model.norm.weight": "output_norm.weight",
         "lm_head.weight": "output.weight",
         "input_layernorm.weight": "attn_norm.weight",
         "self_attn.q_proj.weight": "attn_q.weight",
         "self_attn.k_proj.weight": "attn_k.weight",
         "self_attn.v_proj.weight": "attn_v.weight",
         "self_attn.o_proj.weight": "attn_output.weight",
         "post_attention_layernorm.weight": "ffn_norm.weight",
         "mlp.gate_proj.weight": "ffn_gate.weight",
         "mlp.up_proj.weight": "ffn_up.weight",
         "mlp.down_proj.weight": "ffn_down.weight"}


def gguf_name(hf):
    if hf in NAMES:
        return NAMES[hf]
    parts = hf.split(".")  # model.layers.N.rest
    return "blk.%s.%s" % (parts[2], NAMES[".".join(parts[3:])])


def unpermute(w, heads):
    """HF rotate-half row order -> interleaved (GGUF/Meta) order."""
    rows, cols = w.shape
    hd = rows // heads
    return w.reshape(heads, 2, hd // 2, cols).swapaxes(1, 2).reshape(rows, cols)


def main():
    src, out = sys.argv[1:3]
    cfg = json.load(open(os.path.join(src, "config.json")))
    path = os.path.join(src, "model.safetensors")
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    base = 8 + n
    data = np.memmap(path, dtype=np.uint8, mode="r")
    dt = {"F16": ("f16", "<f2"), "F32": ("f32", "<f4")}
    pieces = vocab_pieces(cfg["vocab_size"])
    kvs = [gguf_kv("general.architecture", 8, "llama"),
           gguf_kv("general.alignment", 4, 32),
           gguf_kv("general.file_type", 4, 1),
           gguf_kv("llama.context_length", 4, cfg["max_position_embeddings"]),
           gguf_kv("llama.embedding_length", 4, cfg["hidden_size"]),
           gguf_kv("llama.feed_forward_length", 4, cfg["intermediate_size"]),
           gguf_kv("llama.block_count", 4, cfg["num_hidden_layers"]),
           gguf_kv("llama.attention.head_count", 4, cfg["num_attention_heads"]),
           gguf_kv("llama.attention.head_count_kv", 4, cfg["num_key_value_heads"]),
           gguf_kv("llama.attention.layer_norm_rms_epsilon", 6, cfg["rms_norm_eps"]),
           gguf_kv("llama.rope.freq_base", 6, cfg["rope_theta"]),
           gguf_kv("llama.rope.dimension_count", 4,
                   cfg["hidden_size"] // cfg["num_attention_heads"]),
           gguf_kv("tokenizer.ggml.model", 8, "llama"),
           gguf_kv("tokenizer.ggml.tokens", 9, (8, [p[0] for p in pieces])),
           gguf_kv("tokenizer.ggml.scores", 9, (6, [p[1] for p in pieces])),
           gguf_kv("tokenizer.ggml.token_type", 9, (5, [p[2] for p in pieces])),
           gguf_kv("tokenizer.ggml.bos_token_id", 4, 1),
           gguf_kv("tokenizer.ggml.eos_token_id", 4, 2)]
    def tensor_bytes(name, t):
        _, np_dt = dt[t["dtype"]]
        a, b = t["data_offsets"]
        x = data[base + a:base + b].view(np_dt).reshape(t["shape"])
        if name.endswith("q_proj.weight"):
            x = unpermute(np.asarray(x), cfg["num_attention_heads"])
        elif name.endswith("k_proj.weight"):
            x = unpermute(np.asarray(x), cfg["num_key_value_heads"])
        return np.ascontiguousarray(x).tobytes()

    tensors = [(gguf_name(name), GGUF_TYPES[dt[t["dtype"]][0]], t["shape"],
                t["data_offsets"][1] - t["data_offsets"][0],
                lambda name=name, t=t: tensor_bytes(name, t))
               for name, t in header.items() if name != "__metadata__"]
    write_gguf_file(out, kvs, tensors)


if __name__ == "__main__":
    main()
