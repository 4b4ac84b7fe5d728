/*===- load_gguf.c - the vocabulary embedded in a GGUF file -----------------===*/
#include "dsc/gguf.h"
#include "tokenizer/tok_internal.h"

static bool str_is(dsc_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* Splits a GGUF merge "left right" at its first space. */
static bool split_merge(dsc_str m, dsc_str *a, dsc_str *b) {
  for (uint64_t i = 1; i + 1 < m.len; ++i)
    if (m.ptr[i] == ' ') {
      a->ptr = m.ptr;
      a->len = i;
      b->ptr = m.ptr + i + 1;
      b->len = m.len - i - 1;
      return true;
    }
  return false;
}

dsc_status dsc_tok_load_gguf(const uint8_t *data, size_t size,
                             dsc_tokenizer **out, char *err, size_t errlen) {
  *out = 0;
  dsc_gguf g;
  dsc_status st = dsc_gguf_parse(data, size, &g, err, errlen);
  if (st != DSC_OK)
    return st;
  dsc_tok_builder b;
  bool built = false;
  dsc_str model;
  if (!dsc_gguf_get_str(&g, "tokenizer.ggml.model", &model)) {
    dsc_snprintf(err, errlen, "no tokenizer: metadata 'tokenizer.ggml.model' is missing");
    st = DSC_ERR_FORMAT;
    goto done;
  }
  uint32_t algo;
  if (str_is(model, "llama"))
    algo = DSC_TOK_SPM;
  else if (str_is(model, "gpt2"))
    algo = DSC_TOK_BPE;
  else {
    dsc_snprintf(err, errlen,
                 "metadata 'tokenizer.ggml.model' = '%.*s' is not supported "
                 "(dsc reads 'llama' and 'gpt2')",
                 (int)(model.len > 40 ? 40 : model.len), model.ptr);
    st = DSC_ERR_UNSUPPORTED;
    goto done;
  }
  const dsc_gguf_kv *tokens = dsc_gguf_find(&g, "tokenizer.ggml.tokens");
  if (!tokens || tokens->type != DSC_GGUF_ARRAY ||
      tokens->elem_type != DSC_GGUF_STRING || tokens->count == 0 ||
      tokens->count > (1u << 24)) {
    dsc_snprintf(err, errlen,
                 "metadata 'tokenizer.ggml.tokens' is missing or not a "
                 "non-empty string array");
    st = DSC_ERR_FORMAT;
    goto done;
  }
  const dsc_gguf_kv *scores = dsc_gguf_find(&g, "tokenizer.ggml.scores");
  if (scores && (scores->type != DSC_GGUF_ARRAY ||
                 scores->elem_type != DSC_GGUF_FLOAT32 ||
                 scores->count != tokens->count)) {
    dsc_snprintf(err, errlen,
                 "metadata 'tokenizer.ggml.scores' must be a float32 array "
                 "with one score per token");
    st = DSC_ERR_FORMAT;
    goto done;
  }
  const dsc_gguf_kv *types = dsc_gguf_find(&g, "tokenizer.ggml.token_type");
  if (types && (types->type != DSC_GGUF_ARRAY ||
                types->elem_type != DSC_GGUF_INT32 ||
                types->count != tokens->count)) {
    dsc_snprintf(err, errlen,
                 "metadata 'tokenizer.ggml.token_type' must be an int32 array "
                 "with one type per token");
    st = DSC_ERR_FORMAT;
    goto done;
  }
  if (!dsc_tokb_init(&b, algo)) {
    st = DSC_ERR_NOMEM;
    dsc_snprintf(err, errlen, "out of memory");
    goto done;
  }
  built = true;
  dsc_gguf_cursor cur = {0, 0};
  for (uint64_t i = 0; i < tokens->count; ++i) {
    dsc_str s;
    dsc_gguf_array_str(&g, tokens, i, &cur, &s);
    float score = scores ? dsc_load_f32(scores->value + 4 * i) : 0.0f;
    int32_t type = types ? (int32_t)dsc_load_u32(types->value + 4 * i)
                         : DSC_TT_NORMAL;
    if (type < 1 || type > 6)
      type = DSC_TT_NORMAL;
    dsc_tokb_add(&b, s.ptr, (size_t)s.len, score, (uint8_t)type);
  }
  uint32_t flags = 0;
  if (algo == DSC_TOK_SPM) {
    bool prefix = true;
    dsc_gguf_get_bool(&g, "tokenizer.ggml.add_space_prefix", &prefix);
    flags |= DSC_TOKF_ESCAPE_SPACES | DSC_TOKF_BYTE_FALLBACK |
             (prefix ? DSC_TOKF_ADD_SPACE_PREFIX : 0);
  } else {
    flags |= DSC_TOKF_BYTE_LEVEL;
    dsc_str pre = {"default", 7};
    dsc_gguf_get_str(&g, "tokenizer.ggml.pre", &pre);
    if (str_is(pre, "gpt-2") || str_is(pre, "default"))
      b.t->pretok = DSC_PRE_GPT2;
    else if (str_is(pre, "llama-bpe") || str_is(pre, "llama3") ||
             str_is(pre, "smaug-bpe"))
      b.t->pretok = DSC_PRE_LLAMA3, flags |= DSC_TOKF_IGNORE_MERGES;
    else if (str_is(pre, "qwen2") || str_is(pre, "deepseek-r1-qwen"))
      b.t->pretok = DSC_PRE_QWEN2;
    else {
      dsc_snprintf(err, errlen,
                   "metadata 'tokenizer.ggml.pre' = '%.*s' is not supported "
                   "(dsc knows gpt-2, llama-bpe and qwen2)",
                   (int)(pre.len > 40 ? 40 : pre.len), pre.ptr);
      st = DSC_ERR_UNSUPPORTED;
      goto done;
    }
    const dsc_gguf_kv *merges = dsc_gguf_find(&g, "tokenizer.ggml.merges");
    if (!merges || merges->type != DSC_GGUF_ARRAY ||
        merges->elem_type != DSC_GGUF_STRING) {
      dsc_snprintf(err, errlen,
                   "metadata 'tokenizer.ggml.merges' is missing or not a "
                   "string array");
      st = DSC_ERR_FORMAT;
      goto done;
    }
    if (!dsc_tokb_index_pieces(&b)) {
      dsc_snprintf(err, errlen, "out of memory");
      st = DSC_ERR_NOMEM;
      goto done;
    }
    dsc_gguf_cursor mc = {0, 0};
    for (uint64_t i = 0; i < merges->count; ++i) {
      dsc_str m, l, r;
      dsc_gguf_array_str(&g, merges, i, &mc, &m);
      if (!split_merge(m, &l, &r))
        continue;
      int32_t a = dsc_tok_find(b.t, l.ptr, (size_t)l.len);
      int32_t c = dsc_tok_find(b.t, r.ptr, (size_t)r.len);
      if (a >= 0 && c >= 0)
        dsc_tokb_add_merge(&b, a, c);
    }
  }
  bool addBos = algo == DSC_TOK_SPM;
  dsc_gguf_get_bool(&g, "tokenizer.ggml.add_bos_token", &addBos);
  if (addBos)
    flags |= DSC_TOKF_ADD_BOS;
  b.t->flags = flags;
  int64_t id;
  if (dsc_gguf_get_i64(&g, "tokenizer.ggml.bos_token_id", &id))
    b.t->bos_id = (int32_t)id;
  if (dsc_gguf_get_i64(&g, "tokenizer.ggml.eos_token_id", &id))
    b.t->eos_id = (int32_t)id;
  if (dsc_gguf_get_i64(&g, "tokenizer.ggml.unknown_token_id", &id))
    b.t->unk_id = (int32_t)id;
  built = false;
  st = dsc_tokb_finish(&b, out, err, errlen);
done:
  if (built)
    dsc_tokb_abort(&b);
  dsc_gguf_free(&g);
  return st;
}
