/*===- gemm_q_avx2.c - prompt rows x quantized weights, vpmaddubsw --------===*
 *
 * The packed-panel GEMM of gemm_q_x86.h with AVX2: micro-tiles of 4 rows by
 * 16 columns (two ymm; the tile walks the panel's two pairs of column
 * vectors in turn, and a panel's lone last vector by itself), vpmaddubsw
 * of activations broadcast four at a time with weights, widened by
 * vpmaddwd.
 *
 * 2- to 4-bit weights (|u - zero| <= 15) multiply the unsigned activations
 * (offset by 128): a product pair is at most 2 * 255 * 15 and four of them
 * 30600, so four groups of four k are summed in 16 bits before vpmaddwd.
 * Wider weights would overflow those sums (5 and 6 bits: |u - zero| up to
 * 31 and 63) or saturate the pairs themselves (8 bits: 2 * 255 * 127), so
 * for them the activations stay signed (no offset) and the sign moves onto
 * them: vpmaddubsw(|w|, sign(x, w)), whose pairs are at most 2 * 128 * 127
 * = 32512, each widened at once (the matrix-vector kernel's trick,
 * linear_q8_avx2.c; asymmetric 8-bit weights go in as u - 128, whose -128
 * vpabsb gives as 128 unsigned).
 *
 * Built with AVX-VNNI (x86_64-avxvnni: Alder Lake and later cores without
 * AVX-512), vpdpbusd takes both widths instead: four u8 x s8 products
 * summed into each int32 lane in one instruction, exactly, so the
 * activations are offset by 128 at every width (the panel's column
 * terms undo it) and neither needs a 16-bit stage or the sign trick.
 *
 *===---------------------------------------------------------------------===*/
#define MR 4
#ifdef __AVXVNNI__
#define SUM_BYTES4(v)                                                          \
  _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1), v)
#else
#define SUM_BYTES4(v)                                                          \
  _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), v),             \
                    _mm256_set1_epi16(1))
#endif
#define GEMM_TAKES(bits, flags) (((bits) >= 2 && (bits) <= 6) || (bits) == 8)
#ifdef __AVXVNNI__
#define X_OFFSET(bits) 128
#else
#define X_OFFSET(bits) ((bits) >= 5 ? 0 : 128)
#endif
/* And the row-interleaved int4 blocks (linear_q4_r16_avx2.c). */
#define DSC_GEMM_R16 1
#include "gemm_q_x86.h"

#ifndef __AVXVNNI__
/* One block of 32 k for MR rows by nv (1 or 2, a constant where inlined)
 * 8-column vectors of the packed block pb into the int32 sums a[i][v].
 * Two vectors let each activation broadcast feed both: on Zen 3 a
 * broadcast from memory takes a slot of the vector pipes as the products
 * do, and the 8-bit loop is bound by those slots (21 per four k of four
 * rows with one vector, 38 with two; llvm-mca -mcpu=znver3: 22.7 against
 * 25.7 products a cycle). In the executables (TinyLlama, 128-token prompt,
 * Zen 3) prompts ran 25-30% faster on one and two threads, int8:channel
 * and int4:group=32 alike; the kernels alone, built as C outside dsc, 6%
 * (8 bits) and not measurably (4 bits). */
DSC_INLINE void block4(const uint8_t *pb, const int32_t *x, const int mr,
                       const int nv, int q0, int q1, __m256i (*a)[2]) {
  const __m256i ones = _mm256_set1_epi16(1);
  for (int h = q0 / 4; h < q1 / 4; ++h) {
    __m256i p[MR][2];
    for (int i = 0; i < mr; ++i)
      for (int v = 0; v < nv; ++v)
        p[i][v] = _mm256_setzero_si256();
    for (int q = 4 * h; q < 4 * h + 4; ++q) {
      __m256i w[2];
      for (int v = 0; v < nv; ++v)
        w[v] = _mm256_loadu_si256((const __m256i *)(pb + q * 128 + 32 * v));
      for (int i = 0; i < mr; ++i) {
        __m256i xb = _mm256_set1_epi32(x[q * MR + i]);
        for (int v = 0; v < nv; ++v)
          p[i][v] = _mm256_add_epi16(p[i][v], _mm256_maddubs_epi16(xb, w[v]));
      }
    }
    for (int i = 0; i < mr; ++i)
      for (int v = 0; v < nv; ++v)
        a[i][v] = _mm256_add_epi32(a[i][v], _mm256_madd_epi16(p[i][v], ones));
  }
}

