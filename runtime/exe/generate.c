/*===- generate.c - generating text from a prompt -----------------------===*/
#include "exe/generate.h"
#include "dsc/sampler.h"
#include "dsc/sys.h"
#include "exe/io.h"
#include "exe/model_run.h"
#include "exe/prompt.h"

typedef struct {
  const dsc_payload *pl;
  const dsc_args *a;
  const dsc_tokenizer *tok;
  dsc_run m;
  int dumpFd;
  char *piece; /* the text of one token */
  size_t pieceCap;
} generation;

/* Decodes token id into g->piece, growing it to fit; returns the byte
 * count, or (size_t)-1 when out of memory. */
static size_t decode(generation *g, int32_t prev, int32_t id) {
  size_t n = dsc_tok_decode(g->tok, prev, id, g->piece, g->pieceCap);
  if (n <= g->pieceCap)
    return n;
  char *bigger = (char *)realloc(g->piece, n);
  if (!bigger)
    return (size_t)-1;
  g->piece = bigger;
  g->pieceCap = n;
  return dsc_tok_decode(g->tok, prev, id, g->piece, g->pieceCap);
}

/* Writes rows rows of logits to --dump-logits, if given. */
static int dump_logits(generation *g, int64_t rows) {
  int err;
  if (g->dumpFd >= 0 &&
      (err = dsc_write_all(g->dumpFd, g->m.logits,
                           sizeof(float) * (size_t)(rows * g->m.vocab))))
    return dsc_fail("cannot write '%s': %s", g->a->dumpPath, dsc_strerror(err));
  return 0;
}

static int echo_prompt(generation *g, const dsc_prompt *p) {
  for (int64_t i = p->firstEcho; g->tok && i < p->n; ++i) {
    size_t n = decode(g, i > 0 ? p->ids[i - 1] : -1, p->ids[i]);
    if (n == (size_t)-1)
      return dsc_fail("out of memory");
    dsc_out_write(g->piece, n);
  }
  return dsc_out_flush() ? 0 : dsc_out_failed();
}

/* Prints token next (after prev): its text, or its id without a
 * tokenizer. */
static int print_token(generation *g, int32_t prev, int32_t next) {
  if (g->tok) {
    size_t n = decode(g, prev, next);
    if (n == (size_t)-1)
      return dsc_fail("out of memory");
    /* Raw control bytes are not text; whitespace is. */
    const char *s = g->piece;
    if (!(n == 1 && (unsigned char)s[0] < 32 && s[0] != '\n' && s[0] != '\t' &&
          s[0] != '\r'))
      dsc_out_write(s, n);
  } else {
    dsc_out_printf("%d ", next);
  }
  return dsc_out_flush() ? 0 : dsc_out_failed();
}

/* The forward call whose last position gives the next token: when the
 * device samples it, the coin dsc_sample would draw for that token is
 * drawn first, so that a seed gives the CPU's text. */
static void forward(generation *g, dsc_sampler *sampler, int32_t *tokens,
                    int64_t n, int64_t pos, int64_t rows) {
  if (g->m.sampling)
    g->m.sampling->coin = dsc_random_f32(&sampler->rng);
  dsc_run_forward(&g->m, tokens, n, pos, rows);
}

/* Positions 0 .. steps-1 are evaluated; each gives the token after it.
 * last: the logits of the prompt's last position. */
static int sample_loop(generation *g, dsc_sampler *sampler, const dsc_prompt *p,
                       int64_t steps, float *last, int64_t *decoded,
                       double *tGen) {
  int64_t pos = p->n - 1;
  int32_t token = p->ids[pos];
  while (pos < steps) {
    if (!g->m.next && dsc_run_check_logits(g->pl, last, 1, g->m.vocab, pos))
      return 1;
    int32_t next = g->m.next ? *g->m.next : dsc_sample(sampler, last);
    /* The device's draw found logits that are not finite (it does not
     * copy them back for dsc_run_check_logits). */
    if (next < 0)
      return dsc_fail("logits are not finite at token %lld: the weights in "
                      "'%s' are likely corrupted (run with --verify)",
                      (long long)pos, g->pl->path);
    if (g->tok && !g->a->ignoreEos &&
        (next == dsc_tok_eos(g->tok) || next == dsc_tok_bos(g->tok)))
      break;
    if (print_token(g, token, next))
      return 1;
    token = next;
    if (++pos >= steps)
      break;
    /* The first token is out (print_token flushed it): now the weights go
     * into huge pages, a one-time cost kept out of the decoding time, as
     * loading is. */
    if (g->m.pendingCopy) {
      double t = dsc_sys_now();
      bool copied = dsc_run_settle(&g->m);
      if (g->a->verbose)
        dsc_eprintf("%s: weights %s after the first token in %.3f s\n",
                    dsc_prog,
                    copied ? "copied into memory" : "left mapped (no memory)",
                    dsc_sys_now() - t);
    }
    double a = dsc_sys_now();
    forward(g, sampler, &token, 1, pos, 1);
    *tGen += dsc_sys_now() - a;
    (*decoded)++;
    last = g->m.logits;
    if (dump_logits(g, 1))
      return 1;
  }
  return 0;
}

