//===- Checkpoint.cpp - format detection and validation -------------------===//

#include "frontend/Checkpoint.h"
#include "support/Errors.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace dsc {

const TensorRef *Checkpoint::find(StringRef name) const {
  for (const TensorRef &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

uint64_t encodedSize(Encoding encoding, uint64_t n) {
  int64_t blockElems;
  int64_t blockBytes = mlir::dsc::getEncodingBlockBytes(encoding, &blockElems);
  if (n % blockElems)
    return 0;
  return n / blockElems * blockBytes;
}

Error checkLimit(StringRef file, StringRef field, int64_t value, int64_t max) {
  if (value <= max)
    return Error::success();
  return fileError(file, field + " = " + std::to_string(value) +
                             " exceeds dsc's limit of " + std::to_string(max));
}

Error checkConfigLimits(const ModelConfig &c, StringRef file) {
  using L = ConfigLimits;
  const std::pair<const char *, std::pair<int64_t, int64_t>> fields[] = {
      {"vocab_size", {c.vocabSize, L::vocab}},
      {"dim", {c.dim, L::dim}},
      {"hidden_dim", {c.hiddenDim, L::hiddenDim}},
      {"n_layers", {c.nLayers, L::layers}},
      {"n_heads", {c.nHeads, L::heads}},
      {"n_kv_heads", {c.nKVHeads, L::heads}},
      {"head_dim", {c.headDim, L::headDim}},
      {"max_seq_len", {c.maxSeqLen, L::seqLen}}};
  for (const auto &[name, vm] : fields) {
    if (vm.first <= 0)
      return fileError(file, std::string(name) + " = " +
                                 std::to_string(vm.first) +
                                 " must be positive");
    if (Error e = checkLimit(file, name, vm.first, vm.second))
      return e;
  }
  return Error::success();
}

double shortestFloat32Decimal(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) != v)
    return v; // a genuine float64
  char buf[32];
  for (int precision = 1; precision <= 9; ++precision) {
    snprintf(buf, sizeof(buf), "%.*g", precision, v);
    double d = strtod(buf, nullptr);
    if (static_cast<float>(d) == f)
      return d;
  }
  return v;
}

/// First bytes of a file, for format detection.
static std::string peek(StringRef path, size_t n) {
  auto buf = MemoryBuffer::getFileSlice(path, n, 0);
  if (!buf) {
    auto whole = MemoryBuffer::getFile(path, false, false);
    if (!whole)
      return "";
    return (*whole)->getBuffer().take_front(n).str();
  }
  return (*buf)->getBuffer().str();
}

static bool isDirectory(StringRef path) {
  return sys::fs::is_directory(path);
}

/// Tokenizer files dsc looks for beside a checkpoint file, best first for
/// its format: llama2.c's own `tokenizer.bin` (or `tok512.bin`) for llama2.c
/// checkpoints, `tokenizer.json` (then a SentencePiece model) for the others.
static std::vector<std::string> tokenizersBeside(StringRef path,
                                                 StringRef format) {
  SmallString<256> dir = sys::path::parent_path(path);
  if (dir.empty())
    dir = ".";
  auto rank = [&](StringRef name) -> int {
    bool tok = name.starts_with("tok");
    int bin = tok && name.ends_with(".bin") ? 0 : -1;
    int model = tok && name.ends_with(".model") ? 0 : -1;
    int json = name == "tokenizer.json" ? 0 : -1;
    if (format == "llama2c")
      return bin == 0 ? 0 : model == 0 ? 1 : json == 0 ? 2 : -1;
    return json == 0 ? 0 : model == 0 ? 1 : bin == 0 ? 2 : -1;
  };
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    StringRef name = sys::path::filename(it->path());
    int r = rank(name);
    if (r >= 0 && !sys::fs::equivalent(it->path(), path))
      found.push_back({r, it->path()});
  }
  llvm::sort(found);
  std::vector<std::string> result;
  for (auto &f : found)
    result.push_back(f.second);
  return result;
}

