/*===- load_hf_json.c - Hugging Face tokenizer.json -------------------------===*
 *
 * BPE models only: byte-level (GPT-2, Llama-3, Qwen2) with a known
 * pre-tokenizer regex, or SentencePiece-style (Llama 2) with U+2581 spaces
 * and byte fallback. Anything else is refused with the field that says so.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/json.h"
#include "tokenizer/tok_internal.h"

static const char *const kGpt2Regex =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char *const kLlama3Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char *const kQwen2Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* Ids index a table sized by the largest one, so a bound keeps a one-line
 * file from asking for gigabytes. */
static const int64_t kMaxId = (1 << 24) - 1;

typedef struct {
  const dsc_json *j;
  char *err;
  size_t errlen;
  bool byteLevel, prefixSpace, escape, sawRegex;
  uint32_t pretok;
  dsc_status st;
} cfg_t;

static void unsupported(cfg_t *c, const char *where, uint32_t typeNode) {
  char name[48];
  size_t n = dsc_json_str(c->j, typeNode, name, sizeof(name) - 1);
  name[n < sizeof(name) - 1 ? n : sizeof(name) - 1] = 0;
  dsc_snprintf(c->err, c->errlen, "%s type '%s' is not supported", where, name);
  c->st = DSC_ERR_UNSUPPORTED;
}

static void read_normalizer(cfg_t *c, uint32_t node) {
  const dsc_json *j = c->j;
  if (node == DSC_JSON_NONE || dsc_json_type(j, node) == DSC_JSON_NULL)
    return;
  uint32_t type = dsc_json_get(j, node, "type");
  if (dsc_json_str_eq(j, type, "Sequence")) {
    uint32_t list = dsc_json_get(j, node, "normalizers");
    for (uint32_t e = dsc_json_first(j, list); e != DSC_JSON_NONE && e < j->nodes[list].next && c->st == DSC_OK;
         e = dsc_json_next_elem(j, e))
      read_normalizer(c, e);
  } else if (dsc_json_str_eq(j, type, "Prepend")) {
    if (!dsc_json_str_eq(j, dsc_json_get(j, node, "prepend"), "\xE2\x96\x81")) {
      dsc_snprintf(c->err, c->errlen, "normalizer Prepend of anything but U+2581 is not supported");
      c->st = DSC_ERR_UNSUPPORTED;
    }
    c->prefixSpace = true;
  } else if (dsc_json_str_eq(j, type, "Replace")) {
    uint32_t pat = dsc_json_path(j, node, "pattern.String");
    if (!dsc_json_str_eq(j, pat, " ") ||
        !dsc_json_str_eq(j, dsc_json_get(j, node, "content"), "\xE2\x96\x81")) {
      dsc_snprintf(c->err, c->errlen, "normalizer Replace other than ' ' -> U+2581 is not supported");
      c->st = DSC_ERR_UNSUPPORTED;
    }
    c->escape = true;
  } else if (dsc_json_str_eq(j, type, "NFC")) {
    /* Text reaching the model is expected in NFC already. */
  } else {
    unsupported(c, "normalizer", type);
  }
}

