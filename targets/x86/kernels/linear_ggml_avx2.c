/*===- linear_ggml_avx2.c - Q3_K-Q6_K, IQ4_NL and Q5_0 weights, AVX2 ------===*
 *
 * The portable kernel decodes a block with scalar byte arithmetic, which
 * costs more than the product itself. Q3_K to Q6_K, IQ4_NL and Q5_0 take int8
 * activations here (qact_avx2.h, rounded per 32 values as dsc's integer
 * kernels round them; llama.cpp rounds per 256 for these): a generated token's
 * row through integer dot products of the blocks' values (k_quant_linear,
 * k_iq4_linear), a prompt's rows through the int8 prompt GEMM (the
 * K-quants packed from their super-blocks by the GEMM itself, IQ4_NL and
 * Q5_0 written as int8:group=32 tiles first). Other formats run the
 * portable kernel, included below under a private name; embedding_ggml
 * stays the portable (weak) one.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"
#include "vec_avx2.h"

#include "dsc/abi/ggml_decode.h"
#include "ggml_k_x86.h"
#ifndef DSC_GGML_NO_GEMM
#include "gemm.h"
#endif
#include "qact_avx2.h"
#include "quant_tile.h"

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

/* Every line of the block K_PF_DIST bytes ahead, into L1. Q4_K's 144-byte
 * and Q6_K's 210-byte blocks span 3 or 4 lines: one prefetch a block (576
 * bytes ahead, as before) left most lines to the hardware, and decoding
 * waited on them. TinyLlama Q4_K_M, Sapphire Rapids guest, tokens/s on
 * one / two threads: one line 576 bytes ahead 19.2 / 34.0; every line 576
 * bytes ahead 21.3 / 37.5, 1 KiB 22.1 / 39.8, 1.5 KiB 22.4 / 40.2, 2 KiB
 * 22.8 / 41.2, 2.5 KiB 22.6 / 40.8, 3 KiB 22.1 / 40.0, 4 KiB 19.5 / 35.6,
 * 4 KiB into L2 20.0 / 37.9. The same loops in zmm (two sub-blocks a
 * vpdpbusd) were no faster with 2 KiB (22.5 / 40.8). */
#define K_PF_DIST 2048
DSC_INLINE void k_prefetch(const uint8_t *blk, uint64_t bb) {
  for (uint64_t o = 0; o < bb; o += 64)
    _mm_prefetch((const char *)(blk + K_PF_DIST + o), _MM_HINT_T0);
}

/* IQ4_NL and Q5_0 with int8 activations (qact_avx2.h, as the integer
 * kernels of dsc's own schemes take them): both are 32-value blocks of
 * signed values and an f16 scale d first. IQ4_NL's 16 levels are bytes, so
 * its block is one vpshufb lookup of its nibbles; Q5_0's values are its
 * nibbles and a fifth bit from qh, less 16. Then one vpmaddubsw of |w| by
 * the activations carrying w's sign (|w| <= 127, |x| <= 127: the pair sums
 * fit int16), vpmaddwd into int32 and one FMA by d * dx. With float
 * activations (the portable kernel) a weight costs 3-4 times as much. */
typedef struct {
  const qact_t *a;
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  unsigned type; /* DSC_GGML_TYPE_IQ4_NL or _Q5_0 */
} iq4_ctx;

/* The 32 levels of an IQ4_NL block's nibbles, values 0-15 then 16-31. */
DSC_INLINE __m256i k_iq4_levels32(const uint8_t *qs, __m128i levels) {
  const __m128i m4 = _mm_set1_epi8(0xF);
  __m128i q = _mm_loadu_si128((const __m128i *)qs);
  __m128i lo = _mm_shuffle_epi8(levels, _mm_and_si128(q, m4));
  __m128i hi =
      _mm_shuffle_epi8(levels, _mm_and_si128(_mm_srli_epi16(q, 4), m4));
  return _mm256_set_m128i(hi, lo);
}

