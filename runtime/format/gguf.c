/*===- gguf.c - GGUF v2/v3 reader ----------------------------------------===*/
#include "dsc/gguf.h"
#include "dsc/abi/quant_layout.h"

typedef struct {
  const uint8_t *base;
  const uint8_t *p;
  const uint8_t *end;
  char *err;
  size_t errlen;
} reader;

static bool need(reader *r, uint64_t n, const char *what) {
  if ((uint64_t)(r->end - r->p) < n) {
    dsc_snprintf(r->err, r->errlen, "truncated: %s at byte %llu needs %llu bytes, %llu left",
                 what, (unsigned long long)(r->p - r->base),
                 (unsigned long long)n, (unsigned long long)(r->end - r->p));
    return false;
  }
  return true;
}

static bool rd_u32(reader *r, uint32_t *v, const char *what) {
  if (!need(r, 4, what))
    return false;
  *v = dsc_load_u32(r->p);
  r->p += 4;
  return true;
}

static bool rd_u64(reader *r, uint64_t *v, const char *what) {
  if (!need(r, 8, what))
    return false;
  *v = dsc_load_u64(r->p);
  r->p += 8;
  return true;
}

static bool rd_str(reader *r, dsc_str *s, const char *what) {
  uint64_t len;
  if (!rd_u64(r, &len, what) || !need(r, len, what))
    return false;
  s->ptr = (const char *)r->p;
  s->len = len;
  r->p += len;
  return true;
}

uint64_t dsc_gguf_type_size(uint32_t type) {
  switch (type) {
  case DSC_GGUF_UINT8:
  case DSC_GGUF_INT8:
  case DSC_GGUF_BOOL:
    return 1;
  case DSC_GGUF_UINT16:
  case DSC_GGUF_INT16:
    return 2;
  case DSC_GGUF_UINT32:
  case DSC_GGUF_INT32:
  case DSC_GGUF_FLOAT32:
    return 4;
  case DSC_GGUF_UINT64:
  case DSC_GGUF_INT64:
  case DSC_GGUF_FLOAT64:
    return 8;
  default:
    return 0;
  }
}

/* Skips one value of `type` (not an array). */
static bool skip_scalar(reader *r, uint32_t type, const char *what) {
  if (type == DSC_GGUF_STRING) {
    dsc_str s;
    return rd_str(r, &s, what);
  }
  uint64_t sz = dsc_gguf_type_size(type);
  if (!sz) {
    dsc_snprintf(r->err, r->errlen, "%s has unknown value type %u", what, type);
    return false;
  }
  if (!need(r, sz, what))
    return false;
  r->p += sz;
  return true;
}

static bool format_key(char *buf, size_t n, const dsc_str *key) {
  int len = key->len > 80 ? 80 : (int)key->len;
  dsc_snprintf(buf, n, "metadata '%.*s'", len, key->ptr);
  return true;
}

const char *dsc_ggml_type_name(uint32_t type) {
  /* ggml's names, also of the types dsc does not read, for messages. */
  static const char *const names[] = {
      "F32",     "F16",   "Q4_0",   "Q4_1",  "Q4_2",    "Q4_3",
      "Q5_0",    "Q5_1",  "Q8_0",   "Q8_1",  "Q2_K",    "Q3_K",
      "Q4_K",    "Q5_K",  "Q6_K",   "Q8_K",  "IQ2_XXS", "IQ2_XS",
      "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S",   "IQ4_XS",
      "I8",      "I16",   "I32",    "I64",   "F64",     "IQ1_M",
      "BF16",    0,       0,        0,       "TQ1_0",   "TQ2_0"};
  return type < sizeof(names) / sizeof(names[0]) ? names[type] : 0;
}

uint64_t dsc_ggml_nbytes(uint32_t type, uint64_t n, uint64_t row) {
  uint64_t block, bytes;
  switch (type) {
  case DSC_GGML_F32: block = 1; bytes = 4; break;
  case DSC_GGML_F16:
  case DSC_GGML_BF16: block = 1; bytes = 2; break;
  default:
    /* The block formats of dsc/abi/quant_layout.h. */
    block = dsc_ggml_block_elems(type);
    bytes = dsc_ggml_block_bytes(type);
    if (!block)
      return 0;
  }
  if (row == 0 || row % block)
    return 0;
  return n / block * bytes;
}

