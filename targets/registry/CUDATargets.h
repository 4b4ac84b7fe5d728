//===- CUDATargets.h - the registry's NVIDIA GPU targets --------*- C++ -*-===//
//
// The CUDA targets (docs/cuda.md) are registry entries like the CPU ones:
// the host half is an x86-64 entry's code generation, kernels and formats;
// the device half, here, is the chip the kernels are compiled for and its
// PTX ISA version.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TARGETS_REGISTRY_CUDATARGETS_H
#define DSC_TARGETS_REGISTRY_CUDATARGETS_H

#include "registry/TargetRegistry.h"

namespace mlir::dsc {

struct CUDADevice {
  std::string chip;     // NVPTX CPU: "sm_90"
  std::string features; // PTX ISA version as an NVPTX feature: "+ptx80"
  /// "8.0", for messages.
  std::string ptxVersion() const;
};

/// The device of a CUDA target; null for CPU targets.
const CUDADevice *getCUDADevice(const TargetInfo &t);

/// Adds the CUDA entries to the registry being built, on its x86_64-avx2
/// entry (TargetRegistry.cpp).
void appendCUDATargets(std::vector<TargetInfo> &registry);

/// --target cuda: the CUDA target of this machine's first GPU, asked of the
/// driver (libcuda.so.1, loaded at run time); an error naming what is
/// missing when there is no driver or no device.
llvm::Expected<TargetInfo> lookupHostCUDATarget();

} // namespace mlir::dsc

#endif
