// libFuzzer: the compiler's GGUF checkpoint reader (hyperparameters from
// metadata, tensor names and types, then the checks against the config)
// through readGGUF, as `dsc import m.gguf` runs it. fuzz_gguf covers the
// runtime's parser beneath it with the tokenizer loader.
#include "fuzz_file.h"
#include "frontend/Checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_file(0, "model.gguf", data, size);
  auto r = dsc::readGGUF(path);
  if (r)
    llvm::consumeError(dsc::validateCheckpoint(*r));
  else
    llvm::consumeError(r.takeError());
  return 0;
}
