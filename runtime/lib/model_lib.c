/*===- model_lib.c - the C library interface of a compiled model --------===*
 *
 * What dsc_model.h promises, on top of the generated forward function, the
 * tokenizer and the sampler. The payload (dsc/payload.h) is the library's
 * own (dsc_lib_payload, written by dsc into a read-only section) or read
 * from a .dscw file with the application's stdio.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/checksum.h"
#include "dsc/model.h"
#include "dsc/payload.h"
#include "dsc/sampler.h"
#include "dsc/tokenizer.h"
#include "dsc_model.h"

/* The application's C library: stdio for reading a weights file. */
typedef struct dsc_lib_file FILE;
FILE *fopen(const char *path, const char *mode);
size_t fread(void *buf, size_t size, size_t n, FILE *f);
int fclose(FILE *f);

/* Written by dsc: the embedded payload (empty with --weights=external). */
extern const unsigned char dsc_lib_payload[];
extern const uint64_t dsc_lib_payload_size;

/* Payloads up to this size are checked against their checksum when a
 * context is created, as executables do (exe/load.h). */
#define VERIFY_MAX (64ull << 20)

struct dsc_model {
  const uint8_t *payload;
  uint8_t *owned; /* the payload read from a file, else NULL */
  dsc_tokenizer *tok;
  dsc_memref1 weights, cache;
  float *logits;
  int64_t ctx, past;
  bool haveLogits;
  dsc_sampler sampler;
};

static dsc_model_status fail(char *err, size_t errlen, dsc_model_status st,
                             const char *fmt, const char *arg) {
  if (err && errlen)
    dsc_snprintf(err, errlen, fmt, arg);
  return st;
}

/* The whole of path in malloc'd memory whose payload bytes are 64-aligned
 * (the kernels read weights with aligned vector loads). */
static dsc_model_status read_file(const char *path, uint8_t **owned,
                                  const uint8_t **data, uint64_t *size,
                                  char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return fail(err, errlen, DSC_MODEL_ERR_IO, "cannot open '%s'", path);
  uint64_t cap = 1 << 20, n = 0;
  uint8_t *buf = (uint8_t *)malloc(cap + 64);
  for (;;) {
    if (!buf) {
      fclose(f);
      return fail(err, errlen, DSC_MODEL_ERR_NOMEM,
                  "out of memory reading '%s'", path);
    }
    uint8_t *base = buf + (64 - (uintptr_t)buf % 64) % 64;
    size_t got = fread(base + n, 1, (size_t)(cap - n), f);
    n += got;
    if (n < cap)
      break;
    uint64_t off = (uint64_t)(base - buf);
    uint8_t *bigger = (uint8_t *)realloc(buf, 2 * cap + 64);
    if (bigger) {
      uint8_t *nb = bigger + (64 - (uintptr_t)bigger % 64) % 64;
      if ((uint64_t)(nb - bigger) != off)
        memmove(nb, bigger + off, (size_t)n);
      cap *= 2;
    } else {
      free(buf);
    }
    buf = bigger;
  }
  fclose(f);
  *owned = buf;
  *data = buf + (64 - (uintptr_t)buf % 64) % 64;
  *size = n;
  return DSC_MODEL_OK;
}

static const dsc_payload_section *section(const dsc_payload_header *h,
                                          const char *name, uint64_t size) {
  for (uint64_t i = 0; i < h->n_sections && i < 8; ++i) {
    const dsc_payload_section *s = &h->sections[i];
    if (strlen(s->name) == strlen(name) &&
        memcmp(s->name, name, strlen(name)) == 0 && s->offset <= size &&
        s->size <= size - s->offset)
      return s;
  }
  return 0;
}

