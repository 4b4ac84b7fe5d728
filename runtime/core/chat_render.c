/*===- chat_render.c - rendering and tokenizing a conversation ----------===*/
#include "dsc/chat.h"
#include "dsc/tokenizer.h"

dsc_status dsc_chat_parse(const uint8_t *data, size_t size, dsc_chat *out,
                          char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  size_t at = 12;
  if (size < at || memcmp(data, "DSCCHAT1", 8) != 0)
    goto bad;
  out->flags = dsc_load_u32(data + 8);
  for (int i = 0; i < DSC_CHAT_NSTR; ++i) {
    if (size - at < 4)
      goto bad;
    uint32_t n = dsc_load_u32(data + at);
    at += 4;
    if (size - at < n)
      goto bad;
    out->str[i].s = (const char *)data + at;
    out->str[i].len = n;
    at += n;
  }
  if (size - at < 4)
    goto bad;
  out->n_special = dsc_load_u32(data + at);
  at += 4;
  out->special = data + at;
  for (uint32_t i = 0; i < out->n_special; ++i) {
    if (size - at < 8)
      goto bad;
    uint32_t n = dsc_load_u32(data + at + 4);
    if (size - at - 8 < n || n == 0)
      goto bad;
    at += 8 + n;
  }
  if (size - at < 4)
    goto bad;
  out->n_eot = dsc_load_u32(data + at);
  at += 4;
  out->eot = data + at;
  if ((size - at) / 4 < out->n_eot || size - at != 4ull * out->n_eot)
    goto bad;
  return DSC_OK;
bad:
  dsc_snprintf(err, errlen, "malformed chat section");
  return DSC_ERR_FORMAT;
}

typedef struct {
  char *buf;
  size_t n, cap;
  bool oom;
} text;

static void put(text *t, const char *s, size_t n) {
  if (t->oom)
    return;
  if (t->n + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->n + n + 1)
      cap *= 2;
    char *b = (char *)realloc(t->buf, cap);
    if (!b) {
      t->oom = true;
      return;
    }
    t->buf = b;
    t->cap = cap;
  }
  memcpy(t->buf + t->n, s, n);
  t->n += n;
  t->buf[t->n] = 0;
}

static void put_str(text *t, dsc_chat_str s) { put(t, s.s, s.len); }

/* Python's str.strip() and Jinja's trim, for the ASCII whitespace. */
static bool is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}
static void trim(const char **s, size_t *n) {
  while (*n && is_space(**s))
    ++*s, --*n;
  while (*n && is_space((*s)[*n - 1]))
    --*n;
}

/* What follows the last `close` in s, as content.split(close)[-1]. */
static void after_last(const char **s, size_t *n, dsc_chat_str close) {
  if (!close.len || *n < close.len)
    return;
  for (size_t i = *n - close.len + 1; i-- > 0;)
    if (memcmp(*s + i, close.s, close.len) == 0) {
      *s += i + close.len;
      *n -= i + close.len;
      return;
    }
}

dsc_status dsc_chat_render(const dsc_chat *c, const char *system,
                           const dsc_chat_msg *msgs, size_t n, bool gen_prompt,
                           char **out, size_t *len) {
  text t = {0, 0, 0, false};
  bool trimmed = c->flags & DSC_CHAT_TRIM;
  const char *sys = system;
  size_t sysLen = system ? strlen(system) : 0;
  if (!sys && (c->flags & DSC_CHAT_DEFAULT_SYSTEM)) {
    sys = c->str[DSC_CHAT_DEFAULT_SYS].s;
    sysLen = c->str[DSC_CHAT_DEFAULT_SYS].len;
  }
  put(&t, "", 0);
  put_str(&t, c->str[DSC_CHAT_BOS]);
  bool sysInUser = c->flags & DSC_CHAT_SYS_IN_USER;
  if (sys && !sysInUser) {
    const char *s = sys;
    size_t sn = sysLen;
    if (trimmed)
      trim(&s, &sn);
    put_str(&t, c->str[DSC_CHAT_SYS_PRE]);
    put(&t, s, sn);
    put_str(&t, c->str[DSC_CHAT_SYS_POST]);
  }
  for (size_t i = 0; i < n; ++i) {
    bool user = msgs[i].role == 0;
    const char *s = msgs[i].text;
    size_t sn = msgs[i].len;
    put_str(&t, c->str[user ? DSC_CHAT_USER_PRE : DSC_CHAT_ASSIST_PRE]);
    if (user && i == 0 && sys && sysInUser) {
      /* Llama 2: the system text and the message are stripped as one. */
      text joined = {0, 0, 0, false};
      put_str(&joined, c->str[DSC_CHAT_SYS_PRE]);
      put(&joined, sys, sysLen);
      put_str(&joined, c->str[DSC_CHAT_SYS_POST]);
      put(&joined, s, sn);
      if (joined.oom) {
        free(t.buf);
        return DSC_ERR_NOMEM;
      }
      const char *js = joined.buf;
      size_t jn = joined.n;
      if (trimmed)
        trim(&js, &jn);
      put(&t, js, jn);
      free(joined.buf);
    } else {
      if (!user && (c->flags & DSC_CHAT_STRIP_THINK))
        after_last(&s, &sn, c->str[DSC_CHAT_THINK_CLOSE]);
      if (trimmed)
        trim(&s, &sn);
      put(&t, s, sn);
    }
    put_str(&t, c->str[user ? DSC_CHAT_USER_POST : DSC_CHAT_ASSIST_POST]);
  }
  if (gen_prompt)
    put_str(&t, c->str[DSC_CHAT_GEN_PROMPT]);
  if (t.oom) {
    free(t.buf);
    return DSC_ERR_NOMEM;
  }
  *out = t.buf;
  *len = t.n;
  return DSC_OK;
}