/* The 32 values (-16..15) of a Q5_0 block: value j's low four bits are
 * the low (j < 16) or high nibble of qs[j % 16], its fifth bit j of qh. */
DSC_INLINE __m256i k_q50_values(const uint8_t *blk) {
  const __m128i m4 = _mm_set1_epi8(0xF);
  uint32_t qh;
  __builtin_memcpy(&qh, blk + 2, 4);
  __m128i q = _mm_loadu_si128((const __m128i *)(blk + 6));
  __m256i nib = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), m4),
                                 _mm_and_si128(q, m4));
  /* Byte j of qh's copy holds qh's byte j / 8; its bit j % 8 is value j's. */
  __m256i bits = _mm256_shuffle_epi8(
      _mm256_set1_epi32((int)qh),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                        0x0101010101010101, 0x0000000000000000));
  const __m256i sel = _mm256_set1_epi64x((long long)0x8040201008040201ull);
  __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bits, sel), sel);
  return _mm256_sub_epi8(
      _mm256_or_si256(nib, _mm256_and_si256(set, _mm256_set1_epi8(0x10))),
      _mm256_set1_epi8(16));
}

/* A block's 32 signed values: Q5_0's (q5, a constant where inlined) or
 * IQ4_NL's levels. */
DSC_INLINE __m256i k_b32_values(const int q5, const uint8_t *blk,
                                __m128i levels) {
  return q5 ? k_q50_values(blk) : k_iq4_levels32(blk + 2, levels);
}

/* Row `row` (n) of W against R activation rows from s (R = 1 for decode,
 * 4 for a prompt's rows, compiled apart so that the accumulators stay in
 * registers): each block's levels are looked up once for the R rows. */
#define K_IQ4_ROW(NAME, R, Q5)                                                 \
  static void NAME(const iq4_ctx *c, const uint8_t *row, int64_t n,            \
                   int64_t s) {                                                \
    const __m128i levels = _mm_loadu_si128((const __m128i *)dsc_iq4_levels);   \
    const uint64_t bb =                                                        \
        Q5 ? sizeof(dsc_ggml_block_q5_0) : sizeof(dsc_ggml_block_iq4_nl);      \
    int64_t blocks = c->K / 32;                                                \
    const int8_t *xq = c->a->q + s * c->K;                                     \
    const float *xd = c->a->d + s * blocks;                                    \
    /* Two accumulators a row: one block's FMA need not wait for the last. */  \
    __m256 acc[R][2];                                                          \
    for (int i = 0; i < R; ++i)                                                \
      acc[i][0] = acc[i][1] = VZERO();                                         \
    const int pf = PREFETCH_ON();                                              \
    for (int64_t b = 0; b < blocks; ++b) {                                     \
      const uint8_t *blk = row + (uint64_t)b * bb;                             \
      if (pf)                                                                  \
        PREFETCH(blk + K_PF_DIST);                                             \
      __m256i wv = k_b32_values(Q5, blk, levels);                              \
      __m256i aw = _mm256_sign_epi8(wv, wv);                                   \
      float d = k_f16(blk);                                                    \
      for (int i = 0; i < R; ++i) {                                            \
        __m256i xv =                                                           \
            _mm256_loadu_si256((const __m256i *)(xq + i * c->K + 32 * b));     \
        __m256i p = qact_dot_u8s8(aw, _mm256_sign_epi8(xv, wv));               \
        acc[i][b & 1] = _mm256_fmadd_ps(                                       \
            _mm256_cvtepi32_ps(p), _mm256_set1_ps(d * xd[i * blocks + b]),     \
            acc[i][b & 1]);                                                    \
      }                                                                        \
    }                                                                          \
    for (int i = 0; i < R; ++i)                                                \
      c->y[(s + i) * c->N + n] = VHSUM(VADD(acc[i][0], acc[i][1]));            \
  }
