// libFuzzer: the ONNX reader (protobuf ModelProto, then the Llama graph
// matcher) through readONNX, as `dsc import model.onnx` runs it. The input
// is written to model.onnx in a scratch directory beside a zero-filled
// 8 MiB model.onnx.data, so that the real exports' external initializers
// resolve and the matcher gets past them.
#include "fuzz_file.h"
#include "frontend/Checkpoint.h"

#include <fcntl.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool haveData = false;
  if (!haveData) {
    std::string p = std::string(fuzz_scratch_dir()) + "/model.onnx.data";
    int fd = open(p.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 8 << 20) != 0 || close(fd) != 0)
      abort();
    haveData = true;
  }
  const char *path = fuzz_write_file(0, "model.onnx", data, size);
  auto r = dsc::readONNX(path);
  if (r)
    llvm::consumeError(dsc::validateCheckpoint(*r));
  else
    llvm::consumeError(r.takeError());
  return 0;
}
