/*===- format.c - snprintf for the runtime ----------------------------------===*
 *
 * A small printf: generated executables have no libc, and the runtime only
 * prints diagnostics, token text and statistics.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/base.h"

typedef struct {
  char *buf;
  size_t cap;
  size_t len; /* characters that would have been written */
} out_t;

static void put(out_t *o, char c) {
  if (o->len + 1 < o->cap)
    o->buf[o->len] = c;
  o->len++;
}

static void put_str(out_t *o, const char *s, size_t n, int width, bool left) {
  int pad = width > (int)n ? width - (int)n : 0;
  if (!left)
    while (pad-- > 0)
      put(o, ' ');
  for (size_t i = 0; i < n; ++i)
    put(o, s[i]);
  if (left)
    while (pad-- > 0)
      put(o, ' ');
}

static void put_uint(out_t *o, unsigned long long v, unsigned base, bool upper,
                     bool neg, int width, bool zero, bool left) {
  char tmp[24];
  int n = 0;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    tmp[n++] = digits[v % base];
    v /= base;
  } while (v);
  int total = n + (neg ? 1 : 0);
  int pad = width > total ? width - total : 0;
  if (!left && !zero)
    while (pad-- > 0)
      put(o, ' ');
  if (neg)
    put(o, '-');
  if (!left && zero)
    while (pad-- > 0)
      put(o, '0');
  while (n)
    put(o, tmp[--n]);
  if (left)
    while (pad-- > 0)
      put(o, ' ');
}

static void put_fixed(out_t *o, double v, int prec, int width, bool left) {
  char tmp[64];
  int n = 0;
  if (v != v) {
    put_str(o, "nan", 3, width, left);
    return;
  }
  bool neg = v < 0;
  if (neg)
    v = -v;
  if (v > 1e18) {
    put_str(o, neg ? "-inf" : "inf", neg ? 4 : 3, width, left);
    return;
  }
  if (prec > 9)
    prec = 9;
  double scale = 1;
  for (int i = 0; i < prec; ++i)
    scale *= 10;
  unsigned long long whole = (unsigned long long)v;
  double frac = v - (double)whole;
  /* Half up: this printf is for statistics, not exact decimal ties. */
  unsigned long long f = (unsigned long long)(frac * scale + 0.5);
  if ((double)f >= scale) {
    whole += 1;
    f -= (unsigned long long)scale;
  }
  if (neg)
    tmp[n++] = '-';
  char w[24];
  int wn = 0;
  do {
    w[wn++] = (char)('0' + whole % 10);
    whole /= 10;
  } while (whole);
  while (wn)
    tmp[n++] = w[--wn];
  if (prec > 0) {
    tmp[n++] = '.';
    for (int i = prec - 1; i >= 0; --i) {
      tmp[n + i] = (char)('0' + f % 10);
      f /= 10;
    }
    n += prec;
  }
  put_str(o, tmp, (size_t)n, width, left);
}

static void put_general(out_t *o, double v, int prec, int width, bool left) {
  /* %g with at most `prec` significant digits, no exponent form below 1e15. */
  double a = v < 0 ? -v : v;
  if (prec <= 0)
    prec = 6;
  int intDigits = 1;
  for (double t = a; t >= 10.0 && intDigits < 16; t /= 10.0)
    intDigits++;
  int fracDigits = a == 0 ? 0 : prec - intDigits;
  if (a != 0 && a < 1.0) {
    fracDigits = prec;
    for (double t = a; t < 0.1 && fracDigits < 9; t *= 10.0)
      fracDigits++;
  }
  if (fracDigits < 0)
    fracDigits = 0;
  if (fracDigits > 9)
    fracDigits = 9;
  char tmp[64];
  out_t sub = {tmp, sizeof(tmp), 0};
  put_fixed(&sub, v, fracDigits, 0, false);
  size_t n = sub.len < sizeof(tmp) ? sub.len : sizeof(tmp) - 1;
  bool dot = false;
  for (size_t i = 0; i < n; ++i)
    dot |= tmp[i] == '.';
  if (dot) {
    while (n > 0 && tmp[n - 1] == '0')
      n--;
    if (n > 0 && tmp[n - 1] == '.')
      n--;
  }
  put_str(o, tmp, n, width, left);
}

int dsc_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  out_t o = {buf, cap, 0};
  for (const char *p = fmt; *p; ++p) {
    if (*p != '%') {
      put(&o, *p);
      continue;
    }
    ++p;
    bool left = false, zero = false;
    for (;; ++p) {
      if (*p == '-')
        left = true;
      else if (*p == '0')
        zero = true;
      else if (*p == '+' || *p == ' ' || *p == '#')
        ;
      else
        break;
    }
    int width = 0;
    if (*p == '*') {
      width = va_arg(ap, int);
      ++p;
    } else {
      while (*p >= '0' && *p <= '9')
        width = width * 10 + (*p++ - '0');
    }
    int prec = -1;
    if (*p == '.') {
      ++p;
      prec = 0;
      if (*p == '*') {
        prec = va_arg(ap, int);
        ++p;
      } else {
        while (*p >= '0' && *p <= '9')
          prec = prec * 10 + (*p++ - '0');
      }
    }
    int lng = 0;
    bool size = false;
    while (*p == 'l' || *p == 'h' || *p == 'z') {
      if (*p == 'l')
        lng++;
      if (*p == 'z')
        size = true;
      ++p;
    }
    switch (*p) {
    case 'd':
    case 'i': {
      long long v = size ? (long long)va_arg(ap, long)
                : lng >= 2 ? va_arg(ap, long long)
                : lng == 1 ? va_arg(ap, long)
                           : va_arg(ap, int);
      bool neg = v < 0;
      unsigned long long u = neg ? 0ull - (unsigned long long)v
                                 : (unsigned long long)v;
      put_uint(&o, u, 10, false, neg, width, zero, left);
      break;
    }
    case 'u':
    case 'x':
    case 'X': {
      unsigned long long v = size ? va_arg(ap, size_t)
                             : lng >= 2 ? va_arg(ap, unsigned long long)
                             : lng == 1 ? va_arg(ap, unsigned long)
                                        : va_arg(ap, unsigned);
      put_uint(&o, v, *p == 'u' ? 10 : 16, *p == 'X', false, width, zero,
               left);
      break;
    }
    case 'p': {
      put(&o, '0');
      put(&o, 'x');
      put_uint(&o, (unsigned long long)(uintptr_t)va_arg(ap, void *), 16,
               false, false, 0, false, false);
      break;
    }
    case 'c': {
      char c = (char)va_arg(ap, int);
      put_str(&o, &c, 1, width, left);
      break;
    }
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (!s)
        s = "(null)";
      size_t n = 0;
      while ((prec < 0 || (int)n < prec) && s[n])
        n++;
      put_str(&o, s, n, width, left);
      break;
    }
    case 'f':
      put_fixed(&o, va_arg(ap, double), prec < 0 ? 6 : prec, width, left);
      break;
    case 'g':
    case 'e':
      put_general(&o, va_arg(ap, double), prec < 0 ? 6 : prec, width, left);
      break;
    case '%':
      put(&o, '%');
      break;
    case 0:
      --p;
      break;
    default:
      put(&o, '%');
      put(&o, *p);
      break;
    }
  }
  if (cap)
    buf[o.len < cap ? o.len : cap - 1] = 0;
  return (int)o.len;
}

int dsc_snprintf(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = dsc_vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return r;
}
