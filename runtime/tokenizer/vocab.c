/*===- vocab.c - tokenizer tables, encoding and decoding -------------------===*/
#include "tokenizer/tok_internal.h"
#include "tokenizer/unicode.h"

/*===----------------------------------------------------------------------===*
 * Lookup tables
 *===----------------------------------------------------------------------===*/

static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

static uint32_t hash_pair(int32_t a, int32_t b) {
  uint64_t x = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (uint32_t)x;
}

static uint32_t pow2_at_least(uint64_t n) {
  uint32_t c = 16;
  while (c < n * 2)
    c <<= 1;
  return c;
}

const char *dsc_tok_piece(const dsc_tokenizer *t, int32_t id, size_t *len) {
  if (id < 0 || id >= t->n_vocab) {
    *len = 0;
    return "";
  }
  *len = t->piece_off[id + 1] - t->piece_off[id];
  return t->pool + t->piece_off[id];
}

int32_t dsc_tok_find(const dsc_tokenizer *t, const char *s, size_t n) {
  uint32_t mask = t->piece_cap - 1;
  for (uint32_t i = hash_bytes(s, n) & mask;; i = (i + 1) & mask) {
    int32_t id = t->piece_slots[i];
    if (id < 0)
      return -1;
    size_t len;
    const char *p = dsc_tok_piece(t, id, &len);
    if (len == n && memcmp(p, s, n) == 0)
      return id;
  }
}

/* Rank of merge (a, b), or -1. */
static int32_t find_merge(const dsc_tokenizer *t, int32_t a, int32_t b) {
  if (!t->merge_cap)
    return -1;
  uint32_t mask = t->merge_cap - 1;
  for (uint32_t i = hash_pair(a, b) & mask;; i = (i + 1) & mask) {
    int32_t r = t->merge_slots[i];
    if (r < 0)
      return -1;
    if (t->merges[2 * r] == a && t->merges[2 * r + 1] == b)
      return r;
  }
}

