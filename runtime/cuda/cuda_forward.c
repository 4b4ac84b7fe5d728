/*===- cuda_forward.c - the forward pass on the GPU ----------------------===*
 *
 * Runs dsc_cuda_program (dsc/abi/cuda_program.h), the steps the compiler
 * read off the model's forward function, one position at a time: each step
 * calls the host side of a device kernel (dsc_cuda_gemv_q8, ..., generated
 * by dsc-cuda-lower format=host and linked into the executable), which
 * launches it on the one stream of runtime/cuda/driver.c. The weights, the
 * activations, the KV cache and the RoPE tables are in device memory; per
 * position the embedding row goes in and, for positions with logits, the
 * logits (or, greedy, the token id) come back.
 *
 * The weights are copied once: the payload holds them in the CPU's tiled
 * layout (dsc/abi/quant_layout.h), and the GEMV kernels read the plain one
 * (int8 / int4 values signed, row-major; f32 scales [rows, cols / group]),
 * so each is rewritten on the host on the way.
 *
 * The device's KV cache: per layer, keys then values, [position, kv_head,
 * head_dim] (the attention kernel's layout).
 *
 *===---------------------------------------------------------------------===*/
#include "cuda/device.h"
#include "cuda/driver.h"
#include "dsc/abi/cuda_program.h"
#include "dsc/abi/quant_layout.h"
#include "dsc/half.h"
#include "dsc/mathf.h"
#include "dsc/model.h"
#include "exe/io.h"

extern const int64_t dsc_cuda_program[];
extern const char dsc_cuda_program_note[];

typedef dsc_memref1 M;

/* The kernels' host side (targets/cuda/kernels), MLIR's C interface. */
void _mlir_ciface_dsc_cuda_gemv_q8(M *q, M *s, M *x, M *partial, M *y,
                                   int64_t n, int64_t k, int64_t group);
void _mlir_ciface_dsc_cuda_gemv_q4(M *q, M *s, M *x, M *partial, M *y,
                                   int64_t n, int64_t k, int64_t group);
void _mlir_ciface_dsc_cuda_gemv_f32(M *w, M *x, M *partial, M *y, int64_t n,
                                    int64_t k);
void _mlir_ciface_dsc_cuda_gemv_f16(M *w, M *x, M *partial, M *y, int64_t n,
                                    int64_t k);
void _mlir_ciface_dsc_cuda_rms_norm(M *x, M *w, M *y, int64_t rows, int64_t dim,
                                    float eps);
void _mlir_ciface_dsc_cuda_rope(M *x, M *cos, M *sin, int64_t heads,
                                int64_t dim);
void _mlir_ciface_dsc_cuda_attention(M *q, M *kc, M *vc, M *scores, M *out,
                                     int64_t npos, int64_t heads,
                                     int64_t kvheads, int64_t hd, float scale);
void _mlir_ciface_dsc_cuda_add(M *a, M *b, M *y, int64_t n);
void _mlir_ciface_dsc_cuda_swiglu(M *gate, M *up, M *y, int64_t n);
void _mlir_ciface_dsc_cuda_argmax(M *logits, M *pvals, M *pidx, M *out,
                                  int64_t n);

#define MAX_ROPE_TABLES 8

static struct {
  const int64_t *hdr, *bufWidth, *weights, *steps, *pool;
  const uint8_t *blob;  /* the payload's weights, for the embedding rows */
  CUdeviceptr *buf;     /* one per activation buffer */
  CUdeviceptr *wq, *ws; /* per weight: values, and scales when quantized */
  CUdeviceptr partial, scores, cache, pvals, pidx, token;
  int64_t positions, maxWidth, kvDim;
  float *row; /* host staging of an embedding row */
  struct {
    const int64_t *freqs;
    int64_t half;
    CUdeviceptr cos, sin;
  } rope[MAX_ROPE_TABLES];
  int nrope;
  bool active;
} g;

