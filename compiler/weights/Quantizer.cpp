//===- Quantizer.cpp - round-to-nearest weight quantization ---------------===//

#include "weights/Quantizer.h"
#include "weights/GPTQ.h"

#include "Dsc/IR/QuantTiles.h"

#include "dsc/abi/ggml_decode.h"
#include "dsc/half.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace llvm;
using namespace mlir::dsc;

namespace dsc {

void QuantizedTensor::init(QTensorType type) {
  QuantSchemeAttr s = type.getScheme();
  assert((!s.isGGML() || *s.getBlocks() == Encoding::IQ4_NL) &&
         "ggml blocks other than IQ4_NL are copied, never quantized");
  rows = type.getRows();
  cols = type.getCols();
  group = getQuantGroupColumns(type);
  levels = s.isGGML() ? dsc_iq4_levels : nullptr;
  bits = s.getBits();
  symmetric = s.getSymmetric();
  f32Scale = s.getScaleType().isF32();
  superBlock = isTwoLevel(s) ? getSuperBlockColumns(cols) : 0;
  shareRows = s.getGranularity() == Granularity::Tensor ? rows
              : s.getGranularity() == Granularity::Head ? s.getBlockSize()
                                                        : 1;
  int64_t groups = cols / group;
  u.assign(rows * cols, 0);
  scale.assign(rows * groups, 0.0f);
  zero.assign(rows * groups, 0);
  superScale.assign(superBlock ? rows * (cols / superBlock) : 0, 0.0f);
  code.assign(superBlock ? rows * groups : 0, 0);
}

static float roundScale(float d, bool f32) {
  return f32 ? d : dsc_f16_to_f32(dsc_f32_to_f16(d));
}

namespace {
/// The scales a group may take: f16 or f32 numbers, or (two-level) the
/// integer codes lo..hi times the super-block scale `unit`.
struct ScaleGrid {
  bool f32 = false;
  float unit = 0;
  int lo = 0, hi = 0;

  float operator()(float d) const {
    if (unit == 0 || !std::isfinite(d))
      return unit == 0 ? roundScale(d, f32) : d;
    float k = std::nearbyint(d / unit);
    k = std::min(std::max(k, static_cast<float>(lo)), static_cast<float>(hi));
    return k * unit;
  }

  /// Round to nearest's scale: the code of at least d's magnitude, so
  /// that the group's range is not clipped (the nearest code may be a
  /// step of 1/code below it).
  float cover(float d) const {
    if (unit == 0 || !std::isfinite(d))
      return (*this)(d);
    float k = std::min(std::ceil(std::fabs(d) / unit), static_cast<float>(hi));
    return std::copysign(k, d) * unit;
  }
};
} // namespace

/// The symmetric scale of n values: for 4 bits the value of largest
/// magnitude maps to -8 exactly (ggml's Q4_0 choice, one more level than
/// amax / 7); for 8 bits amax maps to 127 (Q8_0's).
static float symmetricScale(const float *w, int64_t n, unsigned bits,
                            const ScaleGrid &grid) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i)
    if (std::fabs(w[i]) > std::fabs(m))
      m = w[i];
  if (bits == 8)
    return grid.cover(std::fabs(m) / 127.0f);
  return grid.cover(m / -static_cast<float>(1 << (bits - 1)));
}

static float symmetricScale(const float *w, int64_t n, unsigned bits,
                            bool f32Scale) {
  return symmetricScale(w, n, bits, ScaleGrid{f32Scale});
}

