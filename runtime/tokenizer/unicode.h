/*===- unicode.h - code point classes and UTF-8 -------------------*- C -*-===*/
#ifndef DSC_TOKENIZER_UNICODE_H
#define DSC_TOKENIZER_UNICODE_H

#include "dsc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint32_t first, last;
} dsc_cp_range;

typedef struct {
  const dsc_cp_range *ranges;
  uint32_t count;
} dsc_cp_table;

extern const dsc_cp_table dsc_unicode_letter;     /* \p{L} */
extern const dsc_cp_table dsc_unicode_number;     /* \p{N} */
extern const dsc_cp_table dsc_unicode_whitespace; /* White_Space, \s */

bool dsc_cp_in(const dsc_cp_table *t, uint32_t cp);

/* Decodes one UTF-8 sequence at s[0..n); returns its length (1 for an invalid
 * byte, which decodes to that byte's value + 0xDC00 as a marker). */
size_t dsc_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);
/* Length of the UTF-8 sequence starting with byte c (1 for invalid). */
size_t dsc_utf8_len(uint8_t c);
/* Encodes cp into out (4 bytes room); returns the length. */
size_t dsc_utf8_encode(uint32_t cp, char *out);

#ifdef __cplusplus
}
#endif

#endif
