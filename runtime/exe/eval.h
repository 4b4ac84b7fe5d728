/*===- eval.h - evaluating a file of token ids ---------------------*- C -*-===*
 *
 * --eval-tokens FILE: the int32 token ids of FILE in windows of -c tokens,
 * each from position 0, with the logits of every position written to
 * --dump-logits and, in calibration builds, what the observation points see
 * to --observe. dsc eval and calibration run executables this way.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_EVAL_H
#define DSC_EXE_EVAL_H

#include "exe/args.h"
#include "exe/load.h"

/* Evaluates a->evalPath with a context of ctx tokens; returns the exit
 * status. */
int dsc_eval_tokens(const dsc_payload *pl, const dsc_args *a, int64_t ctx);

#endif /* DSC_EXE_EVAL_H */
