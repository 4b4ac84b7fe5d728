/*===- model_run.c - the model in one run of an executable --------------===*/
#include "exe/model_run.h"
#include "dsc/sys.h"
#include "exe/io.h"

int dsc_pool_start(int n); /* threads.c */

void dsc_run_forward(dsc_run *m, int32_t *tokens, int64_t n, int64_t pos,
                     int64_t n_out) {
  if (dsc_device_forward_active()) {
    /* A failed GPU call mid-run: its error is printed. */
    if (dsc_device_forward(tokens, n, pos, n_out, m->logits, m->next,
                           m->sampling))
      dsc_sys_exit(1);
    return;
  }
  dsc_memref1 toks = {tokens, tokens, 0, n, 1};
  dsc_memref2 logits = {
      m->logits, m->logits, 0, {n_out, m->vocab}, {m->vocab, 1}};
  _mlir_ciface_dsc_forward(&m->weights, &toks, pos, n_out, &m->cache, &logits);
}

bool dsc_run_on_device(void) { return dsc_device_forward_active(); }

int dsc_run_start_threads(int64_t threads) {
  return dsc_pool_start(threads ? (int)threads : dsc_sys_ncpu());
}

/* a * b, or UINT64_MAX when it overflows. */
static uint64_t mul_sat(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}
static uint64_t add_sat(uint64_t a, uint64_t b) {
  return a + b < a ? UINT64_MAX : a + b;
}

/* Bytes of KV cache and logits for a run over `positions` positions. The
 * cache is sized for those only: no position beyond them is evaluated, so
 * -c can exceed what memory holds as long as -n does not. */
static void run_bytes(int64_t positions, int64_t logitRows, uint64_t *cache,
                      uint64_t *logits) {
  uint64_t perPos = (uint64_t)(dsc_kv_per_position(dsc_model_desc.layers,
                                                   dsc_model_desc.kv_heads,
                                                   dsc_model_desc.head_dim) *
                               dsc_model_desc.kv_elem_bytes);
  *cache = mul_sat(perPos, (uint64_t)positions);
  *logits = mul_sat((uint64_t)logitRows, (uint64_t)dsc_model_desc.vocab * 4);
}

int dsc_run_check_memory(const dsc_payload *pl, bool useMmap, int64_t positions,
                         int64_t logitRows, int64_t ctx, const char *lower) {
  uint64_t cacheBytes, logitBytes;
  run_bytes(positions, logitRows, &cacheBytes, &logitBytes);
  uint64_t weightBytes = useMmap ? 0 : pl->weights->size;
  uint64_t need = add_sat(add_sat(cacheBytes, logitBytes), weightBytes);
  uint64_t avail = dsc_mem_available();
  if (avail > SIZE_MAX) /* a 32-bit process: its address space */
    avail = SIZE_MAX;
  char a[32], b[32], c[32], d[32], e[32];
  if (need > avail || need == UINT64_MAX)
    return dsc_fail("running %lld positions (-c %lld) needs %s of memory "
                    "(KV cache %s, logits %s, weights %s), but %s is "
                    "available; lower %s",
                    (long long)positions, (long long)ctx,
                    dsc_format_bytes(need, a, sizeof(a)),
                    dsc_format_bytes(cacheBytes, b, sizeof(b)),
                    dsc_format_bytes(logitBytes, c, sizeof(c)),
                    dsc_format_bytes(weightBytes, d, sizeof(d)),
                    dsc_format_bytes(avail, e, sizeof(e)), lower);
  return 0;
}