/* Allocates the run and the sampler for steps positions with rows rows of
 * prompt logits, creating --dump-logits. Returns the threads, or -1 after
 * an error. */
static int set_up(generation *g, dsc_sampler *sampler, int64_t steps,
                  int64_t rows, int64_t ctx) {
  const dsc_args *a = g->a;
  if (dsc_run_check_memory(g->pl, a->useMmap, steps, rows, ctx, "-c or -n"))
    return -1;
  if (a->dumpPath && dsc_output_create(a->dumpPath, &g->dumpFd))
    return -1;
  /* Threads first: they read the weights in. */
  int nThreads = dsc_run_start_threads(a->threads);
  double t0 = dsc_sys_now();
  if (dsc_run_load(&g->m, g->pl, a->useMmap, true, steps, rows, "-c or -n"))
    return -1;
  if (a->verbose)
    dsc_run_report(&g->m, g->pl, a->useMmap, steps, dsc_sys_now() - t0);
  uint64_t seed = a->seed ? (uint64_t)a->seed : dsc_sys_time_ns();
  if (!dsc_sampler_init(sampler, (int32_t)g->m.vocab, a->temp, a->topP,
                        (int32_t)a->topK, seed)) {
    dsc_fail("out of memory");
    return -1;
  }
  return nThreads;
}

int dsc_generate(const dsc_payload *pl, const dsc_args *a,
                 const dsc_tokenizer *tok, int64_t ctx) {
  generation g = {.pl = pl, .a = a, .tok = tok, .dumpFd = -1, .pieceCap = 64};
  g.m.vocab = dsc_model_desc.vocab;
  int64_t steps = a->steps < 0 || a->steps > ctx ? ctx : a->steps;
  dsc_prompt p;
  if (dsc_prompt_tokens(a, tok, g.m.vocab, ctx, &p))
    return 1;
  if (steps < p.n)
    steps = p.n;

  int64_t rows = a->dumpPath ? p.n : 1;
  dsc_sampler sampler;
  int nThreads = set_up(&g, &sampler, steps, rows, ctx);
  if (nThreads < 0)
    return 1;

  /* On a GPU the next token is picked there, only its id copied back:
   * greedy, its argmax; sampled with top-k on, drawn there as dsc_sample
   * would (other settings sample the logits on the CPU). */
  int32_t next = 0;
  dsc_device_sampling sampling = {a->temp, a->topP, (float)a->topK, 0.0f};
  if (dsc_run_on_device() && !a->dumpPath) {
    if (a->temp <= 0.0f) {
      g.m.next = &next;
    } else if (dsc_device_can_sample(a->temp, a->topK, g.m.vocab)) {
      g.m.next = &next;
      g.m.sampling = &sampling;
    }
  }
  /* The prompt in one call. */
  double t0 = dsc_sys_now();
  forward(&g, &sampler, p.ids, p.n, 0, rows);
  double t1 = dsc_sys_now();
  if (dump_logits(&g, rows))
    return 1;
  float *last = g.m.logits + (rows - 1) * g.m.vocab;

  g.piece = (char *)malloc(g.pieceCap);
  if (!g.piece)
    return dsc_fail("out of memory");
  if (echo_prompt(&g, &p))
    return 1;
  int64_t decoded = 0;
  double tGen = 0;
  if (sample_loop(&g, &sampler, &p, steps, last, &decoded, &tGen))
    return 1;
  dsc_out_write("\n", 1);
  if (!dsc_out_flush())
    return dsc_out_failed();
  dsc_eprintf(
      "%s: prompt %lld tokens %.1f tok/s | generation %lld tokens %.1f tok/s | "
      "peak RSS %.1f MiB | %d threads\n",
      dsc_prog, (long long)p.n, p.n / (t1 - t0 > 0 ? t1 - t0 : 1e-9),
      (long long)decoded, decoded / (tGen > 0 ? tGen : 1e-9),
      (double)dsc_sys_peak_rss() / (1024.0 * 1024.0), nThreads);
  return 0;
}