/* Checks the payload and finds its weights and tokenizer. */
static dsc_model_status open_payload(dsc_model *m, uint64_t size,
                                     const char *what, char *err,
                                     size_t errlen) {
  const dsc_payload_header *h = (const dsc_payload_header *)m->payload;
  if (size < DSC_PAYLOAD_ALIGN || memcmp(h->magic, DSC_PAYLOAD_MAGIC, 8) != 0)
    return fail(err, errlen, DSC_MODEL_ERR_FORMAT,
                "'%s' holds no dsc weights of this version", what);
  if ((int64_t)h->model_id != dsc_model_desc.model_id)
    return fail(err, errlen, DSC_MODEL_ERR_FORMAT,
                "the weights in '%s' belong to another build of this model",
                what);
  const dsc_payload_section *w = section(h, "weights", size);
  const dsc_payload_section *t = section(h, "tokenizer", size);
  const dsc_payload_section *c = section(h, "checksum", size);
  if (!w || (int64_t)w->size != dsc_model_desc.weights_size || !c ||
      c->size != 8)
    return fail(err, errlen, DSC_MODEL_ERR_FORMAT,
                "'%s' is damaged: its weights or checksum section is missing",
                what);
  if (size <= VERIFY_MAX && dsc_hash_bytes(m->payload, c->offset) !=
                                dsc_load_u64(m->payload + c->offset))
    return fail(err, errlen, DSC_MODEL_ERR_FORMAT,
                "'%s' is damaged: its checksum does not match", what);
  void *wbase = (void *)(uintptr_t)(m->payload + w->offset);
  m->weights = (dsc_memref1){wbase, wbase, 0, (int64_t)w->size, 1};
  if (t) {
    char why[128];
    if (dsc_tok_deserialize(m->payload + t->offset, t->size, &m->tok, why,
                            sizeof(why)) != DSC_OK)
      return fail(err, errlen, DSC_MODEL_ERR_FORMAT,
                  "the tokenizer in '%s' is damaged", what);
  }
  return DSC_MODEL_OK;
}

dsc_model_status dsc_model_create(const dsc_model_params *params,
                                  dsc_model **out, char *err, size_t errlen) {
  *out = 0;
  if (dsc_model_desc.magic != DSC_MODEL_DESC_MAGIC ||
      dsc_model_desc.version != DSC_MODEL_DESC_VERSION)
    return fail(err, errlen, DSC_MODEL_ERR_FORMAT,
                "%sthe model code and its runtime are of different dsc "
                "versions",
                "");
  dsc_model *m = (dsc_model *)calloc(1, sizeof(dsc_model));
  if (!m)
    return fail(err, errlen, DSC_MODEL_ERR_NOMEM, "%sout of memory", "");
  const char *path = params ? params->weights_path : 0;
  uint64_t size;
  dsc_model_status st = DSC_MODEL_OK;
  if (path) {
    st = read_file(path, &m->owned, &m->payload, &size, err, errlen);
  } else if (dsc_lib_payload_size == 0) {
    st = fail(err, errlen, DSC_MODEL_ERR_ARG,
              "%sthis library was compiled with --weights=external: pass "
              "weights_path",
              "");
  } else {
    m->payload = dsc_lib_payload;
    size = dsc_lib_payload_size;
  }
  if (st == DSC_MODEL_OK)
    st = open_payload(m, size, path ? path : "the library", err, errlen);
  int64_t ctx =
      params && params->n_ctx > 0 ? params->n_ctx : dsc_model_desc.max_seq;
  m->ctx = ctx;
  if (st == DSC_MODEL_OK) {
    int64_t elems =
        dsc_kv_per_position(dsc_model_desc.layers, dsc_model_desc.kv_heads,
                            dsc_model_desc.head_dim) *
        ctx;
    uint64_t bytes = (uint64_t)elems * (uint64_t)dsc_model_desc.kv_elem_bytes;
    void *cache = malloc((size_t)bytes);
    m->logits = (float *)malloc(sizeof(float) * (size_t)dsc_model_desc.vocab);
    m->cache = (dsc_memref1){cache, cache, 0, (int64_t)(bytes / 4), 1};
    if (!cache || !m->logits ||
        !dsc_sampler_init(&m->sampler, (int32_t)dsc_model_desc.vocab, 0.8f,
                          0.95f, 40, 0))
      st = fail(err, errlen, DSC_MODEL_ERR_NOMEM,
                "%sout of memory for the KV cache (lower n_ctx)", "");
  }
  if (st != DSC_MODEL_OK) {
    dsc_model_free(m);
    return st;
  }
  *out = m;
  return DSC_MODEL_OK;
}

