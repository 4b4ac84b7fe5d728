//===- TextInput.h - text files that models run on --------------*- C++ -*-===//
//
// Calibration (--calib) and `dsc eval --text` read a text file and tokenize
// it with the model's tokenizer. A file that is not text (a checkpoint
// passed by mistake, random bytes) must be an error, not a calibration on
// garbage that ends with a confident note.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINE_TEXTINPUT_H
#define DSC_PIPELINE_TEXTINPUT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace dsc {

/// Fails, naming `path`, unless `data` is UTF-8 text: no NUL bytes, valid
/// UTF-8, and at most one character in ten a control character other than
/// tab, line and page breaks.
llvm::Error checkIsText(llvm::StringRef path, llvm::StringRef data);

/// The token ids of a text file, by the model's tokenizer (no BOS); fails
/// if there are fewer than `minTokens`, saying what `purpose` needs.
llvm::Expected<std::vector<int32_t>> tokenizeTextFile(mlir::ModuleOp module,
                                                      llvm::StringRef path,
                                                      int64_t minTokens,
                                                      llvm::StringRef purpose);

} // namespace dsc

#endif
