/*===- base.h - what runtime code may use ------------------------*- C -*-===*
 *
 * Runtime code builds two ways: hosted (linked into the dsc compiler and the
 * tests, on top of libc) and freestanding (linked into generated executables
 * with no libc at all; runtime/sys provides these functions there). Runtime
 * code therefore uses only what this header declares.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_BASE_H
#define DSC_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if __STDC_HOSTED__
#ifdef __cplusplus
}
#endif
#include <stdlib.h>
#include <string.h>
#ifdef __cplusplus
extern "C" {
#endif
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);
#endif

/* Status codes of the runtime. */
typedef enum {
  DSC_OK = 0,
  DSC_ERR_IO = 1,      /* a file could not be read */
  DSC_ERR_FORMAT = 2,  /* malformed or truncated input */
  DSC_ERR_UNSUPPORTED = 3,
  DSC_ERR_NOMEM = 4,
  DSC_ERR_ARG = 5,     /* bad argument */
} dsc_status;

/* Writes a formatted message into buf (size n, always NUL-terminated).
 * Supports %s %.*s %d %u %ld %lu %lld %llu %zu %x %llx %c %f %.Nf %g %%. */
int dsc_snprintf(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int dsc_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* Little-endian loads that do not assume alignment. */
static inline uint16_t dsc_load_u16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t dsc_load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}
static inline uint64_t dsc_load_u64(const uint8_t *p) {
  return (uint64_t)dsc_load_u32(p) | ((uint64_t)dsc_load_u32(p + 4) << 32);
}
static inline float dsc_load_f32(const uint8_t *p) {
  uint32_t u = dsc_load_u32(p);
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* Appends c to buf[0..cap) at *n and counts it even when buf is full, so
 * that callers can report the length they would have needed. */
static inline void dsc_put_char(char *buf, size_t cap, size_t *n, char c) {
  if (*n < cap)
    buf[*n] = c;
  ++*n;
}

#ifdef __cplusplus
}
#endif

#endif /* DSC_BASE_H */
