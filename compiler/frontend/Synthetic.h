//===- Synthetic.h - a small random model to try dsc on ---------*- C++ -*-===//

#ifndef DSC_FRONTEND_SYNTHETIC_H
#define DSC_FRONTEND_SYNTHETIC_H

#include "llvm/Support/Error.h"

#include <string>

namespace dsc {

struct SyntheticOptions {
  int dim = 256, hidden = 688, layers = 4, heads = 8, kvHeads = 4,
      vocab = 512, seqLen = 256;
  uint64_t seed = 42;
};

/// Writes a llama2.c checkpoint with seeded random weights, and a
/// tokenizer.bin beside it, into `dir`; returns the checkpoint's path.
llvm::Expected<std::string> writeSyntheticCheckpoint(llvm::StringRef dir,
                                                     const SyntheticOptions &o);

} // namespace dsc

#endif
