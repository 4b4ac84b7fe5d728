/*===- start.c - process entry of generated executables ---------------------===*
 *
 * No C library: _start takes argc/argv from the initial stack, aligns the
 * stack and calls dsc_main.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/sys.h"

int dsc_main(int argc, char **argv);

__attribute__((used)) void dsc_start_c(long *sp) {
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
#endif