static int byte_token_value(const char *p, size_t len) {
  /* "<0xAB>" */
  if (len != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>')
    return -1;
  int v = 0;
  for (int i = 3; i < 5; ++i) {
    char c = p[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

static bool build_piece_index(dsc_tokenizer *t) {
  free(t->piece_slots);
  t->piece_cap = pow2_at_least((uint64_t)t->n_vocab);
  t->piece_slots = (int32_t *)malloc(sizeof(int32_t) * t->piece_cap);
  if (!t->piece_slots)
    return false;
  memset(t->piece_slots, 0xff, sizeof(int32_t) * t->piece_cap);
  /* First occurrence of a duplicated piece wins, as in SentencePiece. */
  for (int32_t id = 0; id < t->n_vocab; ++id) {
    size_t len;
    const char *p = dsc_tok_piece(t, id, &len);
    uint32_t mask = t->piece_cap - 1;
    uint32_t i = hash_bytes(p, len) & mask;
    bool dup = false;
    for (; t->piece_slots[i] >= 0; i = (i + 1) & mask) {
      size_t l2;
      const char *q = dsc_tok_piece(t, t->piece_slots[i], &l2);
      if (l2 == len && memcmp(p, q, len) == 0) {
        dup = true;
        break;
      }
    }
    if (!dup)
      t->piece_slots[i] = id;
  }
  return true;
}

static dsc_status build_tables(dsc_tokenizer *t, char *err, size_t errlen) {
  if (!build_piece_index(t))
    goto oom;
  for (int i = 0; i < 256; ++i)
    t->byte_tok[i] = -1;
  for (int32_t id = 0; id < t->n_vocab; ++id) {
    size_t len;
    const char *p = dsc_tok_piece(t, id, &len);
    if (t->flags & DSC_TOKF_BYTE_LEVEL) {
      uint32_t cp;
      size_t n = len ? dsc_utf8_decode((const uint8_t *)p, len, &cp) : 0;
      int b = n && n == len ? dsc_cp_to_byte(cp) : -1;
      if (b >= 0 && t->byte_tok[b] < 0)
        t->byte_tok[b] = id;
    } else {
      int b = byte_token_value(p, len);
      if (b >= 0 && t->byte_tok[b] < 0) {
        t->byte_tok[b] = id;
        if (t->types[id] == DSC_TT_NORMAL)
          t->types[id] = DSC_TT_BYTE;
      }
    }
  }
  if (t->n_merges) {
    t->merge_cap = pow2_at_least((uint64_t)t->n_merges);
    t->merge_slots = (int32_t *)malloc(sizeof(int32_t) * t->merge_cap);
    t->merge_result = (int32_t *)malloc(sizeof(int32_t) * t->n_merges);
    if (!t->merge_slots || !t->merge_result)
      goto oom;
    memset(t->merge_slots, 0xff, sizeof(int32_t) * t->merge_cap);
    char *tmp = 0;
    size_t tmpCap = 0;
    for (int32_t r = 0; r < t->n_merges; ++r) {
      int32_t a = t->merges[2 * r], b = t->merges[2 * r + 1];
      if (a < 0 || b < 0 || a >= t->n_vocab || b >= t->n_vocab) {
        dsc_snprintf(err, errlen, "merge %d refers to token ids %d, %d outside the vocabulary of %d",
                     r, a, b, t->n_vocab);
        free(tmp);
        return DSC_ERR_FORMAT;
      }
      size_t la, lb;
      const char *pa = dsc_tok_piece(t, a, &la);
      const char *pb = dsc_tok_piece(t, b, &lb);
      if (la + lb > tmpCap) {
        tmpCap = (la + lb) * 2 + 16;
        char *n = (char *)realloc(tmp, tmpCap);
        if (!n) {
          free(tmp);
          goto oom;
        }
        tmp = n;
      }
      memcpy(tmp, pa, la);
      memcpy(tmp + la, pb, lb);
      t->merge_result[r] = dsc_tok_find(t, tmp, la + lb);
      if (find_merge(t, a, b) >= 0)
        continue; /* a duplicate merge keeps its best rank */
      uint32_t mask = t->merge_cap - 1;
      uint32_t i = hash_pair(a, b) & mask;
      while (t->merge_slots[i] >= 0)
        i = (i + 1) & mask;
      t->merge_slots[i] = r;
    }
    free(tmp);
  }
  return DSC_OK;
oom:
  dsc_snprintf(err, errlen, "out of memory building tokenizer tables");
  return DSC_ERR_NOMEM;
}

/*===----------------------------------------------------------------------===*
 * Builder
 *===----------------------------------------------------------------------===*/

bool dsc_tokb_init(dsc_tok_builder *b, uint32_t algo) {
  memset(b, 0, sizeof(*b));
  b->t = (dsc_tokenizer *)calloc(1, sizeof(dsc_tokenizer));
  if (!b->t)
    return false;
  b->t->algo = algo;
  b->t->bos_id = b->t->eos_id = b->t->unk_id = -1;
  return true;
}

int32_t dsc_tokb_add(dsc_tok_builder *b, const char *piece, size_t len,
                     float score, uint8_t type) {
  dsc_tokenizer *t = b->t;
  if (b->oom)
    return -1;
  if (t->n_vocab + 1 >= b->vocab_cap) {
    int32_t cap = b->vocab_cap ? b->vocab_cap * 2 : 1024;
    uint32_t *off = (uint32_t *)realloc(t->piece_off, sizeof(uint32_t) * (cap + 1));
    if (off)
      t->piece_off = off;
    float *sc = (float *)realloc(t->scores, sizeof(float) * cap);
    if (sc)
      t->scores = sc;
    uint8_t *ty = (uint8_t *)realloc(t->types, cap);
    if (ty)
      t->types = ty;
    if (!off || !sc || !ty) {
      b->oom = true;
      return -1;
    }
    b->vocab_cap = cap;
  }
  if (b->pool_len + len + 1 > b->pool_cap) {
    size_t cap = b->pool_cap ? b->pool_cap * 2 : 16384;
    while (cap < b->pool_len + len + 1)
      cap *= 2;
    char *p = (char *)realloc(t->pool, cap);
    if (!p) {
      b->oom = true;
      return -1;
    }
    t->pool = p;
    b->pool_cap = cap;
  }
  int32_t id = t->n_vocab++;
  t->piece_off[id] = (uint32_t)b->pool_len;
  if (len)
    memcpy(t->pool + b->pool_len, piece, len);
  b->pool_len += len;
  t->piece_off[id + 1] = (uint32_t)b->pool_len;
  t->scores[id] = score;
  t->types[id] = type;
  return id;
}

bool dsc_tokb_index_pieces(dsc_tok_builder *b) {
  return !b->oom && b->t->n_vocab > 0 && build_piece_index(b->t);
}

void dsc_tokb_add_merge(dsc_tok_builder *b, int32_t left, int32_t right) {
  dsc_tokenizer *t = b->t;
  if (b->oom)
    return;
  if (t->n_merges >= b->merges_cap) {
    int32_t cap = b->merges_cap ? b->merges_cap * 2 : 1024;
    int32_t *m = (int32_t *)realloc(t->merges, sizeof(int32_t) * 2 * cap);
    if (!m) {
      b->oom = true;
      return;
    }
    t->merges = m;
    b->merges_cap = cap;
  }
  t->merges[2 * t->n_merges] = left;
  t->merges[2 * t->n_merges + 1] = right;
  t->n_merges++;
}

void dsc_tokb_abort(dsc_tok_builder *b) {
  dsc_tok_free(b->t);
  b->t = 0;
}

dsc_status dsc_tokb_finish(dsc_tok_builder *b, dsc_tokenizer **out, char *err,
                           size_t errlen) {
  dsc_tokenizer *t = b->t;
  *out = 0;
  if (b->oom) {
    dsc_snprintf(err, errlen, "out of memory reading the vocabulary");
    dsc_tokb_abort(b);
    return DSC_ERR_NOMEM;
  }
  if (t->n_vocab == 0) {
    dsc_snprintf(err, errlen, "the vocabulary is empty");
    dsc_tokb_abort(b);
    return DSC_ERR_FORMAT;
  }
  int32_t ids[3] = {t->bos_id, t->eos_id, t->unk_id};
  const char *names[3] = {"BOS", "EOS", "UNK"};
  for (int i = 0; i < 3; ++i)
    if (ids[i] >= t->n_vocab) {
      dsc_snprintf(err, errlen, "%s token id %d is outside the vocabulary of %d",
                   names[i], ids[i], t->n_vocab);
      dsc_tokb_abort(b);
      return DSC_ERR_FORMAT;
    }
  dsc_status s = build_tables(t, err, errlen);
  if (s != DSC_OK) {
    dsc_tokb_abort(b);
    return s;
  }
  *out = t;
  b->t = 0;
  return DSC_OK;
}

void dsc_tok_free(dsc_tokenizer *t) {
  if (!t)
    return;
  free(t->piece_off);
  free(t->pool);
  free(t->scores);
  free(t->types);
  free(t->merges);
  free(t->merge_result);
  free(t->piece_slots);
  free(t->merge_slots);
  free(t);
}

int32_t dsc_tok_n_vocab(const dsc_tokenizer *t) { return t->n_vocab; }
int32_t dsc_tok_bos(const dsc_tokenizer *t) { return t->bos_id; }
int32_t dsc_tok_eos(const dsc_tokenizer *t) { return t->eos_id; }
uint32_t dsc_tok_flags(const dsc_tokenizer *t) { return t->flags; }
const char *dsc_tok_algo_name(const dsc_tokenizer *t) {
  if (t->algo == DSC_TOK_SPM)
    return "sentencepiece-bpe";
  return (t->flags & DSC_TOKF_BYTE_LEVEL) ? "byte-level-bpe" : "bpe";
}

/*===----------------------------------------------------------------------===*
 * Encoding
 *===----------------------------------------------------------------------===*/

typedef struct {
  int32_t *ids;
  int64_t len, cap; /* cap of the caller's array */
} id_out;

static void emit_id(id_out *o, int32_t id) {
  if (o->len < o->cap)
    o->ids[o->len] = id;
  o->len++;
}

typedef struct {
  int32_t prev, next;
  uint32_t start, len;
  int32_t id;
} sym_t;

typedef struct {
  float score;
  int32_t left, right;
  uint32_t size;
  int32_t id;
} bigram_t;

typedef struct {
  bigram_t *v;
  size_t n, cap;
  bool oom;
} heap_t;

static bool before(const bigram_t *a, const bigram_t *b) {
  return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(heap_t *h, bigram_t x) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 64;
    bigram_t *v = (bigram_t *)realloc(h->v, cap * sizeof(bigram_t));
    if (!v) {
      h->oom = true;
      return;
    }
    h->v = v;
    h->cap = cap;
  }
  size_t i = h->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&x, &h->v[p]))
      break;
    h->v[i] = h->v[p];
    i = p;
  }
  h->v[i] = x;
}

