//===- CUDAKernels.h - the CUDA targets' device code ------------*- C++ -*-===//

#ifndef DSC_PIPELINE_CUDAKERNELS_H
#define DSC_PIPELINE_CUDAKERNELS_H

#include "pipeline/Target.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/Error.h"

namespace llvm {
class Module;
}

namespace dsc {

/// Links into `code` the built-in kernels (targets/cuda/kernels) compiled for
/// the chip of `target`, a CUDA target: their PTX and the host code that
/// launches them; and `layout`'s forward pass: its launch sequence as code
/// (CUDALaunches.h) and what the runtime (runtime/cuda/cuda_forward.c)
/// allocates for it as `dsc_cuda_program`; docs/cuda.md. Nothing for a
/// target without a device.
llvm::Error embedCUDAKernels(llvm::Module &code, const TargetDesc &target,
                             mlir::ModuleOp layout);

} // namespace dsc

#endif