K_IQ4_ROW(k_iq4_row1, 1, 0)
K_IQ4_ROW(k_iq4_row4, 4, 0)
K_IQ4_ROW(k_q50_row1, 1, 1)
K_IQ4_ROW(k_q50_row4, 4, 1)
#undef K_IQ4_ROW

static void k_iq4_rows(void *ctx, int64_t begin, int64_t end) {
  const iq4_ctx *c = (const iq4_ctx *)ctx;
  int q5 = c->type == DSC_GGML_TYPE_Q5_0;
  uint64_t rowBytes = (uint64_t)(c->K / 32) * dsc_ggml_block_bytes(c->type);
  for (int64_t n = begin; n < end; ++n) {
    const uint8_t *row = c->w + (uint64_t)n * rowBytes;
    int64_t s = 0;
    for (; s + 4 <= c->S; s += 4)
      if (q5)
        k_q50_row4(c, row, n, s);
      else
        k_iq4_row4(c, row, n, s);
    for (; s < c->S; ++s)
      if (q5)
        k_q50_row1(c, row, n, s);
      else
        k_iq4_row1(c, row, n, s);
  }
}

/* Q3_K, Q4_K, Q5_K and Q6_K with int8 activations (qact_avx2.h), as dsc's
 * own integer kernels take them: a 32-value sub-block's dot product is one
 * vpmaddubsw of its unsigned values (Q3_K's offset by 4 at most 7, Q4_K 15,
 * Q5_K 31, Q6_K's offset by 32 63) by the activations (pairs at most
 * 2 * 63 * 127, within int16) and a vpmaddwd, or one vpdpbusd
 * (qact_dot_u8s8), then one FMA by its scale times the activations' block
 * scale. Q4_K's and Q5_K's minimums come off once per row, as
 * dmin * m * dx * sum(x) per sub-block; Q6_K's and Q3_K's offsets, as 32
 * or 4 times each lane's four activations (summed once a call), and their
 * two scales a sub-block (16 values each) are the lanes 0-3 and 4-7 of the
 * products. In float (the weights decoded, then FMAs) the unpacking and
 * conversions bound the loop at a third of the memory's speed. Prompts'
 * rows go to the int8 prompt GEMM (gemm.h's dsc_gemm_q_ggml_k), which takes
 * the same products of the same rounded activations, four or six rows at a
 * time. */
typedef struct {
  const qact_t *a;
  const float *xds;  /* per row and 32-block: dx * sum(x) (Q4_K, Q5_K) */
  const int32_t *xl; /* per row, each 4 activations' sum (Q3_K, Q6_K) */
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  unsigned type;
} kq_ctx;

/* Eight bytes as floats. */
DSC_INLINE __m256 k_bytes_ps(const uint8_t *p, int sign) {
  __m128i b = _mm_loadl_epi64((const __m128i *)p);
  return _mm256_cvtepi32_ps(sign ? _mm256_cvtepi8_epi32(b)
                                 : _mm256_cvtepu8_epi32(b));
}

