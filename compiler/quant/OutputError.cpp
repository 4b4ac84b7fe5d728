//===- OutputError.cpp - quantization error on calibration rows -----------===//

#include "quant/OutputError.h"
#include "weights/Quantizer.h"

#include "llvm/Support/Parallel.h"

#include <algorithm>

using namespace llvm;

namespace dsc {

double outputError(const float *d, int64_t n, int64_t k,
                   const ActivationStats &a) {
  constexpr int64_t kBlock = 16;
  int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> part(blocks, 0.0);
  parallelFor(0, blocks, [&](size_t b) {
    double sum = 0;
    for (int64_t r = b * kBlock; r < std::min<int64_t>(n, (b + 1) * kBlock);
         ++r) {
      const float *row = d + r * k;
      for (int64_t s = 0; s < a.sampleRows; ++s) {
        const float *x = &a.sample[s * k];
        // Eight partial sums so that the loop vectorizes.
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t c = 0;
        for (; c + 8 <= k; c += 8)
          for (int j = 0; j < 8; ++j)
            acc[j] += row[c + j] * x[c + j];
        float dot = 0;
        for (; c < k; ++c)
          dot += row[c] * x[c];
        for (int j = 0; j < 8; ++j)
          dot += acc[j];
        sum += static_cast<double>(dot) * dot;
      }
    }
    part[b] = sum;
  });
  double total = 0;
  for (double p : part)
    total += p;
  return total;
}

Expected<double> quantError(mlir::dsc::QTensorType type,
                            const std::vector<float> &w,
                            const std::vector<float> *s,
                            const ActivationStats &a,
                            ArrayRef<float> importance, ArrayRef<float> gptq) {
  int64_t n = type.getRows(), k = type.getCols();
  std::vector<float> q(w);
  if (s)
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < k; ++c)
        q[r * k + c] *= (*s)[c];
  if (Error e = fakeQuantize(type, q.data(), importance, gptq))
    return std::move(e);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c) {
      float v = s ? q[r * k + c] / (*s)[c] : q[r * k + c];
      q[r * k + c] = v - w[r * k + c];
    }
  return outputError(q.data(), n, k, a);
}

} // namespace dsc
