/*===- syscall.h - Linux system call numbers and traps -----------*- C -*-===*/
#ifndef DSC_SYSCALL_H
#define DSC_SYSCALL_H

#include <stdint.h>

#if defined(__x86_64__)
enum {
  SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_lseek = 8, SYS_mmap = 9,
  SYS_munmap = 11, SYS_sched_yield = 24, SYS_mincore = 27, SYS_madvise = 28,
  SYS_clone = 56, SYS_exit = 60, SYS_getrusage = 98, SYS_geteuid = 107,
  SYS_futex = 202,
  SYS_sched_getaffinity = 204, SYS_clock_gettime = 228,
  SYS_exit_group = 231, SYS_openat = 257, SYS_newfstatat = 262,
  SYS_unlinkat = 263, SYS_renameat = 264, SYS_readlinkat = 267,
};

static inline long dsc_syscall6(long n, long a, long b, long c, long d, long e,
                                long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
enum {
  SYS_readlinkat = 78, SYS_openat = 56, SYS_close = 57, SYS_lseek = 62,
  SYS_read = 63, SYS_write = 64, SYS_exit = 93, SYS_exit_group = 94,
  SYS_futex = 98, SYS_clock_gettime = 113, SYS_sched_getaffinity = 123,
  SYS_sched_yield = 124, SYS_getrusage = 165, SYS_geteuid = 175,
  SYS_munmap = 215,
  SYS_clone = 220, SYS_mmap = 222, SYS_mincore = 232, SYS_madvise = 233,
  SYS_unlinkat = 35,
  SYS_renameat = 38, SYS_newfstatat = 79,
};

static inline long dsc_syscall6(long n, long a, long b, long c, long d, long e,
                                long f) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc #0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory", "cc");
  return x0;
}
#elif defined(__arm__)
/* ARM EABI. Offsets beyond 32 bits go through _llseek and mmap2 (whose
 * offset counts 4096-byte pages); newfstatat is fstatat64. */
enum {
  SYS_exit = 1, SYS_read = 3, SYS_write = 4, SYS_close = 6,
  SYS_getrusage = 77, SYS_munmap = 91, SYS_clone = 120, SYS__llseek = 140,
  SYS_sched_yield = 158, SYS_mmap2 = 192, SYS_mincore = 219, SYS_madvise = 220,
  SYS_futex = 240,
  SYS_geteuid = 201 /* geteuid32 */, SYS_sched_getaffinity = 242,
  SYS_exit_group = 248,
  SYS_clock_gettime = 263, SYS_openat = 322, SYS_newfstatat = 327,
  SYS_unlinkat = 328, SYS_renameat = 329, SYS_readlinkat = 332,
  SYS_clock_gettime64 = 403,
};

static inline long dsc_syscall6(long n, long a, long b, long c, long d, long e,
                                long f) {
  register long r7 __asm__("r7") = n;
  register long r0 __asm__("r0") = a;
  register long r1 __asm__("r1") = b;
  register long r2 __asm__("r2") = c;
  register long r3 __asm__("r3") = d;
  register long r4 __asm__("r4") = e;
  register long r5 __asm__("r5") = f;
  __asm__ volatile("svc #0"
                   : "+r"(r0)
                   : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
                   : "memory", "cc");
  return r0;
}
#else
#error "dsc's runtime supports x86-64, AArch64 and 32-bit ARM Linux"
#endif

#define dsc_syscall(n, a, b, c) dsc_syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

#endif
