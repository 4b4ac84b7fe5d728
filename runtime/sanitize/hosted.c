/*===- hosted.c - the system layer of sanitized test executables ----------===*
 *
 * `dsc compile --sanitize` links generated code with a build of the runtime
 * instrumented by ASan and UBSan. Their runtimes need the C library (and
 * glibc's thread setup), so this file replaces the freestanding layer
 * (start.c, libc.c, sys_linux.c) with libc: main() instead of _start, glibc
 * malloc (which ASan replaces) instead of libc.c's allocator, pthreads
 * instead of raw clone() threads. The command line (exe/) and threads.c are
 * the same files as in every executable.
 *
 * The executables of the CUDA targets use it too, built without sanitizers:
 * they need the C library's dlopen to load the driver (docs/cuda.md).
 *
 * Anonymous mappings (the weights read into memory, the KV cache) come from
 * the ASan heap, so that a read past their end hits a redzone instead of
 * the next mapping.
 *
 *===---------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "dsc/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if __has_feature(address_sanitizer)
#include <sanitizer/allocator_interface.h>
#define ASAN 1
#else /* the CUDA targets' hosted build (docs/cuda.md) */
#define ASAN 0
#define __sanitizer_get_ownership(p) 0
#endif

int dsc_main(int argc, char **argv);

int main(int argc, char **argv) { return dsc_main(argc, argv); }

/* Any finding ends the process with a failure (the runtime's own buffers
 * are released by the exit, not freed one by one, hence no leak check). */
const char *__asan_default_options(void) {
  return "detect_leaks=0:abort_on_error=0:halt_on_error=1:exitcode=86";
}
const char *__ubsan_default_options(void) {
  return "halt_on_error=1:print_stacktrace=1:exitcode=87";
}

/* Failures return -errno, as the raw system calls of sys_linux.c do: the
 * runtime names the error from it. */
#define RET(r) ((r) < 0 ? -errno : (r))
long dsc_sys_write(int fd, const void *buf, size_t n) {
  long r = write(fd, buf, n);
  return RET(r);
}
long dsc_sys_read(int fd, void *buf, size_t n) {
  long r = read(fd, buf, n);
  return RET(r);
}
int dsc_sys_open(const char *path, int flags, int mode) {
  /* The DSC_O_* values are Linux's. */
  int r = open(path, flags, mode);
  return RET(r);
}
int dsc_sys_close(int fd) { return close(fd); }
int dsc_sys_rename(const char *from, const char *to) {
  return rename(from, to) == 0 ? 0 : -errno;
}
int dsc_sys_unlink(const char *path) {
  return unlink(path) == 0 ? 0 : -errno;
}
int dsc_sys_is_regular(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return -errno;
  return S_ISREG(st.st_mode);
}
int dsc_sys_owned_by_caller(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return -errno;
  return geteuid() == 0 || geteuid() == st.st_uid;
}
int64_t dsc_sys_lseek(int fd, int64_t off, int whence) {
  int64_t r = lseek(fd, off, whence);
  return RET(r);
}

void *dsc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
                   long off) {
  if (ASAN && fd < 0 && !addr && (flags & DSC_MAP_ANONYMOUS))
    return calloc(1, len);
  void *p = mmap(addr, len, prot, flags, fd, off);
  return p == MAP_FAILED ? 0 : p;
}
int dsc_sys_munmap(void *addr, size_t len) {
  if (__sanitizer_get_ownership(addr)) {
    free(addr);
    return 0;
  }
  return munmap(addr, len);
}
int dsc_sys_madvise(void *addr, size_t len, int advice) {
  return __sanitizer_get_ownership(addr) ? 0 : madvise(addr, len, advice);
}
int dsc_sys_mincore(void *addr, size_t len, unsigned char *vec) {
  return RET(mincore(addr, len, vec));
}
long dsc_sys_readlink(const char *path, char *buf, size_t n) {
  long r = readlink(path, buf, n);
  return RET(r);
}
void dsc_sys_exit(int code) { exit(code); }

double dsc_sys_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
uint64_t dsc_sys_time_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
uint64_t dsc_sys_peak_rss(void) {
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss * 1024 : 0;
}
int dsc_sys_ncpu(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0)
    return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

long dsc_sys_futex_wait(volatile int *addr, int val) {
  return syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, 0, 0, 0);
}
long dsc_sys_futex_wake(volatile int *addr, int n) {
  return syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, 0, 0, 0);
}
void dsc_sys_yield(void) { sched_yield(); }

typedef struct {
  int (*fn)(void *);
  void *arg;
} thread_start;

static void *thread_main(void *p) {
  thread_start s = *(thread_start *)p;
  free(p);
  s.fn(s.arg);
  return 0;
}

/* pthreads give the thread TLS and register it with the sanitizers; the
 * stack threads.c mapped for it goes unused. */
long dsc_sys_thread(int (*fn)(void *), void *stack_top, void *arg) {
  (void)stack_top;
  thread_start *s = (thread_start *)malloc(sizeof(*s));
  if (!s)
    return -12; /* ENOMEM */
  s->fn = fn;
  s->arg = arg;
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int err = pthread_create(&t, &attr, thread_main, s);
  pthread_attr_destroy(&attr);
  if (err) {
    free(s);
    return -err;
  }
  return 1;
}
