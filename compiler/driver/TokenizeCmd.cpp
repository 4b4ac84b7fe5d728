//===- TokenizeCmd.cpp - dsc tokenize -------------------------------------===//

#include "driver/Commands.h"
#include "frontend/Checkpoint.h"
#include "tokenizer/Tokenizer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace dsc {

cl::SubCommand tokenizeCmd("tokenize",
                           "Encode text to token ids, or decode ids to text");

static cl::opt<std::string> tokInput(cl::Positional, cl::Required,
                                     cl::desc("<checkpoint-or-tokenizer>"),
                                     cl::sub(tokenizeCmd));
static cl::opt<std::string> tokText("text", cl::desc("Text to encode"),
                                    cl::sub(tokenizeCmd));
static cl::opt<std::string> tokFile("f", cl::desc("Read the text from FILE"),
                                    cl::value_desc("FILE"),
                                    cl::sub(tokenizeCmd));
static cl::opt<bool> tokDecode("decode",
                               cl::desc("Decode space-separated ids to text"),
                               cl::sub(tokenizeCmd));
static cl::opt<bool> tokBos("bos", cl::desc("Prepend the BOS token"),
                            cl::sub(tokenizeCmd));
static cl::opt<bool> tokInfo("info",
                             cl::desc("Print the tokenizer's properties"),
                             cl::sub(tokenizeCmd));

/// Options that would have no effect with the others given are errors.
static Error checkTokenizeOptions() {
  auto error = [](const Twine &msg) {
    return createStringError(inconvertibleErrorCode(), msg);
  };
  bool text = tokText.getNumOccurrences(), file = tokFile.getNumOccurrences();
  if (tokInfo && (text || file || tokDecode || tokBos))
    return error("--info describes the tokenizer and takes no --text, -f, "
                 "--decode or --bos");
  if (text && file)
    return error("--text and -f both give the text; pass one");
  if (tokDecode && tokBos)
    return error("--bos has no effect with --decode (it prepends BOS when "
                 "encoding)");
  return Error::success();
}

int runTokenize() {
  if (Error e = checkTokenizeOptions())
    return reportError(std::move(e));
  auto source = findTokenizer(tokInput);
  if (!source)
    return reportError(source.takeError());
  auto tok = loadTokenizer(*source);
  if (!tok)
    return reportError(tok.takeError());
  dsc_tokenizer *t = tok->get();
  if (tokInfo) {
    outs() << "file: " << source->path << "\nkind: " << source->kind
           << "\nalgorithm: " << dsc_tok_algo_name(t)
           << "\nvocab_size: " << dsc_tok_n_vocab(t)
           << "\nbos: " << dsc_tok_bos(t) << "\neos: " << dsc_tok_eos(t)
           << "\n";
    return 0;
  }
  std::string text;
  if (!tokFile.empty()) {
    auto buf = MemoryBuffer::getFileOrSTDIN(tokFile, /*IsText=*/false);
    if (!buf) {
      errs() << "dsc: error: " << tokFile << ": cannot read: "
             << buf.getError().message() << "\n";
      return 1;
    }
    text = (*buf)->getBuffer().str();
  } else if (tokText.getNumOccurrences()) {
    text = tokText;
  } else {
    errs() << "dsc: error: tokenize needs --text TEXT or -f FILE\n";
    return 1;
  }
  if (tokDecode) {
    SmallVector<StringRef> parts;
    StringRef(text).split(parts, ' ', -1, false);
    int32_t prev = -1;
    std::string out;
    for (StringRef p : parts) {
      p = p.trim();
      if (p.empty())
        continue;
      int64_t id;
      if (p.getAsInteger(10, id) || id < 0 || id >= dsc_tok_n_vocab(t)) {
        errs() << "dsc: error: '" << p << "' is not a token id in [0, "
               << dsc_tok_n_vocab(t) << ")\n";
        return 1;
      }
      char buf[256];
      size_t n = dsc_tok_decode(t, prev, static_cast<int32_t>(id), buf,
                                sizeof(buf));
      out.append(buf, std::min(n, sizeof(buf)));
      prev = static_cast<int32_t>(id);
    }
    outs() << out;
    return 0;
  }
  std::vector<int32_t> ids(text.size() + 8);
  int64_t n = dsc_tok_encode(t, text.data(), text.size(), tokBos, ids.data(),
                             static_cast<int64_t>(ids.size()));
  if (n < 0) {
    errs() << "dsc: error: out of memory while encoding\n";
    return 1;
  }
  if (n > static_cast<int64_t>(ids.size())) {
    ids.resize(n);
    n = dsc_tok_encode(t, text.data(), text.size(), tokBos, ids.data(), n);
  }
  for (int64_t i = 0; i < n; ++i)
    outs() << (i ? " " : "") << ids[i];
  outs() << "\n";
  return 0;
}

} // namespace dsc
