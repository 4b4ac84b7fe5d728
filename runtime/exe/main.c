/*===- main.c - the command line of generated executables --------------------===*
 *
 *   ./model -p "Once upon a time" -n 256 --temp 0
 *
 * Loads the payload (weights and tokenizer), encodes the prompt, evaluates it
 * in one forward call, then samples one token at a time, printing each as it
 * comes; a summary goes to stderr. Flags follow llama.cpp's where they
 * overlap; -n counts positions including the prompt, as llama2.c's does.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/abi/observe.h"
#include "dsc/model.h"
#include "dsc/parallel.h"
#include "dsc/payload.h"
#include "dsc/sampler.h"
#include "dsc/sys.h"
#include "dsc/tokenizer.h"
#include "exe/io.h"
#include "exe/load.h"

int dsc_pool_start(int n);

static int write_failed(void) {
  return dsc_fail("cannot write the output: %s", dsc_strerror(dsc_out_error()));
}

/*--- numbers ------------------------------------------------------------*/

static bool parse_int(const char *s, int64_t *out) {
  int64_t v = 0;
  bool neg = *s == '-';
  if (neg)
    s++;
  if (!*s)
    return false;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
      return false;
    v = v * 10 + (*s - '0');
  }
  *out = neg ? -v : v;
  return true;
}

static bool parse_float(const char *s, float *out) {
  double v = 0, scale = 1;
  bool neg = *s == '-', digits = false;
  if (neg || *s == '+')
    s++;
  for (; *s >= '0' && *s <= '9'; ++s, digits = true)
    v = v * 10 + (*s - '0');
  if (*s == '.')
    for (++s; *s >= '0' && *s <= '9'; ++s, digits = true)
      v += (*s - '0') * (scale /= 10);
  if (*s == 'e' || *s == 'E') {
    int64_t e;
    if (!parse_int(s + 1, &e) || e > 38 || e < -38)
      return false;
    for (; e > 0; --e)
      v *= 10;
    for (; e < 0; ++e)
      v /= 10;
    s += strlen(s);
  }
  if (*s || !digits)
    return false;
  *out = (float)(neg ? -v : v);
  return true;
}

/*--- observation points ----------------------------------------------------*/

static int observeFd = -1;
static int observeError;

void DSC_RT(observe)(int64_t id, const float *x, int64_t rows, int64_t cols) {
  if (observeFd < 0 || observeError)
    return;
  dsc_observe_record head = {id, rows, cols};
  observeError = dsc_write_all(observeFd, &head, sizeof(head));
  if (!observeError)
    observeError =
        dsc_write_all(observeFd, x, sizeof(float) * (size_t)(rows * cols));
}

/*--- the model ----------------------------------------------------------*/

typedef struct {
  dsc_memref1 weights, cache;
  float *logits; /* rows x vocab */
  int64_t vocab;
} model_t;

static void forward(model_t *m, int32_t *tokens, int64_t n, int64_t pos,
                    int64_t n_out) {
  dsc_memref1 toks = {tokens, tokens, 0, n, 1};
  dsc_memref2 logits = {
      m->logits, m->logits, 0, {n_out, m->vocab}, {m->vocab, 1}};
  _mlir_ciface_dsc_forward(&m->weights, &toks, pos, n_out, &m->cache, &logits);
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
  *logits = mul_sat((uint64_t)logitRows,
                    (uint64_t)dsc_model_desc.vocab * 4);
}

/* Checks that the run fits in the memory available, before anything is
 * loaded or any output file is created. */
