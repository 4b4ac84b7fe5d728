//===- CUDAKernels.h - the CUDA targets' device code ------------*- C++ -*-===//

#ifndef DSC_PIPELINE_CUDAKERNELS_H
#define DSC_PIPELINE_CUDAKERNELS_H

#include "pipeline/Target.h"

#include "llvm/Support/Error.h"

#include <string>

namespace llvm {
class Module;
}

namespace dsc {

/// The built-in kernels (targets/cuda/kernels) compiled to PTX for the chip
/// of `target`, a CUDA target: the PTX modules, each NUL-terminated.
llvm::Expected<std::string> compileCUDAKernels(const TargetDesc &target);

/// Puts that PTX into `code` as `dsc_cuda_ptx`, which the runtime
/// (runtime/cuda/cuda_device.c) loads; docs/cuda.md.
llvm::Error embedCUDAKernels(llvm::Module &code, const TargetDesc &target);

} // namespace dsc

#endif
