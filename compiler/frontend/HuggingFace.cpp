//===- HuggingFace.cpp - config.json + safetensors ------------------------===//
//
// A Hugging Face model directory: config.json and model.safetensors, or
// shards listed in model.safetensors.index.json. Only each shard's JSON
// header is read.
//
//===----------------------------------------------------------------------===//

#include "frontend/Checkpoint.h"
#include "support/Errors.h"
#include "frontend/Safetensors.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <set>

using namespace llvm;

namespace dsc {

static std::string joinPath(StringRef dir, StringRef name) {
  SmallString<256> p(dir);
  sys::path::append(p, name);
  return std::string(p);
}

static Expected<json::Value> readJSONFile(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return fileError(path, "cannot read: " + buf.getError().message());
  auto v = json::parse((*buf)->getBuffer());
  if (!v)
    return fileError(path, "invalid JSON: " + toString(v.takeError()));
  return v;
}

/// Reads a safetensors header: u64 length, then that many bytes of JSON.
static Expected<StringMap<SafeTensor>> readSafetensorsHeader(StringRef file) {
  uint64_t fileSize;
  if (std::error_code ec = sys::fs::file_size(file, fileSize))
    return fileError(file, "cannot read: " + ec.message());
  // The header is at most 100 MB; read what the file has of it.
  uint64_t want = std::min<uint64_t>(fileSize, 8);
  auto lenBuf = MemoryBuffer::getFileSlice(file, want, 0);
  if (!lenBuf)
    return fileError(file, "cannot read: " + lenBuf.getError().message());
  uint64_t len = 0;
  if (want == 8)
    memcpy(&len, (*lenBuf)->getBufferStart(), 8);
  // The length is checked before it sizes a read: a header claiming a
  // terabyte of JSON in a large file would otherwise be read whole.
  uint64_t take =
      want == 8 && len <= fileSize - 8 && len <= kMaxSafetensorsHeader ? 8 + len
                                                                       : want;
  auto hdr = MemoryBuffer::getFileSlice(file, take, 0);
  if (!hdr)
    return fileError(file, "cannot read: " + hdr.getError().message());
  return parseSafetensorsHeader((*hdr)->getBuffer(), fileSize, file);
}

/// HF parameter name -> canonical name, and which RoPE heads it needs
/// un-permuted ('q' or 'k').
static std::optional<std::pair<std::string, char>>
canonicalName(StringRef hf) {
  if (hf == "model.embed_tokens.weight")
    return std::pair{std::string("token_embd"), ' '};
  if (hf == "model.norm.weight")
    return std::pair{std::string("output_norm"), ' '};
  if (hf == "lm_head.weight")
    return std::pair{std::string("output"), ' '};
  if (!hf.consume_front("model.layers."))
    return std::nullopt;
  auto [num, rest] = hf.split('.');
  unsigned layer;
  if (num.getAsInteger(10, layer))
    return std::nullopt;
  std::string p = "blk." + std::to_string(layer) + ".";
  static const struct {
    const char *hf, *dsc;
    char rope;
  } map[] = {{"input_layernorm.weight", "attn_norm", ' '},
             {"self_attn.q_proj.weight", "attn_q", 'q'},
             {"self_attn.k_proj.weight", "attn_k", 'k'},
             {"self_attn.v_proj.weight", "attn_v", ' '},
             {"self_attn.o_proj.weight", "attn_output", ' '},
             {"self_attn.q_proj.bias", "attn_q.bias", 'q'},
             {"self_attn.k_proj.bias", "attn_k.bias", 'k'},
             {"self_attn.v_proj.bias", "attn_v.bias", ' '},
             {"post_attention_layernorm.weight", "ffn_norm", ' '},
             {"mlp.gate_proj.weight", "ffn_gate", ' '},
             {"mlp.up_proj.weight", "ffn_up", ' '},
             {"mlp.down_proj.weight", "ffn_down", ' '}};
  for (const auto &m : map)
    if (rest == m.hf)
      return std::pair{p + m.dsc, m.rope};
  return std::nullopt;
}

static Error readConfig(StringRef path, ModelConfig &c) {
  auto v = readJSONFile(path);
  if (!v)
    return v.takeError();
  const json::Object *o = v->getAsObject();
  if (!o)
    return fileError(path, "not a JSON object");
  const json::Array *archs = o->getArray("architectures");
  if (!archs || archs->empty() || !(*archs)[0].getAsString())
    return fileError(path, "field 'architectures' is missing");
  StringRef arch = *(*archs)[0].getAsString();
  if (arch == "LlamaForCausalLM")
    c.arch = "llama";
  else if (arch == "Qwen2ForCausalLM")
    c.arch = "qwen2";
  else if (arch == "MistralForCausalLM")
    c.arch = "mistral";
  else
    return fileError(path, "architectures: '" + arch +
                               "' is not supported (dsc supports "
                               "LlamaForCausalLM, Qwen2ForCausalLM, "
                               "MistralForCausalLM)");
  auto getInt = [&](const char *key, int64_t &out, bool required,
                    int64_t max) -> Error {
    const json::Value *val = o->get(key);
    if (!val || val->kind() == json::Value::Null) {
      if (required)
        return fileError(path, std::string("field '") + key + "' is missing");
      return Error::success();
    }
    auto i = val->getAsInteger();
    if (!i || *i <= 0)
      return fileError(path, std::string("field '") + key +
                                 "' must be a positive integer");
    if (Error e = checkLimit(path, std::string("field '") + key + "'", *i, max))
      return e;
    out = *i;
    return Error::success();
  };
  auto getNum = [&](const char *key, double &out) -> Error {
    const json::Value *val = o->get(key);
    if (!val || val->kind() == json::Value::Null)
      return Error::success();
    auto d = val->getAsNumber();
    if (!d || !(*d > 0))
      return fileError(path, std::string("field '") + key +
                                 "' must be a positive number");
    out = *d;
    return Error::success();
  };
  if (Error e = getInt("hidden_size", c.dim, true,
                         ConfigLimits::dim))
    return e;
  if (Error e = getInt("intermediate_size", c.hiddenDim, true,
                         ConfigLimits::hiddenDim))
    return e;
  if (Error e = getInt("num_hidden_layers", c.nLayers, true,
                         ConfigLimits::layers))
    return e;
  if (Error e = getInt("num_attention_heads", c.nHeads, true,
                         ConfigLimits::heads))
    return e;
  c.nKVHeads = c.nHeads;
  if (Error e = getInt("num_key_value_heads", c.nKVHeads, false,
                         ConfigLimits::heads))
    return e;
  if (Error e = getInt("vocab_size", c.vocabSize, true,
                         ConfigLimits::vocab))
    return e;
  c.maxSeqLen = 2048;
  if (Error e = getInt("max_position_embeddings", c.maxSeqLen, false,
                         ConfigLimits::seqLen))
    return e;
  if (c.dim % c.nHeads && !o->get("head_dim"))
    return fileError(path, "hidden_size is not a multiple of "
                           "num_attention_heads and head_dim is not given");
  c.headDim = c.dim / c.nHeads;
  if (Error e = getInt("head_dim", c.headDim, false,
                         ConfigLimits::headDim))
    return e;
  if (Error e = getNum("rms_norm_eps", c.normEps))
    return e;
  if (Error e = getNum("rope_theta", c.ropeTheta))
    return e;
  c.tieEmbeddings = o->getBoolean("tie_word_embeddings").value_or(false);
  // Qwen2 always has q/k/v biases; Llama and Mistral only when configured.
  c.attentionBias =
      c.arch == "qwen2" || o->getBoolean("attention_bias").value_or(false);
  if (o->getBoolean("mlp_bias").value_or(false))
    return fileError(path, "mlp_bias = true is not supported");
  if (auto act = o->getString("hidden_act"); act && *act != "silu")
    return fileError(path, "hidden_act '" + *act +
                               "' is not supported (dsc supports silu)");
  if (c.arch == "mistral") {
    int64_t w = 0;
    if (Error e = getInt("sliding_window", w, false,
                         ConfigLimits::seqLen))
      return e;
    c.slidingWindow = w;
  }
  if (const json::Value *rs = o->get("rope_scaling");
      rs && rs->kind() != json::Value::Null) {
    const json::Object *r = rs->getAsObject();
    if (!r)
      return fileError(path, "rope_scaling must be an object");
    auto type = r->getString("rope_type");
    if (!type)
      type = r->getString("type");
    if (!type || *type != "llama3")
      return fileError(path, "rope_scaling type '" +
                                 (type ? type->str() : std::string("?")) +
                                 "' is not supported (dsc supports llama3)");
    RopeScaling s;
    s.factor = r->getNumber("factor").value_or(0);
    s.lowFreqFactor = r->getNumber("low_freq_factor").value_or(0);
    s.highFreqFactor = r->getNumber("high_freq_factor").value_or(0);
    s.originalMaxPositionEmbeddings =
        r->getInteger("original_max_position_embeddings").value_or(0);
    if (!(s.factor >= 1) || !(s.lowFreqFactor > 0) ||
        !(s.highFreqFactor > s.lowFreqFactor) ||
        s.originalMaxPositionEmbeddings <= 0)
      return fileError(path, "rope_scaling: factor, low_freq_factor, "
                             "high_freq_factor or "
                             "original_max_position_embeddings is invalid");
    c.ropeScaling = s;
  }
  if (auto b = o->getInteger("bos_token_id"))
    c.bosTokenId = *b;
  if (auto e = o->getInteger("eos_token_id"))
    c.eosTokenId = *e;
  return Error::success();
}

Expected<Checkpoint> readHuggingFace(StringRef dir) {
  Checkpoint ckpt;
  ckpt.path = dir.str();
  ckpt.format = "hf";
  std::string configPath = joinPath(dir, "config.json");
  if (!sys::fs::exists(configPath))
    return fileError(dir, "not a Hugging Face model directory: config.json "
                          "is missing");
  if (Error e = readConfig(configPath, ckpt.config))
    return std::move(e);

  // Shards: the index maps tensor names to files.
  std::vector<std::string> shards;
  std::string single = joinPath(dir, "model.safetensors");
  std::string index = joinPath(dir, "model.safetensors.index.json");
  if (sys::fs::exists(index)) {
    auto v = readJSONFile(index);
    if (!v)
      return v.takeError();
    const json::Object *wm =
        v->getAsObject() ? v->getAsObject()->getObject("weight_map") : nullptr;
    if (!wm)
      return fileError(index, "field 'weight_map' is missing");
    std::set<std::string> names;
    for (const auto &kv : *wm)
      if (auto f = kv.second.getAsString())
        names.insert(f->str());
    for (const std::string &n : names) {
      std::string p = joinPath(dir, n);
      if (!sys::fs::exists(p))
        return fileError(index, "weight_map: shard '" + n + "' is missing");
      shards.push_back(p);
    }
  } else if (sys::fs::exists(single)) {
    shards.push_back(single);
  } else {
    return fileError(dir, "no model.safetensors or "
                          "model.safetensors.index.json");
  }

  const ModelConfig &c = ckpt.config;
  for (const std::string &shard : shards) {
    auto header = readSafetensorsHeader(shard);
    if (!header)
      return header.takeError();
    for (auto &entry : *header) {
      auto canon = canonicalName(entry.getKey());
      if (!canon)
        continue; // e.g. rotary_emb.inv_freq buffers
      const SafeTensor &st = entry.getValue();
      TensorRef t;
      t.name = canon->first;
      t.fileName = entry.getKey().str();
      t.shape = st.shape;
      t.file = shard;
      t.offset = st.begin;
      t.size = st.end - st.begin;
      if (st.dtype == "F32")
        t.encoding = Encoding::F32;
      else if (st.dtype == "F16")
        t.encoding = Encoding::F16;
      else if (st.dtype == "BF16")
        t.encoding = Encoding::BF16;
      else
        return fileError(shard, "tensor '" + entry.getKey().str() +
                                    "': dtype '" + st.dtype +
                                    "' is not supported (F32, F16, BF16)");
      if (canon->second == 'q')
        t.fixups.push_back({TensorFixup::RopePermute, c.nHeads});
      else if (canon->second == 'k')
        t.fixups.push_back({TensorFixup::RopePermute, c.nKVHeads});
      if (ckpt.find(t.name))
        return fileError(shard, "tensor '" + entry.getKey().str() +
                                    "' appears twice");
      ckpt.tensors.push_back(std::move(t));
    }
  }
  // Some tied checkpoints still ship lm_head.weight; it must then equal the
  // embedding, and dsc keeps one copy.
  if (c.tieEmbeddings)
    llvm::erase_if(ckpt.tensors,
                   [](const TensorRef &t) { return t.name == "output"; });

  for (const char *name : {"tokenizer.model", "tokenizer.json"}) {
    std::string p = joinPath(dir, name);
    if (sys::fs::exists(p)) {
      auto src = classifyTokenizerFile(p);
      if (src) {
        ckpt.tokenizer = *src;
        break;
      }
      consumeError(src.takeError());
    }
  }
  return ckpt;
}

} // namespace dsc
