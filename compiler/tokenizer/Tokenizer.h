//===- Tokenizer.h - finding and loading tokenizers -------------*- C++ -*-===//

#ifndef DSC_TOKENIZER_TOKENIZER_H
#define DSC_TOKENIZER_TOKENIZER_H

#include "dsc/tokenizer.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace dsc {

struct TokenizerDeleter {
  void operator()(dsc_tokenizer *t) const { dsc_tok_free(t); }
};
using TokenizerPtr = std::unique_ptr<dsc_tokenizer, TokenizerDeleter>;

/// A tokenizer file and its format: "llama2c" (tokenizer.bin),
/// "sentencepiece" (.model), "hf" (tokenizer.json) or "gguf".
struct TokenizerSource {
  std::string path;
  std::string kind;
};

/// Works out the format of a tokenizer file from its name and first bytes.
llvm::Expected<TokenizerSource> classifyTokenizerFile(llvm::StringRef path);

/// Loads a tokenizer. With `vocabSize` > 0 it must fit the model: at most
/// that many tokens (embedding tables may be padded), exactly that many for
/// llama2.c files.
llvm::Expected<TokenizerPtr> loadTokenizer(const TokenizerSource &source,
                                           int64_t vocabSize = -1);

} // namespace dsc

#endif
