//===- CUDAProgram.h - the forward pass of a CUDA executable ----*- C++ -*-===//

#ifndef DSC_PIPELINE_CUDAPROGRAM_H
#define DSC_PIPELINE_CUDAPROGRAM_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc {

/// The steps of the device's forward pass (dsc/abi/cuda_program.h).
struct CUDAProgram {
  std::vector<int64_t> words; /// no steps when `note` says why
  std::string note;
};

/// The program of `layout`'s forward function (after weight layout).
CUDAProgram buildCUDAProgram(mlir::ModuleOp layout);

} // namespace dsc

#endif
