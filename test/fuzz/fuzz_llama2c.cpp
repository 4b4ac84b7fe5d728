// libFuzzer: the llama2.c checkpoint header reader. The first 8 bytes give
// the file size to check the header against; the rest is the header.
#include "frontend/Checkpoint.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8)
    return 0;
  uint64_t fileSize;
  memcpy(&fileSize, data, 8);
  llvm::StringRef header(reinterpret_cast<const char *>(data) + 8, size - 8);
  auto r = dsc::parseLlama2c(header, fileSize, "fuzz.bin");
  if (r)
    llvm::consumeError(dsc::validateCheckpoint(*r));
  else
    llvm::consumeError(r.takeError());
  return 0;
}