/* Row `row` of W (Q4_K, or Q5_K where `five`) against activation row s. */
__attribute__((always_inline)) static inline float
k_q45k_dot(const kq_ctx *c, const uint8_t *row, int64_t s, const int five) {
  const uint64_t bb =
      five ? sizeof(dsc_ggml_block_q5_k) : sizeof(dsc_ggml_block_q4_k);
  int64_t blocks = c->K / DSC_QK_K;
  const int8_t *xq = c->a->q + s * c->K;
  const float *xd = c->a->d + s * (c->K / 32);
  const float *xds = c->xds + s * (c->K / 32);
  __m256 acc0 = VZERO(), acc1 = VZERO(), mins = VZERO();
  const int pf = PREFETCH_ON();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *blk = row + (uint64_t)b * bb;
    if (pf)
      k_prefetch(blk, bb);
    uint8_t sc[8], m[8];
    k_q4k_scales(blk + 4, sc, m);
    float ds[8];
    _mm256_storeu_ps(ds,
                     _mm256_mul_ps(_mm256_mul_ps(k_bytes_ps(sc, 0),
                                                 _mm256_set1_ps(k_f16(blk))),
                                   _mm256_loadu_ps(xd + 8 * b)));
    mins = _mm256_fmadd_ps(
        _mm256_mul_ps(k_bytes_ps(m, 0), _mm256_set1_ps(k_f16(blk + 2))),
        _mm256_loadu_ps(xds + 8 * b), mins);
    const int8_t *x = xq + b * DSC_QK_K;
    for (int p = 0; p < 4; ++p) {
      __m256i lo, hi;
      k_q45k_pair(blk, p, five, &lo, &hi);
      __m256i p0 =
          qact_dot_u8s8(lo, _mm256_loadu_si256((const __m256i *)(x + 64 * p)));
      __m256i p1 = qact_dot_u8s8(
          hi, _mm256_loadu_si256((const __m256i *)(x + 64 * p + 32)));
      acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(ds[2 * p]),
                             acc0);
      acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p1),
                             _mm256_set1_ps(ds[2 * p + 1]), acc1);
    }
  }
  return VHSUM(VADD(acc0, acc1)) - VHSUM(mins);
}

static float k_q4k_dot(const kq_ctx *c, const uint8_t *row, int64_t s) {
  return k_q45k_dot(c, row, s, 0);
}
static float k_q5k_dot(const kq_ctx *c, const uint8_t *row, int64_t s) {
  return k_q45k_dot(c, row, s, 1);
}

/* Row `row` of W (Q6_K, or Q3_K where `three`) against activation row s:
 * their values offset by 32 or 4 to unsigned bytes, that offset taken off
 * through the lanes' activation sums. */
__attribute__((always_inline)) static inline float
k_q36k_dot(const kq_ctx *c, const uint8_t *row, int64_t s, const int three) {
  const uint64_t bb =
      three ? sizeof(dsc_ggml_block_q3_k) : sizeof(dsc_ggml_block_q6_k);
  int64_t blocks = c->K / DSC_QK_K;
  const int8_t *xq = c->a->q + s * c->K;
  const float *xd = c->a->d + s * (c->K / 32);
  const int32_t *xl = c->xl + s * (c->K / 4);
  __m256 acc0 = VZERO(), acc1 = VZERO();
  const int pf = PREFETCH_ON();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *blk = row + (uint64_t)b * bb;
    if (pf)
      k_prefetch(blk, bb);
    int8_t q3sc[16];
    if (three)
      k_q3k_scales(blk + 96, q3sc);
    const uint8_t *sc = three ? (const uint8_t *)q3sc : blk + 192;
    __m256 d = _mm256_set1_ps(k_f16(blk + (three ? 108 : 208)));
    /* Scales 8h .. 8h + 7 of the sixteen, times d. */
    __m256 sh[2] = {_mm256_mul_ps(k_bytes_ps(sc, 1), d),
                    _mm256_mul_ps(k_bytes_ps(sc + 8, 1), d)};
    for (int h = 0; h < 2; ++h) {
      __m256i v[4];
      if (three)
        k_q3k_values(blk, h, v);
      else
        k_q6k_values(blk, h, v);
      for (int i = 0; i < 4; ++i) {
        int64_t o = b * DSC_QK_K + 128 * h + 32 * i;
        __m256i prod = _mm256_sub_epi32(
            qact_dot_u8s8(v[i], _mm256_loadu_si256((const __m256i *)(xq + o))),
            _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(xl + o / 4)),
                              three ? 2 : 5));
        __m256 scale = _mm256_permutevar8x32_ps(
            sh[h], _mm256_set_epi32(2 * i + 1, 2 * i + 1, 2 * i + 1, 2 * i + 1,
                                    2 * i, 2 * i, 2 * i, 2 * i));
        __m256 t = _mm256_mul_ps(scale, _mm256_set1_ps(xd[o / 32]));
        if (i & 1)
          acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(prod), t, acc1);
        else
          acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(prod), t, acc0);
      }
    }
  }
  return VHSUM(VADD(acc0, acc1));
}