static M mem(CUdeviceptr p, int64_t n) {
  return (M){(void *)(uintptr_t)p, (void *)(uintptr_t)p, 0, n, 1};
}

static int cu_check(void) {
  const char *e = dsc_mgpu_error();
  return e ? dsc_fail("%s", e) : 0;
}

/* Records and prints the failure of cu<Call>; returns 1. */
static int cu_err(const char *call, CUresult rc) {
  dsc_cu_fail(call, rc);
  return cu_check();
}

/* 0 after recording the failure (cu_check prints it). */
static CUdeviceptr dev_alloc(size_t bytes) {
  CUdeviceptr p = 0;
  CUresult rc = dsc_cu.memAlloc(&p, bytes ? bytes : 1);
  if (rc) {
    dsc_cu_fail("memAlloc", rc);
    return 0;
  }
  return p;
}

static int upload(CUdeviceptr *p, const void *src, size_t bytes) {
  CUresult rc;
  if (!(*p = dev_alloc(bytes)))
    return cu_check();
  if ((rc = dsc_cu.memcpyHtoD(*p, src, bytes)))
    return cu_err("memcpyHtoD", rc);
  return 0;
}

/* The value (u - zero) and scale of element (r, c) of a tiled quantized
 * weight (dsc/abi/quant_layout.h); symmetric, so zero is 2^(bits-1). */
static void tiled_q(const int64_t *w, const uint8_t *base, int64_t r, int64_t c,
                    int *q, float *scale) {
  int64_t cols = w[DSC_CPW_COLS], G = w[DSC_CPW_TILE_COLS];
  int bits = w[DSC_CPW_KIND] == DSC_CPK_Q8 ? 8 : 4;
  int64_t ssz = w[DSC_CPW_SCALE_F32] ? 4 : 2;
  int64_t rowBytes = G * bits / 8, tile = 4 * ssz + 4 * rowBytes;
  const uint8_t *t = base + ((r / 4) * (cols / G) + c / G) * tile;
  if (ssz == 4) {
    memcpy(scale, t + 4 * (r % 4), 4);
  } else {
    uint16_t h;
    memcpy(&h, t + 2 * (r % 4), 2);
    *scale = dsc_f16_to_f32(h);
  }
  const uint8_t *v = t + 4 * ssz + (r % 4) * rowBytes;
  int64_t j = c % G;
  unsigned u =
      bits == 8 ? v[j] : dsc_qblock_value(v + (j / 32) * 16, 4, j % 32);
  *q = (int)u - (1 << (bits - 1));
}

/* Element (r, c) of a float weight, row-major or in tiles. */
static float float_at(const int64_t *w, const uint8_t *base, int64_t r,
                      int64_t c) {
  int64_t cols = w[DSC_CPW_COLS], i = r * cols + c;
  int64_t tr = w[DSC_CPW_TILE_ROWS], tc = w[DSC_CPW_TILE_COLS];
  if (tr)
    i = (((r / tr) * (cols / tc) + c / tc) * tr + r % tr) * tc + c % tc;
  if (w[DSC_CPW_KIND] == DSC_CPK_F32) {
    float f;
    memcpy(&f, base + 4 * i, 4);
    return f;
  }
  uint16_t h;
  memcpy(&h, base + 2 * i, 2);
  return dsc_f16_to_f32(h);
}

