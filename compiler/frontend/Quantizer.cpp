//===- Quantizer.cpp - round-to-nearest weight quantization ---------------===//

#include "frontend/Quantizer.h"

#include "dsc/half.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;
using namespace mlir::dsc;

namespace dsc {

void QuantizedTensor::init(QTensorType type) {
  QuantSchemeAttr s = type.getScheme();
  rows = type.getRows();
  cols = type.getCols();
  group = getQuantGroupColumns(type);
  bits = s.getBits();
  symmetric = s.getSymmetric();
  f32Scale = s.getScaleType().isF32();
  int64_t groups = cols / group;
  u.assign(rows * cols, 0);
  scale.assign(rows * groups, 0.0f);
  zero.assign(rows * groups, 0);
}

static float roundScale(float d, bool f32) {
  return f32 ? d : dsc_f16_to_f32(dsc_f32_to_f16(d));
}

/// The symmetric scale of n values: for 4 bits the value of largest
/// magnitude maps to -8 exactly (ggml's Q4_0 choice, one more level than
/// amax / 7); for 8 bits amax maps to 127 (Q8_0's).
static float symmetricScale(const float *w, int64_t n, unsigned bits,
                            bool f32Scale) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i)
    if (std::fabs(w[i]) > std::fabs(m))
      m = w[i];
  if (bits == 8)
    return roundScale(std::fabs(m) / 127.0f, f32Scale);
  return roundScale(m / -static_cast<float>(1 << (bits - 1)), f32Scale);
}

/// Round-to-nearest quantization of one group of n values.
static void quantizeGroup(const float *w, int64_t n, unsigned bits, bool sym,
                          bool f32Scale, float fixedScale, uint8_t *u,
                          float *scale, uint8_t *zero) {
  int qmax = (1 << bits) - 1;
  if (sym) {
    int off = 1 << (bits - 1);
    float d = fixedScale;
    if (std::isnan(d))
      d = symmetricScale(w, n, bits, f32Scale);
    // 8-bit values stay within [-127, 127] so that x86's sign trick applies.
    float lo = bits == 8 ? -127.0f : -static_cast<float>(off);
    float inv = d != 0 ? 1.0f / d : 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      float q = std::nearbyint(w[i] * inv);
      q = std::min(std::max(q, lo), static_cast<float>(off - 1));
      u[i] = static_cast<uint8_t>(static_cast<int>(q) + off);
    }
    *scale = d;
    *zero = static_cast<uint8_t>(off);
    return;
  }
  float lo = w[0], hi = w[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  float d = roundScale((hi - lo) / qmax, f32Scale);
  float inv = d != 0 ? 1.0f / d : 0.0f;
  int z = d != 0 ? static_cast<int>(std::nearbyint(-lo * inv)) : 0;
  z = std::min(std::max(z, 0), qmax);
  for (int64_t i = 0; i < n; ++i) {
    float q = std::nearbyint(w[i] * inv) + z;
    u[i] = static_cast<uint8_t>(std::min(std::max(q, 0.0f),
                                         static_cast<float>(qmax)));
  }
  *scale = d;
  *zero = static_cast<uint8_t>(z);
}

Expected<QuantizedTensor>
quantizeRows(QTensorType type, function_ref<void(int64_t, float *)> rowOf) {
  QuantizedTensor qt;
  qt.init(type);
  QuantSchemeAttr s = type.getScheme();
  int64_t groups = qt.cols / qt.group;
  std::vector<float> row(qt.cols);
  // Shared scales: per tensor, or per block of rows (a head).
  int64_t shareRows = s.getGranularity() == Granularity::Tensor ? qt.rows
                      : s.getGranularity() == Granularity::Head ? s.getBlockSize()
                                                                : 1;
  std::vector<float> shared(qt.rows / shareRows,
                            std::numeric_limits<float>::quiet_NaN());
  if (shareRows > 1) {
    if (!qt.symmetric)
      return createStringError(inconvertibleErrorCode(),
                               "asymmetric per-tensor and per-head schemes "
                               "are not supported");
    std::vector<float> m(shared.size(), 0.0f);
    for (int64_t r = 0; r < qt.rows; ++r) {
      rowOf(r, row.data());
      for (float v : row)
        if (std::fabs(v) > std::fabs(m[r / shareRows]))
          m[r / shareRows] = v;
    }
    for (size_t i = 0; i < shared.size(); ++i)
      shared[i] = symmetricScale(&m[i], 1, qt.bits, qt.f32Scale);
  }
  for (int64_t r = 0; r < qt.rows; ++r) {
    rowOf(r, row.data());
    for (int64_t g = 0; g < groups; ++g)
      quantizeGroup(row.data() + g * qt.group, qt.group, qt.bits, qt.symmetric,
                    qt.f32Scale, shared[r / shareRows],
                    &qt.u[r * qt.cols + g * qt.group], &qt.scale[r * groups + g],
                    &qt.zero[r * groups + g]);
  }
  return std::move(qt);
}

void dequantize(const QuantizedTensor &qt, float *out) {
  int64_t groups = qt.cols / qt.group;
  for (int64_t r = 0; r < qt.rows; ++r)
    for (int64_t c = 0; c < qt.cols; ++c) {
      int64_t g = r * groups + c / qt.group;
      out[r * qt.cols + c] =
          (static_cast<int>(qt.u[r * qt.cols + c]) - qt.zero[g]) * qt.scale[g];
    }
}

Error fakeQuantize(QTensorType type, float *w) {
  int64_t cols = type.getCols();
  auto qt = quantizeRows(type, [&](int64_t r, float *out) {
    memcpy(out, w + r * cols, sizeof(float) * cols);
  });
  if (!qt)
    return qt.takeError();
  dequantize(*qt, w);
  return Error::success();
}

} // namespace dsc
