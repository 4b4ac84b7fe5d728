/*===- start.c - process entry of generated executables ---------------------===*
 *
 * No C library: _start takes argc/argv from the initial stack, aligns the
 * stack and calls dsc_main.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/sys.h"

int dsc_main(int argc, char **argv);

#if defined(__PIE__) && defined(__aarch64__)
/* A static PIE (Android) has no loader to relocate it: before anything
 * reads a pointer stored in data, apply the R_AARCH64_RELATIVE entries of
 * its .rela.dyn (the only kind a static, position-independent link
 * leaves). __ehdr_start and _DYNAMIC are hidden, so reaching them is
 * PC-relative and needs no relocation itself. */
typedef struct {
  long tag;
  unsigned long val;
} dsc_elf_dyn;
typedef struct {
  unsigned long offset, info;
  long addend;
} dsc_elf_rela;
extern const dsc_elf_dyn _DYNAMIC[] __attribute__((visibility("hidden")));
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static void dsc_self_relocate(void) {
  /* The image is linked at 0, so its header's address is the load bias. */
  unsigned long base = (unsigned long)__ehdr_start;
  const dsc_elf_rela *rela = 0;
  unsigned long size = 0;
  for (const dsc_elf_dyn *d = _DYNAMIC; d->tag != 0; ++d) {
    if (d->tag == 7) /* DT_RELA */
      rela = (const dsc_elf_rela *)(base + d->val);
    else if (d->tag == 8) /* DT_RELASZ */
      size = d->val;
  }
  for (unsigned long i = 0; rela && i < size / sizeof(dsc_elf_rela); ++i)
    if ((unsigned)rela[i].info == 1027) /* R_AARCH64_RELATIVE */
      *(unsigned long *)(base + rela[i].offset) = base + rela[i].addend;
}
#endif

__attribute__((used)) void dsc_start_c(long *sp) {
#if defined(__PIE__) && defined(__aarch64__)
  dsc_self_relocate();
#endif
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  dsc_sys_exit(dsc_main(argc, argv));
}

#if defined(__x86_64__)
__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call dsc_start_c\n"
        "  hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "  mov x29, xzr\n"
        "  mov x30, xzr\n"
        "  mov x0, sp\n"
        "  and sp, x0, #-16\n"
        "  bl dsc_start_c\n"
        "  brk #0\n");
#elif defined(__arm__)
__asm__(".text\n"
        ".arm\n"
        ".globl _start\n"
        ".type _start,%function\n"
        "_start:\n"
        "  mov r11, #0\n"
        "  mov lr, #0\n"
        "  mov r0, sp\n"
        "  bic sp, r0, #15\n"
        "  bl dsc_start_c\n"
        "  udf #0\n");
#else
#error "no start-up code for this architecture"
#endif
