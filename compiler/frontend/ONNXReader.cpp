//===- ONNXReader.cpp - ONNX decoder-only Llama graphs --------------------===//

#include "frontend/Checkpoint.h"
#include "frontend/Errors.h"

using namespace llvm;

namespace dsc {

Expected<Checkpoint> readONNX(StringRef file) {
  return fileError(file, "ONNX import is not implemented yet");
}

} // namespace dsc
