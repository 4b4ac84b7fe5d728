//===- MappedFiles.h - checkpoint files mapped once -------------*- C++ -*-===//

#ifndef DSC_WEIGHTS_MAPPEDFILES_H
#define DSC_WEIGHTS_MAPPEDFILES_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace dsc {

/// The checkpoint files weights are read from, each mapped on first use and
/// kept until the set is destroyed: a model's weights come from a few shards.
class MappedFiles {
public:
  /// The bytes of the file at `path`.
  llvm::Expected<llvm::StringRef> map(llvm::StringRef path);

private:
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> files;
};

} // namespace dsc

#endif
