/*===- linear_ggml_avx2.c - GGUF blocks with int8 activations, AVX2 -------===*
 *
 * The portable kernel decodes a block with scalar byte arithmetic, which
 * costs more than the product itself. Q2_K to Q6_K, IQ4_NL, IQ4_XS, Q5_0,
 * Q4_1 and Q5_1 take int8 activations here (qact_avx2.h, rounded per 32
 * values as dsc's integer kernels round them; llama.cpp rounds per 256 for
 * the K-quants): a generated token's row through integer dot products of
 * the blocks' values (k_quant_linear, k_b32_linear), a prompt's rows through
 * the int8 prompt GEMM, which packs its panels from the blocks themselves
 * (gemm.h's dsc_gemm_q_ggml_k). Other formats (Q8_K) run the portable
 * kernel, included below under a private name; embedding_ggml stays the
 * portable (weak) one.
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

/* Eight bytes as floats. */
DSC_INLINE __m256 k_bytes_ps(const uint8_t *p, int sign) {
  __m128i b = _mm_loadl_epi64((const __m128i *)p);
  return _mm256_cvtepi32_ps(sign ? _mm256_cvtepi8_epi32(b)
                                 : _mm256_cvtepu8_epi32(b));
}

/* IQ4_NL, Q5_0, Q4_1, Q5_1 and IQ4_XS with int8 activations (qact_avx2.h,
 * as the integer kernels of dsc's own schemes take them): all are 32-value
 * blocks with an f16 scale d first (IQ4_XS's a super-block's, times each
 * sub-block's 6-bit scale). IQ4_NL's and IQ4_XS's 16 levels are bytes, so
 * a block is one vpshufb lookup of its nibbles; Q5_0's values are its
 * nibbles and a fifth bit from qh, less 16. Those signed values take one
 * vpmaddubsw of |w| by the activations carrying w's sign (|w| <= 127,
 * |x| <= 127: the pair sums fit int16), vpmaddwd into int32 (or one
 * vpdpbusd) and one FMA by d * dx. Q4_1's and Q5_1's values (0..15,
 * 0..31) multiply the activations as they are, and their minimum m
 * (x = d * q + m) adds m * dx * sum(x) a block. With float activations
 * (the portable kernel) a weight costs 3-4 times as much. */
/* Each 4 of n int8 activations' sum (n a multiple of 32): xl[i / 4]. */
DSC_INLINE void k_lane_sums(const int8_t *q, int64_t n, int32_t *xl) {
  const __m256i one8 = _mm256_set1_epi8(1), one16 = _mm256_set1_epi16(1);
  for (int64_t i = 0; i < n; i += 32)
    _mm256_storeu_si256(
        (__m256i *)(xl + i / 4),
        _mm256_madd_epi16(
            _mm256_maddubs_epi16(one8,
                                 _mm256_loadu_si256((const __m256i *)(q + i))),
            one16));
}

typedef struct {
  const qact_t *a;
  const float *xds; /* Q4_1, Q5_1: per row and block dx and dx * sum(x) */
  const int32_t *xl; /* IQ4_NL, Q5_0 with AVX-512: per row, each 4
                        activations' sum (k_lane_sums) */
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  unsigned type;
} b32_ctx;

/* Block b of row `row` times R activation rows from s, into acc[i] and (the
 * minimums, Q4_1 and Q5_1) mn[i]: the values are unpacked once for the R
 * rows. Always inlined with constant R and KIND, and called with acc and mn
 * of constant index, so that both stay in registers. */
__attribute__((always_inline)) static inline void
k_b32_block(const b32_ctx *c, const unsigned kind, const int R,
            const uint8_t *row, int64_t b, int64_t s, __m128i levels,
            __m256 *acc, __m128 *mn) {
  const int mins = k_has_mins(kind);
  const int64_t blocks = c->K / 32;
  const uint8_t *blk = row + (uint64_t)b * dsc_ggml_block_bytes(kind);
  const int8_t *xq = c->a->q + s * c->K;
  __m256i wv = k_b32_values(kind, blk, levels);
  __m256i aw = mins ? wv : _mm256_sign_epi8(wv, wv);
  /* d and m (Q4_1, Q5_1) converted together; times dx and dx * sum(x),
   * stored beside each other. */
  uint32_t dm;
  __builtin_memcpy(&dm, blk, mins ? 4 : 2);
  __m128 dmf = _mm_cvtph_ps(_mm_cvtsi32_si128((int)(mins ? dm : dm & 0xFFFF)));
  for (int i = 0; i < R; ++i) {
    __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + i * c->K + 32 * b));
    __m256i p = qact_dot_u8s8(aw, mins ? xv : _mm256_sign_epi8(xv, wv));
    __m128 t = _mm_mul_ps(
        dmf, mins ? _mm_castpd_ps(_mm_load_sd(
                        (const double *)(c->xds + 2 * ((s + i) * blocks + b))))
                  : _mm_load_ss(c->a->d + (s + i) * blocks + b));
    acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcastss_ps(t),
                             acc[i]);
    if (mins)
      mn[i] = _mm_add_ps(mn[i], t);
  }
}

#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
/* A 32-value block's values as unsigned bytes: IQ4_NL's levels plus 128
 * (looked up in the levels table offset by 128), Q5_0's before its offset
 * of 16 comes off, Q4_1's and Q5_1's as they are. */
