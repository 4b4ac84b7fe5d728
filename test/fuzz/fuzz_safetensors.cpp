// libFuzzer: the safetensors header parser. The first 8 bytes give the file
// size to check the header against (so a real header stands for its file);
// the rest is the file's leading bytes.
#include "frontend/Safetensors.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8)
    return 0;
  uint64_t fileSize;
  memcpy(&fileSize, data, 8);
  llvm::StringRef bytes(reinterpret_cast<const char *>(data) + 8, size - 8);
  auto r = dsc::parseSafetensorsHeader(bytes, fileSize, "fuzz.safetensors");
  if (!r)
    llvm::consumeError(r.takeError());
  return 0;
}
