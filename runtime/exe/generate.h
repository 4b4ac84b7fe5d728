/*===- generate.h - generating text from a prompt ------------------*- C -*-===*
 *
 * Encodes the prompt, evaluates it in one forward call, then samples one
 * token at a time, printing each as it comes (the prompt echoed first, as
 * llama2.c does); a summary goes to stderr. --dump-logits writes the logits
 * of every evaluated position.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_GENERATE_H
#define DSC_EXE_GENERATE_H

#include "dsc/tokenizer.h"
#include "exe/args.h"
#include "exe/load.h"

/* Generates with a context of ctx positions (tok may be NULL: ids are
 * printed then). Returns the exit status. */
int dsc_generate(const dsc_payload *pl, const dsc_args *a,
                 const dsc_tokenizer *tok, int64_t ctx);

#endif /* DSC_EXE_GENERATE_H */
