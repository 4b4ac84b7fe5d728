//===- CodegenLower.h - dsc-codegen-lower's patterns ------------*- C++ -*-===//
//
// One conversion pattern per dsc op, from the forward function's ops to
// linalg on tensors and dsc.ukernel calls; CodegenLower.cpp applies them.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TRANSFORMS_CODEGENLOWER_H
#define DSC_TRANSFORMS_CODEGENLOWER_H

#include "Dsc/Transforms/Passes.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::dsc {

/// Weights, linear layers, attention, quantized embeddings and observation
/// points: views of the weight blob and micro-kernel calls.
void populateCodegenLowerKernelPatterns(RewritePatternSet &patterns,
                                        const TargetInfo &target);

/// Element-wise ops, RMSNorm, RoPE, softmax and float embeddings:
/// linalg.generic on tensors.
void populateCodegenLowerLinalgPatterns(RewritePatternSet &patterns);

/// Helpers shared by the patterns.
namespace lower {
Value rows(OpBuilder &b, Location loc, Value tensor);
Value toI64(OpBuilder &b, Location loc, Value index);
Value i64(OpBuilder &b, Location loc, int64_t v);
Value f32(OpBuilder &b, Location loc, double v);
Value toF32(OpBuilder &b, Location loc, Value v);
/// An empty tensor of `type`: its dynamic first dimension `rows`, any
/// other dynamic dimension `like`'s (a tensor of the same rank).
Value empty(OpBuilder &b, Location loc, RankedTensorType type, Value rows,
            Value like = {});
arith::FastMathFlagsAttr reassoc(MLIRContext *ctx);
/// RMSNorm of `x` [rows, dim] (f32) with `weight` [dim] as linalg on
/// tensors: a row reduction (the sum of squares), a map of the rows' sums
/// (rsqrt(sum / dim + eps)) and the scaling, which writes over `x`. `dim`
/// and `eps` are f32 values: the op's constants for the CPU path,
/// arguments in the CUDA kernel dsc-gpu-derive-kernels makes of it.
Value rmsNorm(OpBuilder &b, Location loc, Value x, Value weight, Value dim,
              Value eps);
/// Softmax over the last dimension of `x` [rows, n] (f32) as linalg on
/// tensors: the rows' maximum, exp(x - max), its sum, the sum's inverse and
/// the product (dsc.softmax's CPU lowering; attention's on CUDA).
Value softmax(OpBuilder &b, Location loc, Value x);
/// RoPE's rotation of `pairs` [rows, heads, head_dim / 2, 2] (f32) by the
/// angles whose cosines and sines are `cos` and `sin` [rows, head_dim / 2]
/// (row s: its position's): one generic, each output value computing its
/// pair's two rotated values and keeping its own (linalg.index 3).
Value ropeRotate(OpBuilder &b, Location loc, Value pairs, Value cos, Value sin);
/// The rows of a float `table` [vocab, dim] at `ids` [rows] (i32), as f32
/// of `type` [rows, dim]: a generic over the result reading the row's id
/// and extracting table[id, column] (dsc.embedding's CPU lowering).
Value embedRows(OpBuilder &b, Location loc, Value table, Value ids,
                RankedTensorType type);
/// The keys or values `x` [rows, kv_heads * head_dim] (f32) of a block of
/// positions as the KV cache lays them out (dsc/abi/kv_cache.h: a layer's
/// keys [kv_heads][ctx][head_dim], f32 as the attention kernels read it):
/// `type` [kv_heads, rows, head_dim] (f32), a generic over it whose value
/// (g, s, d) extracts x[s, g * head_dim + d] (dsc.attention's cache store
/// on the CPU; the CUDA kernel's, which dsc-gpu-derive-kernels makes of it).
/// `kvHeads` and `headDim` are index values: constants on the CPU, arguments on
/// CUDA.
Value kvRows(OpBuilder &b, Location loc, Value x, Value kvHeads, Value headDim,
             RankedTensorType type);
} // namespace lower

} // namespace mlir::dsc

#endif