static float k_q3k_dot(const kq_ctx *c, const uint8_t *row, int64_t s) {
  return k_q36k_dot(c, row, s, 1);
}
static float k_q6k_dot(const kq_ctx *c, const uint8_t *row, int64_t s) {
  return k_q36k_dot(c, row, s, 0);
}

static void k_quant_rows(void *ctx, int64_t begin, int64_t end) {
  const kq_ctx *c = (const kq_ctx *)ctx;
  uint64_t rowBytes =
      (uint64_t)(c->K / DSC_QK_K) * dsc_ggml_block_bytes(c->type);
  for (int64_t n = begin; n < end; ++n) {
    const uint8_t *row = c->w + (uint64_t)n * rowBytes;
    for (int64_t s = 0; s < c->S; ++s)
      c->y[s * c->N + n] =
          c->type == DSC_GGML_TYPE_Q4_K   ? k_q4k_dot(c, row, s)
          : c->type == DSC_GGML_TYPE_Q5_K ? k_q5k_dot(c, row, s)
          : c->type == DSC_GGML_TYPE_Q3_K ? k_q3k_dot(c, row, s)
                                          : k_q6k_dot(c, row, s);
  }
}

static void k_quant_linear(const float *x, const uint8_t *w, float *y,
                           int64_t S, int64_t K, int64_t N, unsigned type) {
  int64_t kb = K / 32;
  qact_t a = qact_alloc(S, K);
  qact_quantize_avx2(x, S, K, a.q, a.d, a.sum);
  /* dx * sum(x) per 32-block (minimums), or each lane's four activations
   * summed (offsets). */
  int mins = k_has_mins(type);
  void *extra =
      dsc_kernel_alloc(mins ? (uint64_t)S * kb * 4 : (uint64_t)S * (K / 4) * 4);
  kq_ctx c = {&a, 0, 0, w, y, S, K, N, type};
  if (mins) {
    float *xds = (float *)extra;
    for (int64_t i = 0; i < S * kb; ++i)
      xds[i] = a.d[i] * (float)a.sum[i];
    c.xds = xds;
  } else {
    int32_t *xl = (int32_t *)extra;
    const __m256i one8 = _mm256_set1_epi8(1), one16 = _mm256_set1_epi16(1);
    for (int64_t i = 0; i < S * K; i += 32)
      _mm256_storeu_si256(
          (__m256i *)(xl + i / 4),
          _mm256_madd_epi16(
              _mm256_maddubs_epi16(
                  one8, _mm256_loadu_si256((const __m256i *)(a.q + i))),
              one16));
    c.xl = xl;
  }
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    k_quant_rows(&c, 0, N);
  else
    dsc_parallel_for(N, k_quant_rows, &c);
  dsc_kernel_free(extra);
  qact_free(a);
}

#ifndef DSC_GGML_NO_GEMM
typedef struct {
  const uint8_t *w;
  uint8_t *t8;
  int64_t blocks;
  int q5;
} iq4_expand_ctx;

