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
#include "dsc/model.h"
#include "dsc/parallel.h"
#include "dsc/payload.h"
#include "dsc/sampler.h"
#include "dsc/sys.h"
#include "dsc/tokenizer.h"

int dsc_pool_start(int n);

/*--- output -------------------------------------------------------------*/

static char outbuf[1 << 14];
static size_t outlen;

static void out_flush(void) {
  size_t done = 0;
  while (done < outlen) {
    long w = dsc_sys_write(1, outbuf + done, outlen - done);
    if (w <= 0)
      break;
    done += (size_t)w;
  }
  outlen = 0;
}

static void out_write(const char *s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (outlen == sizeof(outbuf))
      out_flush();
    outbuf[outlen++] = s[i];
  }
}

static void eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void eprintf(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = dsc_vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  dsc_sys_write(2, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
}

static const char *prog = "model";

static int fail(const char *fmt, const char *arg) {
  eprintf("%s: error: ", prog);
  eprintf(fmt, arg);
  eprintf("\n");
  return 1;
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

/*--- files --------------------------------------------------------------*/

static const uint8_t *map_file(const char *path, uint64_t offset,
                               uint64_t *size) {
  int fd = dsc_sys_open(path, DSC_O_RDONLY, 0);
  if (fd < 0)
    return 0;
  long end = dsc_sys_lseek(fd, 0, 2 /* SEEK_END */);
  if (end < 0 || (uint64_t)end < offset) {
    dsc_sys_close(fd);
    return 0;
  }
  if (*size == 0)
    *size = (uint64_t)end - offset;
  if (offset + *size > (uint64_t)end) {
    dsc_sys_close(fd);
    return 0;
  }
  void *p = dsc_sys_mmap(0, *size, DSC_PROT_READ, DSC_MAP_PRIVATE, fd, (long)offset);
  dsc_sys_close(fd);
  return (const uint8_t *)p;
}

static bool write_all(int fd, const void *buf, size_t n) {
  const char *p = (const char *)buf;
  while (n) {
    long w = dsc_sys_write(fd, p, n);
    if (w <= 0)
      return false;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

static int observeFd = -1;
static bool observeFailed;

void dsc_rt_observe(int64_t id, const float *x, int64_t rows, int64_t cols) {
  if (observeFd < 0 || observeFailed)
    return;
  int64_t head[3] = {id, rows, cols};
  observeFailed = !write_all(observeFd, head, sizeof(head)) ||
                  !write_all(observeFd, x, sizeof(float) * (size_t)(rows * cols));
}

static bool read_at(int fd, uint64_t off, void *buf, size_t n) {
  if (dsc_sys_lseek(fd, (long)off, 0) < 0)
    return false;
  return dsc_sys_read(fd, buf, n) == (long)n;
}

/* Maps the payload: --weights FILE, the side file named in the trailer, or
 * the payload appended to this executable. */
static char payloadFile[4096];
static uint64_t payloadOffset;

/* Reads n bytes at off of a file into dst. */
static bool read_range(const char *path, uint64_t off, void *dst, uint64_t n) {
  int fd = dsc_sys_open(path, DSC_O_RDONLY, 0);
  if (fd < 0)
    return false;
  bool ok = dsc_sys_lseek(fd, (long)off, 0) >= 0;
  char *p = (char *)dst;
  while (ok && n) {
    long r = dsc_sys_read(fd, p, n > (1u << 30) ? (1u << 30) : n);
    ok = r > 0;
    if (ok) {
      p += r;
      n -= (uint64_t)r;
    }
  }
  dsc_sys_close(fd);
  return ok;
}

static const uint8_t *load_payload(const char *override, uint64_t *size,
                                   char *where, size_t wn) {
  *size = 0;
  payloadOffset = 0;
  if (override) {
    dsc_snprintf(where, wn, "%s", override);
    dsc_snprintf(payloadFile, sizeof(payloadFile), "%s", override);
    return map_file(override, 0, size);
  }
  char exe[4096];
  long n = dsc_sys_readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0)
    return 0;
  exe[n] = 0;
  int fd = dsc_sys_open(exe, DSC_O_RDONLY, 0);
  if (fd < 0)
    return 0;
  long end = dsc_sys_lseek(fd, 0, 2);
  dsc_trailer tr;
  bool ok = end >= (long)sizeof(tr) &&
            read_at(fd, (uint64_t)end - sizeof(tr), &tr, sizeof(tr)) &&
            memcmp(tr.magic, DSC_TRAILER_MAGIC, 8) == 0;
  dsc_sys_close(fd);
  if (!ok) {
    dsc_snprintf(where, wn, "%s (no payload trailer)", exe);
    return 0;
  }
  if (tr.external[0]) {
    tr.external[sizeof(tr.external) - 1] = 0;
    char *slash = exe;
    for (char *p = exe; *p; ++p)
      if (*p == '/')
        slash = p + 1;
    *slash = 0;
    dsc_snprintf(where, wn, "%s%s", exe, tr.external);
    dsc_snprintf(payloadFile, sizeof(payloadFile), "%s", where);
    return map_file(where, 0, size);
  }
  dsc_snprintf(where, wn, "%s", exe);
  dsc_snprintf(payloadFile, sizeof(payloadFile), "%s", exe);
  payloadOffset = tr.offset;
  *size = tr.size;
  return map_file(exe, tr.offset, size);
}

static const dsc_payload_section *section(const dsc_payload_header *h,
                                          const char *name, uint64_t size) {
  for (uint64_t i = 0; i < h->n_sections && i < 8; ++i) {
    const dsc_payload_section *s = &h->sections[i];
    /* Sections start on a page after the header's (as the compiler writes
     * them): the weights' pages are unmapped once read, and the header must
     * outlive that. */
    if (memcmp(s->name, name, strlen(name) + 1) == 0 && s->offset <= size &&
        s->size <= size - s->offset && s->offset >= DSC_PAYLOAD_ALIGN &&
        s->offset % DSC_PAYLOAD_ALIGN == 0)
      return s;
  }
  return 0;
}

/*--- the model ----------------------------------------------------------*/

typedef struct {
  dsc_memref1 weights, cache;
  float *logits; /* rows x vocab */
  int64_t vocab, ctx;
} model_t;

static void forward(model_t *m, int32_t *tokens, int64_t n, int64_t pos,
                    int64_t n_out) {
  dsc_memref1 toks = {tokens, tokens, 0, n, 1};
  dsc_memref2 logits = {m->logits, m->logits, 0, {n_out, m->vocab}, {m->vocab, 1}};
  _mlir_ciface_dsc_forward(&m->weights, &toks, pos, n_out, &m->cache, &logits);
}

static void usage(void) {
  eprintf("usage: %s [options]\n"
          "  -p, --prompt TEXT      prompt (default: none, start from BOS)\n"
          "  -f, --file FILE        read the prompt from FILE\n"
          "  -n, --n-predict N      positions to run, prompt included (default 256)\n"
          "  --temp T               temperature, 0 for greedy (default 0.8)\n"
          "  --top-k K              keep the K likeliest tokens, 0 for all (default 40)\n"
          "  --top-p P              nucleus sampling, 1 for off (default 0.95)\n"
          "  -s, --seed N           sampling seed (default: from the clock)\n"
          "  -t, --threads N        threads (default: the CPUs available)\n"
          "  -c, --ctx-size N       context length (default: the model's)\n"
          "  --weights FILE         weights file (default: embedded or beside)\n"
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
          prog);
}

int dsc_main(int argc, char **argv) {
  prog = argc > 0 ? argv[0] : "model";
  const char *prompt = 0, *promptFile = 0, *weightsPath = 0, *dumpPath = 0,
             *tokenArg = 0, *evalPath = 0, *observePath = 0;
  int64_t steps = 256, threads = 0, ctx = 0, topK = 40;
  float temp = 0.8f, topP = 0.95f;
  uint64_t seed = 0;
  bool bos = true, useMmap = false;
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
      return fail("option '%s' needs a value", a);
    int64_t iv;
    if (IS("-h") || IS("--help")) {
      usage();
      return 0;
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
    } else if (IS("--no-bos")) {
      bos = false;
    } else if (IS("-n") || IS("--n-predict")) {
      if (!parse_int(v, &steps))
        return fail("-n needs an integer, got '%s'", v);
    } else if (IS("-t") || IS("--threads")) {
      if (!parse_int(v, &threads) || threads < 1)
        return fail("-t needs a positive integer, got '%s'", v);
    } else if (IS("-c") || IS("--ctx-size")) {
      if (!parse_int(v, &ctx) || ctx < 1)
        return fail("-c needs a positive integer, got '%s'", v);
    } else if (IS("--top-k")) {
      if (!parse_int(v, &topK) || topK < 0)
        return fail("--top-k needs a non-negative integer, got '%s'", v);
    } else if (IS("-s") || IS("--seed")) {
      if (!parse_int(v, &iv) || iv < 0)
        return fail("--seed needs a non-negative integer, got '%s'", v);
      seed = (uint64_t)iv;
    } else if (IS("--temp")) {
      if (!parse_float(v, &temp) || temp < 0)
        return fail("--temp needs a non-negative number, got '%s'", v);
    } else if (IS("--top-p")) {
      if (!parse_float(v, &topP) || topP < 0 || topP > 1)
        return fail("--top-p needs a number in [0, 1], got '%s'", v);
    } else {
      eprintf("%s: error: unknown option '%s' (see --help)\n", prog, a);
      return 1;
    }
    if (takesValue)
      ++i;
#undef IS
  }

  /* Payload. */
  char where[4096];
  uint64_t psize;
  const uint8_t *payload = load_payload(weightsPath, &psize, where, sizeof(where));
  if (!payload || psize < sizeof(dsc_payload_header))
    return fail("cannot map the weights from %s", where);
  const dsc_payload_header *hdr = (const dsc_payload_header *)payload;
  if (memcmp(hdr->magic, DSC_PAYLOAD_MAGIC, 8) != 0)
    return fail("%s holds no dsc weights", where);
  if ((int64_t)hdr->model_id != dsc_model_desc[DSC_DESC_MODEL_ID])
    return fail("the weights in %s belong to another build of this model", where);
  const dsc_payload_section *ws = section(hdr, "weights", psize);
  if (!ws || (int64_t)ws->size != dsc_model_desc[DSC_DESC_WEIGHTS_SIZE])
    return fail("the weights section of %s is missing or of the wrong size", where);
  const dsc_payload_section *ts = section(hdr, "tokenizer", psize);
  /* The tokenizer is copied out before the weights' pages are unmapped
   * below: in a corrupt payload it may share them. */
  dsc_tokenizer *tok = 0;
  if (ts) {
    char err[256];
    if (dsc_tok_deserialize(payload + ts->offset, ts->size, &tok, err,
                            sizeof(err)) != DSC_OK)
      return fail("bad tokenizer in the payload: %s", err);
  }

  model_t m;
  m.vocab = dsc_model_desc[DSC_DESC_VOCAB];
  int64_t maxSeq = dsc_model_desc[DSC_DESC_MAX_SEQ];
  m.ctx = ctx ? ctx : maxSeq;
  if (steps < 0 || steps > m.ctx)
    steps = m.ctx;
  void *wbase = (void *)(payload + ws->offset);
  if (!useMmap) {
    /* Read the weights into anonymous memory backed by huge pages: decoding
     * streams all of them every token, and 2 MiB pages spare the TLB misses
     * of the page cache's 4 KiB ones (about 10% faster). --mmap maps the
     * file instead: instant start, pages shared between processes. */
    void *anon = dsc_sys_mmap(0, ws->size, DSC_PROT_READ | DSC_PROT_WRITE,
                              DSC_MAP_PRIVATE | DSC_MAP_ANONYMOUS, -1, 0);
    if (anon) {
      dsc_sys_madvise(anon, ws->size, DSC_MADV_HUGEPAGE);
      if (read_range(payloadFile, payloadOffset + ws->offset, anon, ws->size)) {
        dsc_sys_munmap((void *)((uintptr_t)wbase & ~(uintptr_t)4095),
                       ((uintptr_t)wbase & 4095) + ws->size);
        wbase = anon;
      } else {
        dsc_sys_munmap(anon, ws->size);
      }
    }
  }
  m.weights = (dsc_memref1){wbase, wbase, 0, (int64_t)ws->size, 1};
  int64_t cacheFloats = dsc_model_desc[DSC_DESC_LAYERS] * 2 *
                        dsc_model_desc[DSC_DESC_KV_HEADS] * m.ctx *
                        dsc_model_desc[DSC_DESC_HEAD_DIM];
  float *cache = (float *)dsc_sys_mmap(0, (uint64_t)cacheFloats * 4,
                                       DSC_PROT_READ | DSC_PROT_WRITE,
                                       DSC_MAP_PRIVATE | DSC_MAP_ANONYMOUS, -1, 0);
  if (!cache)
    return fail("cannot allocate the KV cache%s", "");
  m.cache = (dsc_memref1){cache, cache, 0, cacheFloats, 1};

  if (evalPath) {
    if (!dumpPath && !observePath)
      return fail("--eval-tokens needs --dump-logits or --observe%s", "");
    uint64_t n = 0;
    const int32_t *ids = (const int32_t *)map_file(evalPath, 0, &n);
    if (!ids && n)
      return fail("cannot read '%s'", evalPath);
    n /= 4;
    for (uint64_t i = 0; i < n; ++i)
      if (ids[i] < 0 || ids[i] >= m.vocab)
        return fail("%s holds a token id outside the vocabulary", evalPath);
    int out = -1;
    if (dumpPath &&
        (out = dsc_sys_open(dumpPath, DSC_O_WRONLY | DSC_O_CREAT | DSC_O_TRUNC,
                            0644)) < 0)
      return fail("cannot write '%s'", dumpPath);
    if (observePath &&
        (observeFd = dsc_sys_open(observePath,
                                  DSC_O_WRONLY | DSC_O_CREAT | DSC_O_TRUNC,
                                  0644)) < 0)
      return fail("cannot write '%s'", observePath);
    int nThreads = dsc_pool_start(threads ? (int)threads : dsc_sys_ncpu());
    m.logits = (float *)malloc(sizeof(float) * (size_t)(m.ctx * m.vocab));
    int32_t *window = (int32_t *)malloc(sizeof(int32_t) * (size_t)m.ctx);
    double t0 = dsc_sys_now();
    uint64_t done = 0;
    for (uint64_t at = 0; at + 2 <= n; at += (uint64_t)m.ctx) {
      int64_t len = (int64_t)(n - at < (uint64_t)m.ctx ? n - at : (uint64_t)m.ctx);
      memcpy(window, ids + at, sizeof(int32_t) * (size_t)len);
      /* Logits of every position, so that calibration sees every row the
       * classifier reads too. */
      forward(&m, window, len, 0, len);
      if (out >= 0 &&
          !write_all(out, m.logits, sizeof(float) * (size_t)(len * m.vocab)))
        return fail("cannot write '%s'", dumpPath);
      if (observeFailed)
        return fail("cannot write '%s'", observePath);
      done += (uint64_t)len;
    }
    if (out >= 0)
      dsc_sys_close(out);
    if (observeFd >= 0)
      dsc_sys_close(observeFd);
    eprintf("%s: evaluated %llu tokens %.1f tok/s | peak RSS %.1f MiB | %d threads\n",
            prog, (unsigned long long)done, done / (dsc_sys_now() - t0 + 1e-9),
            (double)dsc_sys_peak_rss() / (1024.0 * 1024.0), nThreads);
    return 0;
  }

  /* Prompt. */
  int32_t *tokens = (int32_t *)malloc(sizeof(int32_t) * (size_t)(m.ctx + 1));
  int64_t nPrompt = 0;
  if (bos && tok && dsc_tok_bos(tok) >= 0)
    tokens[nPrompt++] = dsc_tok_bos(tok);
  else if (bos && !tok)
    tokens[nPrompt++] = 1;
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
        return fail("--tokens: not a list of token ids below the vocabulary size: '%s'", tokenArg);
      if (nPrompt >= m.ctx)
        return fail("the prompt is longer than the context (-c)%s", "");
      tokens[nPrompt++] = (int32_t)id;
    }
  } else if (prompt || promptFile) {
    const char *text = prompt;
    uint64_t len = 0;
    if (promptFile) {
      text = (const char *)map_file(promptFile, 0, &len);
      if (!text && len == 0)
        text = "";
      if (!text)
        return fail("cannot read the prompt file '%s'", promptFile);
    } else {
      len = strlen(prompt);
    }
    if (!tok && len)
      return fail("this executable has no tokenizer; pass --tokens%s", "");
    if (len) {
      int64_t n = dsc_tok_encode(tok, text, len, false, tokens + nPrompt,
                                 m.ctx - nPrompt);
      if (n < 0)
        return fail("out of memory encoding the prompt%s", "");
      if (n > m.ctx - nPrompt)
        return fail("the prompt is longer than the context (-c)%s", "");
      nPrompt += n;
    }
  }
  if (nPrompt == 0)
    return fail("the prompt is empty and there is no BOS token%s", "");
  if (steps < nPrompt)
    steps = nPrompt;

  int nThreads = dsc_pool_start(threads ? (int)threads : dsc_sys_ncpu());
  dsc_sampler sampler;
  if (!seed)
    seed = dsc_sys_time_ns();
  if (!dsc_sampler_init(&sampler, (int32_t)m.vocab, temp, topP, (int32_t)topK, seed))
    return fail("out of memory%s", "");
  int dumpFd = -1;
  if (dumpPath) {
    dumpFd = dsc_sys_open(dumpPath, DSC_O_WRONLY | DSC_O_CREAT | DSC_O_TRUNC, 0644);
    if (dumpFd < 0)
      return fail("cannot write '%s'", dumpPath);
  }
  int64_t rows = dumpPath ? nPrompt : 1;
  m.logits = (float *)malloc(sizeof(float) * (size_t)(rows * m.vocab));

  /* Prompt in one call. */
  double t0 = dsc_sys_now();
  forward(&m, tokens, nPrompt, 0, rows);
  double t1 = dsc_sys_now();
  if (dumpFd >= 0)
    write_all(dumpFd, m.logits, sizeof(float) * (size_t)(rows * m.vocab));
  float *last = m.logits + (rows - 1) * m.vocab;

  /* Echo the prompt, as llama2.c does. */
  char piece[256];
  for (int64_t i = 1; tok && i < nPrompt; ++i) {
    size_t n = dsc_tok_decode(tok, tokens[i - 1], tokens[i], piece, sizeof(piece));
    out_write(piece, n < sizeof(piece) ? n : sizeof(piece));
  }
  out_flush();

  /* Positions 0 .. steps-1 are evaluated; each gives the token after it. */
  int64_t pos = nPrompt - 1;
  int32_t token = tokens[pos];
  int64_t generated = 0, decoded = 0;
  double tGen = 0;
  while (pos < steps) {
    int32_t next = dsc_sample(&sampler, last);
    if (tok && (next == dsc_tok_eos(tok) || next == dsc_tok_bos(tok)))
      break;
    if (tok) {
      size_t n = dsc_tok_decode(tok, token, next, piece, sizeof(piece));
      n = n < sizeof(piece) ? n : sizeof(piece);
      /* Raw control bytes are not text; whitespace is. */
      if (!(n == 1 && (unsigned char)piece[0] < 32 && piece[0] != '\n' &&
            piece[0] != '\t' && piece[0] != '\r'))
        out_write(piece, n);
    } else {
      char num[16];
      int n = dsc_snprintf(num, sizeof(num), "%d ", next);
      out_write(num, (size_t)n);
    }
    out_flush();
    generated++;
    token = next;
    if (++pos >= steps)
      break;
    double a = dsc_sys_now();
    forward(&m, &token, 1, pos, 1);
    tGen += dsc_sys_now() - a;
    decoded++;
    last = m.logits;
    if (dumpFd >= 0)
      write_all(dumpFd, m.logits, sizeof(float) * (size_t)m.vocab);
  }
  out_write("\n", 1);
  out_flush();
  if (dumpFd >= 0)
    dsc_sys_close(dumpFd);
  (void)generated;
  eprintf("%s: prompt %lld tokens %.1f tok/s | generation %lld tokens %.1f tok/s | "
          "peak RSS %.1f MiB | %d threads\n",
          prog, (long long)nPrompt, nPrompt / (t1 - t0 > 0 ? t1 - t0 : 1e-9),
          (long long)decoded, decoded / (tGen > 0 ? tGen : 1e-9),
          (double)dsc_sys_peak_rss() / (1024.0 * 1024.0), nThreads);
  return 0;
}
