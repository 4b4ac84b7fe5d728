/*===- serialize.c - the tokenizer form embedded in executables -------------===*
 *
 *   "DSCTOK01", u32 algo, pretok, flags, i32 n_vocab, bos, eos, unk,
 *   n_merges, u32 pool_len, then u32 piece_off[n_vocab + 1],
 *   f32 scores[n_vocab], u8 types[n_vocab] (padded to 4),
 *   i32 merges[2 * n_merges], pool bytes. All little-endian.
 *
 *===---------------------------------------------------------------------===*/
#include "tokenizer/tok_internal.h"

enum { kHeader = 8 + 9 * 4 };

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

dsc_status dsc_tok_serialize(const dsc_tokenizer *t, uint8_t **out,
                             size_t *size) {
  size_t nv = (size_t)t->n_vocab;
  uint32_t poolLen = t->piece_off[nv];
  size_t typesPadded = (nv + 3) & ~(size_t)3;
  size_t total = kHeader + 4 * (nv + 1) + 4 * nv + typesPadded +
                 8 * (size_t)t->n_merges + poolLen;
  uint8_t *b = (uint8_t *)calloc(total, 1);
  if (!b)
    return DSC_ERR_NOMEM;
  memcpy(b, "DSCTOK01", 8);
  uint32_t hdr[9] = {t->algo,
                     t->pretok,
                     t->flags,
                     (uint32_t)t->n_vocab,
                     (uint32_t)t->bos_id,
                     (uint32_t)t->eos_id,
                     (uint32_t)t->unk_id,
                     (uint32_t)t->n_merges,
                     poolLen};
  for (int i = 0; i < 9; ++i)
    put_u32(b + 8 + 4 * i, hdr[i]);
  uint8_t *p = b + kHeader;
  for (size_t i = 0; i <= nv; ++i, p += 4)
    put_u32(p, t->piece_off[i]);
  for (size_t i = 0; i < nv; ++i, p += 4) {
    uint32_t u;
    memcpy(&u, &t->scores[i], 4);
    put_u32(p, u);
  }
  memcpy(p, t->types, nv);
  p += typesPadded;
  for (size_t i = 0; i < 2 * (size_t)t->n_merges; ++i, p += 4)
    put_u32(p, (uint32_t)t->merges[i]);
  if (poolLen)
    memcpy(p, t->pool, poolLen);
  *out = b;
  *size = total;
  return DSC_OK;
}

dsc_status dsc_tok_deserialize(const uint8_t *data, size_t size,
                               dsc_tokenizer **out, char *err, size_t errlen) {
  *out = 0;
  if (size < kHeader || memcmp(data, "DSCTOK01", 8) != 0) {
    dsc_snprintf(err, errlen, "not a dsc tokenizer blob");
    return DSC_ERR_FORMAT;
  }
  uint32_t h[9];
  for (int i = 0; i < 9; ++i)
    h[i] = dsc_load_u32(data + 8 + 4 * i);
  uint64_t nv = h[3], nm = h[7], poolLen = h[8];
  if (nv == 0 || nv > (1u << 24) || nm > (1u << 24)) {
    dsc_snprintf(err, errlen, "tokenizer blob has bad counts");
    return DSC_ERR_FORMAT;
  }
  uint64_t typesPadded = (nv + 3) & ~(uint64_t)3;
  uint64_t need = kHeader + 4 * (nv + 1) + 4 * nv + typesPadded + 8 * nm + poolLen;
  if (need != size) {
    dsc_snprintf(err, errlen, "tokenizer blob is %zu bytes, its header says %llu",
                 size, (unsigned long long)need);
    return DSC_ERR_FORMAT;
  }
  dsc_tok_builder b;
  if (!dsc_tokb_init(&b, h[0])) {
    dsc_snprintf(err, errlen, "out of memory");
    return DSC_ERR_NOMEM;
  }
  const uint8_t *offs = data + kHeader;
  const uint8_t *scores = offs + 4 * (nv + 1);
  const uint8_t *types = scores + 4 * nv;
  const uint8_t *merges = types + typesPadded;
  const char *pool = (const char *)(merges + 8 * nm);
  for (uint64_t i = 0; i < nv; ++i) {
    uint32_t a = dsc_load_u32(offs + 4 * i), e = dsc_load_u32(offs + 4 * i + 4);
    if (a > e || e > poolLen) {
      dsc_snprintf(err, errlen, "tokenizer blob: piece %llu out of bounds",
                   (unsigned long long)i);
      dsc_tokb_abort(&b);
      return DSC_ERR_FORMAT;
    }
    dsc_tokb_add(&b, pool + a, e - a, dsc_load_f32(scores + 4 * i), types[i]);
  }
  for (uint64_t i = 0; i < nm; ++i)
    dsc_tokb_add_merge(&b, (int32_t)dsc_load_u32(merges + 8 * i),
                       (int32_t)dsc_load_u32(merges + 8 * i + 4));
  b.t->pretok = h[1];
  b.t->flags = h[2];
  b.t->bos_id = (int32_t)h[4];
  b.t->eos_id = (int32_t)h[5];
  b.t->unk_id = (int32_t)h[6];
  return dsc_tokb_finish(&b, out, err, errlen);
}
