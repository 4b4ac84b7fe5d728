// libFuzzer: a calibration statistics file, as dsc compile --calib-stats
// and the calibration passes' stats= option read it.
#include "quant/CalibStats.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto r = dsc::parseCalibStats(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz");
  if (!r)
    llvm::consumeError(r.takeError());
  return 0;
}
