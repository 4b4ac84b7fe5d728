//===- Llama2c.cpp - llama2.c .bin checkpoints ----------------------------===//
//
// The legacy (version 0) format of llama2.c's run.c: seven int32 header
// fields (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
// seq_len; a negative vocab_size means the classifier is not shared), then
// float32 weights in a fixed order. RoPE is interleaved, theta 10000.
//
//===----------------------------------------------------------------------===//

#include "frontend/Checkpoint.h"
#include "support/Errors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace dsc {

Expected<Checkpoint> readLlama2c(StringRef file) {
  uint64_t fileSize;
  if (std::error_code ec = sys::fs::file_size(file, fileSize))
    return fileError(file, "cannot read: " + ec.message());
  if (fileSize < 28)
    return fileError(file, "truncated: a llama2.c checkpoint starts with a "
                           "28-byte header");
  auto buf = MemoryBuffer::getFileSlice(file, 28, 0);
  if (!buf)
    return fileError(file, "cannot read: " + buf.getError().message());
  return parseLlama2c((*buf)->getBuffer(), fileSize, file);
}

Expected<Checkpoint> parseLlama2c(StringRef header, uint64_t fileSize,
                                  StringRef file) {
  if (header.size() < 28 || fileSize < 28)
    return fileError(file, "truncated: a llama2.c checkpoint starts with a "
                           "28-byte header");
  const char *h = header.data();
  int32_t f[7];
  memcpy(f, h, sizeof(f));
  const char *names[7] = {"dim",     "hidden_dim", "n_layers", "n_heads",
                          "n_kv_heads", "vocab_size", "seq_len"};
  // Generous bounds on real models, which also keep a hostile header from
  // asking for billions of tensors.
  using L = ConfigLimits;
  const int64_t limits[7] = {L::dim,   L::hiddenDim, L::layers, L::heads,
                             L::heads, L::vocab,     L::seqLen};
  for (int i = 0; i < 7; ++i) {
    int64_t v = i == 5 ? std::abs(static_cast<int64_t>(f[i])) : f[i];
    if (v <= 0 || v > limits[i])
      return fileError(file, std::string("header field ") + names[i] + " = " +
                                 std::to_string(f[i]) +
                                 " is out of range (not a llama2.c checkpoint?)");
  }
  Checkpoint ckpt;
  ckpt.path = file.str();
  ckpt.format = "llama2c";
  ModelConfig &c = ckpt.config;
  c.arch = "llama";
  c.dim = f[0];
  c.hiddenDim = f[1];
  c.nLayers = f[2];
  c.nHeads = f[3];
  c.nKVHeads = f[4];
  c.tieEmbeddings = f[5] > 0;
  c.vocabSize = std::abs(f[5]);
  c.maxSeqLen = f[6];
  c.bosTokenId = 1;
  c.eosTokenId = 2;
  if (c.dim % c.nHeads)
    return fileError(file, "header: dim " + std::to_string(c.dim) +
                               " is not a multiple of n_heads " +
                               std::to_string(c.nHeads));
  if (c.nHeads % c.nKVHeads)
    return fileError(file, "header: n_heads " + std::to_string(c.nHeads) +
                               " is not a multiple of n_kv_heads " +
                               std::to_string(c.nKVHeads));
  c.headDim = c.dim / c.nHeads;
  int64_t kvDim = c.nKVHeads * c.headDim;
  // Check the size the header implies before listing its tensors; the
  // header fields are below 2^24, so this arithmetic does not overflow.
  {
    uint64_t d = c.dim, f = c.hiddenDim, v = c.vocabSize, kv = kvDim;
    uint64_t perLayer = 2 * d + 2 * d * d + 2 * kv * d + 3 * f * d;
    uint64_t floats = v * d + d + (c.tieEmbeddings ? 0 : v * d) +
                      static_cast<uint64_t>(c.maxSeqLen) * c.headDim;
    unsigned __int128 need =
        28 + 4 * ((unsigned __int128)perLayer * c.nLayers + floats);
    if (need > fileSize)
      return fileError(file, "truncated: the header (dim " +
                                 std::to_string(c.dim) + ", " +
                                 std::to_string(c.nLayers) + " layers, vocab " +
                                 std::to_string(c.vocabSize) + ") needs " +
                                 std::to_string(static_cast<uint64_t>(std::min<unsigned __int128>(need, UINT64_MAX))) +
                                 " bytes, the file has " +
                                 std::to_string(fileSize));
  }

  uint64_t offset = 28;
  auto add = [&](const std::string &name, std::vector<int64_t> shape) {
    uint64_t n = 1;
    for (int64_t d : shape)
      n *= static_cast<uint64_t>(d);
    TensorRef t;
    t.name = name;
    t.shape = std::move(shape);
    t.encoding = Encoding::F32;
    t.file = file.str();
    t.offset = offset;
    t.size = n * 4;
    offset += t.size;
    ckpt.tensors.push_back(std::move(t));
  };
  // Each weight kind is stored for all layers at once.
  auto perLayer = [&](const char *name, std::vector<int64_t> shape) {
    for (int64_t l = 0; l < c.nLayers; ++l)
      add("blk." + std::to_string(l) + "." + name, shape);
  };
  add("token_embd", {c.vocabSize, c.dim});
  perLayer("attn_norm", {c.dim});
  perLayer("attn_q", {c.dim, c.dim});
  perLayer("attn_k", {kvDim, c.dim});
  perLayer("attn_v", {kvDim, c.dim});
  perLayer("attn_output", {c.dim, c.dim});
  perLayer("ffn_norm", {c.dim});
  perLayer("ffn_gate", {c.hiddenDim, c.dim});
  perLayer("ffn_down", {c.dim, c.hiddenDim});
  perLayer("ffn_up", {c.hiddenDim, c.dim});
  add("output_norm", {c.dim});
  // Precomputed RoPE tables of old exports, unused.
  offset += static_cast<uint64_t>(c.maxSeqLen) * c.headDim / 2 * 4 * 2;
  if (!c.tieEmbeddings)
    add("output", {c.vocabSize, c.dim});
  if (offset > fileSize)
    return fileError(file, "truncated: the header (dim " +
                               std::to_string(c.dim) + ", " +
                               std::to_string(c.nLayers) + " layers, vocab " +
                               std::to_string(c.vocabSize) + ") needs " +
                               std::to_string(offset) + " bytes, the file has " +
                               std::to_string(fileSize));
  return ckpt;
}

} // namespace dsc
