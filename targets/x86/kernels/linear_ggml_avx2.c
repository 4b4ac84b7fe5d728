/*===- linear_ggml_avx2.c - Q4_K and Q6_K weights, AVX2 + FMA --------------===*
 *
 * The portable kernel decodes a block with scalar byte arithmetic, which
 * costs more than the product itself. Here a Q4_K or Q6_K super-block is
 * unpacked 32 bytes at a time (vpand/vpsrlw) and scaled into floats: for
 * one activation row (decode) straight into the FMAs, for several (prefill)
 * once into an L1 buffer that every row uses, so each weight is still
 * decoded once. Activations stay f32: the weights are the floats of
 * dsc/abi/ggml_decode.h, and only the summation order differs from the
 * portable kernel. Other formats run the portable kernel, included below
 * under a private name; embedding_ggml stays the portable (weak) one.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"
#include "vec_avx2.h"

#include "dsc/abi/ggml_decode.h"

#pragma push_macro("DSC_GENERIC")
#pragma push_macro("dsc_uk_linear_ggml")
#pragma push_macro("dsc_uk_embedding_ggml")
#undef DSC_GENERIC
#undef dsc_uk_linear_ggml
#undef dsc_uk_embedding_ggml
#define DSC_GENERIC static inline __attribute__((unused))
#define dsc_uk_linear_ggml ggml_linear_portable
#define dsc_uk_embedding_ggml ggml_embedding_portable
#include "linear_ggml_generic.c"
#pragma pop_macro("dsc_uk_embedding_ggml")
#pragma pop_macro("dsc_uk_linear_ggml")
#pragma pop_macro("DSC_GENERIC")

/* The low eight bytes of `q` as floats, zero- or sign-extended. */
DSC_INLINE __m256 k_u8_to_ps(__m128i q) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q));
}
DSC_INLINE __m256 k_s8_to_ps(__m128i q) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
}

/* Where a decoded vector of weights `w` (values o..o+7 of the block) goes:
 * with activations `x` (decode, one row) straight into one of four
 * accumulators, so the weights never leave registers; otherwise to out[o]
 * for the rows of a prompt to share. */
DSC_INLINE void k_put(float *out, const float *x, __m256 *acc, int o,
                      __m256 w) {
  if (x)
    acc[(o / 8) & 3] = VFMA(VLOADX(x + o), w, acc[(o / 8) & 3]);
  else
    _mm256_storeu_ps(out + o, w);
}

/* 32 values (bytes of q) as a * q + b, at o..o+31. */
DSC_INLINE void k_put32_u8(__m256i q, __m256 a, __m256 b, float *out,
                           const float *x, __m256 *acc, int o) {
  __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
  k_put(out, x, acc, o, _mm256_fmadd_ps(a, k_u8_to_ps(lo), b));
  k_put(out, x, acc, o + 8,
        _mm256_fmadd_ps(a, k_u8_to_ps(_mm_srli_si128(lo, 8)), b));
  k_put(out, x, acc, o + 16, _mm256_fmadd_ps(a, k_u8_to_ps(hi), b));
  k_put(out, x, acc, o + 24,
        _mm256_fmadd_ps(a, k_u8_to_ps(_mm_srli_si128(hi, 8)), b));
}

DSC_INLINE void k_decode_q4_k(const uint8_t *b, float *out, const float *x,
                              __m256 *acc) {
  float d = dsc_ggml_f16(b), dmin = dsc_ggml_f16(b + 2);
  const uint8_t *sc = b + 4, *qs = b + 16;
  const __m256i m4 = _mm256_set1_epi8(0xF);
  for (int p = 0; p < 4; ++p) {
    __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * p));
    int s0, m0, s1, m1;
    dsc_ggml_k4_scale(sc, 2 * p, &s0, &m0);
    dsc_ggml_k4_scale(sc, 2 * p + 1, &s1, &m1);
    k_put32_u8(_mm256_and_si256(q, m4), _mm256_set1_ps(d * (float)s0),
               _mm256_set1_ps(-(dmin * (float)m0)), out, x, acc, 64 * p);
    k_put32_u8(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4),
               _mm256_set1_ps(d * (float)s1),
               _mm256_set1_ps(-(dmin * (float)m1)), out, x, acc, 64 * p + 32);
  }
}

DSC_INLINE void k_decode_q6_k(const uint8_t *b, float *out, const float *x,
                              __m256 *acc) {
  const uint8_t *ql = b, *qh = b + 128;
  const int8_t *sc = (const int8_t *)(b + 192);
  float d = dsc_ggml_f16(b + 208);
  const __m256i m4 = _mm256_set1_epi8(0xF), m3 = _mm256_set1_epi8(3),
                off = _mm256_set1_epi8(32);
  for (int h = 0; h < 2; ++h) {
    __m256i l0 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h));
    __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h + 32));
    __m256i hb = _mm256_loadu_si256((const __m256i *)(qh + 32 * h));
    __m256i lo[4] = {_mm256_and_si256(l0, m4), _mm256_and_si256(l1, m4),
                     _mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                     _mm256_and_si256(_mm256_srli_epi16(l1, 4), m4)};
    for (int i = 0; i < 4; ++i) {
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * i), m3);
      __m256i q = _mm256_sub_epi8(
          _mm256_or_si256(lo[i], _mm256_slli_epi16(hi, 4)), off);
      __m256 d0 = _mm256_set1_ps(d * (float)sc[8 * h + 2 * i]),
             d1 = _mm256_set1_ps(d * (float)sc[8 * h + 2 * i + 1]);
      __m128i qa = _mm256_castsi256_si128(q),
              qb = _mm256_extracti128_si256(q, 1);
      int o = 128 * h + 32 * i;
      k_put(out, x, acc, o, _mm256_mul_ps(d0, k_s8_to_ps(qa)));
      k_put(out, x, acc, o + 8,
            _mm256_mul_ps(d0, k_s8_to_ps(_mm_srli_si128(qa, 8))));
      k_put(out, x, acc, o + 16, _mm256_mul_ps(d1, k_s8_to_ps(qb)));
      k_put(out, x, acc, o + 24,
            _mm256_mul_ps(d1, k_s8_to_ps(_mm_srli_si128(qb, 8))));
    }
  }
}

