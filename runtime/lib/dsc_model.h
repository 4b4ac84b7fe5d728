/*===- dsc_model.h - a model compiled by dsc, as a C library -----*- C -*-===*
 *
 *   dsc compile model.gguf --emit=lib -o libmodel.a
 *
 * writes the library and this header beside it. The library holds the
 * model's code, its weights (unless compiled with --weights=external) and
 * its tokenizer; it uses the application's C library (malloc, free, memcpy,
 * memset, fopen, fread, fclose) and nothing else. Its internal symbols are
 * local: only the functions below are exported.
 *
 * A context is one conversation: the weights (shared by nobody else), a KV
 * cache of n_ctx positions, the logits of the last evaluated position and a
 * sampler. There is no global state: contexts are independent, and
 * different threads may each use their own context at the same time. One
 * context must not be used by two threads at once. Evaluation runs on the
 * calling thread.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_MODEL_LIB_H
#define DSC_MODEL_LIB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DSC_MODEL_OK = 0,
  DSC_MODEL_ERR_IO = 1,     /* the weights file could not be read */
  DSC_MODEL_ERR_FORMAT = 2, /* damaged weights, or for another model */
  DSC_MODEL_ERR_NOMEM = 4,
  DSC_MODEL_ERR_ARG = 5, /* a bad argument (position, token id, ...) */
} dsc_model_status;

typedef struct dsc_model dsc_model;

typedef struct {
  /* The weights: NULL for those embedded in the library, or the path of
   * the .dscw file that `--weights=external` wrote. */
  const char *weights_path;
  /* KV-cache positions; 0 for the model's context length. */
  int32_t n_ctx;
} dsc_model_params;

/* Creates a context. On failure *out is NULL and err (when not NULL) holds
 * a one-line reason. */
dsc_model_status dsc_model_create(const dsc_model_params *params,
                                  dsc_model **out, char *err, size_t errlen);
void dsc_model_free(dsc_model *m);

int32_t dsc_model_n_vocab(const dsc_model *m);
int32_t dsc_model_n_ctx(const dsc_model *m);
/* Token ids of BOS and EOS, -1 when the tokenizer has none. */
int32_t dsc_model_bos(const dsc_model *m);
int32_t dsc_model_eos(const dsc_model *m);

/* Encodes text (len bytes) into at most cap ids, BOS first when add_bos.
 * Returns the number of ids the text needs (more than cap: ids was too
 * small and holds the first cap), or -1 when out of memory. */
int64_t dsc_model_tokenize(const dsc_model *m, const char *text, size_t len,
                           int add_bos, int32_t *ids, int64_t cap);
/* Writes the text of token id, which follows token prev (-1 at the start),
 * into buf; returns its byte count (which may exceed cap; not
 * NUL-terminated), or -1 for an id outside the vocabulary. */
int64_t dsc_model_token_text(const dsc_model *m, int32_t prev, int32_t id,
                             char *buf, size_t cap);

/* Writes the text of ids[0 .. n) (as a prompt: BOS, EOS and other control
 * tokens give none) into buf; returns its byte count (which may exceed cap;
 * not NUL-terminated), or -1 for an id outside the vocabulary. */
int64_t dsc_model_detokenize(const dsc_model *m, const int32_t *ids, int64_t n,
                             char *buf, size_t cap);

/* Evaluates ids[0 .. n) at the next positions of the KV cache; the logits
 * of the last one are then dsc_model_logits'. DSC_MODEL_ERR_ARG when an id
 * is outside the vocabulary or the cache has no room for n more. */
dsc_model_status dsc_model_eval(dsc_model *m, const int32_t *ids, int64_t n);
/* n_vocab logits of the last evaluated position (NULL before any). */
const float *dsc_model_logits(const dsc_model *m);
/* Positions the KV cache holds. */
int64_t dsc_model_n_past(const dsc_model *m);
/* Keeps the first n positions of the KV cache (0: a new conversation). */
dsc_model_status dsc_model_truncate(dsc_model *m, int64_t n);

/* Sampling as the executable's --temp, --top-k, --top-p and --seed do
 * (temperature 0: greedy; top_k 0: all; top_p 1: off; seed 0: from the
 * clock is not available here, 0 is a seed like any other). Defaults:
 * 0.8, 40, 0.95, 0. */
dsc_model_status dsc_model_set_sampling(dsc_model *m, float temperature,
                                        int32_t top_k, float top_p,
                                        uint64_t seed);
/* Samples the next token from the last logits (which it modifies); -1
 * before any evaluation. */
int32_t dsc_model_sample(dsc_model *m);

#ifdef __cplusplus
}
#endif

#endif /* DSC_MODEL_LIB_H */
