//===- CUDAProgram.h - the forward pass of a CUDA executable ----*- C++ -*-===//
//
// The device's steps for a forward function (dsc/abi/cuda_program.h), read
// off the dsc dialect: by dsc-gpu-place-forward, before weight layout, to
// decide whether the forward pass runs on the device, and by the code
// generator of the CUDA targets, after layout, to write the program into
// the executable.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TRANSFORMS_CUDAPROGRAM_H
#define DSC_TRANSFORMS_CUDAPROGRAM_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "registry/TargetRegistry.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::dsc {

/// The steps of the device's forward pass (dsc/abi/cuda_program.h).
struct CUDAProgram {
  std::vector<int64_t> words; /// no steps when `note` says why
  std::string note;
  /// Whether the kernels are to read the weights' scales as f16
  /// (DSC_CP_SCALES_F16; false for a program of no steps).
  bool readsF16Scales() const;
};

/// When the program is read.
enum class CUDAProgramStage {
  /// Before weight layout: no offsets yet, and whatever layout a weight
  /// has now is dsc-weights-pack's to replace (the words are a sketch).
  Placement,
  /// After layout: each weight at its offset, stored as the device reads it
  /// (row-major, or quant_layout.h's plain layout when quantized).
  Emission,
};

/// The program of `module`'s forward function.
CUDAProgram buildCUDAProgram(ModuleOp module, CUDAProgramStage stage);

/// The unit attribute dsc-gpu-place-forward puts on a forward function
/// whose every op has a device step.
inline constexpr llvm::StringLiteral kDeviceForwardAttr = "dsc.device_forward";

/// Whether `target` has a device (a CUDA target's registry entry).
bool hasDevice(const TargetInfo &target);

/// Whether `module`'s forward function runs on `target`'s device (marked by
/// dsc-gpu-place-forward): its weights stay plain and it has no host code.
bool isForwardOnDevice(ModuleOp module, const TargetInfo &target);

} // namespace mlir::dsc

#endif
