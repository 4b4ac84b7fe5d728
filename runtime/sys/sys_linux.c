/*===- sys_linux.c - Linux system calls --------------------------------------===*/
#include "dsc/sys.h"
#include "sys/syscall.h"

long dsc_sys_write(int fd, const void *buf, size_t n) {
  return dsc_syscall(SYS_write, fd, buf, n);
}
long dsc_sys_read(int fd, void *buf, size_t n) {
  return dsc_syscall(SYS_read, fd, buf, n);
}
int dsc_sys_open(const char *path, int flags, int mode) {
  return (int)dsc_syscall6(SYS_openat, -100 /* AT_FDCWD */, (long)path, flags,
                           mode, 0, 0);
}
int dsc_sys_close(int fd) { return (int)dsc_syscall(SYS_close, fd, 0, 0); }
int64_t dsc_sys_lseek(int fd, int64_t off, int whence) {
#if defined(__arm__)
  int64_t result;
  long r = dsc_syscall6(SYS__llseek, fd, (long)(off >> 32), (long)off,
                        (long)&result, whence, 0);
  return r < 0 ? r : result;
#else
  return dsc_syscall(SYS_lseek, fd, off, whence);
#endif
}
void *dsc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
                   long off) {
#if defined(__arm__)
  long r = dsc_syscall6(SYS_mmap2, (long)addr, (long)len, prot, flags, fd,
                        off / 4096);
#else
  long r = dsc_syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
#endif
  return r < 0 && r > -4096 ? 0 : (void *)r;
}
int dsc_sys_munmap(void *addr, size_t len) {
  return (int)dsc_syscall(SYS_munmap, addr, len, 0);
}
int dsc_sys_madvise(void *addr, size_t len, int advice) {
  return (int)dsc_syscall(SYS_madvise, addr, len, advice);
}
int dsc_sys_mincore(void *addr, size_t len, unsigned char *vec) {
  return (int)dsc_syscall(SYS_mincore, addr, len, vec);
}
long dsc_sys_readlink(const char *path, char *buf, size_t n) {
  return dsc_syscall6(SYS_readlinkat, -100, (long)path, (long)buf, (long)n, 0, 0);
}
int dsc_sys_rename(const char *from, const char *to) {
  return (int)dsc_syscall6(SYS_renameat, -100, (long)from, -100, (long)to, 0,
                           0);
}
int dsc_sys_unlink(const char *path) {
  return (int)dsc_syscall6(SYS_unlinkat, -100, (long)path, 0, 0, 0, 0);
}
/* struct stat differs, read as 32-bit words: st_mode follows st_dev,
 * st_ino and (on x86-64 only) st_nlink, then st_uid; in aarch64's struct
 * stat and ARM's struct stat64, st_mode is at byte 16 and st_uid at 24. */
#if defined(__x86_64__)
enum { STAT_MODE = 6, STAT_UID = 7 };
#else
enum { STAT_MODE = 4, STAT_UID = 6 };
#endif
static long stat_words(const char *path, uint32_t st[64]) {
  return dsc_syscall6(SYS_newfstatat, -100, (long)path, (long)st, 0, 0, 0);
}
int dsc_sys_is_regular(const char *path) {
  uint32_t st[64];
  long r = stat_words(path, st);
  if (r < 0)
    return (int)r;
  return (st[STAT_MODE] & 0170000) == 0100000;
}
int dsc_sys_owned_by_caller(const char *path) {
  uint32_t st[64];
  long r = stat_words(path, st);
  if (r < 0)
    return (int)r;
  long euid = dsc_syscall(SYS_geteuid, 0, 0, 0);
  return euid == 0 || (uint32_t)euid == st[STAT_UID];
}
void dsc_sys_exit(int code) {
  dsc_syscall(SYS_exit_group, code, 0, 0);
  __builtin_unreachable();
}

struct dsc_timespec {
  int64_t sec, nsec;
};

#if defined(__arm__)
/* 32-bit ARM's clock_gettime has a 32-bit tv_sec, which wraps in 2038:
 * clock_gettime64 (Linux 5.1) takes 64-bit fields. Older kernels answer
 * -ENOSYS, and then the 32-bit call is what there is. */
static void clock_now(int clock, struct dsc_timespec *ts) {
  if (dsc_syscall(SYS_clock_gettime64, clock, ts, 0) == 0)
    return;
  long ts32[2] = {0, 0};
  dsc_syscall(SYS_clock_gettime, clock, ts32, 0);
  ts->sec = (uint32_t)ts32[0];
  ts->nsec = ts32[1];
}
#else
static void clock_now(int clock, struct dsc_timespec *ts) {
  dsc_syscall(SYS_clock_gettime, clock, ts, 0);
}
#endif

double dsc_sys_now(void) {
  struct dsc_timespec ts;
  clock_now(1 /* CLOCK_MONOTONIC */, &ts);
  return (double)ts.sec + (double)ts.nsec * 1e-9;
}

