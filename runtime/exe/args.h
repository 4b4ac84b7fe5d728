/*===- args.h - the command line of generated executables ---------*- C -*-===*
 *
 *   ./model -p "Once upon a time" -n 256 --temp 0
 *
 * Flags follow llama.cpp's where they overlap; -n counts positions including
 * the prompt, as llama2.c's does.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_ARGS_H
#define DSC_EXE_ARGS_H

#include "dsc/base.h"

typedef struct {
  const char *prompt, *promptFile, *weightsPath, *dumpPath, *tokenArg,
      *evalPath, *observePath, *system; /* NULL when not given */
  int64_t steps, threads, ctx, topK;
  int64_t seed; /* 0: from the clock */
  float temp, topP;
  bool bos, useMmap, verify, verbose;
  bool ignoreEos; /* generate every -n position, end-of-text or not */
  bool chat, hideThinking, printPrompt;
  bool stepsGiven; /* -n was on the command line */
} dsc_args;

/* Sets *a to the defaults and then to argv's options. Returns -1 when the
 * run goes on, or the exit status it ends with: 0 after --help, 1 after an
 * error it printed. */
int dsc_args_parse(int argc, char **argv, dsc_args *a);

#endif /* DSC_EXE_ARGS_H */
