/*===- cuda_forward.c - the forward pass on the GPU ----------------------===*
 *
 * Sets up and runs the device's forward pass, which the compiler wrote as
 * code (dsc/abi/cuda_program.h): dsc_cuda_launch_body and
 * dsc_cuda_launch_head launch the device kernels with every shape and
 * kernel choice a constant; this file allocates what they read (the frame:
 * activation buffers, weights, KV cache, RoPE tables, `io`) from the
 * program's header, buffers, weights and tables, and calls them over a
 * block of positions at a time: a prompt in blocks of up to DSC_CUDA_BLOCK
 * positions, decode one position. A block's linear layers are matmuls that
 * read each weight once for all its positions (one position: the GEMVs),
 * its attention is causal within the block. Per block its first position
 * and token ids go in (`io`, which the kernels read: nothing else of a
 * launch depends on the position) and, for positions with logits, the
 * logits (or, greedy or sampled on the device, the token id) come back.
 * Sampling on the device (sample.mlir) reads its settings and the coin the
 * host drew for the token from `io` too.
 *
 * Because no launch depends on the position, a decode step is captured
 * once as a CUDA graph (one for logits, one for greedy decoding, ending in
 * the argmax, one for sampling, ending in the draw) and replayed for every
 * token: one launch from the host instead of about 11 a layer.
 * DSC_CUDA_GRAPH=0, or a driver without graphs, launches each kernel
 * instead.
 *
 * The weights are copied once, from the payload as they are: the compiler
 * stores the weights of a forward pass on the device in the layout the
 * kernels read (row-major floats; quantized, quant_layout.h's plain layout:
 * int8 / int4 values signed, row-major, then the scales [rows, cols /
 * group]), and compiles the kernels to read the scales' stored type
 * (DSC_CP_SCALES_F16). Only a model that mixes f16 and f32 scales has its
 * f16 scales widened to f32 on the way.
 *
 * The device's KV cache is laid out as the CPU's (dsc/abi/kv_cache.h): per
 * layer, keys then values, [kv_head, position, head_dim].
 *
 *===---------------------------------------------------------------------===*/
#include "cuda/device.h"
#include "cuda/driver.h"
#include "dsc/abi/cuda_program.h"
#include "dsc/abi/kv_cache.h"
#include "dsc/abi/quant_layout.h"
#include "dsc/half.h"
#include "dsc/mathf.h"
#include "dsc/model.h"
#include "dsc/parallel.h"
#include "dsc/sys.h"
#include "exe/io.h"

#include <stdlib.h>
#include <string.h>

extern const int64_t dsc_cuda_program[];
extern const char dsc_cuda_program_note[];

typedef dsc_memref1 M;

/* The kernels the runtime launches itself (targets/cuda/kernels), MLIR's C
 * interface: the next token's pick. */
void _mlir_ciface_dsc_cuda_argmax(M *logits, M *pvals, M *pidx, M *out,
                                  int64_t n);
void _mlir_ciface_dsc_cuda_sample(M *logits, M *params, M *vals, M *idx, M *cnt,
                                  M *stat, M *out, int64_t n);

/* sample.mlir's scratch: 273 candidate lists of up to 64, and 512 floats. */
#define SAMPLE_LISTS 273
#define SAMPLE_STATS 512
_Static_assert(DSC_DEVICE_TOP_K == 64, "sample.mlir's lists hold 64");

/* What `io` holds (device memory): a block's first position, its tokens
 * (the argmax or the draw writes the next token over the first), and the
 * sampling settings with the token's coin. */
typedef struct {
  int64_t at;
  int32_t tokens[DSC_CUDA_BLOCK];
  dsc_device_sampling sampling;
} io_block;
#define IO_SAMPLING (DSC_CIO_TOKENS + 4 * DSC_CUDA_BLOCK)
_Static_assert(offsetof(io_block, at) == DSC_CIO_AT &&
                   offsetof(io_block, tokens) == DSC_CIO_TOKENS &&
                   offsetof(io_block, sampling) == IO_SAMPLING,
               "the kernels read io_block's fields at these offsets");
