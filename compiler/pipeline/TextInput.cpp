//===- TextInput.cpp - text files that models run on ----------------------===//

#include "pipeline/TextInput.h"
#include "support/Errors.h"
#include "tokenizer/Tokenizer.h"

#include "Dsc/IR/DscOps.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace dsc {

Error checkIsText(StringRef path, StringRef data) {
  size_t nul = data.find('\0');
  if (nul != StringRef::npos)
    return fileError(path,
                     formatv("not text: a NUL byte at offset {0}", nul).str());
  auto *begin = reinterpret_cast<const UTF8 *>(data.begin());
  auto *end = reinterpret_cast<const UTF8 *>(data.end());
  const UTF8 *at = begin;
  if (!isLegalUTF8String(&at, end))
    return fileError(
        path,
        formatv("not text: invalid UTF-8 at offset {0}", at - begin).str());
  // C0 controls other than \t \n \v \f \r, DEL, and the C1 controls
  // (U+0080..U+009F, 0xC2 0x80..0x9F in UTF-8).
  uint64_t chars = 0, controls = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    unsigned char c = data[i];
    if ((c & 0xC0) == 0x80)
      continue; // a continuation byte
    ++chars;
    if ((c < 0x20 && !(c >= '\t' && c <= '\r')) || c == 0x7F ||
        (c == 0xC2 && i + 1 < data.size() &&
         static_cast<unsigned char>(data[i + 1]) < 0xA0))
      ++controls;
  }
  if (controls * 10 > chars)
    return fileError(path, formatv("not text: {0} of its {1} characters are "
                                   "control characters",
                                   controls, chars)
                               .str());
  return Error::success();
}

Expected<std::vector<int32_t>> tokenizeTextFile(mlir::ModuleOp module,
                                                StringRef path,
                                                int64_t minTokens,
                                                StringRef purpose) {
  using namespace mlir::dsc;
  auto tokAttr = module->getAttrOfType<mlir::DictionaryAttr>(
      DscDialect::getTokenizerAttrName());
  if (!tokAttr)
    return createStringError(inconvertibleErrorCode(),
                             "the model has no tokenizer to read " + path +
                                 " with");
  auto text = MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!text)
    return fileError(path, text.getError().message());
  StringRef t = (*text)->getBuffer();
  if (Error e = checkIsText(path, t))
    return std::move(e);
  TokenizerSource src{cast<mlir::StringAttr>(tokAttr.get("path")).str(),
                      cast<mlir::StringAttr>(tokAttr.get("kind")).str()};
  auto tok = loadTokenizer(src, getModelConfig(module).getVocabSize());
  if (!tok)
    return tok.takeError();
  std::vector<int32_t> ids(t.size() + 8);
  int64_t n = dsc_tok_encode(tok->get(), t.data(), t.size(), false, ids.data(),
                             static_cast<int64_t>(ids.size()));
  if (n < 0)
    return fileError(path, "cannot be tokenized");
  if (n < minTokens)
    return fileError(path, formatv("too short: {0} token{1}; {2} needs at "
                                   "least {3}",
                                   n, n == 1 ? "" : "s", purpose, minTokens)
                               .str());
  ids.resize(n);
  return ids;
}

} // namespace dsc
