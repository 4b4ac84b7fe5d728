//===- Checkpoint.h - format-neutral view of a checkpoint -------*- C++ -*-===//
//
// Each reader (Hugging Face, GGUF, llama2.c, ONNX) turns its files into a
// Checkpoint: the architecture and, for every weight, its canonical dsc name,
// shape and where its bytes are. Readers touch only headers; weights stay on
// disk until the compiler writes them into the executable.
//
// Canonical names follow GGUF: token_embd, blk.N.{attn_norm, attn_q, attn_k,
// attn_v, attn_output, attn_q.bias, attn_k.bias, attn_v.bias, ffn_norm,
// ffn_gate, ffn_up, ffn_down}, output_norm, output. Matrices are [out, in].
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_CHECKPOINT_H
#define DSC_FRONTEND_CHECKPOINT_H

#include "Dsc/IR/DscAttrs.h"
#include "tokenizer/Tokenizer.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace dsc {

using mlir::dsc::Encoding;

struct RopeScaling {
  double factor = 1.0, lowFreqFactor = 1.0, highFreqFactor = 4.0;
  int64_t originalMaxPositionEmbeddings = 0;
};

struct ModelConfig {
  std::string arch; // llama, qwen2, mistral
  int64_t vocabSize = 0, dim = 0, hiddenDim = 0, nLayers = 0, nHeads = 0,
          nKVHeads = 0, headDim = 0, maxSeqLen = 0;
  double ropeTheta = 10000.0, normEps = 1e-5;
  bool tieEmbeddings = false, attentionBias = false;
  int64_t slidingWindow = 0;
  std::optional<RopeScaling> ropeScaling;
  int64_t bosTokenId = -1, eosTokenId = -1;
};

/// Bounds on hyperparameters, far above any real model's, that every reader
/// applies as it reads them: a header that claims 10^6 layers or a 10^9-token
/// vocabulary is refused by name before anything is sized from it.
struct ConfigLimits {
  static constexpr int64_t dim = 1 << 18, hiddenDim = 1 << 20, layers = 1024,
                           heads = 1024, headDim = 1 << 16, vocab = 1 << 22,
                           seqLen = 1 << 24;
};

/// "field = value exceeds dsc's limit of max" when value > max, else success.
llvm::Error checkLimit(llvm::StringRef file, llvm::StringRef field,
                       int64_t value, int64_t max);

/// Every hyperparameter of `c` against ConfigLimits, named as dsc names them;
/// for readers whose fields are derived (ONNX) and as a backstop.
llvm::Error checkConfigLimits(const ModelConfig &c, llvm::StringRef file);

/// A fix-up between a tensor's stored value and its canonical one, applied
/// in order: the importer's part of the weight-source tree that
/// buildModule wraps around the tensor's #dsc.file.
struct TensorFixup {
  enum Kind {
    Transpose,   // the stored value is the [in, out] transpose (#dsc.transpose)
    RopePermute, // rows in HF's rotate-half order (#dsc.rope_permute)
  } kind;
  int64_t heads = 0; // RopePermute: heads of the q/k projection
};

struct TensorRef {
  std::string name;           // canonical dsc name
  std::string fileName;       // the name in the file, for messages
  std::vector<int64_t> shape; // [out, in] for matrices
  Encoding encoding = Encoding::F32;
  std::string file;
  uint64_t offset = 0, size = 0;
  std::vector<TensorFixup> fixups; // innermost first

  const std::string &displayName() const {
    return fileName.empty() ? name : fileName;
  }
};

struct Checkpoint {
  std::string path;
  std::string format; // hf, gguf, llama2c, onnx
  ModelConfig config;
  std::vector<TensorRef> tensors;
  std::optional<TokenizerSource> tokenizer;

  const TensorRef *find(llvm::StringRef name) const;
};

struct ReadOptions {
  std::string tokenizerPath; // overrides the tokenizer search
  bool quiet = false;        // no notes on stderr
  bool warnNoTokenizer = true; // warn when no tokenizer is found
};

/// Reads any supported checkpoint: a Hugging Face directory, a .gguf file,
/// a llama2.c .bin or an .onnx file.
llvm::Expected<Checkpoint> readCheckpoint(llvm::StringRef path,
                                          const ReadOptions &options = {});

llvm::Expected<Checkpoint> readHuggingFace(llvm::StringRef dir);
llvm::Expected<Checkpoint> readGGUF(llvm::StringRef file);
llvm::Expected<Checkpoint> readLlama2c(llvm::StringRef file);
/// The llama2.c reader on the file's first 28 bytes and its size.
llvm::Expected<Checkpoint> parseLlama2c(llvm::StringRef header,
                                        uint64_t fileSize,
                                        llvm::StringRef file);
llvm::Expected<Checkpoint> readONNX(llvm::StringRef file);

/// Checks that every weight the architecture needs is present with the shape
/// the config implies.
llvm::Error validateCheckpoint(const Checkpoint &ckpt);

/// The tokenizer of a checkpoint, or the file itself when it is a tokenizer.
llvm::Expected<TokenizerSource> findTokenizer(llvm::StringRef path,
                                              const ReadOptions &options = {});

/// Formats that store hyperparameters such as 1e-5 as float32 (GGUF, ONNX
/// attributes) read back as the shortest decimal float32 rounds to the same
/// value, so that they equal the double a config.json gives.
double shortestFloat32Decimal(double v);

/// Bytes of `n` elements stored with `encoding` (0 if n does not fill whole
/// blocks).
uint64_t encodedSize(Encoding encoding, uint64_t n);

} // namespace dsc

#endif