DSC_INLINE __m256i k_b32_uvalues(const unsigned type, const uint8_t *blk,
                                 __m128i levels) {
  switch (type) {
  case DSC_GGML_TYPE_IQ4_NL:
    return k_iq4_levels32(blk + 2, _mm_xor_si128(levels, _mm_set1_epi8(-128)));
  case DSC_GGML_TYPE_Q5_0:
    return k_b32_nibbles(blk + 6, blk + 2);
  default:
    return k_b32_values(type, blk, levels);
  }
}

/* Blocks b and b + 1 of row `row` times activation row s in one zmm, into
 * acc and (Q4_1, Q5_1) mn: the two blocks' values side by side take one
 * vpdpbusd, one conversion and one FMA, whose scales are d * dx of the
 * first block in lanes 0-7 and of the second in 8-15. IQ4_NL's and Q5_0's
 * values go in unsigned (k_b32_uvalues), their offset (128, 16) times each
 * int32 lane's four activations coming off the integer products: exact,
 * and two instructions where moving their signs onto the activations took
 * three (AVX-512 has no vpsignb) and Q5_0's offset one a block. */
__attribute__((always_inline)) static inline void
k_b32_pair512(const b32_ctx *c, const unsigned kind, const uint8_t *row,
              int64_t b, int64_t s, __m128i levels, __m512 *acc, __m128 *mn) {
  const int mins = k_has_mins(kind);
  const int64_t blocks = c->K / 32;
  const uint64_t bb = dsc_ggml_block_bytes(kind);
  const uint8_t *blk = row + (uint64_t)b * bb;
  __m512i wv = _mm512_inserti64x4(
      _mm512_castsi256_si512(k_b32_uvalues(kind, blk, levels)),
      k_b32_uvalues(kind, blk + bb, levels), 1);
  __m512i p =
      _mm512_dpbusd_epi32(_mm512_setzero_si512(), wv,
                          _mm512_loadu_si512(c->a->q + s * c->K + 32 * b));
  if (!mins) /* less the offset times each lane's four activations */
    p = _mm512_sub_epi32(
        p, _mm512_slli_epi32(_mm512_loadu_si512(c->xl + s * (c->K / 4) + 8 * b),
                             kind == DSC_GGML_TYPE_IQ4_NL ? 7 : 4));
  __m128 t;
  __m512i lanes;
  if (mins) {
    /* [d0 m0 d1 m1] times [dx0, dx0 * sum(x0), dx1, dx1 * sum(x1)]. */
    uint32_t dm0, dm1;
    __builtin_memcpy(&dm0, blk, 4);
    __builtin_memcpy(&dm1, blk + bb, 4);
    t = _mm_mul_ps(
        _mm_cvtph_ps(_mm_cvtsi64_si128((long long)((uint64_t)dm1 << 32 | dm0))),
        _mm_loadu_ps(c->xds + 2 * (s * blocks + b)));
    *mn = _mm_add_ps(*mn, t);
    lanes = _mm512_set_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0);
  } else {
    uint16_t d0, d1;
    __builtin_memcpy(&d0, blk, 2);
    __builtin_memcpy(&d1, blk + bb, 2);
    t = _mm_mul_ps(
        _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)d1 << 16 | d0))),
        _mm_castpd_ps(_mm_load_sd((const double *)(c->a->d + s * blocks + b))));
    lanes = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  *acc = _mm512_fmadd_ps(
      _mm512_cvtepi32_ps(p),
      _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(t)), *acc);
}

/* Row `row` times activation row s (decoding) over its blocks in fours, two
 * pairs an iteration with their own accumulators; the sum in *y, the
 * blocks taken returned (the rest go to the ymm loop). Half the ymm loop's
 * products, conversions and FMAs a block. TinyLlama files on the Sapphire
 * Rapids guest, tokens/s on one / two threads: Q4_1 14.6 / 26.7 with the
 * ymm loop's accumulators on the stack, 16.6 / 30.1 in registers, 18.6 /
 * 33.0 here; Q5_0 11.3 / 21.8 and IQ4_NL 13.9 / 25.5 from the stack to
 * 13.9 / 25.9 and 17.9 / 32.4 here. IQ4_XS's loop in zmm the same way (its
 * sub-blocks' nibbles contiguous, one vpshufb for two) was no faster:
 * 18.1 / 32.8 against 18.5 / 33.6. */
__attribute__((always_inline)) static inline int64_t
k_b32_row512(const b32_ctx *c, const unsigned kind, const uint8_t *row,
             int64_t s, __m128i levels, int pf, float *y) {
  const uint64_t bb = dsc_ggml_block_bytes(kind);
  const int64_t blocks = c->K / 32;
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m128 mn0 = _mm_setzero_ps(), mn1 = _mm_setzero_ps();
  int64_t b = 0;
  for (; b + 4 <= blocks; b += 4) {
    if (pf) { /* four blocks are 72-96 bytes */
      PREFETCH(row + (uint64_t)b * bb + K_PF_DIST);
      PREFETCH(row + (uint64_t)b * bb + K_PF_DIST + 64);
    }
    k_b32_pair512(c, kind, row, b, s, levels, &acc0, &mn0);
    k_b32_pair512(c, kind, row, b + 2, s, levels, &acc1, &mn1);
  }
  __m128 mn = _mm_add_ps(mn0, mn1);
  *y = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
  if (k_has_mins(kind))
    *y += _mm_cvtss_f32(_mm_shuffle_ps(mn, mn, 1)) +
          _mm_cvtss_f32(_mm_shuffle_ps(mn, mn, 3));
  return b;
}
#else
static inline int64_t k_b32_row512(const b32_ctx *c, const unsigned kind,
                                   const uint8_t *row, int64_t s,
                                   __m128i levels, int pf, float *y) {
  (void)c, (void)kind, (void)row, (void)s, (void)levels, (void)pf;
  *y = 0;
  return 0;
}
#endif