_Static_assert(sizeof(dsc_cuda_frame) == DSC_CF_SIZE * 8 &&
                   offsetof(dsc_cuda_frame, buf) == DSC_CF_BUF * 8 &&
                   offsetof(dsc_cuda_frame, wq) == DSC_CF_WQ * 8 &&
                   offsetof(dsc_cuda_frame, ws) == DSC_CF_WS * 8 &&
                   offsetof(dsc_cuda_frame, rope) == DSC_CF_ROPE * 8 &&
                   offsetof(dsc_cuda_frame, io) == DSC_CF_IO * 8 &&
                   offsetof(dsc_cuda_frame, cache) == DSC_CF_CACHE * 8 &&
                   offsetof(dsc_cuda_frame, scores) == DSC_CF_SCORES * 8 &&
                   offsetof(dsc_cuda_frame, part) == DSC_CF_PART * 8 &&
                   offsetof(dsc_cuda_frame, positions) == DSC_CF_POSITIONS * 8,
               "the launch sequence reads the frame's words at DSC_CF_*");

static struct {
  const int64_t *hdr, *bufWidth, *weights, *ropes, *pool;
  const uint8_t *blob;     /* the payload's weights */
  uint64_t *buf;           /* one per activation buffer */
  uint64_t *wq, *ws;       /* per weight: values, and scales when quantized */
  uint64_t *rope;          /* per RoPE table: cos, sin */
  dsc_cuda_frame frame;    /* what the launch sequence reads */
  CUdeviceptr pvals, pidx; /* argmax */
  CUdeviceptr svals, sidx, scnt, sstat; /* sampling */
  /* The decode step's executable graphs: logits, greedy, sampled. */
  CUhandle graph[3];
  bool noGraph;
  /* DSC_CUDA_PROFILE=1: each decode step's kernels one by one, the stream
   * synchronized after each step, the host's time per step kind (below). */
  bool profile, profiling; /* profiling: a decode position now */
  double lastDone;         /* when the last step was done, profiling */
  uint64_t lastLaunches;   /* the kernels launched by then */
  int64_t decoded; /* decode positions run (the first loads the kernels) */
  bool active;
} g;

static M mem(CUdeviceptr p, int64_t n) {
  return (M){(void *)(uintptr_t)p, (void *)(uintptr_t)p, 0, n, 1};
}

