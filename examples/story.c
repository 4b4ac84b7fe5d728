/* story.c - continue a prompt with a model compiled by dsc as a library.
 *
 *   dsc compile stories260K.bin --emit=lib -o libstory.a
 *   cc story.c libstory.a -o story      (dsc_model.h is beside libstory.a)
 *   ./story "Once upon a time" 40
 *
 * A library compiled with --weights=external reads them from the .dscw
 * file dsc wrote beside it: ./story "Once upon a time" 40 libstory.a.dscw
 *
 * Two contexts run the same prompt at once on two threads (contexts share
 * nothing) and must write the same greedy text; the prompt's ids must read
 * back as the prompt; then one context drops the continuation
 * (dsc_model_truncate) and generates it again.
 */
#include "dsc_model.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *weights; /* NULL: those in the library */

typedef struct {
  const char *prompt;
  int steps;
  char text[4096];
  int status;
} job;

/* Greedy continuation of the evaluated prompt, appended to out. */
static int generate(dsc_model *m, int32_t last, int steps, char *out,
                    size_t cap) {
  size_t used = strlen(out);
  for (int i = 0; i < steps; ++i) {
    int32_t next = dsc_model_sample(m);
    if (next < 0 || next == dsc_model_eos(m) || next == dsc_model_bos(m))
      break;
    int64_t n = dsc_model_token_text(m, last, next, out + used, cap - used - 1);
    if (n < 0 || (size_t)n >= cap - used - 1)
      return 1;
    used += (size_t)n;
    out[used] = 0;
    if (dsc_model_eval(m, &next, 1) != DSC_MODEL_OK)
      break; /* the context is full */
    last = next;
  }
  return 0;
}

/* Evaluates the prompt; returns its last token, or -1. */
static int32_t prompt(dsc_model *m, const char *text) {
  int32_t ids[512];
  int64_t n = dsc_model_tokenize(m, text, strlen(text), 1, ids, 512);
  if (n <= 0 || n > 512 || dsc_model_eval(m, ids, n) != DSC_MODEL_OK)
    return -1;
  /* The ids read back as the text. */
  char back[2048];
  int64_t len = dsc_model_detokenize(m, ids, n, back, sizeof(back));
  if (len != (int64_t)strlen(text) || memcmp(back, text, (size_t)len) != 0) {
    fprintf(stderr, "story: the prompt's ids read back as '%.*s'\n",
            (int)(len < 0 ? 0 : len), back);
    return -1;
  }
  return ids[n - 1];
}

static void *run(void *arg) {
  job *j = (job *)arg;
  char err[256];
  dsc_model *m;
  dsc_model_params params = {weights, 0};
  j->status = 1;
  if (dsc_model_create(&params, &m, err, sizeof(err)) != DSC_MODEL_OK) {
    fprintf(stderr, "story: %s\n", err);
    return NULL;
  }
  dsc_model_set_sampling(m, 0.0f, 0, 1.0f, 0);
  int32_t last = prompt(m, j->prompt);
  if (last >= 0) {
    j->text[0] = 0;
    j->status = generate(m, last, j->steps, j->text, sizeof(j->text));
  }
  dsc_model_free(m);
  return NULL;
}

int main(int argc, char **argv) {
  const char *text = argc > 1 ? argv[1] : "Once upon a time";
  int steps = argc > 2 ? atoi(argv[2]) : 40;
  weights = argc > 3 ? argv[3] : NULL;
  job a = {text, steps, "", 1}, b = {text, steps, "", 1};
  pthread_t ta, tb;
  pthread_create(&ta, NULL, run, &a);
  pthread_create(&tb, NULL, run, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  if (a.status || b.status)
    return 1;
  if (strcmp(a.text, b.text) != 0) {
    fprintf(stderr, "story: two contexts disagree:\n%s\n%s\n", a.text, b.text);
    return 1;
  }
  printf("%s%s\n", text, a.text);

  /* Truncating the KV cache to the prompt and generating again gives the
   * same text. */
  char err[256];
  dsc_model *m;
  dsc_model_params params = {weights, 0};
  if (dsc_model_create(&params, &m, err, sizeof(err)) != DSC_MODEL_OK) {
    fprintf(stderr, "story: %s\n", err);
    return 1;
  }
  dsc_model_set_sampling(m, 0.0f, 0, 1.0f, 0);
  int32_t last = prompt(m, text);
  int64_t kept = dsc_model_n_past(m);
  char first[4096] = "", again[4096] = "";
  if (last < 0 || generate(m, last, steps, first, sizeof(first)))
    return 1;
  /* The prompt's logits again: drop its last position and evaluate it. */
  dsc_model_truncate(m, kept - 1);
  dsc_model_eval(m, &last, 1);
  if (generate(m, last, steps, again, sizeof(again)))
    return 1;
  dsc_model_free(m);
  if (strcmp(first, again) != 0) {
    fprintf(stderr, "story: after truncation:\n%s\n%s\n", first, again);
    return 1;
  }
  printf("truncate: same continuation (%lld positions kept)\n",
         (long long)kept);
  return 0;
}