/// Round-to-nearest quantization of one group of n values, one value at a
/// time, its scale on `grid`: with one-level scales, the reference the
/// vector loop below matches bit for bit.
static void quantizeGroupScalar(const float *w, int64_t n, unsigned bits,
                                bool sym, const ScaleGrid &grid,
                                float fixedScale, uint8_t *u, float *scale,
                                uint8_t *zero) {
  int qmax = (1 << bits) - 1;
  if (sym) {
    int off = 1 << (bits - 1);
    float d = fixedScale;
    if (std::isnan(d))
      d = symmetricScale(w, n, bits, grid);
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
  float d = grid.cover((hi - lo) / qmax);
  float inv = d != 0 ? 1.0f / d : 0.0f;
  int z = d != 0 ? static_cast<int>(std::nearbyint(-lo * inv)) : 0;
  z = std::min(std::max(z, 0), qmax);
  for (int64_t i = 0; i < n; ++i) {
    float q = std::nearbyint(w[i] * inv) + z;
    u[i] = static_cast<uint8_t>(
        std::min(std::max(q, 0.0f), static_cast<float>(qmax)));
  }
  *scale = d;
  *zero = static_cast<uint8_t>(z);
}

#if defined(__x86_64__)
/// Eight stored values: clamp(round(w / d) + z) + off, as int32.
__attribute__((target("avx2"), always_inline)) static inline __m256i
rtnStep(const float *w, __m256 inv, __m256 z, __m256 qlo, __m256 qhi,
        __m256i off) {
  __m256 q = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(w), inv),
                             _MM_FROUND_CUR_DIRECTION);
  q = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(q, z), qlo), qhi);
  return _mm256_add_epi32(_mm256_cvttps_epi32(q), off);
}

/// quantizeGroupScalar with AVX2, eight values at a time, for groups whose
/// values and reciprocal scale are finite (false otherwise: the scalar
/// loop decides what NaNs, infinities and signed zeros give). Every step is
/// the scalar one's: the same product, rounding (in the current mode, as
/// nearbyint), clamping and conversion, and the largest magnitude the first
/// one the scalar loop would keep. The scalar loop (its search for the
/// largest magnitude and a nearbyint call per value) took 30% of the CPU
/// time of a TinyLlama int4:group=32 compile.
__attribute__((target("avx2"))) static bool
quantizeGroupAVX2(const float *w, int64_t n, unsigned bits, bool sym,
                  bool f32Scale, float fixedScale, uint8_t *u, float *scale,
                  uint8_t *zero) {
  const __m256 signMask = _mm256_set1_ps(-0.0f);
  const float infinity = std::numeric_limits<float>::infinity();
  const __m256 inf = _mm256_set1_ps(infinity);
  int64_t n8 = n / 8 * 8;
  // Lanes holding a NaN or an infinity, and the extremes.
  __m256 bad = _mm256_setzero_ps(), vmax = _mm256_setzero_ps();
  __m256 vlo = inf, vhi = _mm256_set1_ps(-infinity);
  for (int64_t i = 0; i < n8; i += 8) {
    __m256 v = _mm256_loadu_ps(w + i);
    __m256 a = _mm256_andnot_ps(signMask, v);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(a, inf, _CMP_NLT_UQ));
    vmax = _mm256_max_ps(vmax, a);
    vlo = _mm256_min_ps(vlo, v);
    vhi = _mm256_max_ps(vhi, v);
  }
  if (_mm256_movemask_ps(bad))
    return false;
  float amax = 0, lo = infinity, hi = -infinity;
  {
    alignas(32) float m[8], l[8], h[8];
    _mm256_store_ps(m, vmax);
    _mm256_store_ps(l, vlo);
    _mm256_store_ps(h, vhi);
    for (int j = 0; j < 8 && n8; ++j) {
      amax = std::max(amax, m[j]);
      lo = std::min(lo, l[j]);
      hi = std::max(hi, h[j]);
    }
  }
  for (int64_t i = n8; i < n; ++i) {
    if (!std::isfinite(w[i]))
      return false;
    amax = std::max(amax, std::fabs(w[i]));
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  int qmax = (1 << bits) - 1;
  float d, qlo, qhi;
  int z;
  if (sym) {
    int off = 1 << (bits - 1);
    d = fixedScale;
    if (std::isnan(d)) {
      // The scalar loop keeps the first value of largest magnitude (and
      // +0 when all are zeros).
      float m = 0;
      if (amax > 0) {
        int64_t i = 0;
        __m256 target = _mm256_set1_ps(amax);
        for (; i < n8; i += 8) {
          __m256 a = _mm256_andnot_ps(signMask, _mm256_loadu_ps(w + i));
          int mask = _mm256_movemask_ps(_mm256_cmp_ps(a, target, _CMP_EQ_OQ));
          if (mask) {
            i += __builtin_ctz(mask);
            break;
          }
        }
        for (; i < n && std::fabs(w[i]) != amax; ++i)
          ;
        m = w[i];
      }
      d = bits == 8 ? roundScale(std::fabs(m) / 127.0f, f32Scale)
                    : roundScale(m / -static_cast<float>(off), f32Scale);
    }
    qlo = bits == 8 ? -127.0f : -static_cast<float>(off);
    qhi = static_cast<float>(off - 1);
    z = off;
  } else {
    // Signed zeros in the extremes matter only to an all-zero group.
    lo = std::min(lo, 0.0f);
    hi = std::max(hi, 0.0f);
    if (!(hi - lo > 0))
      return false;
    d = roundScale((hi - lo) / qmax, f32Scale);
    qlo = 0;
    qhi = static_cast<float>(qmax);
    z = 0;
  }
  float inv = d != 0 ? 1.0f / d : 0.0f;
  if (!std::isfinite(inv))
    return false;
  if (!sym) {
    z = d != 0 ? static_cast<int>(std::nearbyint(-lo * inv)) : 0;
    z = std::min(std::max(z, 0), qmax);
  }
  // Symmetric: q = clamp(round(w / d)) + off; asymmetric: clamp(round(w /
  // d) + z) (z is a small integer: adding it in float is exact).
  const __m256 vinv = _mm256_set1_ps(inv), vz = _mm256_set1_ps(sym ? 0.0f : z);
  const __m256 vqlo = _mm256_set1_ps(qlo), vqhi = _mm256_set1_ps(qhi);
  const __m256i voff = _mm256_set1_epi32(sym ? z : 0);
#define step(i) rtnStep(w + (i), vinv, vz, vqlo, vqhi, voff)
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i a = _mm256_packs_epi32(step(i), step(i + 8));
    __m256i b = _mm256_packs_epi32(step(i + 16), step(i + 24));
    __m256i bytes = _mm256_permutevar8x32_epi32(
        _mm256_packus_epi16(a, b), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(u + i), bytes);
  }
  for (; i < n8; i += 8) {
    alignas(32) int32_t lanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i *>(lanes), step(i));
    for (int j = 0; j < 8; ++j)
      u[i + j] = static_cast<uint8_t>(lanes[j]);
  }
  for (; i < n; ++i) {
    float q = std::nearbyint(w[i] * inv);
    if (sym) {
      q = std::min(std::max(q, qlo), qhi);
      u[i] = static_cast<uint8_t>(static_cast<int>(q) + z);
    } else {
      q = std::min(std::max(q + z, qlo), qhi);
      u[i] = static_cast<uint8_t>(q);
    }
  }
