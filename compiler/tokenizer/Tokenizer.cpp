//===- Tokenizer.cpp - finding and loading tokenizers ---------------------===//

#include "tokenizer/Tokenizer.h"
#include "support/Errors.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace dsc {

Expected<TokenizerSource> classifyTokenizerFile(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return fileError(path, "cannot read: " + buf.getError().message());
  StringRef data = (*buf)->getBuffer();
  StringRef name = sys::path::filename(path);
  if (data.starts_with("GGUF"))
    return TokenizerSource{path.str(), "gguf"};
  if (name.ends_with(".json") || data.ltrim().starts_with("{"))
    return TokenizerSource{path.str(), "hf"};
  if (name.ends_with(".model"))
    return TokenizerSource{path.str(), "sentencepiece"};
  if (name.ends_with(".bin"))
    return TokenizerSource{path.str(), "llama2c"};
  // A SentencePiece model starts with field 1 (pieces), length-delimited.
  if (!data.empty() && static_cast<uint8_t>(data[0]) == 0x0a)
    return TokenizerSource{path.str(), "sentencepiece"};
  return fileError(path, "not a tokenizer dsc recognizes (tokenizer.json, "
                         "SentencePiece .model, GGUF, llama2.c tokenizer.bin)");
}

Expected<TokenizerPtr> loadTokenizer(const TokenizerSource &source,
                                     int64_t vocabSize) {
  auto buf = MemoryBuffer::getFile(source.path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return fileError(source.path, "cannot read: " + buf.getError().message());
  StringRef data = (*buf)->getBuffer();
  const auto *bytes = reinterpret_cast<const uint8_t *>(data.data());
  char err[512] = {0};
  dsc_tokenizer *tok = nullptr;
  dsc_status st;
  // A llama2.c tokenizer.bin does not store its size: read all of it, so
  // that a 32000-token file beside a 512-token model is refused rather than
  // cut to the model's size.
  if (source.kind == "llama2c")
    st = dsc_tok_load_llama2c(bytes, data.size(), -1, &tok, err, sizeof(err));
  else if (source.kind == "sentencepiece")
    st = dsc_tok_load_spm(bytes, data.size(), &tok, err, sizeof(err));
  else if (source.kind == "hf")
    st = dsc_tok_load_hf_json(data.data(), data.size(), &tok, err, sizeof(err));
  else if (source.kind == "gguf")
    st = dsc_tok_load_gguf(bytes, data.size(), &tok, err, sizeof(err));
  else
    return fileError(source.path, "unknown tokenizer kind '" + source.kind + "'");
  if (st != DSC_OK)
    return fileError(source.path, err);
  TokenizerPtr result(tok);
  // Embedding tables may be padded past the tokenizer, never the reverse;
  // llama2.c's files hold exactly the model's vocabulary. Padding is a few
  // rows (to a multiple of 64 or 128: Qwen2 pads 151646 to 151936): a
  // tokenizer covering under 90% of the table belongs to another model.
  int64_t n = dsc_tok_n_vocab(tok);
  if (vocabSize > 0 &&
      (n > vocabSize || n * 10 < vocabSize * 9 ||
       (source.kind == "llama2c" && n != vocabSize)))
    return fileError(source.path,
                     "tokenizer has " + std::to_string(n) +
                         " tokens but the model's vocab_size is " +
                         std::to_string(vocabSize) +
                         (n < vocabSize ? ": it belongs to another model"
                                        : ""));
  return std::move(result);
}

} // namespace dsc