/* Row `row` (n) of W against R activation rows from s (R = 1 for decode,
 * 4 for a prompt's rows, compiled apart). Two blocks an iteration, each
 * with its own accumulators: one block's FMA (and minimum's add) need not
 * wait for the last. Indexed by b & 1 in a loop of one block, the
 * accumulators had gone to the stack, and each FMA waited on a store
 * forwarded from two blocks before (TinyLlama Q4_1, Sapphire Rapids guest:
 * 12.9 tokens/s on one thread that way). The row is prefetched K_PF_DIST
 * ahead once an iteration: two blocks are 36-48 bytes, less than a line. */
#define K_B32_ROW(NAME, R, KIND)                                               \
  static void NAME(const b32_ctx *c, const uint8_t *row, int64_t n,            \
                   int64_t s) {                                                \
    const __m128i levels = _mm_loadu_si128((const __m128i *)dsc_iq4_levels);   \
    const uint64_t bb = dsc_ggml_block_bytes(KIND);                            \
    int64_t blocks = c->K / 32;                                                \
    __m256 acc0[R], acc1[R];                                                   \
    __m128 mn0[R], mn1[R];                                                     \
    for (int i = 0; i < R; ++i) {                                              \
      acc0[i] = acc1[i] = VZERO();                                             \
      mn0[i] = mn1[i] = _mm_setzero_ps();                                      \
    }                                                                          \
    const int pf = PREFETCH_ON();                                              \
    float y512 = 0;                                                            \
    int64_t b = R == 1 ? k_b32_row512(c, KIND, row, s, levels, pf, &y512) : 0; \
    for (; b + 2 <= blocks; b += 2) {                                          \
      if (pf)                                                                  \
        PREFETCH(row + (uint64_t)b * bb + K_PF_DIST);                          \
      k_b32_block(c, KIND, R, row, b, s, levels, acc0, mn0);                   \
      /* Four rows are four chains already: they share one set of sums,        \
       * which then fits AVX2's 16 registers. */                               \
      k_b32_block(c, KIND, R, row, b + 1, s, levels, R == 1 ? acc1 : acc0,     \
                  R == 1 ? mn1 : mn0);                                         \
    }                                                                          \
    if (b < blocks)                                                            \
      k_b32_block(c, KIND, R, row, b, s, levels, acc0, mn0);                   \
    for (int i = 0; i < R; ++i) {                                              \
      __m128 mn = _mm_add_ps(mn0[i], mn1[i]);                                  \
      c->y[(s + i) * c->N + n] = VHSUM(VADD(acc0[i], acc1[i])) +               \
                                 _mm_cvtss_f32(_mm_shuffle_ps(mn, mn, 1)) +    \
                                 (i ? 0 : y512);                               \
    }                                                                          \
  }
K_B32_ROW(k_iq4_row1, 1, DSC_GGML_TYPE_IQ4_NL)
K_B32_ROW(k_iq4_row4, 4, DSC_GGML_TYPE_IQ4_NL)
K_B32_ROW(k_q50_row1, 1, DSC_GGML_TYPE_Q5_0)
K_B32_ROW(k_q50_row4, 4, DSC_GGML_TYPE_Q5_0)
K_B32_ROW(k_q41_row1, 1, DSC_GGML_TYPE_Q4_1)
K_B32_ROW(k_q41_row4, 4, DSC_GGML_TYPE_Q4_1)
K_B32_ROW(k_q51_row1, 1, DSC_GGML_TYPE_Q5_1)
K_B32_ROW(k_q51_row4, 4, DSC_GGML_TYPE_Q5_1)
#undef K_B32_ROW

/* IQ4_XS sub-block j (its nibbles at qs) times R activation rows (theirs at
 * x, a row apart by K), scaled by ds[i][j], into acc[i]: called with
 * accumulators of constant index, which then stay in registers. */
__attribute__((always_inline)) static inline void
k_iq4xs_sub(const b32_ctx *c, const int R, const uint8_t *qs, const int8_t *x,
            const float (*ds)[8], int j, __m128i levels, __m256 *acc) {
  __m256i wv = k_iq4_levels32(qs, levels);
  __m256i aw = _mm256_sign_epi8(wv, wv);
  for (int i = 0; i < R; ++i) {
    __m256i xv = _mm256_loadu_si256((const __m256i *)(x + i * c->K));
    __m256i p = qact_dot_u8s8(aw, _mm256_sign_epi8(xv, wv));
    acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(ds[i][j]),
                             acc[i]);
  }
}

/* IQ4_XS: IQ4_NL's loop over a super-block's eight sub-blocks, each block's
 * scale d * (s - 32) times the activations' scale. */
