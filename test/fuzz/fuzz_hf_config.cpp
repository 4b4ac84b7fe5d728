// libFuzzer: a Hugging Face model directory's config.json, read by
// readHuggingFace as `dsc import DIR` does. The directory holds only the
// input as config.json, so each run ends at the config or at the missing
// weights.
#include "fuzz_file.h"
#include "frontend/Checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_write_file(0, "config.json", data, size);
  auto r = dsc::readHuggingFace(fuzz_scratch_dir());
  if (r)
    llvm::consumeError(dsc::validateCheckpoint(*r));
  else
    llvm::consumeError(r.takeError());
  return 0;
}
