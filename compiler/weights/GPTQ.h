//===- GPTQ.h - error-compensating rounding ---------------------*- C++ -*-===//
//
// GPTQ (Frantar et al., "GPTQ: Accurate Post-Training Quantization for
// Generative Pre-trained Transformers", ICLR 2023): a linear layer's
// weights are rounded one input column at a time, and each column's
// rounding error is pushed onto the columns not yet rounded, in proportion
// to how the layer's inputs correlate (the Hessian H = X^T X of the output
// error). What it needs of H is the upper Cholesky factor U of H^-1; the
// rounding itself (scales, grid) is the quantizer's (Quantizer.h).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_WEIGHTS_GPTQ_H
#define DSC_WEIGHTS_GPTQ_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace dsc {

/// Relative dampening of the Hessian's diagonal: H + kGPTQDamp * diag(H).
/// Proportional to each column's own energy, so that scaling the inputs'
/// columns (activation-aware scales) scales the factor's columns alike.
constexpr double kGPTQDamp = 0.01;

/// The upper triangular U (n x n, row-major) with U^T U = (H + d diag(H))^-1
/// for the symmetric n x n `hessian` (only its upper triangle is read);
/// columns no input reached (H_ii = 0) get H_ii = 1. An error when H is
/// not positive definite even so (a non-finite entry).
llvm::Expected<std::vector<float>>
gptqFactor(llvm::ArrayRef<float> hessian, int64_t n, double damp = kGPTQDamp);

/// `factor` for inputs whose columns are divided by `s` (weights' columns
/// multiplied by s): U diag(s).
std::vector<float> scaleGPTQFactor(llvm::ArrayRef<float> factor,
                                   llvm::ArrayRef<float> s);

/// The factor for rounding the columns in `order` (a permutation of
/// 0..n-1) rather than 0..n-1: U' with U'^T U' = P (U^T U) P^T, P the
/// permutation; U' row i and column j are `order[i]` and `order[j]` of the
/// inputs. Empty if the reordered H^-1 is not positive definite in floating
/// point.
std::vector<float> reorderGPTQFactor(llvm::ArrayRef<float> factor,
                                     llvm::ArrayRef<int64_t> order);

} // namespace dsc

#endif