/* Weight `i` in the GEMVs' plain layout, into device memory. */
static int upload_weight(int64_t i) {
  const int64_t *w = g.weights + i * DSC_CPW_SIZE;
  const uint8_t *base = g.blob + w[DSC_CPW_OFFSET];
  int64_t rows = w[DSC_CPW_ROWS], cols = w[DSC_CPW_COLS];
  int64_t kind = w[DSC_CPW_KIND];
  int rc = 0;
  if (kind == DSC_CPK_F32 || kind == DSC_CPK_F16) {
    size_t esz = kind == DSC_CPK_F32 ? 4 : 2;
    if (!w[DSC_CPW_TILE_ROWS])
      return upload(&g.wq[i], base, (size_t)(rows * cols) * esz);
    uint8_t *plain = malloc((size_t)(rows * cols) * esz);
    if (!plain)
      return dsc_fail("out of memory rewriting the weights for the GPU");
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        float f = float_at(w, base, r, c);
        if (esz == 4) {
          memcpy(plain + 4 * (r * cols + c), &f, 4);
        } else {
          uint16_t h = dsc_f32_to_f16(f); /* exact: it was f16 */
          memcpy(plain + 2 * (r * cols + c), &h, 2);
        }
      }
    rc = upload(&g.wq[i], plain, (size_t)(rows * cols) * esz);
    free(plain);
    return rc;
  }
  int64_t G = w[DSC_CPW_TILE_COLS], groups = cols / G;
  size_t qbytes = kind == DSC_CPK_Q8 ? (size_t)(rows * cols)
                                     : (size_t)(rows * cols + 1) / 2;
  int8_t *q = calloc(qbytes, 1);
  float *s = malloc((size_t)(rows * groups) * 4);
  if (!q || !s) {
    free(q);
    free(s);
    return dsc_fail("out of memory rewriting the weights for the GPU");
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      int v;
      float d;
      tiled_q(w, base, r, c, &v, &d);
      if (c % G == 0)
        s[r * groups + c / G] = d;
      int64_t at = r * cols + c;
      if (kind == DSC_CPK_Q8)
        q[at] = (int8_t)v;
      else
        q[at / 2] |= (int8_t)((v & 15) << (4 * (at % 2)));
    }
  rc = upload(&g.wq[i], q, qbytes) ||
       upload(&g.ws[i], s, (size_t)(rows * groups) * 4);
  free(q);
  free(s);
  return rc;
}

bool dsc_device_forward_active(void) { return g.active; }

int dsc_cuda_forward_start(const uint8_t *blob) {
  const int64_t *h = dsc_cuda_program;
  if (h[DSC_CP_MAGIC] != DSC_CUDA_PROGRAM_MAGIC)
    return dsc_fail("this executable's device program is damaged");
  if (!h[DSC_CP_STEPS]) {
    dsc_eprintf("%s: note: the forward pass runs on the CPU: %s "
                "(docs/cuda.md)\n",
                dsc_prog, dsc_cuda_program_note);
    return 0;
  }
  g.hdr = h;
  g.bufWidth = h + DSC_CP_HEADER_SIZE;
  g.weights = g.bufWidth + h[DSC_CP_BUFFERS];
  g.steps = g.weights + h[DSC_CP_WEIGHTS] * DSC_CPW_SIZE;
  g.pool = g.steps + h[DSC_CP_STEPS] * DSC_CPS_SIZE;
  g.blob = blob;
  g.kvDim = h[DSC_CP_KV_HEADS] * h[DSC_CP_HEAD_DIM];
  int64_t nb = h[DSC_CP_BUFFERS], nw = h[DSC_CP_WEIGHTS];
  g.buf = calloc((size_t)nb, sizeof(CUdeviceptr));
  g.wq = calloc((size_t)nw, sizeof(CUdeviceptr));
  g.ws = calloc((size_t)nw, sizeof(CUdeviceptr));
  if (!g.buf || !g.wq || !g.ws)
    return dsc_fail("out of memory setting up the GPU");
  for (int64_t i = 0; i < nb; ++i) {
    if (g.bufWidth[i] > g.maxWidth)
      g.maxWidth = g.bufWidth[i];
    if (!(g.buf[i] = dev_alloc((size_t)g.bufWidth[i] * 4)))
      return cu_check();
  }
  /* Weights used only by the embedding stay on the host; the rest go. */
  for (int64_t i = 0; i < nw; ++i) {
    bool gemv = false;
    for (int64_t s = 0; s < h[DSC_CP_STEPS]; ++s) {
      const int64_t *st = g.steps + s * DSC_CPS_SIZE;
      if ((st[0] == DSC_OP_LINEAR || st[0] == DSC_OP_RMS_NORM) && st[2] == i)
        gemv = true;
    }
    if (gemv && upload_weight(i))
      return 1;
  }
  g.row = malloc((size_t)g.maxWidth * 4);
  if (!g.row || !(g.partial = dev_alloc((size_t)g.maxWidth * 32 * 4)) ||
      !(g.pvals = dev_alloc(256 * 4)) || !(g.pidx = dev_alloc(256 * 4)) ||
      !(g.token = dev_alloc(4)))
    return g.row ? cu_check() : dsc_fail("out of memory setting up the GPU");
  g.active = true;
  return 0;
}