#define K_IQ4XS_ROW(NAME, R)                                                   \
  static void NAME(const b32_ctx *c, const uint8_t *row, int64_t n,            \
                   int64_t s) {                                                \
    const __m128i levels = _mm_loadu_si128((const __m128i *)dsc_iq4_levels);   \
    const uint64_t bb = sizeof(dsc_ggml_block_iq4_xs);                         \
    int64_t sbs = c->K / DSC_QK_K, blocks = c->K / 32;                         \
    const int8_t *xq = c->a->q + s * c->K;                                     \
    const float *xd = c->a->d + s * blocks;                                    \
    __m256 acc0[R], acc1[R]; /* even and odd sub-blocks' */                    \
    for (int i = 0; i < R; ++i)                                                \
      acc0[i] = acc1[i] = VZERO();                                             \
    const int pf = PREFETCH_ON();                                              \
    for (int64_t b = 0; b < sbs; ++b) {                                        \
      const uint8_t *blk = row + (uint64_t)b * bb;                             \
      if (pf)                                                                  \
        k_prefetch(blk, bb);                                                   \
      int8_t ls[8];                                                            \
      k_iq4xs_scales(blk, ls);                                                 \
      __m256 dl = _mm256_mul_ps(k_bytes_ps((const uint8_t *)ls, 1),            \
                                _mm256_set1_ps(k_f16(blk)));                   \
      float ds[R][8];                                                          \
      for (int i = 0; i < R; ++i)                                              \
        _mm256_storeu_ps(                                                      \
            ds[i],                                                             \
            _mm256_mul_ps(dl, _mm256_loadu_ps(xd + i * blocks + 8 * b)));      \
      for (int j = 0; j < 8; j += 2) {                                         \
        k_iq4xs_sub(c, R, blk + 8 + 16 * j, xq + DSC_QK_K * b + 32 * j, ds, j, \
                    levels, acc0);                                             \
        k_iq4xs_sub(c, R, blk + 24 + 16 * j, xq + DSC_QK_K * b + 32 * j + 32,  \
                    ds, j + 1, levels, acc1);                                  \
      }                                                                        \
    }                                                                          \
    for (int i = 0; i < R; ++i)                                                \
      c->y[(s + i) * c->N + n] = VHSUM(VADD(acc0[i], acc1[i]));                \
  }
K_IQ4XS_ROW(k_iq4xs_row1, 1)
K_IQ4XS_ROW(k_iq4xs_row4, 4)
#undef K_IQ4XS_ROW

static void k_b32_rows(void *ctx, int64_t begin, int64_t end) {
  const b32_ctx *c = (const b32_ctx *)ctx;
  uint64_t rowBytes = (uint64_t)(c->K / dsc_ggml_block_elems(c->type)) *
                      dsc_ggml_block_bytes(c->type);
  for (int64_t n = begin; n < end; ++n) {
    const uint8_t *row = c->w + (uint64_t)n * rowBytes;
    int64_t s = 0;
#define K_B32_CALL(R)                                                          \
  switch (c->type) {                                                           \
  case DSC_GGML_TYPE_IQ4_NL:                                                   \
    k_iq4_row##R(c, row, n, s);                                                \
    break;                                                                     \
  case DSC_GGML_TYPE_Q5_0:                                                     \
    k_q50_row##R(c, row, n, s);                                                \
    break;                                                                     \
  case DSC_GGML_TYPE_Q4_1:                                                     \
    k_q41_row##R(c, row, n, s);                                                \
    break;                                                                     \
  case DSC_GGML_TYPE_Q5_1:                                                     \
    k_q51_row##R(c, row, n, s);                                                \
    break;                                                                     \
  default:                                                                     \
    k_iq4xs_row##R(c, row, n, s);                                              \
  }
    for (; s + 4 <= c->S; s += 4)
      K_B32_CALL(4)
    for (; s < c->S; ++s)
      K_B32_CALL(1)
#undef K_B32_CALL
  }
}

/* Q2_K to Q6_K with int8 activations (qact_avx2.h), as dsc's
 * own integer kernels take them: a 32-value sub-block's dot product is one
 * vpmaddubsw of its unsigned values (Q3_K's offset by 4 at most 7, Q4_K 15,
 * Q5_K 31, Q6_K's offset by 32 63) by the activations (pairs at most
 * 2 * 63 * 127, within int16) and a vpmaddwd, or one vpdpbusd
 * (qact_dot_u8s8), then one FMA by its scale times the activations' block
 * scale. Q4_K's and Q5_K's minimums come off once per row, as
 * dmin * m * dx * sum(x) per sub-block; Q6_K's and Q3_K's offsets, as 32
 * or 4 times each lane's four activations (summed once a call), and their
 * two scales a sub-block (16 values each) are the lanes 0-3 and 4-7 of the
 * products (Q2_K: k_q2k_dot below). In float (the weights decoded, then
 * FMAs) the unpacking and
 * conversions bound the loop at a third of the memory's speed. Prompts'
 * rows go to the int8 prompt GEMM (gemm.h's dsc_gemm_q_ggml_k), which takes
 * the same products of the same rounded activations, four or six rows at a
 * time. */
typedef struct {
  const qact_t *a;
  const float *xds;  /* per row and 32-block: dx * sum(x) (Q4_K, Q5_K); per
                        16 values (Q2_K) */
  const int32_t *xl; /* per row, each 4 activations' sum (Q3_K, Q6_K) */
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  unsigned type;
} kq_ctx;

/* The horizontal sums of v[0..R-1] (R <= 2) into out: one transpose by
 * vhaddps for both rows, where a sum each took seven instructions. */
__attribute__((always_inline)) static inline void
k_hsums(const __m256 *v, const int R, float *out) {
  const __m256 z = VZERO();
  __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v[0], R > 1 ? v[1] : z), z);
  float t[4];
  _mm_storeu_ps(
      t, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
  for (int r = 0; r < R; ++r)
    out[r] = t[r];
}

