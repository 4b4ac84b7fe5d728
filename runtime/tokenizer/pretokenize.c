/*===- pretokenize.c - regex pre-tokenizers, hand-compiled -----------------===*
 *
 * The pre-tokenizer regexes of GPT-2 and Llama-3/Qwen2 as explicit scanners
 * over code points (a regex engine with \p{..} classes would be larger than
 * the rest of the runtime). Each branch names the alternative it matches.
 *
 *===---------------------------------------------------------------------===*/
#include "tokenizer/tok_internal.h"
#include "tokenizer/unicode.h"

enum { F_LETTER = 1, F_NUMBER = 2, F_SPACE = 4, F_VALID = 8 };

typedef struct {
  uint32_t *cp;
  uint8_t *flags;
  size_t *off; /* byte offset of each code point, n + 1 entries */
  size_t n;
} cps_t;

static uint8_t classify(uint32_t cp) {
  uint8_t f = F_VALID;
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
      return f | F_LETTER;
    if (cp >= '0' && cp <= '9')
      return f | F_NUMBER;
    if (cp == ' ' || (cp >= 0x9 && cp <= 0xD))
      return f | F_SPACE;
    return f;
  }
  if (dsc_cp_in(&dsc_unicode_letter, cp))
    f |= F_LETTER;
  else if (dsc_cp_in(&dsc_unicode_number, cp))
    f |= F_NUMBER;
  else if (dsc_cp_in(&dsc_unicode_whitespace, cp))
    f |= F_SPACE;
  return f;
}

static uint32_t cp_at(const cps_t *c, size_t i) {
  return i < c->n ? c->cp[i] : 0xFFFFFFFFu;
}
static uint8_t fl_at(const cps_t *c, size_t i) {
  return i < c->n ? c->flags[i] : 0;
}

static uint32_t lower_ascii(uint32_t c) {
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive; returns the length
 * matched at i or 0. */
static size_t contraction(const cps_t *c, size_t i, bool icase) {
  if (cp_at(c, i) != '\'' || i + 1 >= c->n)
    return 0;
  uint32_t c1 = cp_at(c, i + 1), c2 = cp_at(c, i + 2);
  if (icase) {
    c1 = lower_ascii(c1);
    c2 = lower_ascii(c2);
  }
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd')
    return 2;
  if (i + 2 < c->n && ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') ||
                       (c1 == 'l' && c2 == 'l')))
    return 3;
  return 0;
}

static bool is_other(uint8_t f) {
  return (f & F_VALID) && !(f & (F_LETTER | F_NUMBER | F_SPACE));
}

static void split_gpt2(const cps_t *c, size_t *cuts, size_t *ncuts) {
  size_t pos = 0;
  while (pos < c->n) {
    size_t m = contraction(c, pos, false);
    if (m) {
      pos += m;
      cuts[(*ncuts)++] = pos;
      continue;
    }
    uint32_t cp = c->cp[pos];
    uint8_t f2 = cp == ' ' ? fl_at(c, pos + 1) : c->flags[pos];
    if (f2 & F_LETTER) { /* ` ?\p{L}+` */
      pos += cp == ' ';
      while (fl_at(c, pos) & F_LETTER)
        pos++;
    } else if (f2 & F_NUMBER) { /* ` ?\p{N}+` */
      pos += cp == ' ';
      while (fl_at(c, pos) & F_NUMBER)
        pos++;
    } else if (is_other(f2)) { /* ` ?[^\s\p{L}\p{N}]+` */
      pos += cp == ' ';
      while (is_other(fl_at(c, pos)))
        pos++;
    } else {
      size_t ws = 0;
      while (fl_at(c, pos + ws) & F_SPACE)
        ws++;
      if (ws > 1 && pos + ws < c->n) /* `\s+(?!\S)` */
        pos += ws - 1;
      else if (ws > 0) /* `\s+` */
        pos += ws;
      else
        pos += 1;
    }
    cuts[(*ncuts)++] = pos;
  }
}