/* Row r of activation buffer b (rows of its width, one per position). */
static CUdeviceptr row_of(int64_t b, int64_t r) {
  return g.buf[b] + (CUdeviceptr)(r * g.bufWidth[b] * 4);
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

static int upload(uint64_t *p, const void *src, size_t bytes) {
  CUresult rc;
  if (!(*p = dev_alloc(bytes)))
    return cu_check();
  if ((rc = dsc_cu.memcpyHtoD(*p, src, bytes)))
    return cu_err("memcpyHtoD", rc);
  return 0;
}

/* Weight `i` into device memory: the payload holds it as the kernels read
 * it (dsc/abi/cuda_program.h), so its values and scales go as they are;
 * only where the kernels read f32 scales (a model with some f32 scales)
 * are f16 scales widened, split by rows over the executable's threads. */
typedef struct {
  const uint16_t *h;
  float *f;
  int64_t per; /* scales a row */
} widen;

static void widen_rows(void *ctx, int64_t r0, int64_t r1) {
  const widen *wd = ctx;
  for (int64_t i = r0 * wd->per; i < r1 * wd->per; ++i) {
    uint16_t h;
    memcpy(&h, wd->h + i, 2); /* the payload's scales are 2-byte aligned */
    wd->f[i] = dsc_f16_to_f32(h);
  }
}

static int upload_weight(int64_t i) {
  const int64_t *w = g.weights + i * DSC_CPW_SIZE;
  const uint8_t *base = g.blob + w[DSC_CPW_OFFSET];
  int64_t rows = w[DSC_CPW_ROWS], cols = w[DSC_CPW_COLS];
  int64_t kind = w[DSC_CPW_KIND];
  if (kind == DSC_CPK_F32 || kind == DSC_CPK_F16)
    return upload(&g.wq[i], base,
                  (size_t)(rows * cols) * (kind == DSC_CPK_F32 ? 4 : 2));
  int64_t groups = cols / w[DSC_CPW_GROUP];
  size_t qbytes =
      (size_t)rows * (kind == DSC_CPK_Q8 ? (size_t)cols : (size_t)cols / 2);
  const uint8_t *sc =
      base + dsc_qplain_scales_offset((uint64_t)rows, (uint64_t)cols,
                                      kind == DSC_CPK_Q8 ? 8 : 4);
  size_t stored = w[DSC_CPW_SCALE_F32] ? 4 : 2;
  if (g.hdr[DSC_CP_SCALES_F16] && stored == 4)
    return dsc_fail("this executable's device program reads f16 scales of "
                    "a weight that stores f32");
  if (upload(&g.wq[i], base, qbytes))
    return 1;
  /* The scales as stored, where the kernels read that type. */
  if (g.hdr[DSC_CP_SCALES_F16] || stored == 4)
    return upload(&g.ws[i], sc, (size_t)(rows * groups) * stored);
  size_t sbytes = (size_t)(rows * groups) * 4;
  widen wd = {(const uint16_t *)sc, malloc(sbytes), groups};
  if (!wd.f)
    return dsc_fail("out of memory widening the weights' scales for the GPU");
  dsc_parallel_for(rows, widen_rows, &wd);
  int rc = upload(&g.ws[i], wd.f, sbytes);
  free(wd.f);
  return rc;
}

bool dsc_device_forward_active(void) { return g.active; }

/* DSC_CUDA_PROFILE: per step kind (DSC_OP_*, then the token's pick), the
 * decode positions' calls and seconds, each step timed on the host from
 * its first launch until the stream has run it: a launch's and a
 * synchronization's latency (a few microseconds) are in every figure. */
enum { PROFILE_PICK = DSC_OP_LINEAR3 + 1, PROFILE_KINDS };
static double profTime[PROFILE_KINDS];
static int64_t profCalls[PROFILE_KINDS], profKernels[PROFILE_KINDS];

static void print_profile(void) {
  /* Step kinds, not kernels: attention+kv is attention's kernel and the
   * cache store, or, where the RoPE launch stores the keys and values
   * (dsc_cuda_rope_kv), attention's alone (the store is rope's); a norm the
   * next GEMV kernel computes is in that step's figure (linear, linear
   * q/k/v), and not counted as rms_norm. */
  static const char *names[PROFILE_KINDS] = {
      "",     "embed",        "rms_norm",     "linear",
      "rope", "attention+kv", "add",          "swiglu",
      "copy", "linear q/k/v", "argmax/sample"};
  int64_t tokens = profCalls[DSC_OP_EMBED], kernels = 0;
  double total = 0;
  for (int i = 1; i < PROFILE_KINDS; ++i) {
    total += profTime[i];
    kernels += profKernels[i];
  }
  if (!tokens)
    return;
  dsc_eprintf("profile: %lld decode positions, %.1f us a position with "
              "a synchronization after each step, %.1f kernels a position\n",
              (long long)tokens, total / (double)tokens * 1e6,
              (double)kernels / (double)tokens);
  for (int i = 1; i < PROFILE_KINDS; ++i)
    if (profCalls[i])
      dsc_eprintf("profile: %-13s %5.1f calls a position, %7.1f us "
                  "each, %8.1f us a position (%4.1f%%), %4.1f kernels\n",
                  names[i], (double)profCalls[i] / (double)tokens,
                  profTime[i] / (double)profCalls[i] * 1e6,
                  profTime[i] / (double)tokens * 1e6, 100 * profTime[i] / total,
                  (double)profKernels[i] / (double)tokens);
}

/* Called by the launch sequence after each step of kind `kind`: 1 after a
 * launch failed; profiling, the time since the last step was done into
 * kind's figures, once the stream has run the step. */
int32_t dsc_cuda_step_done(int64_t kind) {
  if (dsc_mgpu_error())
    return cu_check();
  if (!g.profiling || kind < 1 || kind >= PROFILE_KINDS)
    return 0;
  CUresult rc = dsc_cu.streamSynchronize(dsc_cu_stream());
  if (rc)
    return cu_err("streamSynchronize", rc);
  double now = dsc_sys_now();
  profTime[kind] += now - g.lastDone;
  profCalls[kind]++;
  profKernels[kind] += (int64_t)(dsc_mgpu_launches() - g.lastLaunches);
  g.lastDone = now;
  g.lastLaunches = dsc_mgpu_launches();
  return 0;
}

/* The launch sequence's copy of rows between buffers (a RoPE input read
 * again). */
int32_t dsc_cuda_copy_rows(uint64_t dst, uint64_t src, int64_t bytes) {
  CUresult rc = dsc_cu.memcpyDtoDAsync((CUdeviceptr)dst, (CUdeviceptr)src,
                                       (size_t)bytes, dsc_cu_stream());
  return rc ? cu_err("memcpyDtoDAsync", rc) : 0;
}

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
  g.ropes = g.weights + h[DSC_CP_WEIGHTS] * DSC_CPW_SIZE;
  g.pool = g.ropes + h[DSC_CP_ROPES] * DSC_CPR_SIZE;
  g.blob = blob;
  int64_t nb = h[DSC_CP_BUFFERS], nw = h[DSC_CP_WEIGHTS];
  g.buf = calloc((size_t)nb, 8);
  g.wq = calloc((size_t)nw, 8);
  g.ws = calloc((size_t)nw, 8);
  g.rope = calloc((size_t)(2 * h[DSC_CP_ROPES] + 1), 8);
  if (!g.buf || !g.wq || !g.ws || !g.rope)
    return dsc_fail("out of memory setting up the GPU");
  for (int64_t i = 0; i < nb; ++i) {
    if (!(g.buf[i] = dev_alloc((size_t)(g.bufWidth[i] * DSC_CUDA_BLOCK) * 4)))
      return cu_check();
  }
  /* Every weight of the program is read by a launch, the embedding table
   * too. */
  for (int64_t i = 0; i < nw; ++i)
    if (upload_weight(i))
      return 1;
  if (!(g.pvals = dev_alloc(256 * 4)) || !(g.pidx = dev_alloc(256 * 4)) ||
      !(g.frame.io = dev_alloc(sizeof(io_block))) ||
      !(g.svals = dev_alloc(SAMPLE_LISTS * DSC_DEVICE_TOP_K * 4)) ||
      !(g.sidx = dev_alloc(SAMPLE_LISTS * DSC_DEVICE_TOP_K * 4)) ||
      !(g.scnt = dev_alloc(SAMPLE_LISTS * 4)) ||
      !(g.sstat = dev_alloc(SAMPLE_STATS * 4)))
    return cu_check();
  g.frame.buf = g.buf;
  g.frame.wq = g.wq;
  g.frame.ws = g.ws;
  g.frame.rope = g.rope;
  g.noGraph = !dsc_cu_graphs();
  const char *prof = getenv("DSC_CUDA_PROFILE");
  if (prof && *prof && strcmp(prof, "0")) {
    g.profile = g.noGraph = true;
    atexit(print_profile);
  }
  g.active = true;
  return 0;
}

