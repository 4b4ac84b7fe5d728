//===- OutputGuard.h - checks on `dsc compile -o` ---------------*- C++ -*-===//
//
// What `dsc compile` writes must neither fail after minutes of work (a
// missing or read-only directory) nor replace a file it reads: `-o
// ckpt/model.safetensors` would overwrite the checkpoint. Both are checked
// before any work, with paths compared as the files they resolve to
// (symbolic links, `..` and hard links included).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DRIVER_OUTPUTGUARD_H
#define DSC_DRIVER_OUTPUTGUARD_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace dsc {

/// The files `dsc compile -o output` writes: the output, and with external
/// weights `<output>.dscw`; each through a `.tmp` beside it.
std::vector<std::string> writtenFiles(llvm::StringRef output,
                                      bool externalWeights);

/// Fails unless each written file can be created: its directory exists and
/// takes a new file, and it is not a directory or a read-only file. "-"
/// (stdout) passes.
llvm::Error checkWritable(llvm::ArrayRef<std::string> written);

/// The files compiling `module`, loaded from `checkpoint`, reads: the
/// checkpoint (for a Hugging Face directory its config and shard index),
/// every weight's file, the tokenizer; and `extra` (--calib, --tokenizer).
std::vector<std::string> inputFiles(mlir::ModuleOp module,
                                    llvm::StringRef checkpoint,
                                    llvm::ArrayRef<std::string> extra);

/// Fails, naming both, if a written file is one of `inputs`.
llvm::Error checkNotInput(llvm::ArrayRef<std::string> written,
                          llvm::ArrayRef<std::string> inputs);

} // namespace dsc

#endif
