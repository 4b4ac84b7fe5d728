/*===- prompt.h - the prompt as token ids --------------------------*- C -*-===*
 *
 * The prompt comes from -p TEXT, -f FILE or --tokens IDS, after BOS unless
 * --no-bos. Its buffer grows to what the text needs, not to -c.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_PROMPT_H
#define DSC_EXE_PROMPT_H

#include "dsc/tokenizer.h"
#include "exe/args.h"

typedef struct {
  int32_t *ids; /* malloc'd */
  int64_t n;
  int64_t firstEcho; /* ids before this one are not part of the text */
} dsc_prompt;

/* Tokenizes the prompt of a (tok may be NULL: then only --tokens) for a
 * context of ctx positions and a vocabulary of vocab ids. Returns 0, or 1
 * after an error. */
int dsc_prompt_tokens(const dsc_args *a, const dsc_tokenizer *tok,
                      int64_t vocab, int64_t ctx, dsc_prompt *p);

#endif /* DSC_EXE_PROMPT_H */
