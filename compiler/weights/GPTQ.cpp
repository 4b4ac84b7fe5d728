//===- GPTQ.cpp - error-compensating rounding -----------------------------===//

#include "weights/GPTQ.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace dsc {

/// In place: the lower Cholesky factor L of the n x n symmetric positive
/// definite `a` (lower triangle read and written; the upper is zeroed).
static bool cholesky(std::vector<double> &a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (int64_t k = 0; k < j; ++k)
      d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0) || !std::isfinite(d))
      return false;
    d = std::sqrt(d);
    a[j * n + j] = d;
    for (int64_t i = j + 1; i < n; ++i) {
      double v = a[i * n + j];
      const double *ri = &a[i * n], *rj = &a[j * n];
      for (int64_t k = 0; k < j; ++k)
        v -= ri[k] * rj[k];
      a[i * n + j] = v / d;
    }
    for (int64_t i = 0; i < j; ++i)
      a[i * n + j] = 0;
  }
  return true;
}

Expected<std::vector<float>> gptqFactor(ArrayRef<float> hessian, int64_t n,
                                        double damp) {
  if (static_cast<int64_t>(hessian.size()) != n * n)
    return createStringError(inconvertibleErrorCode(),
                             "Hessian has " + Twine(hessian.size()) +
                                 " entries for " + Twine(n) + " columns");
  // The dampened H, symmetric, from its upper triangle.
  std::vector<double> a(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j < n; ++j)
      a[i * n + j] = a[j * n + i] = hessian[i * n + j];
  for (int64_t i = 0; i < n; ++i) {
    double &d = a[i * n + i];
    d = d > 0 ? d * (1 + damp) : 1.0;
  }
  auto notDefinite = [] {
    return createStringError(inconvertibleErrorCode(),
                             "the calibration Hessian is not positive "
                             "definite");
  };
  if (!cholesky(a, n))
    return notDefinite();
  // L^-1 (lower), column by column by forward substitution.
  std::vector<double> inv(n * n, 0.0);
  for (int64_t j = 0; j < n; ++j) {
    inv[j * n + j] = 1.0 / a[j * n + j];
    for (int64_t i = j + 1; i < n; ++i) {
      double v = 0;
      for (int64_t k = j; k < i; ++k)
        v -= a[i * n + k] * inv[k * n + j];
      inv[i * n + j] = v / a[i * n + i];
    }
  }
  // H^-1 = L^-T L^-1; only its lower triangle is needed.
  std::vector<double> h(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      double v = 0;
      for (int64_t k = i; k < n; ++k)
        v += inv[k * n + i] * inv[k * n + j];
      h[i * n + j] = v;
    }
  if (!cholesky(h, n))
    return notDefinite();
  // H^-1 = L2 L2^T, so U = L2^T.
  std::vector<float> u(n * n, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j < n; ++j)
      u[i * n + j] = static_cast<float>(h[j * n + i]);
  return u;
}

std::vector<float> scaleGPTQFactor(ArrayRef<float> factor, ArrayRef<float> s) {
  int64_t n = static_cast<int64_t>(s.size());
  std::vector<float> u(factor.begin(), factor.end());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j < n; ++j)
      u[i * n + j] *= s[j];
  return u;
}

std::vector<float> reorderGPTQFactor(ArrayRef<float> factor,
                                     ArrayRef<int64_t> order) {
  int64_t n = static_cast<int64_t>(order.size());
  // H^-1 = U^T U, lower triangle, in the new order.
  std::vector<double> a(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      int64_t oi = order[i], oj = order[j];
      int64_t m = std::min(oi, oj);
      double v = 0;
      for (int64_t k = 0; k <= m; ++k)
        v += static_cast<double>(factor[k * n + oi]) * factor[k * n + oj];
      a[i * n + j] = v;
    }
  if (!cholesky(a, n))
    return {};
  std::vector<float> u(n * n, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j < n; ++j)
      u[i * n + j] = static_cast<float>(a[j * n + i]);
  return u;
}

} // namespace dsc