#undef step
  *scale = d;
  *zero = static_cast<uint8_t>(z);
  return true;
}
#endif

void quantizeGroupRTN(const float *w, int64_t n, unsigned bits, bool sym,
                      bool f32Scale, float fixedScale, uint8_t *u, float *scale,
                      uint8_t *zero, bool vector) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (vector && avx2 &&
      quantizeGroupAVX2(w, n, bits, sym, f32Scale, fixedScale, u, scale, zero))
    return;
#endif
  quantizeGroupScalar(w, n, bits, sym, ScaleGrid{f32Scale}, fixedScale, u,
                      scale, zero);
}

/// Round to nearest on `grid`: the vector loop where the scales are one
/// level (f16 or f32 numbers), else one value at a time.
static void quantizeGroup(const float *w, int64_t n, unsigned bits, bool sym,
                          const ScaleGrid &grid, float fixedScale, uint8_t *u,
                          float *scale, uint8_t *zero) {
  if (grid.unit == 0)
    quantizeGroupRTN(w, n, bits, sym, grid.f32, fixedScale, u, scale, zero);
  else
    quantizeGroupScalar(w, n, bits, sym, grid, fixedScale, u, scale, zero);
}

/// Quantizes one group of n values with the scale `d` (symmetric: zero
/// point `off`; asymmetric: zero point `z`), returning the importance
/// weighted squared error.
static double quantizeWith(const float *w, const float *imp, int64_t n, float d,
                           int lo, int hi, int z, uint8_t *u) {
  float inv = d != 0 ? 1.0f / d : 0.0f;
  double err = 0;
  for (int64_t i = 0; i < n; ++i) {
    float q = std::nearbyint(w[i] * inv) + static_cast<float>(z);
    q = std::min(std::max(q, static_cast<float>(lo)), static_cast<float>(hi));
    u[i] = static_cast<uint8_t>(q);
    double e = w[i] - (q - z) * d;
    err += imp[i] * e * e;
  }
  return err;
}