/* The id of the longest special token at s[0..n), or -1; *m its length. */
static int32_t special_at(const dsc_chat *c, const char *s, size_t n,
                          size_t *m) {
  int32_t best = -1;
  *m = 0;
  const uint8_t *p = c->special;
  for (uint32_t i = 0; i < c->n_special; ++i) {
    int32_t id = (int32_t)dsc_load_u32(p);
    uint32_t len = dsc_load_u32(p + 4);
    if (len <= n && len > *m && memcmp(s, p + 8, len) == 0) {
      best = id;
      *m = len;
    }
    p += 8 + len;
  }
  return best;
}

int64_t dsc_chat_encode(const dsc_chat *c, const struct dsc_tokenizer *tok,
                        const char *s, size_t len, int32_t *ids, int64_t cap) {
  int64_t count = 0;
  size_t start = 0;
  for (size_t i = 0; i <= len;) {
    size_t m = 0;
    int32_t id = i < len ? special_at(c, s + i, len - i, &m) : -1;
    if (id < 0 && i < len) {
      ++i;
      continue;
    }
    if (i > start) {
      int64_t room = cap > count ? cap - count : 0;
      int64_t k = dsc_tok_encode(tok, s + start, i - start, false,
                                 ids + (room ? count : 0), room);
      if (k < 0)
        return -1;
      count += k;
    }
    if (i == len)
      break;
    if (count < cap)
      ids[count] = id;
    count++;
    i += m;
    start = i;
  }
  return count;
}

bool dsc_chat_is_eot(const dsc_chat *c, int32_t id) {
  for (uint32_t i = 0; i < c->n_eot; ++i)
    if ((int32_t)dsc_load_u32(c->eot + 4 * i) == id)
      return true;
  return false;
}

void dsc_think_init(dsc_think_filter *f, const dsc_chat *c, bool hide,
                    bool in_think) {
  f->open = c->str[DSC_CHAT_THINK_OPEN];
  f->close = c->str[DSC_CHAT_THINK_CLOSE];
  f->hide = hide;
  f->in_think = in_think && f->open.len;
  f->skip_space = false;
  f->shown = 0;
}

/* Position of needle in s[from..len), or -1. */
static int64_t find(const char *s, size_t from, size_t len,
                    dsc_chat_str needle) {
  for (size_t i = from; needle.len && i + needle.len <= len; ++i)
    if (memcmp(s + i, needle.s, needle.len) == 0)
      return (int64_t)i;
  return -1;
}

void dsc_think_feed(dsc_think_filter *f, const char *s, size_t len, bool end,
                    void (*out)(void *, const char *, size_t), void *ctx) {
  while (f->shown < len) {
    if (f->skip_space) {
      if (is_space(s[f->shown])) {
        f->shown++;
        continue;
      }
      f->skip_space = false;
    }
    dsc_chat_str tag = f->in_think ? f->close : f->open;
    int64_t at = find(s, f->shown, len, tag);
    size_t upto;
    if (at >= 0)
      upto = (size_t)at + tag.len;
    else if (end || !tag.len)
      upto = len;
    else if (len >= f->shown + tag.len - 1)
      upto = len - (tag.len - 1);
    else
      upto = f->shown;
    if (upto <= f->shown)
      return;
    if (!f->hide)
      out(ctx, s + f->shown, upto - f->shown);
    else if (!f->in_think)
      out(ctx, s + f->shown, (at >= 0 ? (size_t)at : upto) - f->shown);
    f->shown = upto;
    if (at < 0)
      return;
    f->in_think = !f->in_think;
    f->skip_space = f->hide && !f->in_think;
  }
}