/* Rows n .. n + R - 1 of W (Q4_K, or Q5_K where `five`), rowBytes apart
 * from row, against activation row s into out[0..R-1]. R (1 or 2, a
 * constant where inlined) rows at once: a super-block's 32-value activations
 * are loaded once for the R rows, and their sums come out of one transpose
 * (k_hsums). One row a call, the row's set-up and horizontal sums were
 * 16% of the loop's time at K = 2048 (eight super-blocks a row). */
__attribute__((always_inline)) static inline void
k_q45k_dots(const kq_ctx *c, const uint8_t *row, uint64_t rowBytes, int64_t s,
            const int five, const int R, float *out) {
  const uint64_t bb =
      five ? sizeof(dsc_ggml_block_q5_k) : sizeof(dsc_ggml_block_q4_k);
  int64_t blocks = c->K / DSC_QK_K;
  const int8_t *xq = c->a->q + s * c->K;
  const float *xd = c->a->d + s * (c->K / 32);
  const float *xds = c->xds + s * (c->K / 32);
  __m256 acc0[2], acc1[2], mins[2];
  for (int r = 0; r < R; ++r)
    acc0[r] = acc1[r] = mins[r] = VZERO();
  const int pf = PREFETCH_ON();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *blk[2];
    float ds[2][8];
    const __m256 dx = _mm256_loadu_ps(xd + 8 * b),
                 dxs = _mm256_loadu_ps(xds + 8 * b);
    for (int r = 0; r < R; ++r) {
      blk[r] = row + (uint64_t)r * rowBytes + (uint64_t)b * bb;
      if (pf)
        k_prefetch(blk[r], bb);
      uint8_t sc[8], m[8];
      k_q4k_scales(blk[r] + 4, sc, m);
      _mm256_storeu_ps(
          ds[r], _mm256_mul_ps(_mm256_mul_ps(k_bytes_ps(sc, 0),
                                             _mm256_set1_ps(k_f16(blk[r]))),
                               dx));
      mins[r] = _mm256_fmadd_ps(
          _mm256_mul_ps(k_bytes_ps(m, 0), _mm256_set1_ps(k_f16(blk[r] + 2))),
          dxs, mins[r]);
    }
    const int8_t *x = xq + b * DSC_QK_K;
    for (int p = 0; p < 4; ++p) {
      const __m256i x0 = _mm256_loadu_si256((const __m256i *)(x + 64 * p)),
                    x1 = _mm256_loadu_si256((const __m256i *)(x + 64 * p + 32));
      for (int r = 0; r < R; ++r) {
        __m256i lo, hi;
        k_q45k_pair(blk[r], p, five, &lo, &hi);
        acc0[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(qact_dot_u8s8(lo, x0)),
                                  _mm256_set1_ps(ds[r][2 * p]), acc0[r]);
        acc1[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(qact_dot_u8s8(hi, x1)),
                                  _mm256_set1_ps(ds[r][2 * p + 1]), acc1[r]);
      }
    }
  }
  __m256 v[2];
  for (int r = 0; r < R; ++r)
    v[r] = _mm256_sub_ps(VADD(acc0[r], acc1[r]), mins[r]);
  k_hsums(v, R, out);
}

#ifdef __AVX512VL__
/* Rows [n, end) of a Q4_K matrix against every activation row, two rows
 * a step, for the AVX-512 build (a prompt's few rows read the two rows of
 * W from cache after the first). The loop alone from L2 (this file
 * compiled by itself with clang -O2, outside dsc's pipeline, about 600 KB
 * of random blocks, one thread, the Xeon guest of docs/benchmarks.md's 8
 * December section), GB/s at K = 2048 and 5632: 18.9 and 20.1 a row a
 * call, 21.5 and 21.3 two rows, 20.7 and 20.1 four (Q5_K at K = 2048: 20.6
 * a row, 17.0 two, so it keeps one). The AVX2 build keeps a row a call:
 * two rows measured 17.8 and 18.1 against 16.9 and 18.1 there, but beside
 * them in k_quant_rows the other types' loops came out slower (Q2_K's 8.6
 * -> 7.5 GB/s from L2; a TinyLlama Q2_K file 17.2 -> 16.1 tokens/s), and
 * four rows decoded a Q4_K_M file at 13.5 / 24.2 against 16.9 / 30.7
 * tokens/s (one / two threads: four streams, each prefetched into L1
 * ahead, hold more fill buffers than the core has). From memory, AVX-512's
 * two rows decoded TinyLlama Q4_K_M level with one (17.4 / 31.6 against
 * 17.4 / 32.1): faster where the loop bounds decoding, level where the
 * memory does. */
__attribute__((always_inline)) static inline void
k_q4k_rows(const kq_ctx *c, uint64_t rowBytes, int64_t n, int64_t end) {
  float out[2];
  for (; n + 2 <= end; n += 2)
    for (int64_t s = 0; s < c->S; ++s) {
      k_q45k_dots(c, c->w + (uint64_t)n * rowBytes, rowBytes, s, 0, 2, out);
      c->y[s * c->N + n] = out[0];
      c->y[s * c->N + n + 1] = out[1];
    }
  for (; n < end; ++n)
    for (int64_t s = 0; s < c->S; ++s)
      k_q45k_dots(c, c->w + (uint64_t)n * rowBytes, rowBytes, s, 0, 1,
                  c->y + s * c->N + n);
}
#endif

static float k_q4k_dot(const kq_ctx *c, const uint8_t *row, int64_t s) {
  float y;
  k_q45k_dots(c, row, 0, s, 0, 1, &y);
  return y;
}
static float k_q5k_dot(const kq_ctx *c, const uint8_t *row, int64_t s) {
  float y;
  k_q45k_dots(c, row, 0, s, 1, 1, &y);
  return y;
}