/// The scale (and zero point) of one group that minimizes the importance
/// weighted error, among scales around the RTN one: for each candidate the
/// values are rounded, then the scale is refit by weighted least squares.
static void searchGroup(const float *w, const float *imp, int64_t n,
                        unsigned bits, bool sym, const ScaleGrid &grid,
                        uint8_t *u, float *scale, uint8_t *zero) {
  // Round to nearest is the first candidate, so the search never does worse.
  quantizeGroup(w, n, bits, sym, grid, NAN, u, scale, zero);
  double best = 0;
  for (int64_t i = 0; i < n; ++i) {
    double e = w[i] - (static_cast<int>(u[i]) - *zero) * *scale;
    best += imp[i] * e * e;
  }
  std::vector<uint8_t> trial(n);
  int qmax = (1 << bits) - 1, off = 1 << (bits - 1);
  float lo = w[0], hi = w[0], amax = 0;
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
    amax = std::max(amax, std::fabs(w[i]));
  }
  if (amax == 0)
    return;
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  int qlo = sym ? (bits == 8 ? off - 127 : 0) : 0;
  int qhi = sym ? 2 * off - 1 : qmax;
  auto keep = [&](float d, int zp, double err) {
    if (err < best) {
      best = err;
      std::copy(trial.begin(), trial.end(), u);
      *scale = d;
      *zero = static_cast<uint8_t>(zp);
    }
  };
  auto consider = [&](float d, int z) {
    int zp = sym ? off : z;
    d = grid(d);
    if (!std::isfinite(d) || d == 0)
      return;
    keep(d, zp, quantizeWith(w, imp, n, d, qlo, qhi, zp, trial.data()));
    // Refit the scale to the rounded values (weighted least squares).
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; ++i) {
      double q = static_cast<double>(trial[i]) - zp;
      num += imp[i] * w[i] * q;
      den += imp[i] * q * q;
    }
    if (!(den > 0))
      return;
    float refit = grid(static_cast<float>(num / den));
    if (std::isfinite(refit) && refit != 0)
      keep(refit, zp,
           quantizeWith(w, imp, n, refit, qlo, qhi, zp, trial.data()));
  };
  for (int step = -10; step <= 10; ++step) {
    float f = 1.0f + 0.02f * step;
    if (sym) {
      // Both signs of the largest magnitude: 4-bit ranges are asymmetric.
      consider(amax * f / (bits == 8 ? 127.0f : static_cast<float>(off)), 0);
      if (bits != 8)
        consider(-amax * f / static_cast<float>(off), 0);
    } else {
      float d = (hi - lo) * f / qmax;
      int z = static_cast<int>(std::nearbyint(-lo / d));
      consider(d, std::min(std::max(z, 0), qmax));
    }
  }
  // Codes of a super-block scale: the codes next to the nearest ones of
  // the round-to-nearest scales, which the steps above may skip when codes
  // are coarse.
  if (grid.unit != 0) {
    float base =
        sym ? (bits == 8 ? amax / 127.0f : -amax / static_cast<float>(off))
            : (hi - lo) / qmax;
    float k0 = std::nearbyint(base / grid.unit);
    for (int dk = -3; dk <= 3; ++dk) {
      float d = (k0 + dk) * grid.unit;
      int z = sym || d == 0 ? 0 : static_cast<int>(std::nearbyint(-lo / d));
      consider(d, std::min(std::max(z, 0), qmax));
      if (sym && bits != 8)
        consider(-d, 0);
    }
  }
}