/* The RoPE table of `freqs` (half of them): cos and sin of every position,
 * as the CPU path's rope_table kernel computes them. */
static int rope_table(const int64_t *freqs, int64_t half, CUdeviceptr *cs,
                      CUdeviceptr *sn) {
  for (int i = 0; i < g.nrope; ++i)
    if (g.rope[i].half == half &&
        !memcmp(g.rope[i].freqs, freqs, (size_t)half * 8)) {
      *cs = g.rope[i].cos;
      *sn = g.rope[i].sin;
      return 0;
    }
  if (g.nrope == MAX_ROPE_TABLES)
    return dsc_fail("the model has more than %d RoPE frequency sets",
                    MAX_ROPE_TABLES);
  size_t n = (size_t)(g.positions * half);
  float *c = malloc(n * 4), *s = malloc(n * 4);
  if (!c || !s) {
    free(c);
    free(s);
    return dsc_fail("out of memory for the RoPE tables");
  }
  for (int64_t p = 0; p < g.positions; ++p)
    for (int64_t i = 0; i < half; ++i) {
      float angle = (float)p * dsc_bits_f32((uint32_t)freqs[i]);
      double dsn, dcs;
      dsc_sincos((double)angle, &dsn, &dcs);
      c[p * half + i] = (float)dcs;
      s[p * half + i] = (float)dsn;
    }
  int rc = upload(cs, c, n * 4) || upload(sn, s, n * 4);
  free(c);
  free(s);
  if (rc)
    return 1;
  g.rope[g.nrope].freqs = freqs;
  g.rope[g.nrope].half = half;
  g.rope[g.nrope].cos = *cs;
  g.rope[g.nrope++].sin = *sn;
  return 0;
}

int dsc_device_reserve(int64_t positions) {
  if (!g.active)
    return 0;
  /* A second reservation replaces the first (the tables are per position). */
  if (g.cache) {
    dsc_cu.memFree(g.cache);
    dsc_cu.memFree(g.scores);
    for (int i = 0; i < g.nrope; ++i) {
      dsc_cu.memFree(g.rope[i].cos);
      dsc_cu.memFree(g.rope[i].sin);
    }
    g.cache = g.scores = 0;
    g.nrope = 0;
  }
  g.positions = positions;
  size_t cacheBytes =
      (size_t)(g.hdr[DSC_CP_LAYERS] * 2 * positions * g.kvDim) * 4;
  int64_t heads = 0;
  for (int64_t s = 0; s < g.hdr[DSC_CP_STEPS]; ++s) {
    const int64_t *st = g.steps + s * DSC_CPS_SIZE;
    if (st[0] == DSC_OP_ATTENTION && st[6] > heads)
      heads = st[6];
    CUdeviceptr c, sn;
    if (st[0] == DSC_OP_ROPE && rope_table(g.pool + st[3], st[2] / 2, &c, &sn))
      return 1;
  }
  if (!(g.cache = dev_alloc(cacheBytes)) ||
      !(g.scores = dev_alloc((size_t)(heads * positions) * 4)))
    return cu_check();
  return 0;
}

static float f64_at(int64_t bitsWord) {
  double d;
  memcpy(&d, &bitsWord, 8);
  return (float)d;
}

