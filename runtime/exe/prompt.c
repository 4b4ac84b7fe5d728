/*===- prompt.c - the prompt as token ids -------------------------------===*/
#include "exe/prompt.h"
#include "exe/io.h"

/* The text of -p or -f into *text and *len. Returns 0, or 1 after an
 * error. */
static int prompt_text(const dsc_args *a, const char **text, uint64_t *len) {
  *text = a->prompt;
  *len = a->prompt ? strlen(a->prompt) : 0;
  if (a->promptFile) {
    char *data;
    int err = dsc_read_file(a->promptFile, &data, len);
    if (err)
      return dsc_fail("cannot read the prompt file '%s': %s", a->promptFile,
                      dsc_strerror(err));
    *text = data;
  }
  return 0;
}

/* Appends the ids of --tokens to p, up to cap of them. */
static int parse_ids(const char *list, int64_t vocab, int64_t cap, int64_t ctx,
                     dsc_prompt *p) {
  const char *s = list;
  while (*s) {
    while (*s == ' ')
      s++;
    if (!*s)
      break;
    int64_t id = 0;
    bool digit = false;
    for (; *s >= '0' && *s <= '9'; ++s, digit = true)
      id = id * 10 + (*s - '0');
    if (!digit || (*s && *s != ' ') || id >= vocab)
      return dsc_fail("--tokens: not a list of token ids below the "
                      "vocabulary size: '%s'",
                      list);
    if (p->n >= cap)
      return dsc_fail("the prompt is longer than the context (-c %lld)",
                      (long long)ctx);
    p->ids[p->n++] = (int32_t)id;
  }
  return 0;
}

/* Appends the encoding of text to p, growing its buffer (of cap ids) up to
 * the context if the text needs more. */
static int encode(const dsc_tokenizer *tok, const char *text, uint64_t len,
                  int64_t cap, int64_t ctx, dsc_prompt *p) {
  if (!tok)
    return dsc_fail("this executable has no tokenizer; pass --tokens");
  int64_t n = dsc_tok_encode(tok, text, len, false, p->ids + p->n, cap - p->n);
  if (n > cap - p->n && p->n + n <= ctx) {
    int32_t *bigger =
        (int32_t *)realloc(p->ids, sizeof(int32_t) * (size_t)(p->n + n + 1));
    if (!bigger)
      return dsc_fail("out of memory");
    p->ids = bigger;
    n = dsc_tok_encode(tok, text, len, false, p->ids + p->n, n);
  }
  if (n < 0)
    return dsc_fail("out of memory encoding the prompt");
  if (p->n + n > ctx)
    return dsc_fail("the prompt (%lld tokens) is longer than the context "
                    "(-c %lld)",
                    (long long)(p->n + n), (long long)ctx);
  p->n += n;
  return 0;
}

int dsc_prompt_tokens(const dsc_args *a, const dsc_tokenizer *tok,
                      int64_t vocab, int64_t ctx, dsc_prompt *p) {
  const char *text;
  uint64_t len;
  if (prompt_text(a, &text, &len))
    return 1;
  if (a->tokenArg)
    len = strlen(a->tokenArg);
  int64_t cap = (int64_t)len + 2 < ctx ? (int64_t)len + 2 : ctx;
  p->ids = (int32_t *)malloc(sizeof(int32_t) * (size_t)(cap + 1));
  if (!p->ids)
    return dsc_fail("out of memory");
  p->n = 0;
  if (a->bos && tok && dsc_tok_bos(tok) >= 0)
    p->ids[p->n++] = dsc_tok_bos(tok);
  else if (a->bos && !tok)
    p->ids[p->n++] = 1;
  p->firstEcho = p->n;
  if (a->tokenArg) {
    if (parse_ids(a->tokenArg, vocab, cap, ctx, p))
      return 1;
  } else if (len && encode(tok, text, len, cap, ctx, p)) {
    return 1;
  }
  if (p->n == 0)
    return dsc_fail(a->bos ? "the prompt is empty and the tokenizer has no "
                             "BOS token to start from"
                           : "the prompt is empty and --no-bos leaves no "
                             "token to start from");
  return 0;
}
