/*===- linear_q4_r16_avx2.c - row-interleaved 4-bit weights, AVX2 ----------===*
 *
 * y = x W^T for int4:group=32 weights in row-interleaved 16x32 blocks
 * (dsc/abi/quant_layout.h, DSC_QR16_*), x quantized to int8 per 32 columns
 * as the other integer kernels do. Each 32-bit lane of a block's vectors
 * holds four columns of one row, so vpmaddubsw multiplies eight rows by
 * four activations broadcast from memory, a block's eight products per
 * row sum in int16 (at most 8 * 2 * 15 * 127 = 30480) and one vpmaddwd
 * widens them, and a block's eight sums are scaled by one vector of
 * scales: the 4-row tiles' loop broadcast its activations across 128-bit
 * lanes and permuted its scales per tile, about half again as many
 * vector instructions a byte.
 *
 * Prompts of DSC_GEMM_MIN_ROWS rows or more go to the packed-panel GEMM
 * (gemm_q_x86.h reads these blocks too).
 *
 *===---------------------------------------------------------------------===*/
#include "gemm.h"
#include "prefetch_x86.h"
#include "qact_avx2.h"
#include "quant_tile.h"

#include <immintrin.h>

int dsc_gemm_q4_r16(const float *x, const uint8_t *w, float *y, int64_t S,
                    int64_t K, int64_t N);

typedef struct {
  const int8_t *xq;  /* S x K */
  const float *xd;   /* S x K/32 */
  const int32_t *xs; /* S x K/32: sums of xq per block */
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
} r16_ctx;

DSC_INLINE __m256i bcast4(const int8_t *p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

/* One block: the 16 rows' sums over 32 columns, scaled, into acc[0] (rows
 * 0-7) and acc[1] (rows 8-15). */
DSC_INLINE void r16_block(const uint8_t *blk, const int8_t *xq, int32_t xs,
                          float xd, __m256 acc[2]) {
  const __m256i nib = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  /* Stored values are q + 8: the offset's share, -8 * sum(x). */
  const __m256i off = _mm256_set1_epi32(-8 * xs);
  __m256i xa[4], xb[4];
  for (int v = 0; v < 4; ++v) {
    xa[v] = bcast4(xq + 8 * v);
    xb[v] = bcast4(xq + 8 * v + 4);
  }
  const __m256 dx = _mm256_set1_ps(xd);
  for (int h = 0; h < 2; ++h) {
    __m256i p = _mm256_setzero_si256();
    for (int v = 0; v < 4; ++v) {
      __m256i w = _mm256_loadu_si256(
          (const __m256i *)(blk + DSC_QR16_VALUES_OFFSET + 64 * v + 32 * h));
      p = _mm256_add_epi16(
          p, _mm256_add_epi16(
                 _mm256_maddubs_epi16(_mm256_and_si256(w, nib), xa[v]),
                 _mm256_maddubs_epi16(
                     _mm256_and_si256(_mm256_srli_epi16(w, 4), nib), xb[v])));
    }
    __m256i dot = _mm256_add_epi32(_mm256_madd_epi16(p, ones), off);
    __m256 d = _mm256_mul_ps(
        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + 16 * h))), dx);
    acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), d, acc[h]);
  }
}

/* Bands [begin, end) of 16 rows, each against every row of x (a prompt's
 * few rows read the band from cache after the first). */
static void r16_bands(void *ctx, int64_t begin, int64_t end) {
  const r16_ctx *c = (const r16_ctx *)ctx;
  const int pf = dsc_sw_prefetch_quant();
  int64_t kb = c->K / 32;
  for (int64_t b = begin; b < end; ++b) {
    const uint8_t *band =
        c->w + (uint64_t)b * (uint64_t)kb * DSC_QR16_BLOCK_BYTES;
    for (int64_t s = 0; s < c->S; ++s) {
      const int8_t *xq = c->xq + s * c->K;
      const float *xd = c->xd + s * kb;
      const int32_t *xs = c->xs + s * kb;
      __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
      /* Later rows of a prompt read the band from cache. */
      const int pfs = pf && s == 0;
      const uint8_t *blk = band;
      for (int64_t g = 0; g < kb; ++g, blk += DSC_QR16_BLOCK_BYTES) {
        /* 4 KiB ahead into L2 where it pays (prefetch_x86.h). */
        if (pfs)
          for (int l = 0; l < DSC_QR16_BLOCK_BYTES; l += 64)
            _mm_prefetch((const char *)blk + 4096 + l, _MM_HINT_T1);
        r16_block(blk, xq + 32 * g, xs[g], xd[g], acc);
      }
      float *y = c->y + s * c->N + DSC_QR16_ROWS * b;
      _mm256_storeu_ps(y, acc[0]);
      _mm256_storeu_ps(y + 8, acc[1]);
    }
  }
}

void DSC_UK(linear_q4_r16)(const float *x, const uint8_t *w, float *y,
                           int64_t S, int64_t K, int64_t N) {
  if (S >= DSC_GEMM_MIN_ROWS && dsc_gemm_q4_r16(x, w, y, S, K, N))
    return;
  qact_t a = qact_alloc(S, K);
  qact_quantize_avx2(x, S, K, a.q, a.d, a.sum);
  r16_ctx c = {a.q, a.d, a.sum, w, y, S, K, N};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    r16_bands(&c, 0, N / DSC_QR16_ROWS);
  else
    dsc_parallel_for(N / DSC_QR16_ROWS, r16_bands, &c);
  qact_free(a);
}
