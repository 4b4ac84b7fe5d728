/*===- chat.h - a conversation with the model's chat template -----*- C -*-===*
 *
 * ./model --chat reads one user turn per line of standard input, renders the
 * whole conversation with the template compiled into the payload
 * (dsc/chat.h), evaluates what the KV cache does not hold yet and streams
 * the reply until an end-of-turn token.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_CHAT_H
#define DSC_EXE_CHAT_H

#include "dsc/tokenizer.h"
#include "exe/args.h"
#include "exe/load.h"

/* Runs the conversation; returns the exit status. */
int dsc_chat_run(const dsc_payload *pl, const dsc_args *a,
                 const dsc_tokenizer *tok, int64_t ctx);

#endif /* DSC_EXE_CHAT_H */