dsc_status dsc_gguf_parse(const uint8_t *data, uint64_t size, dsc_gguf *g,
                          char *err, size_t errlen) {
  reader r = {data, data, data + size, err, errlen};
  memset(g, 0, sizeof(*g));
  g->data = data;
  g->size = size;
  g->alignment = 32;
  uint32_t magic;
  if (!rd_u32(&r, &magic, "magic"))
    return DSC_ERR_FORMAT;
  if (magic != 0x46554747u) { /* "GGUF" */
    dsc_snprintf(err, errlen, "bad magic: not a GGUF file");
    return DSC_ERR_FORMAT;
  }
  if (!rd_u32(&r, &g->version, "version"))
    return DSC_ERR_FORMAT;
  if (g->version != 2 && g->version != 3) {
    dsc_snprintf(err, errlen, "unsupported GGUF version %u (dsc reads 2 and 3)",
                 g->version);
    return DSC_ERR_UNSUPPORTED;
  }
  if (!rd_u64(&r, &g->n_tensors, "tensor_count") ||
      !rd_u64(&r, &g->n_kv, "metadata_kv_count"))
    return DSC_ERR_FORMAT;
  /* Each kv takes at least 12 bytes and each tensor info at least 24: reject
   * counts the file cannot hold before allocating. */
  if (g->n_kv > size / 12 || g->n_tensors > size / 24) {
    dsc_snprintf(err, errlen,
                 "tensor_count %llu or metadata_kv_count %llu exceeds what the "
                 "file's %llu bytes can hold",
                 (unsigned long long)g->n_tensors,
                 (unsigned long long)g->n_kv, (unsigned long long)size);
    return DSC_ERR_FORMAT;
  }
  g->kv = (dsc_gguf_kv *)calloc(g->n_kv ? g->n_kv : 1, sizeof(dsc_gguf_kv));
  g->tensors = (dsc_gguf_tensor *)calloc(g->n_tensors ? g->n_tensors : 1,
                                         sizeof(dsc_gguf_tensor));
  if (!g->kv || !g->tensors) {
    dsc_gguf_free(g);
    dsc_snprintf(err, errlen, "out of memory");
    return DSC_ERR_NOMEM;
  }
  char what[128];
  for (uint64_t i = 0; i < g->n_kv; ++i) {
    dsc_gguf_kv *kv = &g->kv[i];
    dsc_snprintf(what, sizeof(what), "metadata key %llu", (unsigned long long)i);
    if (!rd_str(&r, &kv->key, what))
      goto fail;
    format_key(what, sizeof(what), &kv->key);
    if (!rd_u32(&r, &kv->type, what))
      goto fail;
    if (kv->type == DSC_GGUF_ARRAY) {
      if (!rd_u32(&r, &kv->elem_type, what) || !rd_u64(&r, &kv->count, what))
        goto fail;
      if (kv->elem_type == DSC_GGUF_ARRAY) {
        dsc_snprintf(err, errlen, "%s: nested arrays are not supported", what);
        goto fail;
      }
      kv->value = r.p;
      uint64_t esz = dsc_gguf_type_size(kv->elem_type);
      if (esz) {
        if (kv->count > (uint64_t)(r.end - r.p) / esz) {
          need(&r, (uint64_t)-1, what);
          goto fail;
        }
        r.p += kv->count * esz;
      } else {
        for (uint64_t j = 0; j < kv->count; ++j)
          if (!skip_scalar(&r, kv->elem_type, what))
            goto fail;
      }
    } else {
      kv->value = r.p;
      if (!skip_scalar(&r, kv->type, what))
        goto fail;
    }
  }
  uint64_t align;
  if (dsc_gguf_get_u64(g, "general.alignment", &align)) {
    if (align == 0 || (align & (align - 1)) || align > (1u << 20)) {
      dsc_snprintf(err, errlen,
                   "metadata 'general.alignment' = %llu is not a power of two",
                   (unsigned long long)align);
      goto fail;
    }
    g->alignment = align;
  }
  for (uint64_t i = 0; i < g->n_tensors; ++i) {
    dsc_gguf_tensor *t = &g->tensors[i];
    dsc_snprintf(what, sizeof(what), "tensor info %llu", (unsigned long long)i);
    if (!rd_str(&r, &t->name, what))
      goto fail;
    int nl = t->name.len > 80 ? 80 : (int)t->name.len;
    dsc_snprintf(what, sizeof(what), "tensor '%.*s'", nl, t->name.ptr);
    if (!rd_u32(&r, &t->n_dims, what))
      goto fail;
    if (t->n_dims < 1 || t->n_dims > 4) {
      dsc_snprintf(err, errlen, "%s: n_dims %u out of range [1, 4]", what,
                   t->n_dims);
      goto fail;
    }
    for (uint32_t d = 0; d < 4; ++d)
      t->dims[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; ++d)
      if (!rd_u64(&r, &t->dims[d], what))
        goto fail;
    if (!rd_u32(&r, &t->type, what) || !rd_u64(&r, &t->offset, what))
      goto fail;
  }
  uint64_t pos = (uint64_t)(r.p - data);
  g->data_offset = (pos + g->alignment - 1) / g->alignment * g->alignment;
  for (uint64_t i = 0; i < g->n_tensors; ++i) {
    dsc_gguf_tensor *t = &g->tensors[i];
    int nl = t->name.len > 80 ? 80 : (int)t->name.len;
    /* At most 2^56 elements, so that their bytes (at most 4 each) cannot
     * wrap around 2^64 and pass the bounds check below as a small size. */
    uint64_t n = 1;
    for (uint32_t d = 0; d < t->n_dims; ++d) {
      if (t->dims[d] == 0 || t->dims[d] > (1ull << 40) ||
          n > (1ull << 56) / t->dims[d]) {
        dsc_snprintf(err, errlen, "tensor '%.*s': dimension %u = %llu is invalid",
                     nl, t->name.ptr, d, (unsigned long long)t->dims[d]);
        goto fail;
      }
      n *= t->dims[d];
    }
    if (t->offset % g->alignment) {
      dsc_snprintf(err, errlen, "tensor '%.*s': offset %llu is not aligned to %llu",
                   nl, t->name.ptr, (unsigned long long)t->offset,
                   (unsigned long long)g->alignment);
      goto fail;
    }
    t->size = dsc_ggml_nbytes(t->type, n, t->dims[0]);
    if (t->offset > size || g->data_offset > size - t->offset) {
      dsc_snprintf(err, errlen, "tensor '%.*s': offset %llu is beyond the end of the file",
                   nl, t->name.ptr, (unsigned long long)t->offset);
      goto fail;
    }
    t->offset += g->data_offset;
    if (t->size > size - t->offset) {
      dsc_snprintf(err, errlen,
                   "tensor '%.*s': %llu bytes at offset %llu run past the end "
                   "of the file (%llu bytes)",
                   nl, t->name.ptr, (unsigned long long)t->size,
                   (unsigned long long)t->offset, (unsigned long long)size);
      goto fail;
    }
  }
  return DSC_OK;
fail:
  dsc_gguf_free(g);
  return DSC_ERR_FORMAT;
}