DSC_INLINE void block8(const uint8_t *pb, const int32_t *x, const int mr,
                       const int nv, int q0, int q1, __m256i (*a)[2]) {
  const __m256i ones = _mm256_set1_epi16(1);
  for (int q = q0; q < q1; ++q) {
    __m256i w[2], aw[2];
    for (int v = 0; v < nv; ++v) {
      w[v] = _mm256_loadu_si256((const __m256i *)(pb + q * 128 + 32 * v));
      aw[v] = _mm256_abs_epi8(w[v]);
    }
    for (int i = 0; i < mr; ++i) {
      __m256i xb = _mm256_set1_epi32(x[q * MR + i]);
      for (int v = 0; v < nv; ++v)
        a[i][v] = _mm256_add_epi32(
            a[i][v],
            _mm256_madd_epi16(
                _mm256_maddubs_epi16(aw[v], _mm256_sign_epi8(xb, w[v])), ones));
    }
  }
}

#else
/* Both widths with AVX-VNNI: the offset activations (u8) times the signed
 * weights, a vpdpbusd per broadcast and column vector. */
DSC_INLINE void block_vnni(const uint8_t *pb, const int32_t *x, const int mr,
                           const int nv, int q0, int q1, __m256i (*a)[2]) {
  for (int q = q0; q < q1; ++q) {
    __m256i w[2];
    for (int v = 0; v < nv; ++v)
      w[v] = _mm256_loadu_si256((const __m256i *)(pb + q * 128 + 32 * v));
    for (int i = 0; i < mr; ++i) {
      __m256i xb = _mm256_set1_epi32(x[q * MR + i]);
      for (int v = 0; v < nv; ++v)
        a[i][v] = _mm256_dpbusd_avx_epi32(a[i][v], xb, w[v]);
    }
  }
}
#endif

/* Quads q0 .. q1 - 1 (0-4, 4-8 or 0-8) of a packed block into a, the
 * column terms at `off` first, then f += a times the column scales at
 * `soff` and the rows' activation scales. */
__attribute__((always_inline)) static inline void
quads(const gq_ctx *c, const uint8_t *pb, const int32_t *x, const float *xd,
      const int mr, const int nv, int q0, int q1, int off, int soff,
      __m256 (*f)[2]) {
  __m256i a[MR][2], t[2];
  __m256 d[2];
  for (int v = 0; v < nv; ++v) {
    t[v] = _mm256_loadu_si256((const __m256i *)(pb + off + 32 * v));
    d[v] = _mm256_loadu_ps((const float *)(pb + soff + 32 * v));
  }
  for (int i = 0; i < mr; ++i)
    for (int v = 0; v < nv; ++v)
      a[i][v] = t[v];
#ifdef __AVXVNNI__
  (void)c;
  block_vnni(pb, x, mr, nv, q0, q1, a);
#else
  if (c->t.bits >= 5)
    block8(pb, x, mr, nv, q0, q1, a);
  else
    block4(pb, x, mr, nv, q0, q1, a);
#endif
  for (int i = 0; i < mr; ++i) {
    __m256 s = _mm256_set1_ps(xd[i]);
    for (int v = 0; v < nv; ++v)
      f[i][v] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(a[i][v]),
                                _mm256_mul_ps(d[v], s), f[i][v]);
  }
}

