/*===- load.c - finding, checking and loading the payload ---------------===*/
#include "exe/load.h"
#include "dsc/checksum.h"
#include "dsc/model.h"
#include "dsc/parallel.h"
#include "dsc/sys.h"
#include "exe/io.h"

enum { ENOENT_ = 2 };

/* Opens path and returns its size, or a negative errno. */
static int64_t open_sized(const char *path, int *fd) {
  *fd = dsc_sys_open(path, DSC_O_RDONLY, 0);
  if (*fd < 0)
    return *fd;
  int64_t end = dsc_sys_lseek(*fd, 0, 2 /* SEEK_END */);
  if (end < 0)
    dsc_sys_close(*fd);
  return end;
}

static bool read_at(int fd, uint64_t off, void *buf, size_t n) {
  if (dsc_sys_lseek(fd, (int64_t)off, 0) < 0)
    return false;
  return dsc_sys_read(fd, buf, n) == (long)n;
}

/* The path of this executable, or NULL. */
static char *self_path(void) {
  for (size_t cap = 256; cap <= (1u << 20); cap *= 2) {
    char *buf = (char *)malloc(cap);
    if (!buf)
      return 0;
    long n = dsc_sys_readlink("/proc/self/exe", buf, cap);
    if (n > 0 && (size_t)n < cap) {
      buf[n] = 0;
      return buf;
    }
    free(buf);
    if (n <= 0)
      return 0;
  }
  return 0;
}

static const dsc_payload_section *
find_section(const dsc_payload_header *h, const char *name, uint64_t size) {
  for (uint64_t i = 0; i < h->n_sections && i < 8; ++i) {
    const dsc_payload_section *s = &h->sections[i];
    /* Sections start after the header's page, as the compiler writes them:
     * the weights' pages are unmapped once read, and the header must
     * outlive that (a corrupt payload with weights at offset 0 would unmap
     * it; found by fuzz_payload). */
    if (memcmp(s->name, name, strlen(name) + 1) == 0 && s->offset <= size &&
        s->size <= size - s->offset && s->offset >= DSC_PAYLOAD_ALIGN)
      return s;
  }
  return 0;
}

/* Finds where the payload is: the file, its offset and size (0: to the
 * end). Returns false after printing an error. */
static bool locate(const char *override, dsc_payload *p) {
  if (override) {
    p->path = override;
    p->offset = 0;
    p->size = 0;
    return true;
  }
  char *exe = self_path();
  if (!exe)
    return !dsc_fail("cannot find the file of this executable "
                     "(/proc/self/exe); pass --weights FILE");
  int fd;
  int64_t end = open_sized(exe, &fd);
  if (end < 0)
    return !dsc_fail("cannot read '%s': %s; pass --weights FILE", exe,
                     dsc_strerror(-end));
  dsc_trailer tr;
  bool ok = end >= (int64_t)sizeof(tr) &&
            read_at(fd, (uint64_t)end - sizeof(tr), &tr, sizeof(tr)) &&
            memcmp(tr.magic, DSC_TRAILER_MAGIC, 8) == 0;
  dsc_sys_close(fd);
  if (!ok)
    return !dsc_fail("'%s' has no dsc payload trailer at its end (was it "
                     "stripped or cut short?); recompile the model, or pass "
                     "--weights FILE",
                     exe);
  if (tr.external[0]) {
    tr.external[sizeof(tr.external) - 1] = 0;
    size_t dir = 0;
    for (size_t i = 0; exe[i]; ++i)
      if (exe[i] == '/')
        dir = i + 1;
    size_t nameLen = strlen(tr.external);
    char *side = (char *)malloc(dir + nameLen + 1);
    if (!side)
      return !dsc_fail("out of memory");
    memcpy(side, exe, dir);
    memcpy(side + dir, tr.external, nameLen + 1);
    free(exe);
    p->path = side;
    p->offset = 0;
    p->size = 0;
    int sfd = dsc_sys_open(side, DSC_O_RDONLY, 0);
    if (sfd == -ENOENT_)
      return !dsc_fail("the weights file '%s' was not found: this executable "
                       "was compiled with --weights=external and reads its "
                       "weights from %s beside itself; put that file there, "
                       "or pass --weights FILE to say where it is",
                       side, tr.external);
    if (sfd >= 0)
      dsc_sys_close(sfd);
    return true;
  }
  if (tr.offset > (uint64_t)end || tr.size > (uint64_t)end - tr.offset)
    return !dsc_fail("'%s' is cut short: its trailer places the payload at "
                     "bytes %llu..%llu, but the file has %lld bytes; copy or "
                     "compile it again",
                     exe, (unsigned long long)tr.offset,
                     (unsigned long long)(tr.offset + tr.size),
                     (long long)end);
  p->path = exe;
  p->offset = tr.offset;
  p->size = tr.size;
  return true;
}