static void split_llama3(const cps_t *c, size_t maxDigits, size_t *cuts,
                         size_t *ncuts) {
  size_t pos = 0;
  while (pos < c->n) {
    size_t m = contraction(c, pos, true); /* `(?i:'s|'t|...)` */
    if (m) {
      pos += m;
      cuts[(*ncuts)++] = pos;
      continue;
    }
    uint32_t cp = c->cp[pos];
    uint8_t f = c->flags[pos];
    /* `[^\r\n\p{L}\p{N}]?\p{L}+` */
    if (!(cp == '\r' || cp == '\n' || (f & F_NUMBER)) &&
        ((f & F_LETTER) || (fl_at(c, pos + 1) & F_LETTER))) {
      pos++;
      while (fl_at(c, pos) & F_LETTER)
        pos++;
      cuts[(*ncuts)++] = pos;
      continue;
    }
    if (f & F_NUMBER) { /* `\p{N}{1,maxDigits}` */
      size_t start = pos;
      while ((fl_at(c, pos) & F_NUMBER) && pos - start < maxDigits)
        pos++;
      cuts[(*ncuts)++] = pos;
      continue;
    }
    uint8_t f2 = cp == ' ' ? fl_at(c, pos + 1) : f;
    if (is_other(f2)) { /* ` ?[^\s\p{L}\p{N}]+[\r\n]*` */
      pos += cp == ' ';
      while (is_other(fl_at(c, pos)))
        pos++;
      while (cp_at(c, pos) == '\r' || cp_at(c, pos) == '\n')
        pos++;
      cuts[(*ncuts)++] = pos;
      continue;
    }
    size_t ws = 0, lastNl = 0;
    while (fl_at(c, pos + ws) & F_SPACE) {
      uint32_t w = c->cp[pos + ws];
      if (w == '\r' || w == '\n')
        lastNl = pos + ws + 1;
      ws++;
    }
    if (lastNl) /* `\s*[\r\n]+` */
      pos = lastNl;
    else if (ws > 1 && pos + ws < c->n) /* `\s+(?!\S)` */
      pos += ws - 1;
    else if (ws > 0) /* `\s+` */
      pos += ws;
    else
      pos += 1;
    cuts[(*ncuts)++] = pos;
  }
}

void dsc_pretokenize(uint32_t kind, const char *text, size_t len,
                     dsc_pretok_emit emit, void *ctx) {
  cps_t c;
  c.cp = (uint32_t *)malloc(sizeof(uint32_t) * (len + 1));
  c.flags = (uint8_t *)malloc(len + 1);
  c.off = (size_t *)malloc(sizeof(size_t) * (len + 1));
  size_t *cuts = (size_t *)malloc(sizeof(size_t) * (len + 1));
  if (!c.cp || !c.flags || !c.off || !cuts) {
    emit(ctx, 0, len); /* degrade to one piece rather than lose text */
    goto done;
  }
  c.n = 0;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t l = dsc_utf8_decode((const uint8_t *)text + i, len - i, &cp);
    c.off[c.n] = i;
    c.cp[c.n] = cp;
    c.flags[c.n] = classify(cp);
    c.n++;
    i += l;
  }
  c.off[c.n] = len;
  size_t ncuts = 0;
  if (kind == DSC_PRE_GPT2)
    split_gpt2(&c, cuts, &ncuts);
  else
    split_llama3(&c, kind == DSC_PRE_QWEN2 ? 1 : 3, cuts, &ncuts);
  size_t prev = 0;
  for (size_t i = 0; i < ncuts; ++i) {
    if (cuts[i] > prev)
      emit(ctx, c.off[prev], c.off[cuts[i]]);
    prev = cuts[i];
  }
done:
  free(c.cp);
  free(c.flags);
  free(c.off);
  free(cuts);
}

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the
 * other 68 (0-32, 127-160, 173) to U+0100 onwards in byte order. */
uint32_t dsc_byte_to_cp(uint8_t b) {
  if (b <= 32)
    return 256u + b;
  if (b >= 127 && b <= 160)
    return 256u + 33 + (b - 127u);
  if (b == 173)
    return 256u + 67;
  return b;
}

int dsc_cp_to_byte(uint32_t cp) {
  if (cp < 256)
    return (cp <= 32 || (cp >= 127 && cp <= 160) || cp == 173) ? -1 : (int)cp;
  if (cp <= 256 + 32)
    return (int)(cp - 256);
  if (cp <= 256 + 66)
    return (int)(cp - 256 - 33 + 127);
  if (cp == 256 + 67)
    return 173;
  return -1;
}