static int check_memory(const dsc_payload *pl, bool useMmap, int64_t positions,
                        int64_t logitRows, int64_t ctx, const char *lower) {
  uint64_t cacheBytes, logitBytes;
  run_bytes(positions, logitRows, &cacheBytes, &logitBytes);
  uint64_t weightBytes = useMmap ? 0 : pl->weights->size;
  uint64_t need = add_sat(add_sat(cacheBytes, logitBytes), weightBytes);
  uint64_t avail = dsc_mem_available();
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

/* Loads the weights and allocates the KV cache and logits. */
static int load(model_t *m, const dsc_payload *pl, bool useMmap,
                int64_t positions, int64_t logitRows, const char *lower) {
  uint64_t cacheBytes, logitBytes;
  run_bytes(positions, logitRows, &cacheBytes, &logitBytes);
  void *wbase = (void *)(pl->data + pl->weights->offset);
  if (!useMmap) {
    void *copy = dsc_payload_read_weights(pl);
    if (copy)
      wbase = copy;
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
  return 0;
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

/* Checks rows x vocab logits for positions first, first + 1, ... */
static int check_logits(const dsc_payload *pl, const float *x, int64_t rows,
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

/* Decodes token id into the malloc'd *buf, growing it to fit; returns the
 * byte count, or (size_t)-1 when out of memory. */
static size_t decode(const dsc_tokenizer *tok, int32_t prev, int32_t id,
                     char **buf, size_t *cap) {
  size_t n = dsc_tok_decode(tok, prev, id, *buf, *cap);
  if (n <= *cap)
    return n;
  char *bigger = (char *)realloc(*buf, n);
  if (!bigger)
    return (size_t)-1;
  *buf = bigger;
  *cap = n;
  return dsc_tok_decode(tok, prev, id, *buf, *cap);
}

static void usage(void) {
  /* clang-format off */
  dsc_out_printf(
      "usage: %s [options]\n"
      "  -p, --prompt TEXT      prompt (default: none, start from BOS)\n"
      "  -f, --file FILE        read the prompt from FILE\n"
      "  -n, --n-predict N      positions to run, prompt included (default 256,\n"
      "                         -1 for the whole context)\n"
      "  --temp T               temperature, 0 for greedy (default 0.8)\n"
      "  --top-k K              keep the K likeliest tokens, 0 for all (default 40)\n"
      "  --top-p P              nucleus sampling, 1 for off (default 0.95)\n"
      "  -s, --seed N           sampling seed (default: from the clock)\n"
      "  -t, --threads N        threads (default: the CPUs available)\n"
      "  -c, --ctx-size N       context length (default: the model's)\n"
      "  --weights FILE         weights file (default: embedded, or the .dscw\n"
      "                         beside the executable)\n"
      "  --verify               check the weights against their checksum and exit\n"
      "  --mmap                 map the weights from the file instead of reading\n"
      "                         them into huge pages\n"
      "  --tokens IDS           prompt as space-separated token ids\n"
      "  --no-bos               do not prepend BOS to the prompt\n"
      "  --dump-logits FILE     write float32 logits of every evaluated position\n"
      "  --eval-tokens FILE     evaluate int32 token ids from FILE in windows of\n"
      "                         -c tokens (from position 0 each), writing the\n"
      "                         logits of every position to --dump-logits\n"
      "  --observe FILE         with --eval-tokens, write what the observation\n"
      "                         points of a calibration build see\n"
      "  -h, --help             this text\n",
      dsc_prog);
  /* clang-format on */
}

static int eval_tokens(const dsc_payload *pl, bool useMmap, int64_t ctx,
                       const char *evalPath, const char *dumpPath,
                       const char *observePath, int64_t threads) {
  if (!dumpPath && !observePath)
    return dsc_fail("--eval-tokens needs --dump-logits or --observe");
  model_t m;
  m.vocab = dsc_model_desc.vocab;
  char *bytes;
  uint64_t size;
  int err = dsc_read_file(evalPath, &bytes, &size);
  if (err)
    return dsc_fail("cannot read the token file '%s': %s", evalPath,
                    dsc_strerror(err));
  if (size % 4)
    return dsc_fail("'%s' has %llu bytes, not a whole number of int32 token "
                    "ids",
                    evalPath, (unsigned long long)size);
  const int32_t *ids = (const int32_t *)bytes;
  uint64_t n = size / 4;
  for (uint64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= m.vocab)
      return dsc_fail("'%s' holds a token id outside the vocabulary (%d at "
                      "index %llu)",
                      evalPath, ids[i], (unsigned long long)i);
  int64_t window = n < (uint64_t)ctx ? (int64_t)n : ctx;
  if (window < 1)
    window = 1;
  if (check_memory(pl, useMmap, window, window, ctx, "-c"))
    return 1;
  int out = -1;
  if (dumpPath && dsc_output_create(dumpPath, &out))
    return 1;
  if (observePath && dsc_output_create(observePath, &observeFd))
    return 1;
  if (load(&m, pl, useMmap, window, window, "-c"))
    return 1;
  int nThreads = dsc_pool_start(threads ? (int)threads : dsc_sys_ncpu());
  int32_t *buf = (int32_t *)malloc(sizeof(int32_t) * (size_t)window);
  if (!buf)
    return dsc_fail("out of memory");
  double t0 = dsc_sys_now();
  uint64_t done = 0;
  for (uint64_t at = 0; at + 2 <= n; at += (uint64_t)window) {
    int64_t len =
        (int64_t)(n - at < (uint64_t)window ? n - at : (uint64_t)window);
    memcpy(buf, ids + at, sizeof(int32_t) * (size_t)len);
    /* Logits of every position, so that calibration sees every row the
     * classifier reads too. */
    forward(&m, buf, len, 0, len);
    if (check_logits(pl, m.logits, len, m.vocab, (int64_t)at))
      return 1;
    if (out >= 0 &&
        (err = dsc_write_all(out, m.logits,
                             sizeof(float) * (size_t)(len * m.vocab))))
      return dsc_fail("cannot write '%s': %s", dumpPath, dsc_strerror(err));
    if (observeError)
      return dsc_fail("cannot write '%s': %s", observePath,
                      dsc_strerror(observeError));
    done += (uint64_t)len;
  }
  dsc_eprintf(
      "%s: evaluated %llu tokens %.1f tok/s | peak RSS %.1f MiB | %d threads\n",
      dsc_prog, (unsigned long long)done, done / (dsc_sys_now() - t0 + 1e-9),
      (double)dsc_sys_peak_rss() / (1024.0 * 1024.0), nThreads);
  return 0;
}

static int run(int argc, char **argv) {
  const char *prompt = 0, *promptFile = 0, *weightsPath = 0, *dumpPath = 0,
             *tokenArg = 0, *evalPath = 0, *observePath = 0;
  int64_t steps = 256, threads = 0, ctx = 0, topK = 40;
  float temp = 0.8f, topP = 0.95f;
  uint64_t seed = 0;
  bool bos = true, useMmap = false, verify = false;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : 0;
/* The length first: memcmp over sizeof(x) would read past a shorter a. */
#define IS(x) (strlen(a) == sizeof(x) - 1 && memcmp(a, x, sizeof(x) - 1) == 0)
    bool takesValue = IS("-p") || IS("--prompt") || IS("-f") || IS("--file") ||
                      IS("-n") || IS("--n-predict") || IS("--temp") ||
                      IS("--top-k") || IS("--top-p") || IS("-s") ||
                      IS("--seed") || IS("-t") || IS("--threads") ||
                      IS("-c") || IS("--ctx-size") || IS("--weights") ||
                      IS("--tokens") || IS("--dump-logits") ||
                      IS("--eval-tokens") || IS("--observe");
    if (takesValue && !v)
      return dsc_fail("option '%s' needs a value", a);
    int64_t iv;
    if (IS("-h") || IS("--help")) {
      usage();
      return dsc_out_flush() ? 0 : write_failed();
    } else if (IS("-p") || IS("--prompt")) {
      prompt = v;
    } else if (IS("-f") || IS("--file")) {
      promptFile = v;
    } else if (IS("--weights")) {
      weightsPath = v;
    } else if (IS("--tokens")) {
      tokenArg = v;
    } else if (IS("--dump-logits")) {
      dumpPath = v;
    } else if (IS("--eval-tokens")) {
      evalPath = v;
    } else if (IS("--observe")) {
      observePath = v;
    } else if (IS("--mmap")) {
      useMmap = true;
    } else if (IS("--verify")) {
      verify = true;
    } else if (IS("--no-bos")) {
      bos = false;
    } else if (IS("-n") || IS("--n-predict")) {
      if (!parse_int(v, &steps))
        return dsc_fail("-n needs an integer, got '%s'", v);
    } else if (IS("-t") || IS("--threads")) {
      if (!parse_int(v, &threads) || threads < 1)
        return dsc_fail("-t needs a positive integer, got '%s'", v);
    } else if (IS("-c") || IS("--ctx-size")) {
      if (!parse_int(v, &ctx) || ctx < 1)
        return dsc_fail("-c needs a positive integer, got '%s'", v);
    } else if (IS("--top-k")) {
      if (!parse_int(v, &topK) || topK < 0)
        return dsc_fail("--top-k needs a non-negative integer, got '%s'", v);
    } else if (IS("-s") || IS("--seed")) {
      if (!parse_int(v, &iv) || iv < 0)
        return dsc_fail("--seed needs a non-negative integer, got '%s'", v);
      seed = (uint64_t)iv;
    } else if (IS("--temp")) {
      if (!parse_float(v, &temp) || temp < 0)
        return dsc_fail("--temp needs a non-negative number, got '%s'", v);
    } else if (IS("--top-p")) {
      if (!parse_float(v, &topP) || topP < 0 || topP > 1)
        return dsc_fail("--top-p needs a number in [0, 1], got '%s'", v);
    } else {
      return dsc_fail("unknown option '%s' (see --help)", a);
    }
    if (takesValue)
      ++i;
#undef IS
  }

  /* The code generator and this runtime must agree on the descriptor. */
  if (dsc_model_desc.magic != DSC_MODEL_DESC_MAGIC ||
      dsc_model_desc.version != DSC_MODEL_DESC_VERSION) {
    return dsc_fail("the model descriptor in this executable (version %d) "
                    "does not match its runtime (version %d): rebuild it "
                    "with one version of dsc",
                    (int)dsc_model_desc.version, DSC_MODEL_DESC_VERSION);
  }

  /* Payload. */
  dsc_payload pl;
  if (!dsc_payload_open(weightsPath, &pl))
    return 1;
  uint64_t stored, actual;
  if (verify) {
    if (!dsc_payload_verify(&pl, &stored, &actual))
      return dsc_fail("'%s' is corrupted: its contents hash to %016llx, but "
                      "the checksum written with them is %016llx; copy the "
                      "file again or compile the model again",
                      pl.path, (unsigned long long)actual,
                      (unsigned long long)stored);
    dsc_out_printf("%s: checksum OK (XXH64 %016llx over %llu bytes)\n", pl.path,
                   (unsigned long long)stored,
                   (unsigned long long)pl.checksum->offset);
    return dsc_out_flush() ? 0 : write_failed();
  }
  /* Reading the weights touches every page anyway; hashing them too is
   * cheap for small payloads only (see load.h). */
  if (!useMmap && pl.size <= DSC_VERIFY_AT_LOAD_MAX &&
      !dsc_payload_verify(&pl, &stored, &actual))
    return dsc_fail("'%s' is corrupted: its checksum does not match the one "
                    "written with it; copy the file again or compile the "
                    "model again",
                    pl.path);

  dsc_tokenizer *tok = 0;
  if (pl.tokenizer) {
    char err[256];
    if (dsc_tok_deserialize(pl.data + pl.tokenizer->offset, pl.tokenizer->size,
                            &tok, err, sizeof(err)) != DSC_OK)
      return dsc_fail("bad tokenizer in '%s': %s", pl.path, err);
  }
  if (!ctx)
    ctx = dsc_model_desc.max_seq;
  /* Allowed (RoPE extends), but positions past the trained context are
   * usually worse: say so rather than degrade silently. */
  if (ctx > dsc_model_desc.max_seq)
    dsc_eprintf("%s: note: -c %lld is past the model's context length "
                "(%lld); text past position %lld may degrade\n",
                dsc_prog, (long long)ctx, (long long)dsc_model_desc.max_seq,
                (long long)dsc_model_desc.max_seq);
  if (evalPath)
    return eval_tokens(&pl, useMmap, ctx, evalPath, dumpPath, observePath,
                       threads);

  model_t m;
  m.vocab = dsc_model_desc.vocab;
  if (steps < 0 || steps > ctx)
    steps = ctx;

  /* Prompt. The buffer grows to what the text needs, not to -c. */
  const char *text = prompt;
  uint64_t len = prompt ? strlen(prompt) : 0;
  if (promptFile) {
    char *data;
    int err = dsc_read_file(promptFile, &data, &len);
    if (err)
      return dsc_fail("cannot read the prompt file '%s': %s", promptFile,
                      dsc_strerror(err));
    text = data;
  }
  if (tokenArg)
    len = strlen(tokenArg);
  int64_t cap = (int64_t)len + 2 < ctx ? (int64_t)len + 2 : ctx;
  int32_t *tokens = (int32_t *)malloc(sizeof(int32_t) * (size_t)(cap + 1));
  if (!tokens)
    return dsc_fail("out of memory");
  int64_t nPrompt = 0;
  if (bos && tok && dsc_tok_bos(tok) >= 0)
    tokens[nPrompt++] = dsc_tok_bos(tok);
  else if (bos && !tok)
    tokens[nPrompt++] = 1;
  /* Tokens before this one are not part of the prompt's text. */
  int64_t firstEcho = nPrompt;
  if (tokenArg) {
    const char *p = tokenArg;
    while (*p) {
      while (*p == ' ')
        p++;
      if (!*p)
        break;
      int64_t id = 0;
      bool digit = false;
      for (; *p >= '0' && *p <= '9'; ++p, digit = true)
        id = id * 10 + (*p - '0');
      if (!digit || (*p && *p != ' ') || id >= m.vocab)
        return dsc_fail("--tokens: not a list of token ids below the "
                        "vocabulary size: '%s'",
                        tokenArg);
      if (nPrompt >= cap)
        return dsc_fail("the prompt is longer than the context (-c %lld)",
                        (long long)ctx);
      tokens[nPrompt++] = (int32_t)id;
    }
  } else if (len) {
    if (!tok)
      return dsc_fail("this executable has no tokenizer; pass --tokens");
    int64_t n =
        dsc_tok_encode(tok, text, len, false, tokens + nPrompt, cap - nPrompt);
    if (n > cap - nPrompt && nPrompt + n <= ctx) {
      int32_t *bigger = (int32_t *)realloc(
          tokens, sizeof(int32_t) * (size_t)(nPrompt + n + 1));
      if (!bigger)
        return dsc_fail("out of memory");
      tokens = bigger;
      n = dsc_tok_encode(tok, text, len, false, tokens + nPrompt, n);
    }
    if (n < 0)
      return dsc_fail("out of memory encoding the prompt");
    if (nPrompt + n > ctx)
      return dsc_fail("the prompt (%lld tokens) is longer than the context "
                      "(-c %lld)",
                      (long long)(nPrompt + n), (long long)ctx);
    nPrompt += n;
  }
  if (nPrompt == 0)
    return dsc_fail(bos ? "the prompt is empty and the tokenizer has no BOS "
                          "token to start from"
                        : "the prompt is empty and --no-bos leaves no token "
                          "to start from");
  if (steps < nPrompt)
    steps = nPrompt;

  int64_t rows = dumpPath ? nPrompt : 1;
  if (check_memory(&pl, useMmap, steps, rows, ctx, "-c or -n"))
    return 1;
  int dumpFd = -1;
  if (dumpPath && dsc_output_create(dumpPath, &dumpFd))
    return 1;
  if (load(&m, &pl, useMmap, steps, rows, "-c or -n"))
    return 1;
  int nThreads = dsc_pool_start(threads ? (int)threads : dsc_sys_ncpu());
  dsc_sampler sampler;
  if (!seed)
    seed = dsc_sys_time_ns();
  if (!dsc_sampler_init(&sampler, (int32_t)m.vocab, temp, topP, (int32_t)topK, seed))
    return dsc_fail("out of memory");

  /* Prompt in one call. */
  double t0 = dsc_sys_now();
  forward(&m, tokens, nPrompt, 0, rows);
  double t1 = dsc_sys_now();
  int err;
  if (dumpFd >= 0 &&
      (err = dsc_write_all(dumpFd, m.logits,
                           sizeof(float) * (size_t)(rows * m.vocab))))
    return dsc_fail("cannot write '%s': %s", dumpPath, dsc_strerror(err));
  float *last = m.logits + (rows - 1) * m.vocab;

  /* Echo the prompt, as llama2.c does. */
  size_t pieceCap = 64;
  char *piece = (char *)malloc(pieceCap);
  if (!piece)
    return dsc_fail("out of memory");
  for (int64_t i = firstEcho; tok && i < nPrompt; ++i) {
    size_t n =
        decode(tok, i > 0 ? tokens[i - 1] : -1, tokens[i], &piece, &pieceCap);
    if (n == (size_t)-1)
      return dsc_fail("out of memory");
    dsc_out_write(piece, n);
  }
  if (!dsc_out_flush())
    return write_failed();

  /* Positions 0 .. steps-1 are evaluated; each gives the token after it. */
  int64_t pos = nPrompt - 1;
  int32_t token = tokens[pos];
  int64_t decoded = 0;
  double tGen = 0;
  while (pos < steps) {
    if (check_logits(&pl, last, 1, m.vocab, pos))
      return 1;
    int32_t next = dsc_sample(&sampler, last);
    if (tok && (next == dsc_tok_eos(tok) || next == dsc_tok_bos(tok)))
      break;
    if (tok) {
      size_t n = decode(tok, token, next, &piece, &pieceCap);
      if (n == (size_t)-1)
        return dsc_fail("out of memory");
      /* Raw control bytes are not text; whitespace is. */
      if (!(n == 1 && (unsigned char)piece[0] < 32 && piece[0] != '\n' &&
            piece[0] != '\t' && piece[0] != '\r'))
        dsc_out_write(piece, n);
    } else {
      dsc_out_printf("%d ", next);
    }
    if (!dsc_out_flush())
      return write_failed();
    token = next;
    if (++pos >= steps)
      break;
    double a = dsc_sys_now();
    forward(&m, &token, 1, pos, 1);
    tGen += dsc_sys_now() - a;
    decoded++;
    last = m.logits;
    if (dumpFd >= 0 && (err = dsc_write_all(dumpFd, m.logits,
                                            sizeof(float) * (size_t)m.vocab)))
      return dsc_fail("cannot write '%s': %s", dumpPath, dsc_strerror(err));
  }
  dsc_out_write("\n", 1);
  if (!dsc_out_flush())
    return write_failed();
  dsc_eprintf(
      "%s: prompt %lld tokens %.1f tok/s | generation %lld tokens %.1f tok/s | "
      "peak RSS %.1f MiB | %d threads\n",
      dsc_prog, (long long)nPrompt, nPrompt / (t1 - t0 > 0 ? t1 - t0 : 1e-9),
      (long long)decoded, decoded / (tGen > 0 ? tGen : 1e-9),
      (double)dsc_sys_peak_rss() / (1024.0 * 1024.0), nThreads);
  return 0;
}

int dsc_main(int argc, char **argv) {
  dsc_prog = argc > 0 ? argv[0] : "model";
  int status = run(argc, argv);
  return dsc_outputs_finish(status == 0) ? status : 1;
}