/* Block b of a row, to v or (with x) into acc. */
DSC_INLINE void k_decode(unsigned type, const uint8_t *b, float *v,
                         const float *x, __m256 *acc) {
  if (type == DSC_GGML_TYPE_Q4_K)
    k_decode_q4_k(b, v, x, acc);
  else
    k_decode_q6_k(b, v, x, acc);
}

/* a . v over one super-block, four accumulators so FMA latency overlaps. */
DSC_INLINE __m256 k_dot256(const float *a, const float *v) {
  __m256 s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
  for (int i = 0; i < DSC_QK_K; i += 32) {
    s0 = VFMA(VLOADX(a + i), VLOADX(v + i), s0);
    s1 = VFMA(VLOADX(a + i + 8), VLOADX(v + i + 8), s1);
    s2 = VFMA(VLOADX(a + i + 16), VLOADX(v + i + 16), s2);
    s3 = VFMA(VLOADX(a + i + 24), VLOADX(v + i + 24), s3);
  }
  return VADD(VADD(s0, s1), VADD(s2, s3));
}

/* Four rows (a, a + lda, ...) . v, each weight vector loaded once for all
 * four, two accumulators a row; y[0], y[ldy], ... += the sums. */
DSC_INLINE void k_dot256x4(const float *a, int64_t lda, const float *v,
                           float *y, int64_t ldy) {
  __m256 s[8];
  for (int r = 0; r < 8; ++r)
    s[r] = VZERO();
  for (int i = 0; i < DSC_QK_K; i += 16) {
    __m256 w0 = VLOADX(v + i), w1 = VLOADX(v + i + 8);
    for (int r = 0; r < 4; ++r) {
      s[2 * r] = VFMA(VLOADX(a + r * lda + i), w0, s[2 * r]);
      s[2 * r + 1] = VFMA(VLOADX(a + r * lda + i + 8), w1, s[2 * r + 1]);
    }
  }
  for (int r = 0; r < 4; ++r)
    y[r * ldy] += VHSUM(VADD(s[2 * r], s[2 * r + 1]));
}

DSC_INLINE void k_rows_of(const ggml_ctx *c, int64_t begin, int64_t end,
                          unsigned type) {
  float v[DSC_QK_K] __attribute__((aligned(32)));
  unsigned bytes = dsc_ggml_block_bytes(type);
  int64_t blocks = c->K / DSC_QK_K;
  uint64_t rowBytes = (uint64_t)blocks * bytes;
  for (int64_t n = begin; n < end; ++n) {
    const uint8_t *row = c->w + (uint64_t)n * rowBytes;
    if (c->S == 1) {
      /* Decode: four vector accumulators over the whole row. */
      __m256 acc[4] = {VZERO(), VZERO(), VZERO(), VZERO()};
      for (int64_t b = 0; b < blocks; ++b) {
        PREFETCH(row + (uint64_t)(b + 2) * bytes);
        k_decode(type, row + (uint64_t)b * bytes, 0, c->x + b * DSC_QK_K, acc);
      }
      c->y[n] = VHSUM(VADD(VADD(acc[0], acc[1]), VADD(acc[2], acc[3])));
      continue;
    }
    for (int64_t s = 0; s < c->S; ++s)
      c->y[s * c->N + n] = 0.0f;
    for (int64_t b = 0; b < blocks; ++b) {
      k_decode(type, row + (uint64_t)b * bytes, v, 0, 0);
      const float *xb = c->x + b * DSC_QK_K;
      int64_t s = 0;
      for (; s + 4 <= c->S; s += 4)
        k_dot256x4(xb + s * c->K, c->K, v, c->y + s * c->N + n, c->N);
      for (; s < c->S; ++s)
        c->y[s * c->N + n] += VHSUM(k_dot256(xb + s * c->K, v));
    }
  }
}

static void k_rows(void *ctx, int64_t begin, int64_t end) {
  const ggml_ctx *c = (const ggml_ctx *)ctx;
  if (c->type == DSC_GGML_TYPE_Q4_K)
    k_rows_of(c, begin, end, DSC_GGML_TYPE_Q4_K);
  else
    k_rows_of(c, begin, end, DSC_GGML_TYPE_Q6_K);
}

void DSC_UK(linear_ggml)(const float *x, const uint8_t *w, float *y, int64_t S,
                         int64_t K, int64_t N, int64_t type) {
  if (type != DSC_GGML_TYPE_Q4_K && type != DSC_GGML_TYPE_Q6_K) {
    ggml_linear_portable(x, w, y, S, K, N, type);
    return;
  }
  ggml_ctx c = {x, w, y, S, K, N, (unsigned)type};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    k_rows(&c, 0, N);
  else
    dsc_parallel_for(N, k_rows, &c);
}
