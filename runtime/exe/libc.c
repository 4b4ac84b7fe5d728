/*===- libc.c - the few C library functions generated code needs ------------===*
 *
 * memcpy and friends (LLVM emits calls to them), and malloc/free for the
 * buffers of the generated code and the runtime: small blocks from
 * size-class free lists, large ones from mmap with a cache of freed blocks
 * so that a model's per-layer buffers are not re-faulted every token.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/base.h"
#include "dsc/sys.h"

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = (unsigned char *)dst;
  const unsigned char *s = (const unsigned char *)src;
  for (; n >= 8; n -= 8, d += 8, s += 8) {
    uint64_t v;
    __builtin_memcpy_inline(&v, s, 8);
    __builtin_memcpy_inline(d, &v, 8);
  }
  while (n--)
    *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = (unsigned char *)dst;
  const unsigned char *s = (const unsigned char *)src;
  if (d == s || n == 0)
    return dst;
  if (d < s || d >= s + n)
    return memcpy(dst, src, n);
  while (n--)
    d[n] = s[n];
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = (unsigned char *)dst;
  uint64_t v = 0x0101010101010101ull * (unsigned char)c;
  for (; n >= 8; n -= 8, d += 8)
    __builtin_memcpy_inline(d, &v, 8);
  while (n--)
    *d++ = (unsigned char)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i])
      return x[i] < y[i] ? -1 : 1;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

/*--- allocation ---------------------------------------------------------*/

typedef struct block {
  uint64_t size; /* usable bytes (class size, or mapped size for large) */
  uint64_t kind; /* size class index, or LARGE */
} header_t;

enum { HDR = 16, NCLASS = 20, LARGE = 0xffff, LARGE_MIN = 1u << 20, CACHE = 16 };

static void *free_lists[NCLASS]; /* class i holds blocks of 32 << i bytes */
static char *arena, *arena_end;
static struct {
  void *p;
  uint64_t size;
} large_cache[CACHE];
static volatile int lock;

static void acquire(void) {
  while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
      ;
}
static void release(void) { __atomic_store_n(&lock, 0, __ATOMIC_RELEASE); }

static void *map(uint64_t n) {
  if (n > SIZE_MAX) /* 32-bit ARM: more than the address space */
    return 0;
  return dsc_sys_mmap(0, n, DSC_PROT_READ | DSC_PROT_WRITE,
                      DSC_MAP_PRIVATE | DSC_MAP_ANONYMOUS, -1, 0);
}

void *malloc(size_t n) {
  uint64_t need = (uint64_t)n + HDR; /* no wrap where size_t is 32-bit */
  if (need >= LARGE_MIN) {
    uint64_t size = (need + 4095) & ~4095ull;
    acquire();
    int best = -1;
    for (int i = 0; i < CACHE; ++i)
      if (large_cache[i].p && large_cache[i].size >= size &&
          large_cache[i].size <= 2 * size &&
          (best < 0 || large_cache[i].size < large_cache[best].size))
        best = i;
    char *p = 0;
    if (best >= 0) {
      p = (char *)large_cache[best].p;
      size = large_cache[best].size;
      large_cache[best].p = 0;
    }
    release();
    if (!p) {
      p = (char *)map(size);
      if (!p)
        return 0;
    }
    header_t *h = (header_t *)p;
    h->size = size - HDR;
    h->kind = LARGE;
    return p + HDR;
  }
  int cls = 0;
  while ((32ull << cls) < need)
    cls++;
  uint64_t csize = 32ull << cls;
  acquire();
  char *p = (char *)free_lists[cls];
  if (p) {
    free_lists[cls] = *(void **)p;
  } else {
    if ((uint64_t)(arena_end - arena) < csize) {
      uint64_t chunk = csize > (1u << 20) ? csize : (1u << 20);
      arena = (char *)map(chunk);
      if (!arena) {
        arena_end = 0;
        release();
        return 0;
      }
      arena_end = arena + chunk;
    }
    p = arena;
    arena += csize;
  }
  release();
  header_t *h = (header_t *)p;
  h->size = csize - HDR;
  h->kind = (uint64_t)cls;
  return p + HDR;
}

void free(void *ptr) {
  if (!ptr)
    return;
  char *p = (char *)ptr - HDR;
  header_t *h = (header_t *)p;
  if (h->kind == LARGE) {
    uint64_t size = h->size + HDR;
    acquire();
    for (int i = 0; i < CACHE; ++i)
      if (!large_cache[i].p) {
        large_cache[i].p = p;
        large_cache[i].size = size;
        release();
        return;
      }
    release();
    dsc_sys_munmap(p, size);
    return;
  }
  acquire();
  *(void **)p = free_lists[h->kind];
  free_lists[h->kind] = p;
  release();
}

#if SIZE_MAX < UINT64_MAX
/* Generated code's malloc on 32-bit targets (compiler/pipeline/Translate.cpp):
 * its sizes are 64-bit. It does not check for null, so a buffer beyond the
 * address space ends the run here with a message. */
void *dsc_malloc64(uint64_t n) {
  static const char msg[] = "error: out of memory for the model's buffers "
                            "(a 32-bit process addresses at most 4 GiB); "
                            "use a shorter prompt or a 64-bit target\n";
  void *p = n <= SIZE_MAX ? malloc((size_t)n) : 0;
  if (!p) {
    dsc_sys_write(2, msg, sizeof(msg) - 1);
    dsc_sys_exit(1);
  }
  return p;
}
#endif

void *calloc(size_t n, size_t size) {
  if (size && n > (size_t)-1 / size)
    return 0;
  void *p = malloc(n * size);
  if (p)
    memset(p, 0, n * size);
  return p;
}

void *realloc(void *ptr, size_t n) {
  if (!ptr)
    return malloc(n);
  header_t *h = (header_t *)((char *)ptr - HDR);
  if (h->size >= n)
    return ptr;
  void *q = malloc(n);
  if (!q)
    return 0;
  memcpy(q, ptr, h->size);
  free(ptr);
  return q;
}


/* fused multiply-add for CPUs without it (baseline x86-64): the product of
 * two floats is exact in double, so one rounding of the double sum is right
 * except in rare double-rounding cases. */
float fmaf(float a, float b, float c) {
  return (float)((double)a * (double)b + (double)c);
}

/* floor for CPUs without SSE4.1's roundss (baseline x86-64). */
float floorf(float x) {
  if (!(x == x) || x >= 8388608.0f || x <= -8388608.0f)
    return x; /* NaN, or already an integer */
  float t = (float)(int32_t)x;
  return t > x ? t - 1.0f : t;
}
