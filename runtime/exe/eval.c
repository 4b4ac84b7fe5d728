/*===- eval.c - evaluating a file of token ids --------------------------===*/
#include "exe/eval.h"
#include "dsc/sys.h"
#include "exe/io.h"
#include "exe/model_run.h"
#include "exe/observe.h"

/* Reads the token file into *ids (n of them), checking that it holds whole
 * int32 ids below the vocabulary size. Returns 0, or 1 after an error. */
static int read_tokens(const char *path, int64_t vocab, const int32_t **ids,
                       uint64_t *n) {
  char *bytes;
  uint64_t size;
  int err = dsc_read_file(path, &bytes, &size);
  if (err)
    return dsc_fail("cannot read the token file '%s': %s", path,
                    dsc_strerror(err));
  if (size % 4)
    return dsc_fail("'%s' has %llu bytes, not a whole number of int32 token "
                    "ids",
                    path, (unsigned long long)size);
  *ids = (const int32_t *)bytes;
  *n = size / 4;
  for (uint64_t i = 0; i < *n; ++i)
    if ((*ids)[i] < 0 || (*ids)[i] >= vocab)
      return dsc_fail("'%s' holds a token id outside the vocabulary (%d at "
                      "index %llu)",
                      path, (*ids)[i], (unsigned long long)i);
  return 0;
}

/* Runs the windows of ids[0 .. n) through the model, writing logits to out
 * (when >= 0); *done counts the tokens evaluated. Returns 0, or 1 after an
 * error. */
static int eval_windows(dsc_run *m, const dsc_payload *pl, const dsc_args *a,
                        const int32_t *ids, uint64_t n, int64_t window, int out,
                        uint64_t *done) {
  int32_t *buf = (int32_t *)malloc(sizeof(int32_t) * (size_t)window);
  if (!buf)
    return dsc_fail("out of memory");
  for (uint64_t at = 0; at + 2 <= n; at += (uint64_t)window) {
    int64_t len =
        (int64_t)(n - at < (uint64_t)window ? n - at : (uint64_t)window);
    memcpy(buf, ids + at, sizeof(int32_t) * (size_t)len);
    /* Logits of every position, so that calibration sees every row the
     * classifier reads too. */
    dsc_run_forward(m, buf, len, 0, len);
    if (dsc_run_check_logits(pl, m->logits, len, m->vocab, (int64_t)at))
      return 1;
    int err;
    if (out >= 0 &&
        (err = dsc_write_all(out, m->logits,
                             sizeof(float) * (size_t)(len * m->vocab))))
      return dsc_fail("cannot write '%s': %s", a->dumpPath, dsc_strerror(err));
    if (dsc_observe_error())
      return dsc_fail("cannot write '%s': %s", a->observePath,
                      dsc_strerror(dsc_observe_error()));
    *done += (uint64_t)len;
  }
  return 0;
}

int dsc_eval_tokens(const dsc_payload *pl, const dsc_args *a, int64_t ctx) {
  if (!a->dumpPath && !a->observePath)
    return dsc_fail("--eval-tokens needs --dump-logits or --observe");
  dsc_run m;
  m.vocab = dsc_model_desc.vocab;
  const int32_t *ids;
  uint64_t n;
  if (read_tokens(a->evalPath, m.vocab, &ids, &n))
    return 1;
  int64_t window = n < (uint64_t)ctx ? (int64_t)n : ctx;
  if (window < 1)
    window = 1;
  if (dsc_run_check_memory(pl, a->useMmap, window, window, ctx, "-c"))
    return 1;
  int out = -1;
  if (a->dumpPath && dsc_output_create(a->dumpPath, &out))
    return 1;
  if (a->observePath && dsc_observe_open(a->observePath))
    return 1;
  /* Threads first: they read the weights in. */
  int nThreads = dsc_run_start_threads(a->threads);
  double tLoad = dsc_sys_now();
  if (dsc_run_load(&m, pl, a->useMmap, false, window, window, "-c"))
    return 1;
  if (a->verbose)
    dsc_run_report(&m, pl, a->useMmap, window, dsc_sys_now() - tLoad);
  double t0 = dsc_sys_now();
  uint64_t done = 0;
  if (eval_windows(&m, pl, a, ids, n, window, out, &done))
    return 1;
  dsc_eprintf(
      "%s: evaluated %llu tokens %.1f tok/s | peak RSS %.1f MiB | %d threads\n",
      dsc_prog, (unsigned long long)done, done / (dsc_sys_now() - t0 + 1e-9),
      (double)dsc_sys_peak_rss() / (1024.0 * 1024.0), nThreads);
  return 0;
}