/* Product i (of 4) of a half super-block whose 16-value sub-blocks have
 * scales sh (8 of them, times d): its lanes 0-3 scaled by scale 2i, 4-7 by
 * 2i + 1, times the activations' block scale dx, into acc0 or acc1 by i's
 * parity (Q6_K, Q3_K, Q2_K). */
DSC_INLINE void k_halves_fma(__m256i prod, __m256 sh, int i, float dx,
                             __m256 *acc0, __m256 *acc1) {
  __m256 scale = _mm256_permutevar8x32_ps(
      sh, _mm256_set_epi32(2 * i + 1, 2 * i + 1, 2 * i + 1, 2 * i + 1, 2 * i,
                           2 * i, 2 * i, 2 * i));
  __m256 t = _mm256_mul_ps(scale, _mm256_set1_ps(dx));
  if (i & 1)
    *acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(prod), t, *acc1);
  else
    *acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(prod), t, *acc0);
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
    int8_t sc[16];
    __m256 d = _mm256_set1_ps(k_q36k_scales(blk, three, sc));
    /* Scales 8h .. 8h + 7 of the sixteen, times d. */
    __m256 sh[2] = {_mm256_mul_ps(k_bytes_ps((const uint8_t *)sc, 1), d),
                    _mm256_mul_ps(k_bytes_ps((const uint8_t *)sc + 8, 1), d)};
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
        k_halves_fma(prod, sh[h], i, xd[o / 32], &acc0, &acc1);
      }
    }
  }
  return VHSUM(VADD(acc0, acc1));
}

__attribute__((unused)) static float k_q3k_dot(const kq_ctx *c,
                                               const uint8_t *row, int64_t s) {
  return k_q36k_dot(c, row, s, 1);
}
static float k_q6k_dot(const kq_ctx *c, const uint8_t *row, int64_t s) {
  return k_q36k_dot(c, row, s, 0);
}

/* Row `row` of W (Q2_K) against activation row s: its 2-bit values (0..3)
 * multiply the activations as they are, two 16-value sub-blocks a product
 * (lanes 0-3 and 4-7, as Q3_K's) each scaled by its own d * sc; the
 * minimums dmin * m come off times the sub-blocks' dx * sum(x). The
 * AVX-512 build takes k_q2k_dot512 (below) instead. */
__attribute__((unused)) static float k_q2k_dot(const kq_ctx *c,
                                               const uint8_t *row, int64_t s) {
  const uint64_t bb = sizeof(dsc_ggml_block_q2_k);
  int64_t blocks = c->K / DSC_QK_K;
  const int8_t *xq = c->a->q + s * c->K;
  const float *xd = c->a->d + s * (c->K / 32);
  const float *xs = c->xds + s * (c->K / 16);
  __m256 acc0 = VZERO(), acc1 = VZERO(), mins = VZERO();
  const int pf = PREFETCH_ON();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *blk = row + (uint64_t)b * bb;
    if (pf)
      k_prefetch(blk, bb);
    uint8_t sc[16], mn[16];
    k_q2k_scales(blk, sc, mn);
    __m256 d = _mm256_set1_ps(k_f16(blk + 80)),
           dm = _mm256_set1_ps(k_f16(blk + 82));
    mins = _mm256_fmadd_ps(_mm256_mul_ps(k_bytes_ps(mn, 0), dm),
                           _mm256_loadu_ps(xs + 16 * b), mins);
    mins = _mm256_fmadd_ps(_mm256_mul_ps(k_bytes_ps(mn + 8, 0), dm),
                           _mm256_loadu_ps(xs + 16 * b + 8), mins);
    __m256 sh[2] = {_mm256_mul_ps(k_bytes_ps(sc, 0), d),
                    _mm256_mul_ps(k_bytes_ps(sc + 8, 0), d)};
    for (int h = 0; h < 2; ++h) {
      __m256i v[4];
      k_q2k_values(blk, h, v);
      for (int i = 0; i < 4; ++i) {
        int64_t o = b * DSC_QK_K + 128 * h + 32 * i;
        __m256i prod =
            qact_dot_u8s8(v[i], _mm256_loadu_si256((const __m256i *)(xq + o)));
        k_halves_fma(prod, sh[h], i, xd[o / 32], &acc0, &acc1);
      }
    }
  }
  return VHSUM(VADD(acc0, acc1)) - VHSUM(mins);
}

#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
/* Q2_K's and Q3_K's loops in zmm: 64 values a product (chunks i and i + 1
 * of a half super-block), whose lanes 0-3, 4-7, 8-11 and 12-15 are four
 * 16-value sub-blocks, scaled by one vpermps from the sixteen d * sc * dx
 * of the super-block (computed once for it), where the ymm loops multiply
 * and broadcast a scale for every 32 values. Those two loops are bound by
 * their instructions: TinyLlama files on the Sapphire Rapids guest, tokens/s
 * on one / two threads, Q2_K 19.7 / 36.6 -> 21.9 / 39.5 (its Q2_K tensors
 * in zmm), Q3_K_M 17.5 / 33.1 -> 18.2 / 34.1. Q6_K's loop the same way was
 * slower (Q6_K file 14.2 / 26.3 -> 13.4 / 25.5: it reads 77% of the
 * bandwidth in ymm already) and stays in ymm, as do Q4_K's and Q5_K's. */