static bigram_t heap_pop(heap_t *h) {
  bigram_t top = h->v[0];
  bigram_t last = h->v[--h->n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n)
      break;
    if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
      c++;
    if (!before(&h->v[c], &last))
      break;
    h->v[i] = h->v[c];
    i = c;
  }
  if (h->n)
    h->v[i] = last;
  return top;
}

static bool mergeable_type(uint8_t type) {
  return type == DSC_TT_NORMAL || type == DSC_TT_USER_DEFINED ||
         type == DSC_TT_UNUSED;
}

static void try_bigram(const dsc_tokenizer *t, const char *text, sym_t *syms,
                       int32_t left, int32_t right, heap_t *h) {
  if (left < 0 || right < 0)
    return;
  bigram_t b;
  b.left = left;
  b.right = right;
  b.size = syms[left].len + syms[right].len;
  if (t->algo == DSC_TOK_SPM) {
    int32_t id = dsc_tok_find(t, text + syms[left].start, b.size);
    if (id < 0 || !mergeable_type(t->types[id]))
      return;
    b.id = id;
    b.score = t->scores[id];
  } else {
    if (syms[left].id < 0 || syms[right].id < 0)
      return;
    int32_t rank = find_merge(t, syms[left].id, syms[right].id);
    if (rank < 0 || t->merge_result[rank] < 0)
      return;
    b.id = t->merge_result[rank];
    b.score = -(float)rank;
  }
  heap_push(h, b);
}