/// The super-block scale of the `groups` groups of `group` values at w:
/// the first level's scales (searched by `imp` when given, else round to
/// nearest, unrounded) and the f16 scale that maps the largest magnitude
/// among them to the end of the code range.
static ScaleGrid superGrid(const float *w, const float *imp, int64_t groups,
                           int64_t group, unsigned bits, bool sym) {
  ScaleGrid exact{true};
  std::vector<uint8_t> u(group);
  float m = 0;
  for (int64_t g = 0; g < groups; ++g) {
    float d;
    uint8_t z;
    if (imp)
      searchGroup(w + g * group, imp + g * group, group, bits, sym, exact,
                  u.data(), &d, &z);
    else
      quantizeGroup(w + g * group, group, bits, sym, exact, NAN, u.data(), &d,
                    &z);
    m = std::max(m, std::fabs(d));
  }
  ScaleGrid grid;
  grid.lo = sym ? -127 : 0;
  grid.hi = sym ? 127 : 255;
  grid.unit = roundScale(m / static_cast<float>(grid.hi), false);
  if (!std::isfinite(grid.unit))
    grid.unit = 0;
  return grid;
}

/// The code of a scale on `grid` (two-level scales), and the scale made
/// exactly code * unit.
static int16_t codeOf(float *scale, const ScaleGrid &grid) {
  if (grid.unit == 0) {
    *scale = 0;
    return 0;
  }
  float k = std::nearbyint(*scale / grid.unit);
  k = std::min(std::max(k, static_cast<float>(grid.lo)),
               static_cast<float>(grid.hi));
  *scale = k * grid.unit;
  return static_cast<int16_t>(k);
}

/// GPTQ's step after column c of a row of n values is rounded to q: its
/// error, divided by U_cc, subtracted times U_c,k from every later value k
/// (`factor` is U, gptqFactor's).
static void carryError(float *w, const float *factor, int64_t n, int64_t c,
                       float q) {
  const float *uc = factor + c * n;
  float e = (w[c] - q) / uc[c];
  for (int64_t k = c + 1; k < n; ++k)
    w[k] -= e * uc[k];
}

/// GPTQ on one row of n values (modified: the carried errors): each group's
/// scale from its values when it is reached (searched by `imp` when given,
/// else round to nearest or the shared `fixedScale`), then each value
/// rounded on that grid and its error, divided by U_cc, subtracted times
/// U_c,k from every later value k.
static void gptqRow(float *w, const float *imp, const float *factor, int64_t n,
                    int64_t group, unsigned bits, bool sym, bool f32Scale,
                    float fixedScale, uint8_t *u, float *scale, uint8_t *zero,
                    int64_t superBlock = 0, float *superScale = nullptr,
                    int16_t *code = nullptr) {
  int off = 1 << (bits - 1), qmax = (1 << bits) - 1;
  float qlo = sym ? (bits == 8 ? off - 127 : 0) : 0;
  float qhi = sym ? 2 * off - 1 : qmax;
  ScaleGrid grid{f32Scale};
  for (int64_t g = 0; g * group < n; ++g) {
    float *wg = w + g * group;
    uint8_t *ug = u + g * group;
    if (superBlock && g * group % superBlock == 0) {
      // A super-block's scale from its values as they are now.
      int64_t c0 = g * group;
      grid = superGrid(wg, imp ? imp + c0 : nullptr, superBlock / group, group,
                       bits, sym);
      superScale[c0 / superBlock] = grid.unit;
    }
    if (imp && std::isnan(fixedScale))
      searchGroup(wg, imp + g * group, group, bits, sym, grid, ug, &scale[g],
                  &zero[g]);
    else
      quantizeGroup(wg, group, bits, sym, grid, fixedScale, ug, &scale[g],
                    &zero[g]);
    if (superBlock)
      code[g] = codeOf(&scale[g], grid);
    float d = scale[g], z = zero[g];
    float inv = d != 0 ? 1.0f / d : 0.0f;
    for (int64_t c = g * group; c < (g + 1) * group; ++c) {
      float q = std::nearbyint(w[c] * inv) + z;
      q = std::min(std::max(q, qlo), qhi);
      u[c] = static_cast<uint8_t>(q);
      carryError(w, factor, n, c, (q - z) * d);
    }
  }
}

//===----------------------------------------------------------------------===//
// Non-uniform levels (IQ4_NL)
//===----------------------------------------------------------------------===//