/// Warns that the executable will read token ids only.
static void warnNoTokenizer(const Checkpoint &ckpt, StringRef path,
                            ArrayRef<std::string> rejected) {
  auto &os = WithColor::warning(errs(), "dsc");
  os << path << ": no tokenizer";
  if (rejected.empty())
    os << " in or beside it";
  else
    os << " fits the model's vocab_size " << ckpt.config.vocabSize << " ("
       << join(rejected, "; ") << ")";
  os << "; the executable will take only --tokens (give one with "
        "--tokenizer FILE)\n";
}

/// Settles the checkpoint's tokenizer: the one given, the one the
/// checkpoint carries, or the first beside it whose vocabulary fits the
/// model. A tokenizer given or carried that does not fit is an error; dsc
/// says which tokenizer it took and warns when it found none, since the
/// executable then reads only token ids.
static Error resolveTokenizer(Checkpoint &ckpt, StringRef path,
                              const ReadOptions &opts) {
  int64_t vocab = ckpt.config.vocabSize;
  auto describe = [&](const TokenizerSource &src, const TokenizerPtr &tok) {
    return src.kind + ", " + std::to_string(dsc_tok_n_vocab(tok.get())) +
           " tokens";
  };
  if (!opts.tokenizerPath.empty() || ckpt.tokenizer) {
    bool given = !opts.tokenizerPath.empty();
    TokenizerSource src;
    if (given) {
      auto c = classifyTokenizerFile(opts.tokenizerPath);
      if (!c)
        return c.takeError();
      src = *c;
    } else {
      src = *ckpt.tokenizer;
    }
    auto tok = loadTokenizer(src, vocab);
    if (!tok)
      return tok.takeError();
    ckpt.tokenizer = src;
    if (!given && !opts.quiet)
      WithColor::note(errs(), "dsc") << "using tokenizer " << src.path << " ("
                                     << describe(src, *tok) << ")\n";
    return Error::success();
  }
  std::vector<std::string> rejected;
  // readHuggingFace looked in the directory already.
  for (const std::string &c : isDirectory(path)
                                  ? std::vector<std::string>()
                                  : tokenizersBeside(path, ckpt.format)) {
    auto src = classifyTokenizerFile(c);
    if (!src) {
      rejected.push_back(toString(src.takeError()));
      continue;
    }
    auto tok = loadTokenizer(*src, vocab);
    if (!tok) {
      rejected.push_back(toString(tok.takeError()));
      continue;
    }
    ckpt.tokenizer = *src;
    if (!opts.quiet)
      WithColor::note(errs(), "dsc")
          << "using tokenizer " << c << " (" << describe(*src, *tok)
          << ") found beside " << path << "\n";
    return Error::success();
  }
  if (opts.warnNoTokenizer)
    warnNoTokenizer(ckpt, path, rejected);
  return Error::success();
}

Expected<Checkpoint> readCheckpoint(StringRef path, const ReadOptions &opts) {
  if (!sys::fs::exists(path))
    return fileError(path, "no such file or directory");
  Expected<Checkpoint> ckpt = fileError(path, "unreachable");
  if (isDirectory(path)) {
    ckpt = readHuggingFace(path);
  } else {
    std::string head = peek(path, 8);
    if (StringRef(head).starts_with("GGUF") || path.ends_with(".gguf"))
      ckpt = readGGUF(path);
    else if (path.ends_with(".onnx"))
      ckpt = readONNX(path);
    else if (path.ends_with(".safetensors") || path.ends_with("config.json"))
      ckpt = readHuggingFace(sys::path::parent_path(path).empty()
                                 ? StringRef(".")
                                 : sys::path::parent_path(path));
    else if (path.ends_with(".bin"))
      ckpt = readLlama2c(path);
    else
      return fileError(path, "unknown checkpoint format (expected a Hugging "
                             "Face directory, .gguf, llama2.c .bin or .onnx)");
  }
  if (!ckpt)
    return ckpt.takeError();
  if (Error e = validateCheckpoint(*ckpt))
    return std::move(e);
  if (Error e = resolveTokenizer(*ckpt, path, opts))
    return std::move(e);
  return ckpt;
}