bool dsc_payload_open(const char *override, dsc_payload *p) {
  memset(p, 0, sizeof(*p));
  if (!locate(override, p))
    return false;
  int fd;
  int64_t end = open_sized(p->path, &fd);
  if (end < 0)
    return !dsc_fail("cannot read the weights file '%s': %s", p->path,
                     dsc_strerror(-end));
  if (p->size == 0)
    p->size = (uint64_t)end - p->offset;
  if (p->size < sizeof(dsc_payload_header)) {
    dsc_sys_close(fd);
    return !dsc_fail("'%s' is too short (%llu bytes) to hold dsc weights",
                     p->path, (unsigned long long)p->size);
  }
  /* A 32-bit process cannot map more than its address space; size_t would
   * wrap. */
  if (p->size > SIZE_MAX) {
    dsc_sys_close(fd);
    return !dsc_fail("'%s' holds %llu bytes of weights, more than a 32-bit "
                     "process can map; use a 64-bit target or a smaller or "
                     "quantized model",
                     p->path, (unsigned long long)p->size);
  }
  /* Mappings start at page boundaries; an embedded payload is page-aligned
   * in the executable. */
  void *m = dsc_sys_mmap(0, p->size, DSC_PROT_READ, DSC_MAP_PRIVATE, fd,
                         (long)p->offset);
  dsc_sys_close(fd);
  if (!m)
    return !dsc_fail("cannot map the weights file '%s' (%llu bytes): is it a "
                     "regular file?",
                     p->path, (unsigned long long)p->size);
  p->data = (const uint8_t *)m;
  const dsc_payload_header *h = (const dsc_payload_header *)p->data;
  if (memcmp(h->magic, DSC_PAYLOAD_MAGIC, 8) != 0) {
    if (memcmp(h->magic, DSC_PAYLOAD_MAGIC_STEM, 7) == 0)
      return !dsc_fail("'%s' holds dsc weights in payload format %c, but this "
                       "executable reads format %c; compile the model again "
                       "with the same dsc for both",
                       p->path, h->magic[7], DSC_PAYLOAD_MAGIC[7]);
    return !dsc_fail("'%s' holds no dsc weights", p->path);
  }
  if ((int64_t)h->model_id != dsc_model_desc.model_id)
    return !dsc_fail("the weights in '%s' belong to another build of this "
                     "model; pass the .dscw file compiled with this "
                     "executable",
                     p->path);
  p->weights = find_section(h, "weights", p->size);
  if (!p->weights || p->weights->offset % DSC_PAYLOAD_ALIGN ||
      (int64_t)p->weights->size != dsc_model_desc.weights_size)
    return !dsc_fail("the weights section of '%s' is missing or of the wrong "
                     "size; the file is damaged, compile the model again",
                     p->path);
  p->tokenizer = find_section(h, "tokenizer", p->size);
  p->chat = find_section(h, "chat", p->size);
  p->checksum = find_section(h, "checksum", p->size);
  if (!p->checksum || p->checksum->size != 8)
    return !dsc_fail("the checksum section of '%s' is missing; the file is "
                     "damaged, compile the model again",
                     p->path);
  return true;
}

bool dsc_payload_verify(const dsc_payload *p, uint64_t *stored,
                        uint64_t *actual) {
  *stored = dsc_load_u64(p->data + p->checksum->offset);
  *actual = dsc_hash_bytes(p->data, p->checksum->offset);
  return *stored == *actual;
}

/* The weights into anonymous memory backed by huge pages, 8 MiB chunks at
 * a time on every thread of the pool: read from the file, each thread with
 * its own descriptor, or (src set) copied from the mapping, each chunk's
 * mapped pages dropped once copied. */
enum { READ_CHUNK = 8 << 20 };
typedef struct {
  const dsc_payload *p;
  const char *src; /* the mapped weights, or NULL to read the file */
  char *dst;
  uint64_t size;
  volatile int failed;
} fill_job;

static bool read_range(const fill_job *job, uint64_t from, uint64_t to) {
  int fd = dsc_sys_open(job->p->path, DSC_O_RDONLY, 0);
  bool ok = fd >= 0 && dsc_sys_lseek(fd,
                                     (int64_t)(job->p->offset +
                                               job->p->weights->offset + from),
                                     0) >= 0;
  for (char *at = job->dst + from; ok && from < to;) {
    uint64_t want = to - from < (1u << 30) ? to - from : (1u << 30);
    long r = dsc_sys_read(fd, at, want);
    ok = r > 0;
    if (ok) {
      at += r;
      from += (uint64_t)r;
    }
  }
  if (fd >= 0)
    dsc_sys_close(fd);
  return ok;
}

/* A thread's range is many chunks: each leaves the mapping as soon as it is
 * copied, so the process holds the weights about once. Chunks start at
 * multiples of 8 MiB from a page-aligned start. */