static void emit_bytes(const dsc_tokenizer *t, const char *s, size_t n,
                       id_out *o) {
  for (size_t i = 0; i < n; ++i) {
    int32_t id = t->byte_tok[(uint8_t)s[i]];
    emit_id(o, id >= 0 ? id : t->unk_id >= 0 ? t->unk_id : 0);
  }
}

/* BPE over one word of already-normalized text. */
static bool encode_word(const dsc_tokenizer *t, const char *text, size_t n,
                        id_out *o) {
  if (n == 0)
    return true;
  if ((t->flags & DSC_TOKF_IGNORE_MERGES) && t->algo == DSC_TOK_BPE) {
    int32_t id = dsc_tok_find(t, text, n);
    if (id >= 0) {
      emit_id(o, id);
      return true;
    }
  }
  sym_t *syms = (sym_t *)malloc(sizeof(sym_t) * n);
  if (!syms)
    return false;
  int32_t ns = 0;
  for (size_t i = 0; i < n;) {
    size_t l = dsc_utf8_len((uint8_t)text[i]);
    if (l > n - i)
      l = n - i;
    syms[ns].start = (uint32_t)i;
    syms[ns].len = (uint32_t)l;
    syms[ns].prev = ns - 1;
    syms[ns].next = i + l < n ? ns + 1 : -1;
    syms[ns].id = dsc_tok_find(t, text + i, l);
    ns++;
    i += l;
  }
  heap_t h = {0, 0, 0, false};
  for (int32_t i = 0; i + 1 < ns; ++i)
    try_bigram(t, text, syms, i, i + 1, &h);
  while (h.n && !h.oom) {
    bigram_t b = heap_pop(&h);
    sym_t *l = &syms[b.left], *r = &syms[b.right];
    if (l->len == 0 || r->len == 0 || l->len + r->len != b.size ||
        l->next != b.right)
      continue;
    l->len += r->len;
    l->id = b.id;
    r->len = 0;
    l->next = r->next;
    if (r->next >= 0)
      syms[r->next].prev = b.left;
    try_bigram(t, text, syms, l->prev, b.left, &h);
    try_bigram(t, text, syms, b.left, l->next, &h);
  }
  bool ok = !h.oom;
  free(h.v);
  for (int32_t i = 0; ok && i >= 0 && ns; i = syms[i].next) {
    sym_t *s = &syms[i];
    if (s->id >= 0 && (t->algo == DSC_TOK_BPE || mergeable_type(t->types[s->id]) ||
                       t->types[s->id] == DSC_TT_BYTE))
      emit_id(o, s->id);
    else if (t->flags & (DSC_TOKF_BYTE_FALLBACK | DSC_TOKF_BYTE_LEVEL))
      emit_bytes(t, text + s->start, s->len, o);
    else
      emit_id(o, t->unk_id >= 0 ? t->unk_id : 0);
  }
  free(syms);
  return ok;
}