void dsc_gguf_free(dsc_gguf *g) {
  free(g->kv);
  free(g->tensors);
  g->kv = 0;
  g->tensors = 0;
  g->n_kv = g->n_tensors = 0;
}

const dsc_gguf_kv *dsc_gguf_find(const dsc_gguf *g, const char *key) {
  size_t n = strlen(key);
  for (uint64_t i = 0; i < g->n_kv; ++i)
    if (g->kv[i].key.len == n && memcmp(g->kv[i].key.ptr, key, n) == 0)
      return &g->kv[i];
  return 0;
}

static bool kv_int(const dsc_gguf_kv *kv, int64_t *s, uint64_t *u, bool *isSigned) {
  const uint8_t *p = kv->value;
  *isSigned = false;
  switch (kv->type) {
  case DSC_GGUF_UINT8: *u = p[0]; return true;
  case DSC_GGUF_UINT16: *u = dsc_load_u16(p); return true;
  case DSC_GGUF_UINT32: *u = dsc_load_u32(p); return true;
  case DSC_GGUF_UINT64: *u = dsc_load_u64(p); return true;
  case DSC_GGUF_INT8: *s = (int8_t)p[0]; break;
  case DSC_GGUF_INT16: *s = (int16_t)dsc_load_u16(p); break;
  case DSC_GGUF_INT32: *s = (int32_t)dsc_load_u32(p); break;
  case DSC_GGUF_INT64: *s = (int64_t)dsc_load_u64(p); break;
  default: return false;
  }
  *isSigned = true;
  return true;
}