static int embed(const int64_t *w, int32_t token, CUdeviceptr out) {
  int64_t cols = w[DSC_CPW_COLS];
  const uint8_t *base = g.blob + w[DSC_CPW_OFFSET];
  if (token < 0 || token >= w[DSC_CPW_ROWS])
    return dsc_fail("token %d is outside the vocabulary", token);
  for (int64_t c = 0; c < cols; ++c) {
    if (w[DSC_CPW_KIND] == DSC_CPK_F32 || w[DSC_CPW_KIND] == DSC_CPK_F16) {
      g.row[c] = float_at(w, base, token, c);
    } else {
      int q;
      float d;
      tiled_q(w, base, token, c, &q, &d);
      g.row[c] = (float)q * d;
    }
  }
  CUresult rc =
      dsc_cu.memcpyHtoDAsync(out, g.row, (size_t)cols * 4, dsc_cu_stream());
  return rc ? cu_err("memcpyHtoDAsync", rc) : 0;
}

static void linear(const int64_t *st) {
  const int64_t *w = g.weights + st[2] * DSC_CPW_SIZE;
  int64_t n = w[DSC_CPW_ROWS], k = w[DSC_CPW_COLS];
  M x = mem(g.buf[st[1]], k), y = mem(g.buf[st[3]], n);
  M part = mem(g.partial, n * 32), q = mem(g.wq[st[2]], n * k);
  M s = mem(g.ws[st[2]],
            n * (k / (w[DSC_CPW_TILE_COLS] ? w[DSC_CPW_TILE_COLS] : k)));
  switch (w[DSC_CPW_KIND]) {
  case DSC_CPK_F32:
    _mlir_ciface_dsc_cuda_gemv_f32(&q, &x, &part, &y, n, k);
    break;
  case DSC_CPK_F16:
    _mlir_ciface_dsc_cuda_gemv_f16(&q, &x, &part, &y, n, k);
    break;
  case DSC_CPK_Q8:
    _mlir_ciface_dsc_cuda_gemv_q8(&q, &s, &x, &part, &y, n, k,
                                  w[DSC_CPW_TILE_COLS]);
    break;
  default:
    _mlir_ciface_dsc_cuda_gemv_q4(&q, &s, &x, &part, &y, n, k,
                                  w[DSC_CPW_TILE_COLS]);
  }
}