/* f -= the column minimums at `moff` times each row's activation sum. */
__attribute__((always_inline)) static inline void
sub_mins(const uint8_t *pb, int moff, const float *xs, const int mr,
         const int nv, __m256 (*f)[2]) {
  __m256 m[2];
  for (int v = 0; v < nv; ++v)
    m[v] = _mm256_loadu_ps((const float *)(pb + moff + 32 * v));
  for (int i = 0; i < mr; ++i) {
    __m256 s = _mm256_set1_ps(xs[i]);
    for (int v = 0; v < nv; ++v)
      f[i][v] = _mm256_fnmadd_ps(m[v], s, f[i][v]);
  }
}

/* Column vectors jv .. jv + nv - 1 (the last with 4 or 8 columns) for the
 * rows of tile rt, the blocks scaled as `mode` says (every mode but
 * GQ_CHAN's own: a per-channel block is scaled as any other, and
 * asymmetric 8-bit channels take GQ_MINS). */
__attribute__((always_inline)) static inline void
micro_vecs(const gq_ctx *c, const uint8_t *panel, int64_t rt, const int mr,
           int64_t n0, int nc, int jv, const int nv, int64_t blk0, int64_t nblk,
           int first, const int mode) {
  int64_t kb = c->K / 32;
  /* nc is a multiple of 4: a column vector is whole or half. */
  __m256i mask[2];
  for (int v = 0; v < nv; ++v)
    mask[v] = nc - 8 * (jv + v) >= 8
                  ? _mm256_set1_epi32(-1)
                  : _mm256_set_epi32(0, 0, 0, 0, -1, -1, -1, -1);
  float *y = c->y + rt * MR * c->N + n0 + 8 * jv;
  __m256 f[MR][2];
  for (int i = 0; i < mr; ++i)
    for (int v = 0; v < nv; ++v)
      f[i][v] = first ? _mm256_setzero_ps()
                      : _mm256_maskload_ps(y + i * c->N + 8 * v, mask[v]);
  const int32_t *x = c->xp + (rt * kb + blk0) * 8 * MR;
  const float *xd = c->xd + (rt * kb + blk0) * MR;
  const float *xs =
      GQ_XS(mode) ? c->xs + (rt * kb + blk0) * GQ_XS(mode) * MR : 0;
  const int stride = GQ_STRIDE(mode);
  const uint8_t *pb = panel + blk0 * stride + 32 * jv;
  for (int64_t b = 0; b < nblk; ++b, pb += stride, x += 8 * MR, xd += MR) {
    if (mode == GQ_HALVES || mode == GQ_HMINS) {
      quads(c, pb, x, xd, mr, nv, 0, 4, PB_SUMS, PB_SCALES, f);
      quads(c, pb, x, xd, mr, nv, 4, 8, PB_SUMS2, PB_SCALES2, f);
      if (mode == GQ_HMINS) {
        sub_mins(pb, PB_MINS1, xs, mr, nv, f);
        sub_mins(pb, PB_MINS2, xs + MR, mr, nv, f);
        xs += 2 * MR;
      }
      continue;
    }
    quads(c, pb, x, xd, mr, nv, 0, 8, PB_SUMS, PB_SCALES, f);
    if (mode == GQ_MINS) {
      sub_mins(pb, PB_MINS, xs, mr, nv, f);
      xs += MR;
    }
  }
  for (int i = 0; i < mr; ++i)
    for (int v = 0; v < nv; ++v)
      _mm256_maskstore_ps(y + i * c->N + 8 * v, mask[v], f[i][v]);
}

/* The panel's column vectors two at a time, a lone last one by itself. */
__attribute__((always_inline)) static inline void
micro_tile(const gq_ctx *c, const uint8_t *panel, int64_t rt, const int mr,
           int64_t n0, int nc, int64_t blk0, int64_t nblk, int first, int last,
           const int mode) {
  (void)last;
  for (int jv = 0; jv < 4 && 8 * jv < nc; jv += 2) {
    if (8 * (jv + 1) < nc)
      micro_vecs(c, panel, rt, mr, n0, nc, jv, 2, blk0, nblk, first, mode);
    else
      micro_vecs(c, panel, rt, mr, n0, nc, jv, 1, blk0, nblk, first, mode);
  }
}
