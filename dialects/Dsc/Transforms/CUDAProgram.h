//===- CUDAProgram.h - the forward pass of a CUDA executable ----*- C++ -*-===//
//
// The device's steps for a forward function, read off the dsc dialect: by
// dsc-gpu-place-forward, before weight layout, to decide whether the
// forward pass runs on the device, and by the code generator of the CUDA
// targets, after layout, to write them into the executable as its launch
// sequence (compiler/pipeline/CUDALaunches.cpp) and what the runtime
// allocates for it (dsc/abi/cuda_program.h).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TRANSFORMS_CUDAPROGRAM_H
#define DSC_TRANSFORMS_CUDAPROGRAM_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "registry/TargetRegistry.h"
#include "llvm/ADT/bit.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::dsc {

/// A step's words: its kind (DSC_OP_*) and operands (buffers b, weights
/// w, RoPE tables t, floats as the bits of a double), zero-padded:
///   EMBED      w table, b out
///   RMS_NORM   b in, w weight, b out, eps, 1 where only the next step
///              reads out, as the input of its projections (q, k and v,
///              gate and up with SwiGLU, or one without a residual: the
///              classifier): decode computes the norm in that step's GEMV
///              kernel where it takes one
///   LINEAR     b in, w weight, b out, 1 + b residual or 0, 1 + w up or 0,
///              b 2, b 3: out = weight x in, or with a residual (an add
///              fused into it) + residual, the product alone in b 2 where
///              computed apart; or with an up weight silu(weight x in) *
///              (up x in) (SwiGLU fused), the products in b 3 and b 2
///              where computed apart
///   ROPE       b in-out, head_dim, t, 1 + b second in-out or 0 (q and k
///              in one launch), 1 where the next step is the attention of
///              in (q) and second (k): this step's launch stores the keys
///              and values into the cache too, and the attention's none
///   ATTENTION  b q, b k, b v, b out, layer, heads, scale
///   ADD        b a, b b, b out
///   SWIGLU     b gate, b up, b out
///   COPY       b in, b out
///   LINEAR3    b in, w 1, b out 1, w 2, b out 2, w 3, b out 3: three
///              linear steps over the same input (attention's q, k, v)
/// Steps from the header's DSC_CP_HEAD on run only for the positions with
/// logits; none of them reads the position (RoPE, attention).
inline constexpr int64_t kStepWords = 8;

/// A float operand of a step: the bits of a double.
inline int64_t stepFloat(double d) { return llvm::bit_cast<int64_t>(d); }
inline double stepFloat(int64_t word) { return llvm::bit_cast<double>(word); }

/// The device's forward pass: what the executable holds of it
/// (dsc/abi/cuda_program.h) and its steps, which the code generator
/// writes as code.
struct CUDAProgram {
  std::vector<int64_t> words; /// no steps when `note` says why
  std::vector<int64_t> steps; /// kStepWords each
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
