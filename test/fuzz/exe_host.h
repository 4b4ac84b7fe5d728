/*===- exe_host.h - the executable's main in a hosted fuzzer ---*- C -*-===*
 *
 * runtime/exe's command line built into a libFuzzer binary around a stand-in
 * model (see exe_host.c). Its options and payload reader are fuzzed through
 * dsc_main itself, the executable's own entry point.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_FUZZ_EXE_HOST_H
#define DSC_FUZZ_EXE_HOST_H

#include <stdint.h>

/* The stand-in model, which make_seeds.py's payload seed matches. */
#define FUZZ_MODEL_ID 0x46555A5A4D4F444CLL
#define FUZZ_VOCAB 32
#define FUZZ_WEIGHTS_SIZE 256

/* Runs dsc_main, then unmaps and closes what it left mapped and open (the
 * real program leaves that to exit). Returns its exit code. */
int fuzz_run_main(int argc, char **argv);

#endif
