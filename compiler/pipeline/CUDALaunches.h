//===- CUDALaunches.h - the device forward pass as code ----------*- C++
//-*-===//
//
// Writes a device program's steps (CUDAProgram.h) into the executable's
// code as dsc_cuda_launch_body and dsc_cuda_launch_head
// (dsc/abi/cuda_program.h).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINE_CUDALAUNCHES_H
#define DSC_PIPELINE_CUDALAUNCHES_H

#include "Dsc/Transforms/CUDAProgram.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace dsc {

/// Defines the launch sequence of `program` in `code`, which holds the
/// kernels' host sides (dsc_cuda_gemv_q8, ...: dsc-cuda-lower
/// format=host). A program of no steps gets sequences that launch nothing
/// (the runtime computes on the CPU and does not call them).
llvm::Error emitCUDALaunches(llvm::Module &code,
                             const mlir::dsc::CUDAProgram &program);

} // namespace dsc

#endif