static void read_pretokenizer(cfg_t *c, uint32_t node) {
  const dsc_json *j = c->j;
  if (node == DSC_JSON_NONE || dsc_json_type(j, node) == DSC_JSON_NULL)
    return;
  uint32_t type = dsc_json_get(j, node, "type");
  if (dsc_json_str_eq(j, type, "Sequence")) {
    uint32_t list = dsc_json_get(j, node, "pretokenizers");
    for (uint32_t e = dsc_json_first(j, list); e != DSC_JSON_NONE && e < j->nodes[list].next && c->st == DSC_OK;
         e = dsc_json_next_elem(j, e))
      read_pretokenizer(c, e);
  } else if (dsc_json_str_eq(j, type, "ByteLevel")) {
    c->byteLevel = true;
    if (dsc_json_bool(j, dsc_json_get(j, node, "add_prefix_space"), false))
      c->prefixSpace = true;
    if (dsc_json_bool(j, dsc_json_get(j, node, "use_regex"), true) && !c->sawRegex)
      c->pretok = DSC_PRE_GPT2;
  } else if (dsc_json_str_eq(j, type, "Split")) {
    uint32_t re = dsc_json_path(j, node, "pattern.Regex");
    c->sawRegex = true;
    if (dsc_json_str_eq(j, re, kGpt2Regex))
      c->pretok = DSC_PRE_GPT2;
    else if (dsc_json_str_eq(j, re, kLlama3Regex))
      c->pretok = DSC_PRE_LLAMA3;
    else if (dsc_json_str_eq(j, re, kQwen2Regex))
      c->pretok = DSC_PRE_QWEN2;
    else {
      dsc_snprintf(c->err, c->errlen,
                   "pre_tokenizer Split regex is not one dsc knows (GPT-2, "
                   "Llama-3, Qwen2)");
      c->st = DSC_ERR_UNSUPPORTED;
    }
  } else if (dsc_json_str_eq(j, type, "Metaspace")) {
    c->escape = true;
    uint32_t scheme = dsc_json_get(j, node, "prepend_scheme");
    if (scheme == DSC_JSON_NONE || !dsc_json_str_eq(j, scheme, "never"))
      c->prefixSpace = true;
  } else {
    unsupported(c, "pre_tokenizer", type);
  }
}

/* Token id of a piece in model.vocab or added_tokens; -1 if absent. */
static int32_t special_id(dsc_tokenizer *t, const dsc_json *j, uint32_t str) {
  char buf[256];
  size_t n = dsc_json_str(j, str, buf, sizeof(buf));
  if (n > sizeof(buf))
    return -1;
  return dsc_tok_find(t, buf, n);
}