/* RoPE table i: the cos and sin of every position, as the CPU path's
 * rope_table kernel computes them. */
static int rope_table(int64_t i) {
  const int64_t *t = g.ropes + i * DSC_CPR_SIZE;
  const int64_t *freqs = g.pool + t[DSC_CPR_FREQS];
  int64_t half = t[DSC_CPR_HEAD_DIM] / 2;
  size_t n = (size_t)(g.frame.positions * half);
  float *c = malloc(n * 4), *s = malloc(n * 4);
  if (!c || !s) {
    free(c);
    free(s);
    return dsc_fail("out of memory for the RoPE tables");
  }
  for (int64_t p = 0; p < g.frame.positions; ++p)
    for (int64_t k = 0; k < half; ++k) {
      float angle = (float)p * dsc_bits_f32((uint32_t)freqs[k]);
      double dsn, dcs;
      dsc_sincos((double)angle, &dsn, &dcs);
      c[p * half + k] = (float)dcs;
      s[p * half + k] = (float)dsn;
    }
  int rc =
      upload(&g.rope[2 * i], c, n * 4) || upload(&g.rope[2 * i + 1], s, n * 4);
  free(c);
  free(s);
  return rc;
}

/* Frees what is allocated per position (of a reservation that may have
 * failed half-way). */
static void free_per_position(void) {
  if (g.frame.cache)
    dsc_cu.memFree(g.frame.cache);
  if (g.frame.scores)
    dsc_cu.memFree(g.frame.scores);
  if (g.frame.part)
    dsc_cu.memFree(g.frame.part);
  g.frame.cache = g.frame.scores = g.frame.part = 0;
  for (int64_t i = 0; i < 2 * g.hdr[DSC_CP_ROPES]; ++i)
    if (g.rope[i]) {
      dsc_cu.memFree(g.rope[i]);
      g.rope[i] = 0;
    }
}

