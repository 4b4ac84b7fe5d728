//===- GPULower.h - kernels to PTX through MLIR's gpu dialect ---*- C++ -*-===//
//
// The CUDA targets' device code (docs/cuda.md): functions on memrefs whose
// parallel loops (scf.parallel, as linalg's parallel lowering makes them)
// are mapped to GPU blocks and threads by MLIR's passes, outlined into
// kernels, lowered through NVVM and compiled to PTX for one chip.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TRANSFORMS_GPULOWER_H
#define DSC_TRANSFORMS_GPULOWER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
namespace dsc {

struct CUDALowerOptions {
  std::string chip = "sm_90";      // NVPTX CPU
  std::string features = "+ptx80"; // PTX ISA version
  /// "nvvm": stop at the NVVM (LLVM) dialect inside gpu.module; "isa":
  /// gpu.binary ops holding PTX; "host": isa, and the host functions
  /// lowered to the LLVM dialect, launching through MLIR's GPU runtime
  /// calls (runtime/cuda/mgpu.c implements them).
  std::string format = "isa"; // nvvm, isa, host or cpu (docs/cuda.md)
  /// The quantized weights' scales as the kernels read them: f16 or f32
  /// (dsc-gpu-retype-scales).
  std::string scales = "f16";
};

/// Parallel loops to gpu.launch, outlining, NVVM, then PTX.
void buildCUDALowerPipeline(OpPassManager &pm, const CUDALowerOptions &o);

/// The dialects, interfaces and translations the pipeline needs.
void registerCUDALowerDependencies(DialectRegistry &registry);

/// The dsc-cuda-lower{chip= features= format=} pipeline, for dsc-opt (its
/// own passes, dsc-gpu-*, are in Passes.td).
void registerCUDALowerPasses();

/// The PTX texts of the gpu.binary ops the pipeline left in `module`, one
/// per kernel module.
llvm::Expected<std::vector<std::string>> collectPTX(ModuleOp module);

} // namespace dsc
} // namespace mlir

#endif
