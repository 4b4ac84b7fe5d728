/*===- sampler.c - choosing the next token ------------------------------------===*/
#include "dsc/sampler.h"

#include "dsc/mathf.h"

uint32_t dsc_random_u32(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

float dsc_random_f32(uint64_t *state) {
  return (float)(dsc_random_u32(state) >> 8) / 16777216.0f;
}

bool dsc_sampler_init(dsc_sampler *s, int32_t vocab, float temperature,
                      float top_p, int32_t top_k, uint64_t seed) {
  s->vocab = vocab;
  s->temperature = temperature;
  s->top_p = top_p;
  s->top_k = top_k;
  s->rng = seed ? seed : 1;
  s->scratch = (dsc_prob_index *)malloc(sizeof(dsc_prob_index) * 2 * (size_t)vocab);
  return s->scratch != 0;
}

void dsc_sampler_free(dsc_sampler *s) {
  free(s->scratch);
  s->scratch = 0;
}

static int32_t argmax(const float *x, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i)
    if (x[i] > x[best])
      best = i;
  return best;
}

static void softmax(float *x, int32_t n) {
  float mx = x[0];
  for (int32_t i = 1; i < n; ++i)
    mx = x[i] > mx ? x[i] : mx;
  float sum = 0.0f;
  for (int32_t i = 0; i < n; ++i) {
    x[i] = dsc_expf(x[i] - mx);
    sum += x[i];
  }
  for (int32_t i = 0; i < n; ++i)
    x[i] /= sum;
}

/* Stable merge sort by descending probability. */
static void sort_desc(dsc_prob_index *a, dsc_prob_index *tmp, int32_t n) {
  for (int32_t width = 1; width < n; width *= 2) {
    for (int32_t lo = 0; lo < n; lo += 2 * width) {
      int32_t mid = lo + width < n ? lo + width : n;
      int32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      int32_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        tmp[k++] = a[j].prob > a[i].prob ? a[j++] : a[i++];
      while (i < mid)
        tmp[k++] = a[i++];
      while (j < hi)
        tmp[k++] = a[j++];
    }
    memcpy(a, tmp, sizeof(*a) * (size_t)n);
  }
}

int32_t dsc_sample(dsc_sampler *s, float *logits) {
  int32_t n = s->vocab;
  if (s->temperature <= 0.0f)
    return argmax(logits, n);
  for (int32_t i = 0; i < n; ++i)
    logits[i] /= s->temperature;
  softmax(logits, n);
  float coin = dsc_random_f32(&s->rng);
  bool topP = s->top_p > 0.0f && s->top_p < 1.0f;
  bool topK = s->top_k > 0 && s->top_k < n;
  if (!topP && !topK) {
    float cdf = 0.0f;
    for (int32_t i = 0; i < n; ++i) {
      cdf += logits[i];
      if (coin < cdf)
        return i;
    }
    return n - 1;
  }
  dsc_prob_index *pi = s->scratch, *tmp = s->scratch + n;
  int32_t n0 = 0;
  /* As llama2.c: candidates below (1 - top_p) / (n - 1) cannot be in the
   * nucleus; drop them before sorting. */
  float cutoff = topP && !topK ? (1.0f - s->top_p) / (float)(n - 1) : 0.0f;
  for (int32_t i = 0; i < n; ++i)
    if (logits[i] >= cutoff) {
      pi[n0].index = i;
      pi[n0].prob = logits[i];
      n0++;
    }
  sort_desc(pi, tmp, n0);
  if (topK && n0 > s->top_k)
    n0 = s->top_k;
  float cumulative = 0.0f;
  int32_t last = n0 - 1;
  for (int32_t i = 0; i < n0; ++i) {
    cumulative += pi[i].prob;
    if (topP && cumulative > s->top_p) {
      last = i;
      break;
    }
  }
  float r = coin * cumulative;
  float cdf = 0.0f;
  for (int32_t i = 0; i <= last; ++i) {
    cdf += pi[i].prob;
    if (r < cdf)
      return pi[i].index;
  }
  return pi[last].index;
}