/* Tiles of 4 rows [begin, end) (in fours) of the int8:group=32 copy. */
__attribute__((always_inline)) static inline void
k_iq4_expand_as(const iq4_expand_ctx *e, int64_t begin, int64_t end,
                const int q5) {
  const uint64_t bb =
      q5 ? sizeof(dsc_ggml_block_q5_0) : sizeof(dsc_ggml_block_iq4_nl);
  const uint64_t tile = dsc_qtile_bytes(32, 8, 2, 0);
  const __m128i levels = _mm_loadu_si128((const __m128i *)dsc_iq4_levels);
  const __m256i bias = _mm256_set1_epi8(-128);
  for (int64_t r4 = begin; r4 < end; ++r4)
    for (int64_t b = 0; b < e->blocks; ++b) {
      uint8_t *out = e->t8 + ((uint64_t)r4 * e->blocks + b) * tile;
      for (int r = 0; r < 4; ++r) {
        const uint8_t *blk =
            e->w + ((uint64_t)(4 * r4 + r) * e->blocks + b) * bb;
        __builtin_memcpy(out + 2 * r, blk, 2);
        _mm256_storeu_si256(
            (__m256i *)(out + 8 + 32 * r),
            _mm256_xor_si256(k_b32_values(q5, blk, levels), bias));
      }
    }
}

static void k_iq4_expand(void *ctx, int64_t begin, int64_t end) {
  const iq4_expand_ctx *e = (const iq4_expand_ctx *)ctx;
  if (e->q5)
    k_iq4_expand_as(e, begin, end, 1);
  else
    k_iq4_expand_as(e, begin, end, 0);
}

/* A prompt's rows: IQ4_NL is int8:group=32 whose values are the 16
 * levels (Q5_0 whose values are -16..15), so the weight is written out
 * once as that scheme's tiles
 * (quant_layout.h: per 4 rows and 32 columns the rows' f16 scales, then
 * the values stored as level + 128) and multiplied by the int8 prompt GEMM
 * (gemm.h). Writing N x K bytes costs little against 2 S N K operations,
 * and the GEMM runs at the int8 schemes' speed. 0 if it took nothing. */
static int k_iq4_gemm(const float *x, const uint8_t *w, float *y, int64_t S,
                      int64_t K, int64_t N, unsigned type) {
  if (S < DSC_GEMM_MIN_ROWS || N % 4)
    return 0;
  iq4_expand_ctx e = {w, 0, K / 32, type == DSC_GGML_TYPE_Q5_0};
  e.t8 = (uint8_t *)dsc_kernel_alloc((uint64_t)(N / 4) * e.blocks *
                                     dsc_qtile_bytes(32, 8, 2, 0));
  /* On the pool's threads too: a pass over N x K bytes. */
  dsc_parallel_for(N / 4, k_iq4_expand, &e);
  int took = dsc_gemm_q_t4(x, e.t8, y, S, K, N, 32, 8, 0);
  dsc_kernel_free(e.t8);
  return took;
}
#endif

static void k_iq4_linear(const float *x, const uint8_t *w, float *y, int64_t S,
                         int64_t K, int64_t N, unsigned type) {
#ifndef DSC_GGML_NO_GEMM
  if (k_iq4_gemm(x, w, y, S, K, N, type))
    return;
#endif
  qact_t a = qact_alloc(S, K);
  qact_quantize_avx2(x, S, K, a.q, a.d, a.sum);
  iq4_ctx c = {&a, w, y, S, K, N, type};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    k_iq4_rows(&c, 0, N);
  else
    dsc_parallel_for(N, k_iq4_rows, &c);
  qact_free(a);
}

void DSC_UK(linear_ggml)(const float *x, const uint8_t *w, float *y, int64_t S,
                         int64_t K, int64_t N, int64_t type) {
  if (type == DSC_GGML_TYPE_IQ4_NL || type == DSC_GGML_TYPE_Q5_0) {
    k_iq4_linear(x, w, y, S, K, N, (unsigned)type);
    return;
  }
  if (!k_value_bits(type)) {
    ggml_linear_portable(x, w, y, S, K, N, type);
    return;
  }
#ifndef DSC_GGML_NO_GEMM
  if (S >= DSC_GEMM_MIN_ROWS && dsc_gemm_q_ggml_k(x, w, y, S, K, N, type))
    return;
#endif
  k_quant_linear(x, w, y, S, K, N, (unsigned)type);
}