static void copy_range(const fill_job *job, uint64_t from, uint64_t to) {
  for (; from < to; from += READ_CHUNK) {
    uint64_t n = to - from < READ_CHUNK ? to - from : READ_CHUNK;
    memcpy(job->dst + from, job->src + from, n);
    dsc_sys_madvise((void *)(uintptr_t)(job->src + from), n, DSC_MADV_DONTNEED);
  }
}

static void fill_chunks(void *ctx, int64_t begin, int64_t end) {
  fill_job *job = (fill_job *)ctx;
  uint64_t from = (uint64_t)begin * READ_CHUNK;
  uint64_t to = (uint64_t)end * READ_CHUNK;
  if (to > job->size)
    to = job->size;
  if (job->src)
    copy_range(job, from, to);
  else if (!read_range(job, from, to))
    __atomic_store_n(&job->failed, 1, __ATOMIC_RELAXED);
}

static void *fill_weights(const dsc_payload *p, bool fromMapping) {
  uint64_t n = p->weights->size;
  const char *mapped = (const char *)(p->data + p->weights->offset);
  char *dst = (char *)dsc_sys_mmap(0, n, DSC_PROT_READ | DSC_PROT_WRITE,
                                   DSC_MAP_PRIVATE | DSC_MAP_ANONYMOUS, -1, 0);
  if (!dst)
    return 0;
  dsc_sys_madvise(dst, n, DSC_MADV_HUGEPAGE);
  /* From a cold cache, reads of one stream wait on the disk one readahead
   * window at a time; asking for the whole range first queues it all. */
  if (!fromMapping)
    dsc_sys_madvise((void *)(uintptr_t)mapped, n, DSC_MADV_WILLNEED);
  fill_job job = {p, fromMapping ? mapped : 0, dst, n, 0};
  dsc_parallel_for((int64_t)((n + READ_CHUNK - 1) / READ_CHUNK), fill_chunks,
                   &job);
  if (job.failed) {
    dsc_sys_munmap(dst, n);
    return 0;
  }
  return dst;
}

void *dsc_payload_read_weights(const dsc_payload *p) {
  return fill_weights(p, false);
}

void *dsc_payload_copy_mapped_weights(const dsc_payload *p) {
  return fill_weights(p, true);
}

bool dsc_payload_weights_resident(const dsc_payload *p) {
  if (dsc_sys_owned_by_caller(p->path) != 1)
    return false;
  uintptr_t at = (uintptr_t)(p->data + p->weights->offset);
  uintptr_t first = at & ~(uintptr_t)4095;
  uint64_t len = p->weights->size + (at - first);
  uint64_t pages = (len + 4095) / 4096;
  if (!pages || len > SIZE_MAX)
    return false;
  /* Zeroed: where the kernel's pages are larger, the entries it does not
   * write read as not resident. */
  unsigned char *vec = (unsigned char *)calloc((size_t)pages, 1);
  if (!vec)
    return false;
  bool all = dsc_sys_mincore((void *)first, (size_t)len, vec) == 0;
  for (uint64_t i = 0; all && i < pages; ++i)
    all = vec[i] & 1;
  free(vec);
  return all;
}

/* The number after `key` in text (as in /proc/meminfo), or -1. */
static int64_t field(const char *text, const char *key) {
  size_t k = strlen(key);
  for (const char *s = text; *s; ++s) {
    if ((s == text || s[-1] == '\n') && memcmp(s, key, k) == 0) {
      s += k;
      while (*s == ' ' || *s == ':' || *s == '\t')
        s++;
      int64_t v = 0;
      if (*s < '0' || *s > '9')
        return -1;
      for (; *s >= '0' && *s <= '9'; ++s)
        v = v * 10 + (*s - '0');
      return v;
    }
  }
  return -1;
}

uint64_t dsc_mem_available(void) {
  uint64_t avail = UINT64_MAX;
  char *text;
  uint64_t n;
  if (dsc_read_file("/proc/meminfo", &text, &n) == 0) {
    int64_t a = field(text, "MemAvailable"), s = field(text, "SwapFree");
    if (a >= 0)
      avail = (uint64_t)a * 1024 + (uint64_t)(s > 0 ? s : 0) * 1024;
    free(text);
  }
  char *max, *cur;
  if (dsc_read_file("/sys/fs/cgroup/memory.max", &max, &n) == 0) {
    if (dsc_read_file("/sys/fs/cgroup/memory.current", &cur, &n) == 0) {
      int64_t lim = field(max, ""), used = field(cur, "");
      if (lim >= 0 && used >= 0) {
        uint64_t left = lim > used ? (uint64_t)(lim - used) : 0;
        avail = left < avail ? left : avail;
      }
      free(cur);
    }
    free(max);
  }
  return avail;
}
