//===- Quantizer.h - round-to-nearest weight quantization -------*- C++ -*-===//
//
// The one quantizer of dsc: the weight writer stores what it returns, and
// calibration searches with it, so that what is measured is what ships.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_WEIGHTS_QUANTIZER_H
#define DSC_WEIGHTS_QUANTIZER_H

#include "Dsc/IR/DscTypes.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace dsc {

/// A quantized weight in memory: one stored (unsigned) value per element,
/// and per row and group a scale and a zero point (for symmetric schemes the
/// zero point is the offset 2^(bits-1) that makes values unsigned).
///
/// With two-level scales (`superBlock` > 0) each group's scale is
/// superScale * code exactly (as floats), superScale an f16 value per row
/// and super-block and code an 8-bit integer (-127..127 symmetric, 0..255
/// asymmetric).
///
/// With `levels` (IQ4_NL, the one ggml block format dsc quantizes to) a
/// stored value is an index into those 16 levels, element = scale *
/// levels[u], and zero points are 0.
struct QuantizedTensor {
  int64_t rows = 0, cols = 0, group = 0, superBlock = 0;
  /// Rows sharing a scale: 1, or the tensor's (per tensor) or a head's.
  int64_t shareRows = 1;
  unsigned bits = 8;
  bool symmetric = true, f32Scale = false;
  const int8_t *levels = nullptr;
  std::vector<uint8_t> u;    // rows * cols
  std::vector<float> scale;  // rows * (cols / group)
  std::vector<uint8_t> zero; // rows * (cols / group)
  std::vector<float> superScale; // rows * (cols / superBlock)
  std::vector<int16_t> code;     // rows * (cols / group)

  void init(mlir::dsc::QTensorType type);
};

/// Quantizes a weight of `type`'s shape to its scheme; `rowOf(r, out)`
/// gives row r as floats. Rows may be asked for twice (per tensor and per
/// head scales look at all rows first).
///
/// Without `importance` each group's scale maps its largest magnitude to
/// the end of the range and values round to nearest (RTN). With it (one
/// non-negative weight per column, e.g. the mean square of the activation
/// that column multiplies), the scale of each group is searched to minimize
/// the importance-weighted squared error of the group, as llama.cpp's
/// imatrix quantization does; shared (per tensor, per head) scales stay RTN.
///
/// With `gptq` (cols x cols, the factor of gptqFactor in GPTQ.h) values are
/// rounded column by column and each column's error is carried onto the
/// columns after it (GPTQ); a group's scale is chosen, as above, from its
/// values once the errors of the groups before it have been carried in.
///
/// Two-level scales: per row and super-block, the groups' scales are chosen
/// as above, the f16 super-block scale maps the largest to the end of the
/// code range, and then each group's scale is chosen again among the
/// scales the codes can spell: with `importance`, by the same weighted
/// search (its candidates rounded to codes, plus the codes next to the
/// nearest one), so that the codes' rounding is part of the error it
/// minimizes; without, the nearest code. Under GPTQ the super-block scale
/// is set when the super-block is reached, from its values with the errors
/// carried in so far.
///
/// Non-uniform levels (`levels`): each group's f16 scale maps the value of
/// largest magnitude to the lowest level (or, searched with `importance`,
/// to either end, scaled by 0.8 to 1.2 and refit by least squares), each
/// value rounds to the nearest level, and GPTQ carries errors as above.
llvm::Expected<QuantizedTensor>
quantizeRows(mlir::dsc::QTensorType type,
             llvm::function_ref<void(int64_t, float *)> rowOf,
             llvm::ArrayRef<float> importance = {},
             llvm::ArrayRef<float> gptq = {});

/// Round to nearest of one group of n values to `bits` (symmetric or not),
/// with the scale `fixedScale` or, when it is NaN, the group's own: its
/// stored values to u[0, n), its scale and zero point. With `vector` (the
/// default) a SIMD loop takes the groups it can and gives the bytes of the
/// scalar loop, which `vector = false` runs (for tests).
void quantizeGroupRTN(const float *w, int64_t n, unsigned bits, bool sym,
                      bool f32Scale, float fixedScale, uint8_t *u, float *scale,
                      uint8_t *zero, bool vector = true);

/// The values `qt` stands for, row-major.
void dequantize(const QuantizedTensor &qt, float *out);

/// Replaces the row-major weight `w` by its quantized-then-dequantized value.
llvm::Error fakeQuantize(mlir::dsc::QTensorType type, float *w,
                         llvm::ArrayRef<float> importance = {},
                         llvm::ArrayRef<float> gptq = {});

} // namespace dsc

#endif