bool dsc_gguf_get_u64(const dsc_gguf *g, const char *key, uint64_t *out) {
  const dsc_gguf_kv *kv = dsc_gguf_find(g, key);
  int64_t s;
  uint64_t u;
  bool isSigned;
  if (!kv || !kv_int(kv, &s, &u, &isSigned))
    return false;
  if (isSigned) {
    if (s < 0)
      return false;
    u = (uint64_t)s;
  }
  *out = u;
  return true;
}

bool dsc_gguf_get_i64(const dsc_gguf *g, const char *key, int64_t *out) {
  const dsc_gguf_kv *kv = dsc_gguf_find(g, key);
  int64_t s;
  uint64_t u;
  bool isSigned;
  if (!kv || !kv_int(kv, &s, &u, &isSigned))
    return false;
  if (!isSigned) {
    if (u > (uint64_t)INT64_MAX)
      return false;
    s = (int64_t)u;
  }
  *out = s;
  return true;
}

bool dsc_gguf_get_f64(const dsc_gguf *g, const char *key, double *out) {
  const dsc_gguf_kv *kv = dsc_gguf_find(g, key);
  if (!kv)
    return false;
  if (kv->type == DSC_GGUF_FLOAT32) {
    *out = dsc_load_f32(kv->value);
    return true;
  }
  if (kv->type == DSC_GGUF_FLOAT64) {
    uint64_t u = dsc_load_u64(kv->value);
    memcpy(out, &u, 8);
    return true;
  }
  int64_t i;
  if (dsc_gguf_get_i64(g, key, &i)) {
    *out = (double)i;
    return true;
  }
  return false;
}

bool dsc_gguf_get_bool(const dsc_gguf *g, const char *key, bool *out) {
  const dsc_gguf_kv *kv = dsc_gguf_find(g, key);
  if (!kv || kv->type != DSC_GGUF_BOOL)
    return false;
  *out = kv->value[0] != 0;
  return true;
}

bool dsc_gguf_get_str(const dsc_gguf *g, const char *key, dsc_str *out) {
  const dsc_gguf_kv *kv = dsc_gguf_find(g, key);
  if (!kv || kv->type != DSC_GGUF_STRING)
    return false;
  out->len = dsc_load_u64(kv->value);
  out->ptr = (const char *)kv->value + 8;
  return true;
}

bool dsc_gguf_array_str(const dsc_gguf *g, const dsc_gguf_kv *kv, uint64_t i,
                        dsc_gguf_cursor *c, dsc_str *out) {
  (void)g;
  if (kv->type != DSC_GGUF_ARRAY || kv->elem_type != DSC_GGUF_STRING ||
      i >= kv->count)
    return false;
  /* The parse already validated every element's bounds. */
  if (!c->ptr || c->index > i) {
    c->ptr = kv->value;
    c->index = 0;
  }
  while (c->index < i) {
    c->ptr += 8 + dsc_load_u64(c->ptr);
    c->index++;
  }
  out->len = dsc_load_u64(c->ptr);
  out->ptr = (const char *)c->ptr + 8;
  return true;
}
