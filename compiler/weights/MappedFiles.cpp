//===- MappedFiles.cpp - checkpoint files mapped once ---------------------===//

#include "weights/MappedFiles.h"
#include "support/Errors.h"

using namespace llvm;

namespace dsc {

Expected<StringRef> MappedFiles::map(StringRef path) {
  auto it = files.find(path);
  if (it == files.end()) {
    auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                     /*RequiresNullTerminator=*/false);
    if (!buf)
      return fileError(path, "cannot read: " + buf.getError().message());
    it = files.try_emplace(path, std::move(*buf)).first;
  }
  return it->second->getBuffer();
}

} // namespace dsc
