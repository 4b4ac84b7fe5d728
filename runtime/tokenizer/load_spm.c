/*===- load_spm.c - SentencePiece ModelProto --------------------------------===*
 *
 * Reads the protobuf wire format directly (the runtime has no protobuf
 * library): ModelProto.pieces (1), .trainer_spec (2), .normalizer_spec (3).
 *
 *===---------------------------------------------------------------------===*/
#include "tokenizer/tok_internal.h"

typedef struct {
  const uint8_t *p, *end;
} pb;

static bool pb_varint(pb *r, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end)
      return false;
    uint8_t b = *r->p++;
    *v |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80))
      return true;
  }
  return false;
}

/* Reads a field key and, for length-delimited fields, the sub-reader. */
static bool pb_field(pb *r, uint32_t *field, uint32_t *wire, pb *sub,
                     uint64_t *value) {
  uint64_t key;
  if (!pb_varint(r, &key))
    return false;
  *field = (uint32_t)(key >> 3);
  *wire = (uint32_t)(key & 7);
  switch (*wire) {
  case 0:
    return pb_varint(r, value);
  case 1:
    if (r->end - r->p < 8)
      return false;
    *value = dsc_load_u64(r->p);
    r->p += 8;
    return true;
  case 5:
    if (r->end - r->p < 4)
      return false;
    *value = dsc_load_u32(r->p);
    r->p += 4;
    return true;
  case 2: {
    uint64_t len;
    if (!pb_varint(r, &len) || len > (uint64_t)(r->end - r->p))
      return false;
    sub->p = r->p;
    sub->end = r->p + len;
    r->p += len;
    return true;
  }
  default:
    return false;
  }
}

typedef struct {
  int64_t model_type, unk_id, bos_id, eos_id;
  bool byte_fallback;
  bool add_dummy_prefix, remove_extra_ws, escape_ws;
  pb normalizer_name;
} spm_specs;

dsc_status dsc_tok_load_spm(const uint8_t *data, size_t size,
                            dsc_tokenizer **out, char *err, size_t errlen) {
  *out = 0;
  spm_specs s = {1, 0, 1, 2, false, true, true, true, {0, 0}};
  dsc_tok_builder b;
  if (!dsc_tokb_init(&b, DSC_TOK_SPM)) {
    dsc_snprintf(err, errlen, "out of memory");
    return DSC_ERR_NOMEM;
  }
  pb r = {data, data + size};
  uint32_t field, wire;
  pb sub;
  uint64_t v;
  int32_t nPieces = 0;
  while (r.p < r.end) {
    if (!pb_field(&r, &field, &wire, &sub, &v)) {
      dsc_snprintf(err, errlen, "malformed protobuf at byte %zu (not a SentencePiece model?)",
                   (size_t)(r.p - data));
      goto fail;
    }
    if (field == 1 && wire == 2) { /* SentencePiece */
      pb piece = {0, 0};
      float score = 0;
      uint64_t type = DSC_TT_NORMAL;
      pb q = sub;
      uint32_t f2, w2;
      pb s2;
      uint64_t v2;
      while (q.p < q.end) {
        if (!pb_field(&q, &f2, &w2, &s2, &v2)) {
          dsc_snprintf(err, errlen, "malformed piece %d", nPieces);
          goto fail;
        }
        if (f2 == 1 && w2 == 2)
          piece = s2;
        else if (f2 == 2 && w2 == 5) {
          uint32_t u = (uint32_t)v2;
          memcpy(&score, &u, 4);
        } else if (f2 == 3 && w2 == 0)
          type = v2;
      }
      if (type < 1 || type > 6) {
        dsc_snprintf(err, errlen, "piece %d has unknown type %llu", nPieces,
                     (unsigned long long)type);
        goto fail;
      }
      dsc_tokb_add(&b, (const char *)piece.p, (size_t)(piece.end - piece.p),
                   score, (uint8_t)type);
      nPieces++;
    } else if (field == 2 && wire == 2) { /* TrainerSpec */
      pb q = sub;
      uint32_t f2, w2;
      pb s2;
      uint64_t v2;
      while (q.p < q.end) {
        if (!pb_field(&q, &f2, &w2, &s2, &v2)) {
          dsc_snprintf(err, errlen, "malformed trainer_spec");
          goto fail;
        }
        if (w2 != 0)
          continue;
        if (f2 == 3)
          s.model_type = (int64_t)v2;
        else if (f2 == 35)
          s.byte_fallback = v2 != 0;
        else if (f2 == 40)
          s.unk_id = (int32_t)v2;
        else if (f2 == 41)
          s.bos_id = (int32_t)v2;
        else if (f2 == 42)
          s.eos_id = (int32_t)v2;
      }
    } else if (field == 3 && wire == 2) { /* NormalizerSpec */
      pb q = sub;
      uint32_t f2, w2;
      pb s2;
      uint64_t v2;
      while (q.p < q.end) {
        if (!pb_field(&q, &f2, &w2, &s2, &v2)) {
          dsc_snprintf(err, errlen, "malformed normalizer_spec");
          goto fail;
        }
        if (f2 == 1 && w2 == 2)
          s.normalizer_name = s2;
        else if (f2 == 3 && w2 == 0)
          s.add_dummy_prefix = v2 != 0;
        else if (f2 == 4 && w2 == 0)
          s.remove_extra_ws = v2 != 0;
        else if (f2 == 5 && w2 == 0)
          s.escape_ws = v2 != 0;
      }
    }
  }
  if (s.model_type != 2) {
    static const char *names[] = {"?", "UNIGRAM", "BPE", "WORD", "CHAR"};
    dsc_snprintf(err, errlen,
                 "trainer_spec.model_type %s is not supported (dsc reads BPE "
                 "SentencePiece models)",
                 s.model_type >= 0 && s.model_type <= 4 ? names[s.model_type] : "?");
    dsc_tokb_abort(&b);
    return DSC_ERR_UNSUPPORTED;
  }
  if (s.normalizer_name.p) {
    size_t n = (size_t)(s.normalizer_name.end - s.normalizer_name.p);
    if (!(n == 8 && memcmp(s.normalizer_name.p, "identity", 8) == 0)) {
      dsc_snprintf(err, errlen,
                   "normalizer_spec.name '%.*s' is not supported (dsc "
                   "implements 'identity')",
                   (int)(n > 40 ? 40 : n), (const char *)s.normalizer_name.p);
      dsc_tokb_abort(&b);
      return DSC_ERR_UNSUPPORTED;
    }
  }
  b.t->unk_id = (int32_t)s.unk_id;
  b.t->bos_id = (int32_t)s.bos_id;
  b.t->eos_id = (int32_t)s.eos_id;
  b.t->flags = DSC_TOKF_ADD_BOS | (s.byte_fallback ? DSC_TOKF_BYTE_FALLBACK : 0) |
               (s.add_dummy_prefix ? DSC_TOKF_ADD_SPACE_PREFIX : 0) |
               (s.escape_ws ? DSC_TOKF_ESCAPE_SPACES : 0) |
               (s.remove_extra_ws ? DSC_TOKF_REMOVE_EXTRA_WS : 0);
  return dsc_tokb_finish(&b, out, err, errlen);
fail:
  dsc_tokb_abort(&b);
  return DSC_ERR_FORMAT;
}