/* The sixteen sub-blocks' scales (bytes at sc, signed where `sign`) times
 * d and their 32-value blocks' activation scales xd[0..7]. */
DSC_INLINE __m512 k_sub_scales512(const uint8_t *sc, const int sign, float d,
                                  const float *xd) {
  __m128i b = _mm_loadu_si128((const __m128i *)sc);
  __m512 f = _mm512_cvtepi32_ps(sign ? _mm512_cvtepi8_epi32(b)
                                     : _mm512_cvtepu8_epi32(b));
  /* Sub-block k takes the scale of its 32-value block k / 2. */
  const __m512i pairs =
      _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  return _mm512_mul_ps(_mm512_mul_ps(f, _mm512_set1_ps(d)),
                       _mm512_permutexvar_ps(
                           pairs, _mm512_castps256_ps512(_mm256_loadu_ps(xd))));
}

/* acc += the products p of sub-blocks k .. k + 3 times their scales. */
DSC_INLINE __m512 k_quads_fma512(__m512i p, __m512 sdx, int k, __m512 acc) {
  __m512 scale = _mm512_permutexvar_ps(
      _mm512_set_epi32(k + 3, k + 3, k + 3, k + 3, k + 2, k + 2, k + 2, k + 2,
                       k + 1, k + 1, k + 1, k + 1, k, k, k, k),
      sdx);
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), scale, acc);
}

static float k_q2k_dot512(const kq_ctx *c, const uint8_t *row, int64_t s) {
  const uint64_t bb = sizeof(dsc_ggml_block_q2_k);
  int64_t blocks = c->K / DSC_QK_K;
  const int8_t *xq = c->a->q + s * c->K;
  const float *xd = c->a->d + s * (c->K / 32);
  const float *xs = c->xds + s * (c->K / 16);
  const __m512i m3 = _mm512_set1_epi8(3);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(),
         mins = _mm512_setzero_ps();
  const int pf = PREFETCH_ON();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *blk = row + (uint64_t)b * bb;
    if (pf)
      k_prefetch(blk, bb);
    uint8_t sc[16], mn[16];
    k_q2k_scales(blk, sc, mn);
    mins = _mm512_fmadd_ps(
        _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
                          _mm_loadu_si128((const __m128i *)mn))),
                      _mm512_set1_ps(k_f16(blk + 82))),
        _mm512_loadu_ps(xs + 16 * b), mins);
    __m512 sdx = k_sub_scales512(sc, 0, k_f16(blk + 80), xd + 8 * b);
    for (int h = 0; h < 2; ++h) {
      /* Chunks i and i + 1: qs shifted by 2i (lower half), 2i + 2. */
      __m512i q = _mm512_broadcast_i64x4(
          _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * h)));
      for (int i = 0; i < 4; i += 2) {
        __m512i v = _mm512_and_si512(
            _mm512_srlv_epi64(q, _mm512_set_epi64(2 * i + 2, 2 * i + 2,
                                                  2 * i + 2, 2 * i + 2, 2 * i,
                                                  2 * i, 2 * i, 2 * i)),
            m3);
        __m512i p = _mm512_dpbusd_epi32(
            _mm512_setzero_si512(), v,
            _mm512_loadu_si512(xq + b * DSC_QK_K + 128 * h + 32 * i));
        if (i)
          acc1 = k_quads_fma512(p, sdx, 8 * h + 2 * i, acc1);
        else
          acc0 = k_quads_fma512(p, sdx, 8 * h + 2 * i, acc0);
      }
    }
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) -
         _mm512_reduce_add_ps(mins);
}

/* k_q36k_dot's Q3_K in zmm (Q6_K's measured slower): the ymm helper's
 * values, two chunks to a zmm. */
static float k_q3k_dot512(const kq_ctx *c, const uint8_t *row, int64_t s) {
  const uint64_t bb = sizeof(dsc_ggml_block_q3_k);
  int64_t blocks = c->K / DSC_QK_K;
  const int8_t *xq = c->a->q + s * c->K;
  const float *xd = c->a->d + s * (c->K / 32);
  const int32_t *xl = c->xl + s * (c->K / 4);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  const int pf = PREFETCH_ON();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *blk = row + (uint64_t)b * bb;
    if (pf)
      k_prefetch(blk, bb);
    int8_t sc[16];
    float d = k_q36k_scales(blk, 1, sc);
    __m512 sdx = k_sub_scales512((const uint8_t *)sc, 1, d, xd + 8 * b);
    for (int h = 0; h < 2; ++h) {
      __m256i v[4];
      k_q3k_values(blk, h, v);
      for (int i = 0; i < 4; i += 2) {
        int64_t o = b * DSC_QK_K + 128 * h + 32 * i;
        /* Less the offset of 4 times each lane's four activations. */
        __m512i p = _mm512_sub_epi32(
            _mm512_dpbusd_epi32(
                _mm512_setzero_si512(),
                _mm512_inserti64x4(_mm512_castsi256_si512(v[i]), v[i + 1], 1),
                _mm512_loadu_si512(xq + o)),
            _mm512_slli_epi32(_mm512_loadu_si512(xl + o / 4), 2));
        if (i)
          acc1 = k_quads_fma512(p, sdx, 8 * h + 2 * i, acc1);
        else
          acc0 = k_quads_fma512(p, sdx, 8 * h + 2 * i, acc0);
      }
    }
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}
#define K_Q2K_DOT k_q2k_dot512
#define K_Q3K_DOT k_q3k_dot512
#else
#define K_Q2K_DOT k_q2k_dot
#define K_Q3K_DOT k_q3k_dot
#endif