/// The index of the level nearest x among 16 ascending levels (ties to the
/// lower one).
static int nearestLevel(const int8_t *levels, float x) {
  int lo = 0, hi = 15;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (x < levels[mid])
      hi = mid;
    else
      lo = mid;
  }
  return x - levels[lo] <= levels[hi] - x ? lo : hi;
}

/// Rounds n values to the levels times d, returning the weighted squared
/// error (weights 1 without `imp`).
static double roundToLevels(const float *w, const float *imp, int64_t n,
                            float d, const int8_t *levels, uint8_t *u) {
  float inv = d != 0 ? 1.0f / d : 0.0f;
  double err = 0;
  for (int64_t i = 0; i < n; ++i) {
    int k = nearestLevel(levels, w[i] * inv);
    u[i] = static_cast<uint8_t>(k);
    double e = w[i] - static_cast<float>(levels[k]) * d;
    err += (imp ? imp[i] : 1.0f) * e * e;
  }
  return err;
}

/// The f16 scale of one group of n values on the levels: without `imp` the
/// value of largest magnitude maps to the lowest level (the widest end);
/// with it, the scale among those mapping it to either end times 0.8 to
/// 1.2, each refit by weighted least squares to its rounded values, that
/// minimizes the weighted error. The values' indices go to u.
static void searchGroupLevels(const float *w, const float *imp, int64_t n,
                              const int8_t *levels, uint8_t *u, float *scale) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i)
    if (std::fabs(w[i]) > std::fabs(m))
      m = w[i];
  float d0 = roundScale(m / static_cast<float>(levels[0]), false);
  if (!std::isfinite(d0))
    d0 = 0;
  double best = roundToLevels(w, imp, n, d0, levels, u);
  *scale = d0;
  if (!imp || m == 0)
    return;
  SmallVector<uint8_t, 32> trial(n);
  // Rounds to the levels times d (an f16 value), keeping the best.
  auto keep = [&](float d) {
    double err = roundToLevels(w, imp, n, d, levels, trial.data());
    if (err < best) {
      best = err;
      *scale = d;
      std::copy(trial.begin(), trial.end(), u);
    }
  };
  auto consider = [&](float d) {
    d = roundScale(d, false);
    if (!std::isfinite(d) || d == 0)
      return;
    keep(d);
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; ++i) {
      double l = levels[trial[i]];
      num += imp[i] * w[i] * l;
      den += imp[i] * l * l;
    }
    if (!(den > 0))
      return;
    float refit = roundScale(static_cast<float>(num / den), false);
    if (std::isfinite(refit) && refit != 0)
      keep(refit);
  };
  for (int step = -10; step <= 10; ++step) {
    float f = 1.0f + 0.02f * step;
    consider(m * f / static_cast<float>(levels[0]));
    consider(m * f / static_cast<float>(levels[15]));
  }
}

/// GPTQ (as gptqRow) on one row of n values rounded to the levels: each
/// group's scale from its values (with the errors carried in) when it is
/// reached, then each value rounded and its error carried on.
static void gptqRowLevels(float *w, const float *imp, const float *factor,
                          int64_t n, int64_t group, const int8_t *levels,
                          uint8_t *u, float *scale) {
  for (int64_t g = 0; g * group < n; ++g) {
    searchGroupLevels(w + g * group, imp ? imp + g * group : nullptr, group,
                      levels, u + g * group, &scale[g]);
    float d = scale[g];
    float inv = d != 0 ? 1.0f / d : 0.0f;
    for (int64_t c = g * group; c < (g + 1) * group; ++c) {
      int k = nearestLevel(levels, w[c] * inv);
      u[c] = static_cast<uint8_t>(k);
      carryError(w, factor, n, c, static_cast<float>(levels[k]) * d);
    }
  }
}