typedef struct {
  const dsc_tokenizer *t;
  const char *text;
  id_out *out;
  char *buf;
  size_t cap;
  bool ok;
} word_ctx;

static void encode_pretoken(void *vctx, size_t begin, size_t end) {
  word_ctx *c = (word_ctx *)vctx;
  if (!c->ok)
    return;
  const char *w = c->text + begin;
  size_t n = end - begin;
  if (!(c->t->flags & DSC_TOKF_BYTE_LEVEL)) {
    c->ok = encode_word(c->t, w, n, c->out);
    return;
  }
  if (n * 2 > c->cap) {
    size_t cap = n * 2 + 64;
    char *b = (char *)realloc(c->buf, cap);
    if (!b) {
      c->ok = false;
      return;
    }
    c->buf = b;
    c->cap = cap;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; ++i)
    m += dsc_utf8_encode(dsc_byte_to_cp((uint8_t)w[i]), c->buf + m);
  c->ok = encode_word(c->t, c->buf, m, c->out);
}

/* SentencePiece-style normalization: extra whitespace, dummy prefix and the
 * U+2581 escape. Returns a malloc'd buffer. */
static char *normalize_spaces(const dsc_tokenizer *t, const char *text,
                              size_t len, size_t *outLen) {
  char *buf = (char *)malloc(len * 3 + 4);
  if (!buf)
    return 0;
  size_t n = 0;
  const char *s = text;
  size_t sl = len;
  if (t->flags & DSC_TOKF_REMOVE_EXTRA_WS) {
    while (sl && *s == ' ')
      s++, sl--;
    while (sl && s[sl - 1] == ' ')
      sl--;
  }
  bool escape = (t->flags & DSC_TOKF_ESCAPE_SPACES) != 0;
  if ((t->flags & DSC_TOKF_ADD_SPACE_PREFIX) && sl) {
    if (escape) {
      memcpy(buf, "\xE2\x96\x81", 3);
      n = 3;
    } else {
      buf[n++] = ' ';
    }
  }
  for (size_t i = 0; i < sl; ++i) {
    if (s[i] == ' ' && (t->flags & DSC_TOKF_REMOVE_EXTRA_WS) && i > 0 &&
        s[i - 1] == ' ')
      continue;
    if (s[i] == ' ' && escape) {
      memcpy(buf + n, "\xE2\x96\x81", 3);
      n += 3;
    } else {
      buf[n++] = s[i];
    }
  }
  *outLen = n;
  return buf;
}