/* Steps [from, to) at position pos. */
static int run_steps(int64_t from, int64_t to, int32_t token, int64_t pos) {
  CUhandle stream = dsc_cu_stream();
  for (int64_t i = from; i < to; ++i) {
    const int64_t *st = g.steps + i * DSC_CPS_SIZE;
    const int64_t *bw = g.bufWidth;
    CUresult rc = 0;
    switch (st[0]) {
    case DSC_OP_EMBED:
      if (embed(g.weights + st[1] * DSC_CPW_SIZE, token, g.buf[st[2]]))
        return 1;
      break;
    case DSC_OP_RMS_NORM: {
      M x = mem(g.buf[st[1]], bw[st[1]]), w = mem(g.wq[st[2]], bw[st[1]]),
        y = mem(g.buf[st[3]], bw[st[3]]);
      _mlir_ciface_dsc_cuda_rms_norm(&x, &w, &y, 1, bw[st[1]], f64_at(st[4]));
      break;
    }
    case DSC_OP_LINEAR:
      linear(st);
      break;
    case DSC_OP_ROPE: {
      int64_t half = st[2] / 2;
      CUdeviceptr c, s;
      if (rope_table(g.pool + st[3], half, &c, &s))
        return 1;
      M x = mem(g.buf[st[1]], bw[st[1]]), cm = mem(c + pos * half * 4, half),
        sm = mem(s + pos * half * 4, half);
      _mlir_ciface_dsc_cuda_rope(&x, &cm, &sm, bw[st[1]] / st[2], st[2]);
      break;
    }
    case DSC_OP_ATTENTION: {
      int64_t kv = g.kvDim, layer = st[5];
      CUdeviceptr kc = g.cache + (size_t)(layer * 2 * g.positions * kv) * 4;
      CUdeviceptr vc = kc + (size_t)(g.positions * kv) * 4;
      /* This position's key and value into the cache. */
      if ((rc = dsc_cu.memcpyDtoDAsync(kc + (size_t)(pos * kv) * 4,
                                       g.buf[st[2]], (size_t)kv * 4, stream)) ||
          (rc = dsc_cu.memcpyDtoDAsync(vc + (size_t)(pos * kv) * 4,
                                       g.buf[st[3]], (size_t)kv * 4, stream)))
        return cu_err("memcpyDtoDAsync", rc);
      int64_t heads = st[6];
      M q = mem(g.buf[st[1]], bw[st[1]]), k = mem(kc, (pos + 1) * kv),
        v = mem(vc, (pos + 1) * kv), sc = mem(g.scores, heads * (pos + 1)),
        o = mem(g.buf[st[4]], bw[st[4]]);
      _mlir_ciface_dsc_cuda_attention(&q, &k, &v, &sc, &o, pos + 1, heads,
                                      g.hdr[DSC_CP_KV_HEADS],
                                      g.hdr[DSC_CP_HEAD_DIM], f64_at(st[7]));
      break;
    }
    case DSC_OP_ADD:
    case DSC_OP_SWIGLU: {
      M a = mem(g.buf[st[1]], bw[st[1]]), b = mem(g.buf[st[2]], bw[st[2]]),
        y = mem(g.buf[st[3]], bw[st[3]]);
      (st[0] == DSC_OP_ADD
           ? _mlir_ciface_dsc_cuda_add
           : _mlir_ciface_dsc_cuda_swiglu)(&a, &b, &y, bw[st[3]]);
      break;
    }
    case DSC_OP_COPY:
      if ((rc = dsc_cu.memcpyDtoDAsync(g.buf[st[2]], g.buf[st[1]],
                                       (size_t)bw[st[1]] * 4, stream)))
        return cu_err("memcpyDtoDAsync", rc);
      break;
    default:
      return dsc_fail("this executable's device program has an unknown "
                      "step %lld",
                      (long long)st[0]);
    }
    if (dsc_mgpu_error())
      return cu_check();
  }
  return 0;
}

int dsc_device_forward(const int32_t *tokens, int64_t n, int64_t pos,
                       int64_t n_out, float *logits, int32_t *greedy) {
  int64_t nsteps = g.hdr[DSC_CP_STEPS], head = g.hdr[DSC_CP_HEAD];
  int64_t lb = g.hdr[DSC_CP_LOGITS], vocab = g.bufWidth[lb];
  if (pos + n > g.positions)
    return dsc_fail("position %lld is past the %lld the GPU's KV cache holds",
                    (long long)(pos + n - 1), (long long)g.positions);
  for (int64_t i = 0; i < n; ++i) {
    bool out = i >= n - n_out;
    if (run_steps(0, head, tokens[i], pos + i) ||
        (out && run_steps(head, nsteps, tokens[i], pos + i)))
      return 1;
    if (!out)
      continue;
    CUresult rc;
    if (greedy) {
      M l = mem(g.buf[lb], vocab), pv = mem(g.pvals, 256),
        pi = mem(g.pidx, 256), t = mem(g.token, 1);
      _mlir_ciface_dsc_cuda_argmax(&l, &pv, &pi, &t, vocab);
      if (cu_check())
        return 1;
      if ((rc = dsc_cu.memcpyDtoHAsync(greedy, g.token, 4, dsc_cu_stream())))
        return cu_err("memcpyDtoHAsync", rc);
    } else if ((rc = dsc_cu.memcpyDtoHAsync(logits + (i - (n - n_out)) * vocab,
                                            g.buf[lb], (size_t)vocab * 4,
                                            dsc_cu_stream()))) {
      return cu_err("memcpyDtoHAsync", rc);
    }
  }
  CUresult rc = dsc_cu.streamSynchronize(dsc_cu_stream());
  return rc ? cu_err("streamSynchronize", rc) : cu_check();
}