void dsc_run_report(const dsc_run *m, const dsc_payload *pl, bool useMmap,
                    int64_t positions, double loadSeconds) {
  uint64_t cacheBytes, logitBytes;
  run_bytes(positions, 1, &cacheBytes, &logitBytes);
  char w[32], c[32];
  dsc_eprintf("%s: weights %s (%s) from '%s', loaded in %.3f s | KV cache %s "
              "for %lld positions\n",
              dsc_prog, dsc_format_bytes(pl->weights->size, w, sizeof(w)),
              useMmap          ? "mapped"
              : m->pendingCopy ? "mapped until the first token"
                               : "read into memory",
              pl->path, loadSeconds, dsc_format_bytes(cacheBytes, c, sizeof(c)),
              (long long)positions);
}

int dsc_run_load(dsc_run *m, const dsc_payload *pl, bool useMmap,
                 bool deferCopy, int64_t positions, int64_t logitRows,
                 const char *lower) {
  uint64_t cacheBytes, logitBytes;
  run_bytes(positions, logitRows, &cacheBytes, &logitBytes);
  m->next = 0;
  m->sampling = 0;
  m->pendingCopy = 0;
  /* The generated code only reads the weights. */
  void *wbase = (void *)(uintptr_t)(pl->data + pl->weights->offset);
  /* With the forward pass on a GPU the host reads the weights once, to copy
   * them to the device: the mapping serves. */
  bool host = !dsc_device_forward_active();
  if (host && !useMmap && deferCopy && dsc_payload_weights_resident(pl)) {
    /* From the page cache, the first token is sooner off the mapping than
     * after copying every weight into fresh huge pages. */
    m->pendingCopy = pl;
  } else if (host && !useMmap) {
    void *copy = dsc_payload_read_weights(pl);
    if (copy)
      wbase = copy;
  } else if (host) {
    /* The first token touches every page: queue their reads now. */
    dsc_sys_madvise(wbase, pl->weights->size, DSC_MADV_WILLNEED);
  }
  m->weights = (dsc_memref1){wbase, wbase, 0, (int64_t)pl->weights->size, 1};
  float *cache =
      (float *)dsc_sys_mmap(0, cacheBytes, DSC_PROT_READ | DSC_PROT_WRITE,
                            DSC_MAP_PRIVATE | DSC_MAP_ANONYMOUS, -1, 0);
  m->logits = (float *)malloc(logitBytes);
  char b[32], c[32];
  if (!cache || !m->logits)
    return dsc_fail("cannot allocate %s for the KV cache and %s for the "
                    "logits of %lld positions; lower %s",
                    dsc_format_bytes(cacheBytes, b, sizeof(b)),
                    dsc_format_bytes(logitBytes, c, sizeof(c)),
                    (long long)positions, lower);
  m->cache = (dsc_memref1){cache, cache, 0, (int64_t)(cacheBytes / 4), 1};
  return dsc_device_reserve(positions);
}

bool dsc_run_settle(dsc_run *m) {
  if (!m->pendingCopy)
    return false;
  void *copy = dsc_payload_copy_mapped_weights(m->pendingCopy);
  m->pendingCopy = 0;
  if (copy)
    m->weights.allocated = m->weights.aligned = copy;
  return copy != 0;
}

/* What is wrong with one row of logits: NULL when they are usable. Besides
 * NaN and infinity, all-equal logits mean the same: damaged weights whose
 * huge values overflowed a norm to zero leave nothing to choose from. */
static const char *bad_logits(const float *x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    memcpy(&u, &x[i], 4);
    if ((u & 0x7f800000u) == 0x7f800000u)
      return "not finite";
  }
  for (int64_t i = 1; i < n; ++i)
    if (x[i] != x[0])
      return 0;
  return n > 1 ? "all equal" : 0;
}

int dsc_run_check_logits(const dsc_payload *pl, const float *x, int64_t rows,
                         int64_t vocab, int64_t first) {
  for (int64_t r = 0; r < rows; ++r) {
    const char *what = bad_logits(x + r * vocab, vocab);
    if (what)
      return dsc_fail("logits are %s at token %lld: the weights in '%s' are "
                      "likely corrupted (run with --verify)",
                      what, (long long)(first + r), pl->path);
  }
  return 0;
}
