// libFuzzer: the safetensors header parser.
#include "frontend/Safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  auto r = dsc::parseSafetensorsHeader(bytes, size, "fuzz.safetensors");
  if (!r)
    llvm::consumeError(r.takeError());
  return 0;
}
