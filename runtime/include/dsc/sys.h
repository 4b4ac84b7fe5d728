/*===- sys.h - the operating system, without libc -----------------*- C -*-===*
 *
 * Raw Linux system calls for x86-64, AArch64 and 32-bit ARM, so that generated
 * executables are static and self-contained for any --target.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_SYS_H
#define DSC_SYS_H

#include "dsc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

long dsc_sys_write(int fd, const void *buf, size_t n);
long dsc_sys_read(int fd, void *buf, size_t n);
int dsc_sys_open(const char *path, int flags, int mode); /* -errno on error */
int dsc_sys_close(int fd);
/* 64-bit offsets on every target (files over 2 GiB on 32-bit ARM). */
int64_t dsc_sys_lseek(int fd, int64_t off, int whence);
/* off is a multiple of the page size (4096). */
void *dsc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
                   long off); /* NULL on error */
int dsc_sys_munmap(void *addr, size_t len);
int dsc_sys_madvise(void *addr, size_t len, int advice);
/* One byte per page of [addr, addr + len), bit 0 set where the page is
 * resident; addr is page-aligned. 0, or -errno. */
int dsc_sys_mincore(void *addr, size_t len, unsigned char *vec);
long dsc_sys_readlink(const char *path, char *buf, size_t n);
int dsc_sys_rename(const char *from, const char *to); /* -errno on error */
int dsc_sys_unlink(const char *path);                 /* -errno on error */
/* 1 for a regular file, 0 for anything else, -errno when it cannot be
 * examined (-2 when it does not exist). */
int dsc_sys_is_regular(const char *path);
/* 1 when the file belongs to the process's effective user (or that user is
 * root), 0 when not, -errno when it cannot be examined. */
int dsc_sys_owned_by_caller(const char *path);
void dsc_sys_exit(int code) __attribute__((noreturn));
/* Monotonic time in seconds. */
double dsc_sys_now(void);
/* Wall clock seconds since the epoch (for default seeds). */
uint64_t dsc_sys_time_ns(void);
/* Peak resident set size in bytes. */
uint64_t dsc_sys_peak_rss(void);
/* CPUs this process may run on. */
int dsc_sys_ncpu(void);
long dsc_sys_futex_wait(volatile int *addr, int val);
long dsc_sys_futex_wake(volatile int *addr, int n);
void dsc_sys_yield(void);
/* Starts fn(arg) on a new thread with the given stack; returns its tid or
 * a negative errno. */
long dsc_sys_thread(int (*fn)(void *), void *stack_top, void *arg);

enum {
  DSC_O_RDONLY = 0,
  DSC_O_WRONLY = 1,
  DSC_O_CREAT = 0100,
  DSC_O_TRUNC = 01000,
  DSC_PROT_READ = 1,
  DSC_PROT_WRITE = 2,
  DSC_MAP_PRIVATE = 2,
  DSC_MAP_ANONYMOUS = 0x20,
  DSC_MADV_WILLNEED = 3,
  DSC_MADV_DONTNEED = 4,
  DSC_MADV_HUGEPAGE = 14,
};

#ifdef __cplusplus
}
#endif

#endif /* DSC_SYS_H */