static void k_quant_rows(void *ctx, int64_t begin, int64_t end) {
  const kq_ctx *c = (const kq_ctx *)ctx;
  uint64_t rowBytes =
      (uint64_t)(c->K / DSC_QK_K) * dsc_ggml_block_bytes(c->type);
#ifdef __AVX512VL__
  if (c->type == DSC_GGML_TYPE_Q4_K) {
    k_q4k_rows(c, rowBytes, begin, end);
    return;
  }
#endif
  for (int64_t n = begin; n < end; ++n) {
    const uint8_t *row = c->w + (uint64_t)n * rowBytes;
    for (int64_t s = 0; s < c->S; ++s)
      c->y[s * c->N + n] =
          c->type == DSC_GGML_TYPE_Q4_K   ? k_q4k_dot(c, row, s)
          : c->type == DSC_GGML_TYPE_Q5_K ? k_q5k_dot(c, row, s)
          : c->type == DSC_GGML_TYPE_Q3_K ? K_Q3K_DOT(c, row, s)
          : c->type == DSC_GGML_TYPE_Q2_K ? K_Q2K_DOT(c, row, s)
                                          : k_q6k_dot(c, row, s);
  }
}

static void k_quant_linear(const float *x, const uint8_t *w, float *y,
                           int64_t S, int64_t K, int64_t N, unsigned type) {
  int64_t kb = K / 32;
  qact_t a = qact_alloc(S, K);
  qact_quantize_avx2(x, S, K, a.q, a.d, a.sum);
  /* dx * sum(x) per 32-block (minimums) or per 16 values (Q2_K's), or each
   * lane's four activations summed (offsets). */
  int mins = k_has_mins(type), q2 = type == DSC_GGML_TYPE_Q2_K;
  void *extra = dsc_kernel_alloc(mins ? (uint64_t)S * kb * 4
                                      : (uint64_t)S * (K / (q2 ? 16 : 4)) * 4);
  kq_ctx c = {&a, 0, 0, w, y, S, K, N, type};
  if (q2) {
    float *xs = (float *)extra;
    for (int64_t i = 0; i < S * K; i += 16) {
      int32_t sum = 0;
      for (int j = 0; j < 16; ++j)
        sum += a.q[i + j];
      xs[i / 16] = a.d[i / 32] * (float)sum;
    }
    c.xds = xs;
  } else if (mins) {
    float *xds = (float *)extra;
    for (int64_t i = 0; i < S * kb; ++i)
      xds[i] = a.d[i] * (float)a.sum[i];
    c.xds = xds;
  } else {
    k_lane_sums(a.q, S * K, (int32_t *)extra);
    c.xl = (const int32_t *)extra;
  }
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    k_quant_rows(&c, 0, N);
  else
    dsc_parallel_for(N, k_quant_rows, &c);
  dsc_kernel_free(extra);
  qact_free(a);
}

/* Prompts' rows of these formats go to the int8 prompt GEMM, packed from
 * their blocks (gemm.h's dsc_gemm_q_ggml_k), where it takes them. */
static void k_b32_linear(const float *x, const uint8_t *w, float *y, int64_t S,
                         int64_t K, int64_t N, unsigned type) {
#ifndef DSC_GGML_NO_GEMM
  if (S >= DSC_GEMM_MIN_ROWS && dsc_gemm_q_ggml_k(x, w, y, S, K, N, type))
    return;
#endif
  qact_t a = qact_alloc(S, K);
  qact_quantize_avx2(x, S, K, a.q, a.d, a.sum);
  b32_ctx c = {&a, 0, 0, w, y, S, K, N, type};
  float *xds = 0;
  int32_t *xl = 0;
#if defined(__AVX512BW__) && defined(__AVX512VNNI__)
  if (type == DSC_GGML_TYPE_IQ4_NL || type == DSC_GGML_TYPE_Q5_0) {
    /* Only the rows the one-row loop takes (k_b32_rows: past the fours)
     * read their lane sums. */
    int64_t s0 = S & ~(int64_t)3;
    xl = (int32_t *)dsc_kernel_alloc((uint64_t)S * K);
    k_lane_sums(a.q + s0 * K, (S - s0) * K, xl + s0 * (K / 4));
    c.xl = xl;
  }
#endif
  if (k_has_mins(type)) {
    int64_t kb = K / 32;
    xds = (float *)dsc_kernel_alloc((uint64_t)S * kb * 8);
    for (int64_t i = 0; i < S * kb; ++i) {
      xds[2 * i] = a.d[i];
      xds[2 * i + 1] = a.d[i] * (float)a.sum[i];
    }
    c.xds = xds;
  }
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    k_b32_rows(&c, 0, N);
  else
    dsc_parallel_for(N, k_b32_rows, &c);
  if (xds)
    dsc_kernel_free(xds);
  if (xl)
    dsc_kernel_free(xl);
  qact_free(a);
}

void DSC_UK(linear_ggml)(const float *x, const uint8_t *w, float *y, int64_t S,
                         int64_t K, int64_t N, int64_t type) {
  switch (type) {
  case DSC_GGML_TYPE_IQ4_NL:
  case DSC_GGML_TYPE_Q5_0:
  case DSC_GGML_TYPE_Q4_1:
  case DSC_GGML_TYPE_Q5_1:
  case DSC_GGML_TYPE_IQ4_XS:
    k_b32_linear(x, w, y, S, K, N, (unsigned)type);
    return;
  default:
    break;
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
