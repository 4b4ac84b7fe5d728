/*===- linear_tiled.h - y = x W^T with W packed in 4x16 tiles -----*- C -*-===*
 *
 * dsc-weights-pack stores a linear weight [N, K] as tiles of 4 rows by 16
 * columns, tile (b, t) at (b * K/16 + t) * 64 elements, row-major inside:
 * decoding then reads the weights as one sequential stream, which the
 * hardware prefetcher follows at full speed, instead of four short ones.
 *
 * The including file defines the vector type and operations:
 *   VEC, V (lanes), VZERO(), VLOADX(p) (V floats), VLOADW(p) (V weights as
 *   floats), VFMA(a, b, acc), VHSUM(v), PREFETCH_ON() (whether to
 *   prefetch, asked once a loop), PREFETCH(p), WTYPE, KNAME, KCTX, KROWS.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"
#ifdef GEMM_KIND
#include "gemm.h"
#endif

#define NV (16 / V)
#ifndef XROWS
#define XROWS 1
#endif

typedef struct {
  const float *x;
  const WTYPE *w;
  float *y;
  int64_t S, K, N;
} KCTX;

/* Four dot products of one row of x with one block of four W rows. */
DSC_INLINE void block_dot(const float *x, const WTYPE *p, int64_t K,
                          float out[4]) {
  VEC acc[4][NV];
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < NV; ++j)
      acc[r][j] = VZERO();
  const int pf = PREFETCH_ON();
  for (int64_t kt = 0; kt < K; kt += 16, p += 64) {
    if (pf)
      PREFETCH(p + 512);
    for (int j = 0; j < NV; ++j) {
      VEC xv = VLOADX(x + kt + j * V);
      for (int r = 0; r < 4; ++r)
        acc[r][j] = VFMA(VLOADW(p + r * 16 + j * V), xv, acc[r][j]);
    }
  }
  for (int r = 0; r < 4; ++r) {
    VEC s = acc[r][0];
    for (int j = 1; j < NV; ++j)
      s = VADD(s, acc[r][j]);
    out[r] = VHSUM(s);
  }
}

#if XROWS == 2
/* Prompts: two rows of x share each weight load (ISAs with 32 registers). */
DSC_INLINE void block_dot2(const float *x0, const float *x1, const WTYPE *p,
                           int64_t K, float out0[4], float out1[4]) {
  VEC a[4][NV], b[4][NV];
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < NV; ++j)
      a[r][j] = b[r][j] = VZERO();
  for (int64_t kt = 0; kt < K; kt += 16, p += 64)
    for (int j = 0; j < NV; ++j) {
      VEC u = VLOADX(x0 + kt + j * V), v = VLOADX(x1 + kt + j * V);
      for (int r = 0; r < 4; ++r) {
        VEC w = VLOADW(p + r * 16 + j * V);
        a[r][j] = VFMA(w, u, a[r][j]);
        b[r][j] = VFMA(w, v, b[r][j]);
      }
    }
  for (int r = 0; r < 4; ++r) {
    VEC sa = a[r][0], sb = b[r][0];
    for (int j = 1; j < NV; ++j) {
      sa = VADD(sa, a[r][j]);
      sb = VADD(sb, b[r][j]);
    }
    out0[r] = VHSUM(sa);
    out1[r] = VHSUM(sb);
  }
}
#endif

static void KROWS(void *ctx, int64_t begin, int64_t end) {
  const KCTX *c = (const KCTX *)ctx;
  for (int64_t b = begin; b < end; ++b) {
    const WTYPE *blk = c->w + b * 4 * c->K;
    int64_t s = 0;
#if XROWS == 2
    for (; s + 2 <= c->S; s += 2) {
      float o0[4], o1[4];
      block_dot2(c->x + s * c->K, c->x + (s + 1) * c->K, blk, c->K, o0, o1);
      for (int r = 0; r < 4; ++r) {
        c->y[s * c->N + 4 * b + r] = o0[r];
        c->y[(s + 1) * c->N + 4 * b + r] = o1[r];
      }
    }
#endif
    for (; s < c->S; ++s) {
      float out[4];
      block_dot(c->x + s * c->K, blk, c->K, out);
      for (int r = 0; r < 4; ++r)
        c->y[s * c->N + 4 * b + r] = out[r];
    }
  }
}

/* K is a multiple of 16 and N of 4 (the packing pass checks). */
void KNAME(const float *x, const WTYPE *w, float *y, int64_t S, int64_t K,
           int64_t N) {
#ifdef GEMM_KIND
  /* Prompts: the ISA's GEMM kernel (GEMM_KIND names the weight type). */
  if (S >= DSC_GEMM_MIN_ROWS) {
    dsc_gemm_f_t4x16(x, w, y, S, K, N, GEMM_KIND);
    return;
  }
#endif
  KCTX c = {x, w, y, S, K, N};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    KROWS(&c, 0, N / 4);
  else
    dsc_parallel_for(N / 4, KROWS, &c);
}