int64_t dsc_tok_encode(const dsc_tokenizer *t, const char *text, size_t len,
                       bool add_bos, int32_t *ids, int64_t cap) {
  id_out o = {ids, 0, cap};
  if (add_bos && t->bos_id >= 0)
    emit_id(&o, t->bos_id);
  if (len == 0)
    return o.len;
  size_t n = len;
  char *norm = 0;
  const char *src = text;
  if (!(t->flags & DSC_TOKF_BYTE_LEVEL) &&
      (t->flags & (DSC_TOKF_ADD_SPACE_PREFIX | DSC_TOKF_ESCAPE_SPACES |
                   DSC_TOKF_REMOVE_EXTRA_WS))) {
    norm = normalize_spaces(t, text, len, &n);
    if (!norm)
      return -1;
    src = norm;
  }
  if ((t->flags & DSC_TOKF_BYTE_LEVEL) &&
      (t->flags & DSC_TOKF_ADD_SPACE_PREFIX) && text[0] != ' ') {
    norm = (char *)malloc(len + 1);
    if (!norm)
      return -1;
    norm[0] = ' ';
    memcpy(norm + 1, text, len);
    n = len + 1;
    src = norm;
  }
  word_ctx c = {t, src, &o, 0, 0, true};
  if (t->pretok == DSC_PRE_NONE)
    encode_pretoken(&c, 0, n);
  else
    dsc_pretokenize(t->pretok, src, n, encode_pretoken, &c);
  free(c.buf);
  free(norm);
  return c.ok ? o.len : -1;
}

/*===----------------------------------------------------------------------===*
 * Decoding
 *===----------------------------------------------------------------------===*/

size_t dsc_tok_decode(const dsc_tokenizer *t, int32_t prev, int32_t id,
                      char *buf, size_t cap) {
  if (id < 0 || id >= t->n_vocab)
    return 0;
  uint8_t type = t->types[id];
  if (type == DSC_TT_CONTROL)
    return 0;
  size_t len;
  const char *p = dsc_tok_piece(t, id, &len);
  size_t n = 0;
#define PUT(c) dsc_put_char(buf, cap, &n, (char)(c))
  if (type == DSC_TT_BYTE && !(t->flags & DSC_TOKF_BYTE_LEVEL)) {
    int b = byte_token_value(p, len);
    if (b >= 0) {
      PUT(b);
      return n;
    }
  }
  if (t->flags & DSC_TOKF_BYTE_LEVEL) {
    for (size_t i = 0; i < len;) {
      uint32_t cp;
      i += dsc_utf8_decode((const uint8_t *)p + i, len - i, &cp);
      int b = dsc_cp_to_byte(cp);
      if (b >= 0) {
        PUT(b);
      } else {
        /* Added tokens are stored as plain text. */
        char u[4];
        size_t k = dsc_utf8_encode(cp, u);
        for (size_t j = 0; j < k; ++j)
          PUT(u[j]);
      }
    }
    return n;
  }
  bool atStart = prev < 0 || prev == t->bos_id;
  bool strip = atStart && (t->flags & DSC_TOKF_ADD_SPACE_PREFIX);
  for (size_t i = 0; i < len; ++i) {
    if (i + 2 < len && (uint8_t)p[i] == 0xE2 && (uint8_t)p[i + 1] == 0x96 &&
        (uint8_t)p[i + 2] == 0x81) {
      i += 2;
      if (strip && n == 0) {
        strip = false;
        continue;
      }
      PUT(' ');
    } else {
      if (strip && n == 0 && p[i] == ' ') {
        strip = false;
        continue;
      }
      strip = false;
      PUT(p[i]);
    }
  }
#undef PUT
  return n;
}
