/*===- sampler.h - choosing the next token -----------------------*- C -*-===*
 *
 * Greedy, or temperature with optional top-k then top-p, drawing from
 * llama2.c's xorshift64* generator so that a seed gives the same text as
 * llama2.c's run.c (top-k 0).
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_SAMPLER_H
#define DSC_SAMPLER_H

#include "dsc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  float prob;
  int32_t index;
} dsc_prob_index;

typedef struct {
  int32_t vocab;
  float temperature; /* 0: greedy */
  float top_p;       /* <= 0 or >= 1: off */
  int32_t top_k;     /* <= 0: off */
  uint64_t rng;
  dsc_prob_index *scratch; /* vocab entries, two halves for sorting */
} dsc_sampler;

bool dsc_sampler_init(dsc_sampler *s, int32_t vocab, float temperature,
                      float top_p, int32_t top_k, uint64_t seed);
void dsc_sampler_free(dsc_sampler *s);
/* Picks a token from logits (modified in place). */
int32_t dsc_sample(dsc_sampler *s, float *logits);

/* llama2.c's generator, exposed for tests. */
uint32_t dsc_random_u32(uint64_t *state);
float dsc_random_f32(uint64_t *state);

#ifdef __cplusplus
}
#endif

#endif