dsc_status dsc_tok_load_hf_json(const char *text, size_t size,
                                dsc_tokenizer **out, char *err, size_t errlen) {
  *out = 0;
  dsc_json j;
  dsc_status st = dsc_json_parse(text, size, &j, err, errlen);
  if (st != DSC_OK)
    return st;
  dsc_tok_builder b;
  bool building = false;
  char *piece = 0;
  uint32_t *keys = 0;
  uint32_t model = dsc_json_get(&j, 0, "model");
  uint32_t mtype = dsc_json_get(&j, model, "type");
  if (model == DSC_JSON_NONE) {
    dsc_snprintf(err, errlen, "field 'model' is missing");
    st = DSC_ERR_FORMAT;
    goto done;
  }
  if (mtype != DSC_JSON_NONE && !dsc_json_str_eq(&j, mtype, "BPE")) {
    cfg_t c0 = {&j, err, errlen, false, false, false, false, 0, DSC_OK};
    unsupported(&c0, "model", mtype);
    st = c0.st;
    goto done;
  }
  uint32_t vocab = dsc_json_get(&j, model, "vocab");
  if (dsc_json_type(&j, vocab) != DSC_JSON_OBJECT || j.nodes[vocab].size == 0) {
    dsc_snprintf(err, errlen, "field 'model.vocab' is missing or not a non-empty object");
    st = DSC_ERR_FORMAT;
    goto done;
  }
  /* Ids index the table; find the largest among vocab and added_tokens. */
  uint32_t added = dsc_json_get(&j, 0, "added_tokens");
  int64_t nVocab = 0;
  uint32_t k = dsc_json_first(&j, vocab);
  for (uint32_t i = 0; i < j.nodes[vocab].size; ++i, k = dsc_json_next_key(&j, k)) {
    int64_t id;
    if (!dsc_json_int(&j, k + 1, 0, kMaxId, &id)) {
      dsc_snprintf(err, errlen, "model.vocab entry %u has an invalid id", i);
      st = DSC_ERR_FORMAT;
      goto done;
    }
    if (id + 1 > nVocab)
      nVocab = id + 1;
  }
  if (dsc_json_type(&j, added) == DSC_JSON_ARRAY) {
    uint32_t idx = 0;
    for (uint32_t e = dsc_json_first(&j, added); e != DSC_JSON_NONE && e < j.nodes[added].next;
         e = dsc_json_next_elem(&j, e), ++idx) {
      int64_t id;
      if (!dsc_json_int(&j, dsc_json_get(&j, e, "id"), 0, kMaxId, &id)) {
        dsc_snprintf(err, errlen, "added_tokens[%u].id is missing or invalid", idx);
        st = DSC_ERR_FORMAT;
        goto done;
      }
      if (id + 1 > nVocab)
        nVocab = id + 1;
    }
  }
  keys = (uint32_t *)malloc(sizeof(uint32_t) * (size_t)nVocab);
  uint8_t *isAdded = (uint8_t *)calloc((size_t)nVocab, 1);
  if (!keys || !isAdded) {
    free(isAdded);
    st = DSC_ERR_NOMEM;
    dsc_snprintf(err, errlen, "out of memory");
    goto done;
  }
  for (int64_t i = 0; i < nVocab; ++i)
    keys[i] = DSC_JSON_NONE;
  k = dsc_json_first(&j, vocab);
  /* Every id was checked above, so these reads succeed. */
  for (uint32_t i = 0; i < j.nodes[vocab].size; ++i, k = dsc_json_next_key(&j, k)) {
    int64_t id = 0;
    dsc_json_int(&j, k + 1, 0, kMaxId, &id);
    keys[id] = k;
  }
  if (dsc_json_type(&j, added) == DSC_JSON_ARRAY)
    for (uint32_t e = dsc_json_first(&j, added); e != DSC_JSON_NONE && e < j.nodes[added].next;
         e = dsc_json_next_elem(&j, e)) {
      int64_t id = 0;
      dsc_json_int(&j, dsc_json_get(&j, e, "id"), 0, kMaxId, &id);
      keys[id] = dsc_json_get(&j, e, "content");
      isAdded[id] = dsc_json_bool(&j, dsc_json_get(&j, e, "special"), false) ? 2 : 1;
    }
  if (!dsc_tokb_init(&b, DSC_TOK_BPE)) {
    free(isAdded);
    st = DSC_ERR_NOMEM;
    goto done;
  }
  building = true;
  size_t pieceCap = 256;
  piece = (char *)malloc(pieceCap);
  for (int64_t id = 0; id < nVocab && piece; ++id) {
    size_t n = keys[id] == DSC_JSON_NONE ? 0 : dsc_json_str(&j, keys[id], piece, pieceCap);
    if (n > pieceCap) {
      free(piece);
      pieceCap = n * 2;
      piece = (char *)malloc(pieceCap);
      if (!piece)
        break;
      n = dsc_json_str(&j, keys[id], piece, pieceCap);
    }
    uint8_t type = keys[id] == DSC_JSON_NONE ? DSC_TT_UNUSED
                   : isAdded[id] == 2        ? DSC_TT_CONTROL
                   : isAdded[id] == 1        ? DSC_TT_USER_DEFINED
                                             : DSC_TT_NORMAL;
    dsc_tokb_add(&b, piece, n, 0.0f, type);
  }
  free(isAdded);
  if (!piece || !dsc_tokb_index_pieces(&b)) {
    st = DSC_ERR_NOMEM;
    dsc_snprintf(err, errlen, "out of memory");
    goto done;
  }
  /* Merges: "left right" strings or [left, right] pairs. */
  uint32_t merges = dsc_json_get(&j, model, "merges");
  if (dsc_json_type(&j, merges) == DSC_JSON_ARRAY) {
    uint32_t idx = 0;
    for (uint32_t e = dsc_json_first(&j, merges); e != DSC_JSON_NONE && e < j.nodes[merges].next;
         e = dsc_json_next_elem(&j, e), ++idx) {
      int32_t a = -1, c = -1;
      if (dsc_json_type(&j, e) == DSC_JSON_STRING) {
        size_t n = dsc_json_str(&j, e, piece, pieceCap);
        if (n > pieceCap)
          continue;
        size_t sp = 1;
        while (sp + 1 < n && piece[sp] != ' ')
          sp++;
        if (sp + 1 >= n)
          continue;
        a = dsc_tok_find(b.t, piece, sp);
        c = dsc_tok_find(b.t, piece + sp + 1, n - sp - 1);
      } else if (dsc_json_type(&j, e) == DSC_JSON_ARRAY && j.nodes[e].size == 2) {
        a = special_id(b.t, &j, e + 1);
        c = special_id(b.t, &j, j.nodes[e + 1].next);
      } else {
        dsc_snprintf(err, errlen, "model.merges[%u] is neither a string nor a pair", idx);
        st = DSC_ERR_FORMAT;
        goto done;
      }
      if (a >= 0 && c >= 0)
        dsc_tokb_add_merge(&b, a, c);
    }
  }
  cfg_t c = {&j, err, errlen, false, false, false, false, DSC_PRE_NONE, DSC_OK};
  read_normalizer(&c, dsc_json_get(&j, 0, "normalizer"));
  if (c.st == DSC_OK)
    read_pretokenizer(&c, dsc_json_get(&j, 0, "pre_tokenizer"));
  if (c.st != DSC_OK) {
    st = c.st;
    goto done;
  }
  dsc_tokenizer *t = b.t;
  t->pretok = c.pretok;
  t->flags = (c.byteLevel ? DSC_TOKF_BYTE_LEVEL : 0) |
             (c.prefixSpace ? DSC_TOKF_ADD_SPACE_PREFIX : 0) |
             (c.escape ? DSC_TOKF_ESCAPE_SPACES : 0) |
             (dsc_json_bool(&j, dsc_json_get(&j, model, "byte_fallback"), false)
                  ? DSC_TOKF_BYTE_FALLBACK : 0) |
             (dsc_json_bool(&j, dsc_json_get(&j, model, "ignore_merges"), false)
                  ? DSC_TOKF_IGNORE_MERGES : 0);
  uint32_t unk = dsc_json_get(&j, model, "unk_token");
  if (dsc_json_type(&j, unk) == DSC_JSON_STRING)
    t->unk_id = special_id(t, &j, unk);
  /* BOS: the first special token of post_processor.single. */
  uint32_t single = dsc_json_path(&j, 0, "post_processor.single");
  if (dsc_json_type(&j, single) == DSC_JSON_ARRAY) {
    uint32_t first = dsc_json_first(&j, single);
    uint32_t sp = dsc_json_path(&j, first, "SpecialToken.id");
    if (sp != DSC_JSON_NONE) {
      t->bos_id = special_id(t, &j, sp);
      if (t->bos_id >= 0)
        t->flags |= DSC_TOKF_ADD_BOS;
    }
  }
  /* EOS and a BOS not used by the template: the usual names. */
  static const char *const bosNames[] = {"<s>", "<|begin_of_text|>", "<|endoftext|>", 0};
  static const char *const eosNames[] = {"</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>", 0};
  for (int i = 0; t->bos_id < 0 && bosNames[i]; ++i)
    t->bos_id = dsc_tok_find(t, bosNames[i], strlen(bosNames[i]));
  for (int i = 0; t->eos_id < 0 && eosNames[i]; ++i)
    t->eos_id = dsc_tok_find(t, eosNames[i], strlen(eosNames[i]));
  building = false;
  st = dsc_tokb_finish(&b, out, err, errlen);
done:
  if (building)
    dsc_tokb_abort(&b);
  free(piece);
  free(keys);
  dsc_json_free(&j);
  return st;
}