int dsc_device_reserve(int64_t positions) {
  if (!g.active)
    return 0;
  /* A second reservation replaces the first (the tables are per position);
   * the graphs captured the old addresses. */
  for (size_t i = 0; i < sizeof g.graph / sizeof *g.graph; ++i)
    if (g.graph[i]) {
      dsc_cu.graphExecDestroy(g.graph[i]);
      g.graph[i] = 0;
    }
  free_per_position();
  g.frame.positions = positions;
  size_t cacheBytes =
      (size_t)dsc_kv_elements(g.hdr[DSC_CP_LAYERS], g.hdr[DSC_CP_KV_HEADS],
                              positions, g.hdr[DSC_CP_HEAD_DIM]) *
      4;
  for (int64_t i = 0; i < g.hdr[DSC_CP_ROPES]; ++i)
    if (rope_table(i))
      return 1;
  if (!(g.frame.cache = dev_alloc(cacheBytes)) ||
      !(g.frame.scores = dev_alloc(
            (size_t)(DSC_CUDA_BLOCK * g.hdr[DSC_CP_ATTN_HEADS] * positions) *
            4)) ||
      !(g.frame.part =
            dev_alloc((size_t)(DSC_CUDA_BLOCK * g.hdr[DSC_CP_ATTN_HEADS] *
                               DSC_CUDA_ATTN_WARPS * g.hdr[DSC_CP_HEAD_DIM]) *
                      4)))
    return cu_check();
  return 0;
}

/* The next token from the logits' row r into io's first token: their
 * argmax, or drawn with io's sampling settings and coin. */
static void pick(int64_t r, bool sampled) {
  int64_t lb = g.hdr[DSC_CP_LOGITS];
  M l = mem(row_of(lb, r), g.bufWidth[lb]),
    t = mem(g.frame.io + DSC_CIO_TOKENS, 1);
  if (!sampled) {
    M pv = mem(g.pvals, 256), pi = mem(g.pidx, 256);
    _mlir_ciface_dsc_cuda_argmax(&l, &pv, &pi, &t, g.bufWidth[lb]);
    return;
  }
  M params = mem(g.frame.io + IO_SAMPLING, 4),
    v = mem(g.svals, SAMPLE_LISTS * DSC_DEVICE_TOP_K),
    i = mem(g.sidx, SAMPLE_LISTS * DSC_DEVICE_TOP_K),
    c = mem(g.scnt, SAMPLE_LISTS), st = mem(g.sstat, SAMPLE_STATS);
  _mlir_ciface_dsc_cuda_sample(&l, &params, &v, &i, &c, &st, &t,
                               g.bufWidth[lb]);
}

/* Puts the block's first position and its tokens into io, and the
 * sampling settings when the device samples. */
static int set_io(const int32_t *tokens, int64_t rows, int64_t pos,
                  const dsc_device_sampling *sampling) {
  io_block io = {0};
  io.at = pos;
  for (int64_t t = 0; t < rows; ++t) {
    if (tokens[t] < 0 || tokens[t] >= g.hdr[DSC_CP_VOCAB])
      return dsc_fail("token %d is outside the vocabulary", tokens[t]);
    io.tokens[t] = tokens[t];
  }
  size_t bytes = DSC_CIO_TOKENS + 4 * (size_t)rows;
  if (sampling) {
    io.sampling = *sampling;
    bytes = sizeof(io);
  }
  /* From pageable memory the driver has copied `io` when it returns. */
  CUresult rc = dsc_cu.memcpyHtoDAsync(g.frame.io, &io, bytes, dsc_cu_stream());
  return rc ? cu_err("memcpyHtoDAsync", rc) : 0;
}

/* The launch sequence over a block of `rows` rows whose last `out` rows
 * (from row r) have logits, then the pick of the next token from the last
 * row (mode: 0 logits, 1 greedy, 2 sampled). */
