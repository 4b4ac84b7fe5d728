//===- GGUFReader.cpp - GGUF checkpoints ----------------------------------===//
//
// Reads metadata and tensor infos with the runtime's GGUF parser (the same
// code the tokenizer loader and the fuzzer use). GGUF's llama tensors are in
// Meta's interleaved-RoPE row order already; qwen2 ones are in HF order.
//
//===----------------------------------------------------------------------===//

#include "dsc/abi/quant_layout.h"
#include "dsc/gguf.h"
#include "frontend/Checkpoint.h"
#include "support/Errors.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace dsc {

namespace {
struct GGUFFile {
  std::unique_ptr<MemoryBuffer> buf;
  dsc_gguf g{};
  ~GGUFFile() { dsc_gguf_free(&g); }
};
} // namespace

static std::string str(dsc_str s) { return std::string(s.ptr, s.len); }

Expected<Checkpoint> readGGUF(StringRef file) {
  GGUFFile f;
  auto buf = MemoryBuffer::getFile(file, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return fileError(file, "cannot read: " + buf.getError().message());
  f.buf = std::move(*buf);
  char err[512];
  if (dsc_gguf_parse(reinterpret_cast<const uint8_t *>(f.buf->getBufferStart()),
                     f.buf->getBufferSize(), &f.g, err, sizeof(err)) != DSC_OK)
    return fileError(file, err);
  const dsc_gguf *g = &f.g;

  Checkpoint ckpt;
  ckpt.path = file.str();
  ckpt.format = "gguf";
  ModelConfig &c = ckpt.config;
  dsc_str archStr;
  if (!dsc_gguf_get_str(g, "general.architecture", &archStr))
    return fileError(file, "metadata 'general.architecture' is missing");
  std::string arch = str(archStr);
  if (arch != "llama" && arch != "qwen2" && arch != "mistral")
    return fileError(file, "general.architecture '" + arch +
                               "' is not supported (dsc supports llama, "
                               "qwen2, mistral)");
  c.arch = arch;
  auto getU = [&](const std::string &key, int64_t &out, bool required,
                  int64_t max) -> Error {
    uint64_t v;
    if (!dsc_gguf_get_u64(g, (arch + "." + key).c_str(), &v)) {
      if (required)
        return fileError(file, "metadata '" + arch + "." + key +
                                   "' is missing or not an integer");
      return Error::success();
    }
    if (v == 0)
      return fileError(file, "metadata '" + arch + "." + key + "' = 0 is out of range");
    if (v > uint64_t(max))
      return fileError(file, "metadata '" + arch + "." + key + "' = " +
                                 std::to_string(v) + " exceeds dsc's limit of " +
                                 std::to_string(max));
    out = static_cast<int64_t>(v);
    return Error::success();
  };
  if (Error e = getU("embedding_length", c.dim, true, ConfigLimits::dim))
    return std::move(e);
  if (Error e = getU("feed_forward_length", c.hiddenDim, true, ConfigLimits::hiddenDim))
    return std::move(e);
  if (Error e = getU("block_count", c.nLayers, true, ConfigLimits::layers))
    return std::move(e);
  if (Error e = getU("attention.head_count", c.nHeads, true, ConfigLimits::heads))
    return std::move(e);
  c.nKVHeads = c.nHeads;
  if (Error e = getU("attention.head_count_kv", c.nKVHeads, false, ConfigLimits::heads))
    return std::move(e);
  c.maxSeqLen = 2048;
  if (Error e = getU("context_length", c.maxSeqLen, false, ConfigLimits::seqLen))
    return std::move(e);
  c.headDim = c.dim / c.nHeads;
  if (Error e = getU("attention.key_length", c.headDim, false, ConfigLimits::headDim))
    return std::move(e);
  double d;
  if (dsc_gguf_get_f64(g, (arch + ".attention.layer_norm_rms_epsilon").c_str(), &d)) {
    if (!(d > 0))
      return fileError(file, "metadata '" + arch +
                                 ".attention.layer_norm_rms_epsilon' must be positive");
    c.normEps = shortestFloat32Decimal(d);
  }
  if (dsc_gguf_get_f64(g, (arch + ".rope.freq_base").c_str(), &d)) {
    if (!(d > 0))
      return fileError(file, "metadata '" + arch + ".rope.freq_base' must be positive");
    c.ropeTheta = shortestFloat32Decimal(d);
  }
  c.attentionBias = arch == "qwen2";
  int64_t id;
  if (dsc_gguf_get_i64(g, "tokenizer.ggml.bos_token_id", &id))
    c.bosTokenId = id;
  if (dsc_gguf_get_i64(g, "tokenizer.ggml.eos_token_id", &id))
    c.eosTokenId = id;

  static const StringRef layerNames[] = {
      "attn_norm", "attn_q",   "attn_k",   "attn_v",   "attn_output",
      "ffn_norm",  "ffn_gate", "ffn_up",   "ffn_down", "attn_q.bias",
      "attn_k.bias", "attn_v.bias"};
  for (uint64_t i = 0; i < g->n_tensors; ++i) {
    const dsc_gguf_tensor &gt = g->tensors[i];
    StringRef name(gt.name.ptr, gt.name.len);
    if (name == "rope_freqs.weight")
      return fileError(file, "tensor 'rope_freqs.weight' (Llama-3 RoPE "
                             "frequency factors) is not supported yet");
    // GGUF names are canonical names plus ".weight"/".bias".
    std::string canon;
    if (name.consume_back(".weight"))
      canon = name.str();
    else if (name.consume_back(".bias"))
      canon = name.str() + ".bias";
    else
      continue;
    StringRef cn = canon;
    bool known = cn == "token_embd" || cn == "output_norm" || cn == "output";
    if (cn.consume_front("blk.")) {
      auto [num, rest] = cn.split('.');
      unsigned l;
      known = !num.getAsInteger(10, l) &&
              llvm::is_contained(layerNames, rest);
    }
    if (!known)
      continue;
    TensorRef t;
    t.name = canon;
    t.fileName = str(gt.name);
    t.file = file.str();
    t.offset = gt.offset;
    t.size = gt.size;
    // ggml's ne[0] is the fastest-varying dimension: [ne1, ne0] row-major.
    for (uint32_t k = gt.n_dims; k-- > 0;)
      t.shape.push_back(static_cast<int64_t>(gt.dims[k]));
    switch (gt.type) {
    case DSC_GGML_F32: t.encoding = Encoding::F32; break;
    case DSC_GGML_F16: t.encoding = Encoding::F16; break;
    case DSC_GGML_BF16: t.encoding = Encoding::BF16; break;
    case DSC_GGML_Q8_0: t.encoding = Encoding::Q8_0; break;
    case DSC_GGML_Q4_0: t.encoding = Encoding::Q4_0; break;
    case DSC_GGML_Q4_1: t.encoding = Encoding::Q4_1; break;
    case DSC_GGML_Q5_0: t.encoding = Encoding::Q5_0; break;
    case DSC_GGML_Q5_1: t.encoding = Encoding::Q5_1; break;
    case DSC_GGML_TYPE_Q2_K: t.encoding = Encoding::Q2_K; break;
    case DSC_GGML_TYPE_Q3_K: t.encoding = Encoding::Q3_K; break;
    case DSC_GGML_TYPE_Q4_K: t.encoding = Encoding::Q4_K; break;
    case DSC_GGML_TYPE_Q5_K: t.encoding = Encoding::Q5_K; break;
    case DSC_GGML_TYPE_Q6_K: t.encoding = Encoding::Q6_K; break;
    case DSC_GGML_TYPE_Q8_K: t.encoding = Encoding::Q8_K; break;
    case DSC_GGML_TYPE_IQ4_NL: t.encoding = Encoding::IQ4_NL; break;
    case DSC_GGML_TYPE_IQ4_XS: t.encoding = Encoding::IQ4_XS; break;
    default: {
      const char *typeName = dsc_ggml_type_name(gt.type);
      return fileError(file, "tensor '" + str(gt.name) + "': ggml type " +
                                 (typeName ? std::string(typeName) + " (" +
                                                 std::to_string(gt.type) + ")"
                                           : std::to_string(gt.type)) +
                                 " is not supported (F32, F16, BF16, Q8_0, "
                                 "Q4_0, Q4_1, Q5_0, Q5_1, Q2_K-Q6_K, Q8_K, "
                                 "IQ4_NL, IQ4_XS)");
    }
    }
    if (gt.size == 0)
      return fileError(file, "tensor '" + str(gt.name) + "': row length " +
                                 std::to_string(gt.dims[0]) +
                                 " is not a whole number of " +
                                 dsc_ggml_type_name(gt.type) + " blocks");
    if (arch == "qwen2" && (StringRef(canon).contains("attn_q") ||
                            StringRef(canon).contains("attn_k")))
      t.fixups.push_back(
          {TensorFixup::RopePermute,
           StringRef(canon).contains("attn_q") ? c.nHeads : c.nKVHeads});
    ckpt.tensors.push_back(std::move(t));
  }
  const TensorRef *emb = ckpt.find("token_embd");
  if (!emb || emb->shape.size() != 2)
    return fileError(file, "tensor 'token_embd.weight' is missing or not 2-D");
  c.vocabSize = emb->shape[0];
  if (Error e = checkLimit(file, "tensor 'token_embd.weight': vocabulary size",
                           c.vocabSize, ConfigLimits::vocab))
    return std::move(e);
  // Converters often store a tied classifier again; keep one copy.
  const TensorRef *out = ckpt.find("output");
  if (out && out->encoding == emb->encoding && out->shape == emb->shape &&
      out->size == emb->size &&
      memcmp(f.buf->getBufferStart() + out->offset,
             f.buf->getBufferStart() + emb->offset, emb->size) == 0) {
    llvm::erase_if(ckpt.tensors,
                   [](const TensorRef &t) { return t.name == "output"; });
    out = nullptr;
  }
  c.tieEmbeddings = out == nullptr;
  if (dsc_gguf_find(g, "tokenizer.ggml.model"))
    ckpt.tokenizer = TokenizerSource{file.str(), "gguf"};
  return ckpt;
}

} // namespace dsc
