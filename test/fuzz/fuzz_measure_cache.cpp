// libFuzzer: a --quantize auto measurement file, as dsc compile
// --auto-cache and dsc-quant-mixed-precision's cache= option read it.
#include "quant/MeasureCache.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto r = dsc::parseMeasureCache(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz");
  if (!r)
    llvm::consumeError(r.takeError());
  return 0;
}