static Expected<QuantizedTensor>
quantizeRowsLevels(QuantizedTensor qt,
                   function_ref<void(int64_t, float *)> rowOf,
                   ArrayRef<float> importance, ArrayRef<float> gptq) {
  int64_t groups = qt.cols / qt.group;
  std::vector<float> row(qt.cols);
  const float *imp = importance.empty() ? nullptr : importance.data();
  for (int64_t r = 0; r < qt.rows; ++r) {
    rowOf(r, row.data());
    if (!gptq.empty()) {
      gptqRowLevels(row.data(), imp, gptq.data(), qt.cols, qt.group, qt.levels,
                    &qt.u[r * qt.cols], &qt.scale[r * groups]);
      continue;
    }
    for (int64_t g = 0; g < groups; ++g)
      searchGroupLevels(row.data() + g * qt.group,
                        imp ? imp + g * qt.group : nullptr, qt.group, qt.levels,
                        &qt.u[r * qt.cols + g * qt.group],
                        &qt.scale[r * groups + g]);
  }
  return std::move(qt);
}

Expected<QuantizedTensor>
quantizeRows(QTensorType type, function_ref<void(int64_t, float *)> rowOf,
             ArrayRef<float> importance, ArrayRef<float> gptq) {
  QuantizedTensor qt;
  qt.init(type);
  QuantSchemeAttr s = type.getScheme();
  int64_t groups = qt.cols / qt.group;
  std::vector<float> row(qt.cols);
  // Shared scales: per tensor, or per block of rows (a head).
  int64_t shareRows = qt.shareRows;
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
  if (!importance.empty() && static_cast<int64_t>(importance.size()) != qt.cols)
    return createStringError(inconvertibleErrorCode(),
                             "importance has " + Twine(importance.size()) +
                                 " values for " + Twine(qt.cols) + " columns");
  if (!importance.empty() && shareRows > 1) {
    // A shared scale clips: search it over the shared rows, from the RTN
    // scale down to a quarter of it, by the weighted error.
    int lo = qt.bits == 8 ? -127 : -(1 << (qt.bits - 1));
    int hi = (1 << (qt.bits - 1)) - 1;
    constexpr int kSteps = 30;
    std::vector<double> err(shared.size() * (kSteps + 1), 0.0);
    std::vector<float> cand(err.size());
    for (size_t i = 0; i < shared.size(); ++i)
      for (int k = 0; k <= kSteps; ++k)
        cand[i * (kSteps + 1) + k] =
            roundScale(shared[i] * (1.0f - 0.75f * k / kSteps), qt.f32Scale);
    for (int64_t r = 0; r < qt.rows; ++r) {
      rowOf(r, row.data());
      size_t i = r / shareRows;
      for (int k = 0; k <= kSteps; ++k) {
        float d = cand[i * (kSteps + 1) + k];
        float inv = d != 0 ? 1.0f / d : 0.0f;
        double e = 0;
        for (int64_t c = 0; c < qt.cols; ++c) {
          float q = std::nearbyint(row[c] * inv);
          q = std::min(std::max(q, static_cast<float>(lo)),
                       static_cast<float>(hi));
          double diff = row[c] - q * d;
          e += importance[c] * diff * diff;
        }
        err[i * (kSteps + 1) + k] += e;
      }
    }
    for (size_t i = 0; i < shared.size(); ++i) {
      int best = 0;
      for (int k = 1; k <= kSteps; ++k)
        if (err[i * (kSteps + 1) + k] < err[i * (kSteps + 1) + best])
          best = k;
      shared[i] = cand[i * (kSteps + 1) + best];
    }
  }
  if (!gptq.empty() && static_cast<int64_t>(gptq.size()) != qt.cols * qt.cols)
    return createStringError(inconvertibleErrorCode(),
                             "GPTQ factor has " + Twine(gptq.size()) +
                                 " values for " + Twine(qt.cols) + " columns");
  if (qt.levels)
    return quantizeRowsLevels(std::move(qt), rowOf, importance, gptq);
  bool search = !importance.empty() && shareRows == 1;
  int64_t sb = qt.superBlock, supers = sb ? qt.cols / sb : 0;
  // With one group per row (and shared scales) the scale does not depend on
  // the order in which GPTQ rounds the columns, so it rounds them from the
  // largest mean square input to the smallest (the GPTQ authors' "act
  // order"): the columns rounded last, whose errors no later column can
  // absorb, are those that move the output least.
  std::vector<int64_t> order;
  std::vector<float> reordered, orderedRow, orderedImp;
  std::vector<uint8_t> orderedU;
  if (!gptq.empty() && groups == 1 && !importance.empty()) {
    order.resize(qt.cols);
    for (int64_t c = 0; c < qt.cols; ++c)
      order[c] = c;
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return importance[a] > importance[b];
    });
    reordered = reorderGPTQFactor(gptq, order);
    if (reordered.empty())
      order.clear();
    orderedRow.resize(qt.cols);
    orderedImp.resize(qt.cols);
    orderedU.resize(qt.cols);
    for (int64_t i = 0; i < static_cast<int64_t>(order.size()); ++i)
      orderedImp[i] = importance[order[i]];
  }
  for (int64_t r = 0; r < qt.rows && !gptq.empty() && !order.empty(); ++r) {
    rowOf(r, row.data());
    for (int64_t i = 0; i < qt.cols; ++i)
      orderedRow[i] = row[order[i]];
    gptqRow(orderedRow.data(), search ? orderedImp.data() : nullptr,
            reordered.data(), qt.cols, qt.group, qt.bits, qt.symmetric,
            qt.f32Scale, shared[r / shareRows], orderedU.data(),
            &qt.scale[r * groups], &qt.zero[r * groups]);
    for (int64_t i = 0; i < qt.cols; ++i)
      qt.u[r * qt.cols + order[i]] = orderedU[i];
  }
  for (int64_t r = 0; r < qt.rows && !gptq.empty() && order.empty(); ++r) {
    rowOf(r, row.data());
    gptqRow(row.data(), search ? importance.data() : nullptr, gptq.data(),
            qt.cols, qt.group, qt.bits, qt.symmetric, qt.f32Scale,
            shared[r / shareRows], &qt.u[r * qt.cols], &qt.scale[r * groups],
            &qt.zero[r * groups], sb, sb ? &qt.superScale[r * supers] : nullptr,
            sb ? &qt.code[r * groups] : nullptr);
  }
  for (int64_t r = 0; r < qt.rows && gptq.empty(); ++r) {
    rowOf(r, row.data());
    ScaleGrid grid{qt.f32Scale};
    for (int64_t g = 0; g < groups; ++g) {
      const float *wg = row.data() + g * qt.group;
      int64_t i = r * groups + g;
      if (sb && g * qt.group % sb == 0) {
        int64_t c0 = g * qt.group;
        grid = superGrid(wg, search ? importance.data() + c0 : nullptr,
                         sb / qt.group, qt.group, qt.bits, qt.symmetric);
        qt.superScale[r * supers + c0 / sb] = grid.unit;
      }
      if (search)
        searchGroup(wg, importance.data() + g * qt.group, qt.group, qt.bits,
                    qt.symmetric, grid, &qt.u[r * qt.cols + g * qt.group],
                    &qt.scale[i], &qt.zero[i]);
      else
        quantizeGroup(wg, qt.group, qt.bits, qt.symmetric, grid,
                      shared[r / shareRows], &qt.u[r * qt.cols + g * qt.group],
                      &qt.scale[i], &qt.zero[i]);
      if (sb)
        qt.code[i] = codeOf(&qt.scale[i], grid);
    }
  }
  return std::move(qt);
}

void dequantize(const QuantizedTensor &qt, float *out) {
  int64_t groups = qt.cols / qt.group;
  for (int64_t r = 0; r < qt.rows; ++r)
    for (int64_t c = 0; c < qt.cols; ++c) {
      int64_t g = r * groups + c / qt.group;
      uint8_t u = qt.u[r * qt.cols + c];
      out[r * qt.cols + c] =
          qt.levels ? static_cast<float>(qt.levels[u]) * qt.scale[g]
                    : (static_cast<int>(u) - qt.zero[g]) * qt.scale[g];
    }
}

Error fakeQuantize(QTensorType type, float *w, ArrayRef<float> importance,
                   ArrayRef<float> gptq) {
  int64_t cols = type.getCols();
  auto qt = quantizeRows(
      type,
      [&](int64_t r, float *out) {
        memcpy(out, w + r * cols, sizeof(float) * cols);
      },
      importance, gptq);
  if (!qt)
    return qt.takeError();
  dequantize(*qt, w);
  return Error::success();
}

} // namespace dsc
