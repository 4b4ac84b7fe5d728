//===- Safetensors.h - safetensors headers ----------------------*- C++ -*-===//
//
// The safetensors header parser, on bytes, so that it can be fuzzed.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_FRONTEND_SAFETENSORS_H
#define DSC_FRONTEND_SAFETENSORS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace dsc {

/// One safetensors tensor as its header describes it.
struct SafeTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end; // absolute file offsets
};

/// The largest JSON header dsc reads (the format's own limit is 100 MB).
constexpr uint64_t kMaxSafetensorsHeader = 100 * 1024 * 1024;

/// Parses the start of a safetensors file (`bytes`: the u64 length and the
/// JSON header) of a file of `fileSize` bytes named `file`.
llvm::Expected<llvm::StringMap<SafeTensor>>
parseSafetensorsHeader(llvm::StringRef bytes, uint64_t fileSize,
                       llvm::StringRef file);

} // namespace dsc

#endif
