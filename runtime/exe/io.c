/*===- io.c - output, diagnostics and input files of executables --------===*/
#include "exe/io.h"
#include "dsc/sys.h"

const char *dsc_prog = "model";

enum { EINTR_ = 4 };

int dsc_write_all(int fd, const void *buf, size_t n) {
  const char *p = (const char *)buf;
  while (n) {
    long w = dsc_sys_write(fd, p, n);
    if (w == -EINTR_)
      continue;
    if (w < 0)
      return (int)-w;
    if (w == 0)
      return 5; /* EIO: a write that makes no progress */
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/*--- standard output ----------------------------------------------------*/

static char outbuf[1 << 14];
static size_t outlen;
static int outError;

bool dsc_out_flush(void) {
  if (outlen && !outError)
    outError = dsc_write_all(1, outbuf, outlen);
  outlen = 0;
  return !outError;
}

int dsc_out_error(void) { return outError; }

void dsc_out_write(const char *s, size_t n) {
  while (n) {
    if (outlen == sizeof(outbuf))
      dsc_out_flush();
    size_t k = sizeof(outbuf) - outlen < n ? sizeof(outbuf) - outlen : n;
    memcpy(outbuf + outlen, s, k);
    outlen += k;
    s += k;
    n -= k;
  }
}

/* Formats into buf when it is large enough, else into malloc'd memory;
 * returns the text (NULL when out of memory) and its length. */
static char *vformat(char *buf, size_t cap, size_t *len, const char *fmt,
                     va_list ap) {
  va_list again;
  va_copy(again, ap);
  int n = dsc_vsnprintf(buf, cap, fmt, ap);
  char *text = buf;
  if ((size_t)n >= cap) {
    text = (char *)malloc((size_t)n + 1);
    if (text)
      dsc_vsnprintf(text, (size_t)n + 1, fmt, again);
  }
  va_end(again);
  *len = (size_t)n;
  return text;
}

void dsc_out_printf(const char *fmt, ...) {
  char buf[512];
  size_t n;
  va_list ap;
  va_start(ap, fmt);
  char *text = vformat(buf, sizeof(buf), &n, fmt, ap);
  va_end(ap);
  if (!text) {
    outError = 12; /* ENOMEM */
    return;
  }
  dsc_out_write(text, n);
  if (text != buf)
    free(text);
}

static void vprint_err(const char *prefix, const char *fmt, va_list ap) {
  char buf[512];
  size_t n;
  char *text = vformat(buf, sizeof(buf), &n, fmt, ap);
  if (prefix) {
    dsc_write_all(2, dsc_prog, strlen(dsc_prog));
    dsc_write_all(2, prefix, strlen(prefix));
  }
  if (text)
    dsc_write_all(2, text, n);
  else
    dsc_write_all(2, fmt, strlen(fmt)); /* out of memory: the bare format */
  if (prefix)
    dsc_write_all(2, "\n", 1);
  if (text && text != buf)
    free(text);
}

void dsc_eprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprint_err(0, fmt, ap);
  va_end(ap);
}

int dsc_fail(const char *fmt, ...) {
  dsc_out_flush();
  va_list ap;
  va_start(ap, fmt);
  vprint_err(": error: ", fmt, ap);
  va_end(ap);
  return 1;
}

int dsc_out_failed(void) {
  return dsc_fail("cannot write the output: %s", dsc_strerror(dsc_out_error()));
}

const char *dsc_strerror(long err) {
  /* clang-format off */
  switch (err) {
  case 1: return "operation not permitted";
  case 2: return "no such file or directory";
  case 5: return "input/output error";
  case 9: return "bad file descriptor";
  case 12: return "out of memory";
  case 13: return "permission denied";
  case 19: return "not a file that can be mapped";
  case 20: return "a component of the path is not a directory";
  case 21: return "is a directory";
  case 22: return "invalid argument";
  case 24: return "too many open files";
  case 27: return "file too large";
  case 28: return "no space left on device";
  case 30: return "read-only file system";
  case 32: return "broken pipe";
  case 36: return "file name too long";
  case 40: return "too many levels of symbolic links";
  case 122: return "disk quota exceeded";
  default: return "system error";
  }
  /* clang-format on */
}

int dsc_read_file(const char *path, char **data, uint64_t *size) {
  *data = 0;
  *size = 0;
  int fd = dsc_sys_open(path, DSC_O_RDONLY, 0);
  if (fd < 0)
    return -fd;
  size_t cap = 4096, len = 0;
  char *buf = (char *)malloc(cap);
  int err = buf ? 0 : 12;
  while (!err) {
    if (cap - len < 2) {
      char *bigger = (char *)realloc(buf, cap * 2);
      if (!bigger) {
        err = 12;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    long r = dsc_sys_read(fd, buf + len, cap - len - 1);
    if (r == -EINTR_)
      continue;
    if (r < 0)
      err = (int)-r;
    else if (r == 0)
      break;
    else
      len += (size_t)r;
  }
  dsc_sys_close(fd);
  if (err) {
    free(buf);
    return err;
  }
  buf[len] = 0;
  *data = buf;
  *size = len;
  return 0;
}

static struct {
  const char *path;
  char *tmp; /* NULL when written directly */
  int fd;
} outputs[4];
static int nOutputs;

int dsc_output_create(const char *path, int *fd) {
  if (nOutputs == (int)(sizeof(outputs) / sizeof(outputs[0])))
    return dsc_fail("too many output files");
  int kind = dsc_sys_is_regular(path);
  if (kind < 0 && kind != -2 /* ENOENT: a new file */)
    return dsc_fail("cannot write '%s': %s", path, dsc_strerror(-kind));
  char *tmp = 0;
  const char *target = path;
  int flags = DSC_O_WRONLY;
  if (kind != 0) {
    size_t n = strlen(path);
    tmp = (char *)malloc(n + 5);
    if (!tmp)
      return dsc_fail("out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    target = tmp;
    flags |= DSC_O_CREAT | DSC_O_TRUNC;
  }
  *fd = dsc_sys_open(target, flags, 0644);
  if (*fd < 0) {
    free(tmp);
    return dsc_fail("cannot write '%s': %s", path, dsc_strerror(-*fd));
  }
  outputs[nOutputs].path = path;
  outputs[nOutputs].tmp = tmp;
  outputs[nOutputs].fd = *fd;
  nOutputs++;
  return 0;
}

bool dsc_outputs_finish(bool ok) {
  bool renamed = true;
  for (int i = 0; i < nOutputs; ++i) {
    dsc_sys_close(outputs[i].fd);
    if (!outputs[i].tmp)
      continue;
    int err = ok ? dsc_sys_rename(outputs[i].tmp, outputs[i].path) : 0;
    if (err < 0) {
      dsc_fail("cannot write '%s': %s", outputs[i].path, dsc_strerror(-err));
      renamed = false;
    }
    if (!ok || err < 0)
      dsc_sys_unlink(outputs[i].tmp);
  }
  nOutputs = 0;
  return renamed;
}

const char *dsc_format_bytes(uint64_t n, char *buf, size_t cap) {
  static const char *units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (n < 1024) {
    dsc_snprintf(buf, cap, "%llu B", (unsigned long long)n);
    return buf;
  }
  double v = (double)n / 1024;
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    u++;
  }
  dsc_snprintf(buf, cap, "%.1f %s", v, units[u]);
  return buf;
}

/* No ioctl in the system-call layer: the fd's /proc link says it too. */
bool dsc_is_terminal(int fd) {
  char path[32], link[64] = {0};
  dsc_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  long n = dsc_sys_readlink(path, link, sizeof(link) - 1);
  if (n <= 0)
    return false;
  link[n] = 0;
  return memcmp(link, "/dev/pts/", 9) == 0 ||
         memcmp(link, "/dev/tty", 8) == 0 ||
         memcmp(link, "/dev/console", 12) == 0;
}