uint64_t dsc_sys_time_ns(void) {
  struct dsc_timespec ts;
  clock_now(0 /* CLOCK_REALTIME */, &ts);
  return (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
}

uint64_t dsc_sys_peak_rss(void) {
  long ru[18]; /* struct rusage: 2 timevals, then longs; ru_maxrss first */
  if (dsc_syscall(SYS_getrusage, 0 /* RUSAGE_SELF */, ru, 0) < 0)
    return 0;
  return (uint64_t)ru[4] * 1024; /* ru_maxrss in KiB */
}

int dsc_sys_ncpu(void) {
  uint64_t mask[16];
  long n = dsc_syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
  if (n <= 0)
    return 1;
  /* n is in bytes, a multiple of the kernel's long (4 on 32-bit ARM). */
  const uint8_t *bytes = (const uint8_t *)mask;
  int count = 0;
  for (long i = 0; i < n; ++i)
    count += __builtin_popcount(bytes[i]);
  return count > 0 ? count : 1;
}

long dsc_sys_futex_wait(volatile int *addr, int val) {
  return dsc_syscall6(SYS_futex, (long)addr, 128 /* FUTEX_WAIT_PRIVATE */, val,
                      0, 0, 0);
}
long dsc_sys_futex_wake(volatile int *addr, int n) {
  return dsc_syscall6(SYS_futex, (long)addr, 129 /* FUTEX_WAKE_PRIVATE */, n,
                      0, 0, 0);
}
void dsc_sys_yield(void) { dsc_syscall(SYS_sched_yield, 0, 0, 0); }

/* The child must not return into this function's frame, which belongs to
 * the parent: the clone and the child's first call are in assembly. */
long dsc_sys_thread(int (*fn)(void *), void *stack_top, void *arg);
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl dsc_sys_thread\n"
        ".type dsc_sys_thread,@function\n"
        "dsc_sys_thread:\n"
        "  and $-16, %rsi\n"
        "  sub $16, %rsi\n"
        "  mov %rdi, (%rsi)\n"
        "  mov %rdx, 8(%rsi)\n"
        "  mov $0x50f00, %edi\n" /* VM|FS|FILES|SIGHAND|THREAD|SYSVSEM */
        "  xor %edx, %edx\n"
        "  xor %r10d, %r10d\n"
        "  xor %r8d, %r8d\n"
        "  mov $56, %eax\n"
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jnz 1f\n"
        "  xor %ebp, %ebp\n"
        "  pop %rax\n"
        "  pop %rdi\n"
        "  call *%rax\n"
        "  mov %eax, %edi\n"
        "  mov $60, %eax\n"
        "  syscall\n"
        "  hlt\n"
        "1: ret\n"
        ".size dsc_sys_thread, .-dsc_sys_thread\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl dsc_sys_thread\n"
        ".type dsc_sys_thread,%function\n"
        "dsc_sys_thread:\n"
        "  and x1, x1, #-16\n"
        "  stp x0, x2, [x1, #-16]!\n"
        "  movz x0, #0x0f00\n"
        "  movk x0, #0x5, lsl #16\n"
        "  mov x2, xzr\n"
        "  mov x3, xzr\n"
        "  mov x4, xzr\n"
        "  mov x8, #220\n"
        "  svc #0\n"
        "  cbnz x0, 1f\n"
        "  ldp x1, x0, [sp], #16\n"
        "  mov x29, xzr\n"
        "  blr x1\n"
        "  mov x8, #93\n"
        "  svc #0\n"
        "1: ret\n"
        ".size dsc_sys_thread, .-dsc_sys_thread\n");
#elif defined(__arm__)
/* r7 holds the system call number and is callee-saved; the child starts on
 * its own stack with fn and arg at its top. */
__asm__(".text\n"
        ".arm\n"
        ".globl dsc_sys_thread\n"
        ".type dsc_sys_thread,%function\n"
        "dsc_sys_thread:\n"
        "  bic r1, r1, #15\n"
        "  sub r1, r1, #16\n"
        "  str r0, [r1]\n"
        "  str r2, [r1, #4]\n"
        "  push {r7, lr}\n"
        "  movw r0, #0x0f00\n"
        "  movt r0, #0x5\n"
        "  mov r2, #0\n"
        "  mov r3, #0\n"
        "  mov r7, #120\n"
        "  svc #0\n"
        "  cmp r0, #0\n"
        "  bne 1f\n"
        "  ldr r1, [sp]\n"
        "  ldr r0, [sp, #4]\n"
        "  mov r11, #0\n"
        "  mov lr, #0\n"
        "  blx r1\n"
        "  mov r7, #1\n"
        "  svc #0\n"
        "1: pop {r7, pc}\n"
        ".size dsc_sys_thread, .-dsc_sys_thread\n");
#endif