static int launch_block(int64_t rows, int64_t r, int64_t out, int mode) {
  g.lastDone = g.profiling ? dsc_sys_now() : 0;
  g.lastLaunches = dsc_mgpu_launches();
  if (dsc_cuda_launch_body(&g.frame, rows) ||
      (out > 0 && dsc_cuda_launch_head(&g.frame, r, out)))
    return 1;
  if (out > 0 && mode) {
    pick(r + out - 1, mode == 2);
    if (dsc_mgpu_error())
      return cu_check();
    if (g.profiling && dsc_cuda_step_done(PROFILE_PICK))
      return 1;
  }
  return 0;
}

/* One decode position, the whole forward pass and the pick of the next
 * token (mode: 0 logits, 1 greedy, 2 sampled):
 * launched kernel by kernel at the first position (which loads every
 * kernel the step uses, so that none is loaded while capturing: a driver
 * that loads kernels lazily cannot while a stream captures), captured as a
 * graph at the second, one graph launch after. A capture the driver
 * refuses leaves the launches kernel by kernel. 1 after a failure, -1 when
 * the caller is to launch the kernels itself. */
static int decode_graph(int mode) {
  CUhandle stream = dsc_cu_stream(), *exec = &g.graph[mode];
  CUresult rc;
  if (g.decoded++ == 0)
    return -1;
  if (!*exec) {
    CUhandle graph = 0;
    /* Relaxed (2): the kernels' host code looks a function up at its first
     * launch (driver.c keeps it after), which may be in the capture (the
     * sampling kernel, when this mode's first position was captured after
     * another mode's), and the global mode forbids that while capturing. */
    if ((rc = dsc_cu.streamBeginCapture(stream, 2))) {
      g.noGraph = true;
      return -1;
    }
    int failed = launch_block(1, 0, 1, mode);
    rc = dsc_cu.streamEndCapture(stream, &graph);
    if (failed)
      return 1;
    if (rc || cu_check() || dsc_cu.graphInstantiate(exec, graph, 0)) {
      /* Not captured: nothing ran, so the step runs kernel by kernel. */
      if (graph)
        dsc_cu.graphDestroy(graph);
      *exec = 0;
      g.noGraph = true;
      return dsc_mgpu_error() ? 1 : -1;
    }
    dsc_cu.graphDestroy(graph);
  }
  rc = dsc_cu.graphLaunch(*exec, stream);
  return rc ? cu_err("graphLaunch", rc) : 0;
}

int dsc_device_forward(const int32_t *tokens, int64_t n, int64_t pos,
                       int64_t n_out, float *logits, int32_t *next,
                       const dsc_device_sampling *sampling) {
  int64_t lb = g.hdr[DSC_CP_LOGITS], vocab = g.bufWidth[lb];
  CUhandle stream = dsc_cu_stream();
  CUresult rc;
  if (pos + n > g.frame.positions)
    return dsc_fail("position %lld is past the %lld the GPU's KV cache holds",
                    (long long)(pos + n - 1), (long long)g.frame.positions);
  /* DSC_CUDA_PROFILE times decode positions only, not a prompt's. */
  g.profiling = g.profile && n == 1;
  for (int64_t b = 0; b < n; b += DSC_CUDA_BLOCK) {
    int64_t rows = n - b < DSC_CUDA_BLOCK ? n - b : DSC_CUDA_BLOCK;
    /* The block's positions with logits: its last `out` rows. */
    int64_t firstOut = b > n - n_out ? b : n - n_out;
    int64_t out = b + rows - firstOut;
    if (set_io(tokens + b, rows, pos + b, next ? sampling : 0))
      return 1;
    /* The token is picked after the last position only. */
    int mode = next && b + rows == n ? (sampling ? 2 : 1) : 0;
    int graph = rows == 1 && out == 1 && !g.noGraph ? decode_graph(mode) : -1;
    if (graph > 0 || (graph < 0 && launch_block(rows, firstOut - b, out, mode)))
      return 1;
    if (out <= 0)
      continue;
    if (next)
      rc = dsc_cu.memcpyDtoHAsync(next, g.frame.io + DSC_CIO_TOKENS, 4, stream);
    else
      rc = dsc_cu.memcpyDtoHAsync(logits + (firstOut - (n - n_out)) * vocab,
                                  row_of(lb, firstOut - b),
                                  (size_t)(out * vocab) * 4, stream);
    if (rc)
      return cu_err("memcpyDtoHAsync", rc);
  }
  rc = dsc_cu.streamSynchronize(stream);
  return rc ? cu_err("streamSynchronize", rc) : cu_check();
}
