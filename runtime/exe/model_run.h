/*===- model_run.h - the model in one run of an executable --------*- C -*-===*
 *
 * The weights, a KV cache and logits sized for the positions the run
 * evaluates, checked against the memory available before anything is loaded
 * or any output file is created; the forward call and the check of what it
 * returns.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_MODEL_RUN_H
#define DSC_EXE_MODEL_RUN_H

#include "cuda/device.h"
#include "dsc/model.h"
#include "exe/load.h"

typedef struct {
  dsc_memref1 weights, cache;
  float *logits; /* rows x vocab */
  int64_t vocab;
  /* With the forward pass on a GPU, the forward call may pick the next
   * token on the device and store it here instead of the logits (only it
   * crosses the bus): the largest logit's index, or, with `sampling`,
   * drawn with its settings and coin. */
  int32_t *next;
  dsc_device_sampling *sampling;
  /* The copy dsc_run_settle still has to make: the run started on the
   * payload's mapping (NULL when nothing is pending). */
  const dsc_payload *pendingCopy;
} dsc_run;

/* Checks that `positions` positions with `logitRows` rows of logits fit in
 * the memory available. Returns 0, or 1 after an error that names -c (ctx)
 * and says to lower `lower`. */
int dsc_run_check_memory(const dsc_payload *pl, bool useMmap, int64_t positions,
                         int64_t logitRows, int64_t ctx, const char *lower);

/* Loads the weights (copied unless useMmap) and allocates the KV cache and
 * logits. With deferCopy, weights that are all in the page cache are not
 * copied yet: the run starts on the mapping, which reaches the first token
 * sooner, and dsc_run_settle copies them (decoding from huge pages is
 * faster). Returns 0, or 1 after printing an error. */
int dsc_run_load(dsc_run *m, const dsc_payload *pl, bool useMmap,
                 bool deferCopy, int64_t positions, int64_t logitRows,
                 const char *lower);

/* Makes the copy dsc_run_load deferred, if any: from then on the forward
 * reads the weights from huge pages. Returns whether it copied them (if the
 * copy fails, the run goes on from the mapping). */
bool dsc_run_settle(dsc_run *m);

/* --verbose: the load time, the weight bytes and the KV cache of a run
 * over `positions` positions, on standard error. */
void dsc_run_report(const dsc_run *m, const dsc_payload *pl, bool useMmap,
                    int64_t positions, double loadSeconds);

/* Starts the thread pool with `threads` threads (0: the CPUs available);
 * returns how many it has. */
int dsc_run_start_threads(int64_t threads);

/* Evaluates tokens[0 .. n) at positions pos.., writing the logits of the
 * last n_out of them (or, with m->next, the next token). */
void dsc_run_forward(dsc_run *m, int32_t *tokens, int64_t n, int64_t pos,
                     int64_t n_out);

/* Whether m->next may be set: the forward pass runs on a GPU. */
bool dsc_run_on_device(void);

/* Checks rows x vocab logits for positions first, first + 1, ...: NaN,
 * infinity or all-equal rows mean damaged weights. Returns 0, or 1 after an
 * error naming the payload's file. */
int dsc_run_check_logits(const dsc_payload *pl, const float *x, int64_t rows,
                         int64_t vocab, int64_t first);

#endif /* DSC_EXE_MODEL_RUN_H */
