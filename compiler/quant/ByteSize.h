//===- ByteSize.h - sizes as people write them ------------------*- C++ -*-===//

#ifndef DSC_QUANT_BYTESIZE_H
#define DSC_QUANT_BYTESIZE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace dsc {

/// Parses a size with an optional unit (B, KB, MB, GB, KiB, MiB, GiB).
llvm::Expected<uint64_t> parseByteSize(llvm::StringRef text);

/// "12.3 MiB" and the like, for reports.
std::string formatByteSize(uint64_t bytes);

} // namespace dsc

#endif
