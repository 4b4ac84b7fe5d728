/*===- unicode.c - code point classes and UTF-8 ----------------------------===*/
#include "tokenizer/unicode.h"

bool dsc_cp_in(const dsc_cp_table *t, uint32_t cp) {
  uint32_t lo = 0, hi = t->count;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (cp < t->ranges[mid].first)
      hi = mid;
    else if (cp > t->ranges[mid].last)
      lo = mid + 1;
    else
      return true;
  }
  return false;
}

size_t dsc_utf8_len(uint8_t c) {
  if (c < 0x80)
    return 1;
  if ((c & 0xE0) == 0xC0)
    return 2;
  if ((c & 0xF0) == 0xE0)
    return 3;
  if ((c & 0xF8) == 0xF0)
    return 4;
  return 1;
}

size_t dsc_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp) {
  size_t len = dsc_utf8_len(s[0]);
  if (len == 1 || len > n) {
    *cp = s[0] < 0x80 ? s[0] : 0xDC00u + s[0];
    return 1;
  }
  uint32_t v = s[0] & (0xFF >> (len + 1));
  for (size_t i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) {
      *cp = 0xDC00u + s[0];
      return 1;
    }
    v = (v << 6) | (s[i] & 0x3F);
  }
  *cp = v;
  return len;
}

size_t dsc_utf8_encode(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}