Error validateCheckpoint(const Checkpoint &ckpt) {
  const ModelConfig &c = ckpt.config;
  // The readers check their own fields; this bounds the arithmetic below
  // whatever reader made the checkpoint.
  if (Error e = checkConfigLimits(c, ckpt.path))
    return e;
  StringMap<const TensorRef *> byName;
  for (const TensorRef &t : ckpt.tensors)
    byName.try_emplace(t.name, &t);
  auto need = [&](const std::string &name,
                  std::vector<int64_t> shape) -> Error {
    const TensorRef *t = byName.lookup(name);
    if (!t)
      return fileError(ckpt.path, "tensor '" + name + "' is missing");
    if (t->shape != shape) {
      std::string got, want;
      for (int64_t d : t->shape)
        got += (got.empty() ? "" : "x") + std::to_string(d);
      for (int64_t d : shape)
        want += (want.empty() ? "" : "x") + std::to_string(d);
      return fileError(t->file, "tensor '" + t->displayName() + "' has shape [" + got +
                                    "] but the config implies [" + want + "]");
    }
    uint64_t n = 1;
    for (int64_t d : shape)
      n *= static_cast<uint64_t>(d);
    uint64_t bytes = encodedSize(t->encoding, n);
    if (bytes == 0 || bytes != t->size)
      return fileError(t->file, "tensor '" + t->displayName() + "' holds " +
                                    std::to_string(t->size) + " bytes but " +
                                    std::to_string(n) + " " +
                                    mlir::dsc::stringifyEncoding(t->encoding).str() +
                                    " elements need " + std::to_string(bytes));
    return Error::success();
  };
  int64_t q = c.nHeads * c.headDim, kv = c.nKVHeads * c.headDim;
  if (Error e = need("token_embd", {c.vocabSize, c.dim}))
    return e;
  for (int64_t l = 0; l < c.nLayers; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    struct {
      const char *name;
      std::vector<int64_t> shape;
    } layer[] = {{"attn_norm", {c.dim}},           {"attn_q", {q, c.dim}},
                 {"attn_k", {kv, c.dim}},          {"attn_v", {kv, c.dim}},
                 {"attn_output", {c.dim, q}},      {"ffn_norm", {c.dim}},
                 {"ffn_gate", {c.hiddenDim, c.dim}}, {"ffn_up", {c.hiddenDim, c.dim}},
                 {"ffn_down", {c.dim, c.hiddenDim}}};
    for (auto &t : layer)
      if (Error e = need(p + t.name, t.shape))
        return e;
    if (c.attentionBias)
      for (auto [n, s] : {std::pair{"attn_q.bias", q}, std::pair{"attn_k.bias", kv},
                          std::pair{"attn_v.bias", kv}})
        if (Error e = need(p + n, {s}))
          return e;
  }
  if (Error e = need("output_norm", {c.dim}))
    return e;
  if (!c.tieEmbeddings)
    if (Error e = need("output", {c.vocabSize, c.dim}))
      return e;
  return Error::success();
}

Expected<TokenizerSource> findTokenizer(StringRef path,
                                        const ReadOptions &opts) {
  if (!sys::fs::exists(path))
    return fileError(path, "no such file or directory");
  if (isDirectory(path)) {
    for (const char *name : {"tokenizer.model", "tokenizer.json"}) {
      SmallString<256> p(path);
      sys::path::append(p, name);
      if (sys::fs::exists(p))
        return classifyTokenizerFile(p);
    }
    return fileError(path, "no tokenizer.model or tokenizer.json in the directory");
  }
  // A checkpoint rather than a tokenizer: the tokenizer dsc would compile
  // it with. (A .bin may be llama2.c's tokenizer.bin or a checkpoint.)
  bool checkpoint = path.ends_with(".onnx");
  if (path.ends_with(".bin")) {
    auto ckpt = readLlama2c(path);
    checkpoint = static_cast<bool>(ckpt);
    if (!ckpt)
      consumeError(ckpt.takeError());
  }
  if (checkpoint) {
    ReadOptions quietOpts = opts;
    quietOpts.warnNoTokenizer = false; // the error below says it
    auto full = readCheckpoint(path, quietOpts);
    if (!full)
      return full.takeError();
    if (!full->tokenizer)
      return fileError(path, "the checkpoint carries no tokenizer and none "
                             "that fits its vocabulary is beside it; pass "
                             "the tokenizer file instead");
    return *full->tokenizer;
  }
  return classifyTokenizerFile(path);
}

} // namespace dsc
