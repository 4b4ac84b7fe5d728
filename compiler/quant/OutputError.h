//===- OutputError.h - quantization error on calibration rows ---*- C++ -*-===//
//
// The passes that use calibration judge a quantized weight by what it does
// to the layer's output on the rows calibration sampled, not by the error
// of its elements: columns the activations make large weigh more.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_QUANT_OUTPUTERROR_H
#define DSC_QUANT_OUTPUTERROR_H

#include "quant/CalibStats.h"

#include "Dsc/IR/DscTypes.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace dsc {

/// Sum over the sampled rows x of |D x|^2, D an [n, k] row-major matrix.
double outputError(const float *d, int64_t n, int64_t k,
                   const ActivationStats &a);

/// Output error of quantizing `w` as `type` (after scaling its columns by
/// `s` when given), with scales searched by `importance` when given.
llvm::Expected<double> quantError(mlir::dsc::QTensorType type,
                                  const std::vector<float> &w,
                                  const std::vector<float> *s,
                                  const ActivationStats &a,
                                  llvm::ArrayRef<float> importance = {},
                                  llvm::ArrayRef<float> gptq = {});

} // namespace dsc

#endif