void dsc_model_free(dsc_model *m) {
  if (!m)
    return;
  if (m->tok)
    dsc_tok_free(m->tok);
  dsc_sampler_free(&m->sampler);
  free(m->cache.allocated);
  free(m->logits);
  free(m->owned);
  free(m);
}

int32_t dsc_model_n_vocab(const dsc_model *m) {
  return (int32_t)dsc_model_desc.vocab;
}
int32_t dsc_model_n_ctx(const dsc_model *m) { return (int32_t)m->ctx; }
int32_t dsc_model_bos(const dsc_model *m) {
  return m->tok ? dsc_tok_bos(m->tok) : -1;
}
int32_t dsc_model_eos(const dsc_model *m) {
  return m->tok ? dsc_tok_eos(m->tok) : -1;
}

int64_t dsc_model_tokenize(const dsc_model *m, const char *text, size_t len,
                           int add_bos, int32_t *ids, int64_t cap) {
  if (!m->tok)
    return -1;
  return dsc_tok_encode(m->tok, text, len, add_bos != 0, ids, cap);
}

int64_t dsc_model_token_text(const dsc_model *m, int32_t prev, int32_t id,
                             char *buf, size_t cap) {
  if (!m->tok || id < 0 || id >= dsc_tok_n_vocab(m->tok) ||
      prev >= dsc_tok_n_vocab(m->tok))
    return -1;
  return (int64_t)dsc_tok_decode(m->tok, prev, id, buf, cap);
}

int64_t dsc_model_detokenize(const dsc_model *m, const int32_t *ids, int64_t n,
                             char *buf, size_t cap) {
  if (!m->tok)
    return -1;
  uint64_t used = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= dsc_tok_n_vocab(m->tok))
      return -1;
    size_t room = used < cap ? cap - (size_t)used : 0;
    used += dsc_tok_decode(m->tok, i ? ids[i - 1] : -1, ids[i],
                           room ? buf + used : buf, room);
  }
  return (int64_t)used;
}

dsc_model_status dsc_model_eval(dsc_model *m, const int32_t *ids, int64_t n) {
  if (n <= 0 || n > m->ctx - m->past)
    return DSC_MODEL_ERR_ARG;
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= dsc_model_desc.vocab)
      return DSC_MODEL_ERR_ARG;
  int32_t *t = (int32_t *)(uintptr_t)ids;
  dsc_memref1 toks = {t, t, 0, n, 1};
  dsc_memref2 logits = {m->logits,
                        m->logits,
                        0,
                        {1, dsc_model_desc.vocab},
                        {dsc_model_desc.vocab, 1}};
  _mlir_ciface_dsc_forward(&m->weights, &toks, m->past, 1, &m->cache, &logits);
  m->past += n;
  m->haveLogits = true;
  return DSC_MODEL_OK;
}

const float *dsc_model_logits(const dsc_model *m) {
  return m->haveLogits ? m->logits : 0;
}

int64_t dsc_model_n_past(const dsc_model *m) { return m->past; }

dsc_model_status dsc_model_truncate(dsc_model *m, int64_t n) {
  if (n < 0 || n > m->past)
    return DSC_MODEL_ERR_ARG;
  /* Positions past n are overwritten by the next evaluation. */
  m->past = n;
  m->haveLogits = false;
  return DSC_MODEL_OK;
}

dsc_model_status dsc_model_set_sampling(dsc_model *m, float temperature,
                                        int32_t top_k, float top_p,
                                        uint64_t seed) {
  if (!(temperature >= 0) || top_k < 0 || !(top_p >= 0 && top_p <= 1))
    return DSC_MODEL_ERR_ARG;
  dsc_sampler s;
  if (!dsc_sampler_init(&s, (int32_t)dsc_model_desc.vocab, temperature, top_p,
                        top_k, seed))
    return DSC_MODEL_ERR_NOMEM;
  dsc_sampler_free(&m->sampler);
  m->sampler = s;
  return DSC_MODEL_OK;
}

int32_t dsc_model_sample(dsc_model *m) {
  if (!m->haveLogits)
    return -1;
  return dsc_sample(&m->sampler, m->logits);
}
