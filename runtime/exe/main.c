/*===- main.c - the entry point of generated executables ----------------===*
 *
 *   ./model -p "Once upon a time" -n 256 --temp 0
 *
 * Parses the command line (args.c), checks the model descriptor and the
 * payload (weights and tokenizer, load.c), then generates text
 * (generate.c) or evaluates a file of token ids (eval.c).
 *
 *===---------------------------------------------------------------------===*/
#include "cuda/device.h"
#include "dsc/model.h"
#include "dsc/tokenizer.h"
#include "exe/args.h"
#include "exe/chat.h"
#include "exe/eval.h"
#include "exe/generate.h"
#include "exe/io.h"
#include "exe/load.h"
#include "exe/model_run.h"

/* The code generator and this runtime must agree on the descriptor. */
static int check_descriptor(void) {
  if (dsc_model_desc.magic != DSC_MODEL_DESC_MAGIC ||
      dsc_model_desc.version != DSC_MODEL_DESC_VERSION) {
    return dsc_fail("the model descriptor in this executable (version %d) "
                    "does not match its runtime (version %d): rebuild it "
                    "with one version of dsc",
                    (int)dsc_model_desc.version, DSC_MODEL_DESC_VERSION);
  }
  return 0;
}

/* --verify: the payload against its checksum; returns the exit status. */
static int verify(const dsc_payload *pl) {
  uint64_t stored, actual;
  if (!dsc_payload_verify(pl, &stored, &actual))
    return dsc_fail("'%s' is corrupted: its contents hash to %016llx, but "
                    "the checksum written with them is %016llx; copy the "
                    "file again or compile the model again",
                    pl->path, (unsigned long long)actual,
                    (unsigned long long)stored);
  dsc_out_printf("%s: checksum OK (XXH64 %016llx over %llu bytes)\n", pl->path,
                 (unsigned long long)stored,
                 (unsigned long long)pl->checksum->offset);
  return dsc_out_flush() ? 0 : dsc_out_failed();
}

/* Reading the weights touches every page anyway; hashing them too is cheap
 * for small payloads only (see load.h). */
static int verify_at_load(const dsc_payload *pl, bool useMmap) {
  uint64_t stored, actual;
  if (!useMmap && pl->size <= DSC_VERIFY_AT_LOAD_MAX &&
      !dsc_payload_verify(pl, &stored, &actual))
    return dsc_fail("'%s' is corrupted: its checksum does not match the one "
                    "written with it; copy the file again or compile the "
                    "model again",
                    pl->path);
  return 0;
}

/* The payload's tokenizer into *tok (NULL when it has none). */
static int load_tokenizer(const dsc_payload *pl, dsc_tokenizer **tok) {
  *tok = 0;
  if (!pl->tokenizer)
    return 0;
  char err[256];
  if (dsc_tok_deserialize(pl->data + pl->tokenizer->offset, pl->tokenizer->size,
                          tok, err, sizeof(err)) != DSC_OK)
    return dsc_fail("bad tokenizer in '%s': %s", pl->path, err);
  return 0;
}

/* -c, or the model's context length. Past the trained context is allowed
 * (RoPE extends) but usually worse: say so rather than degrade silently. */
static int64_t context(const dsc_args *a) {
  int64_t ctx = a->ctx ? a->ctx : dsc_model_desc.max_seq;
  if (ctx > dsc_model_desc.max_seq)
    dsc_eprintf("%s: note: -c %lld is past the model's context length "
                "(%lld); text past position %lld may degrade\n",
                dsc_prog, (long long)ctx, (long long)dsc_model_desc.max_seq,
                (long long)dsc_model_desc.max_seq);
  return ctx;
}

static int run(int argc, char **argv) {
  dsc_args a;
  int status = dsc_args_parse(argc, argv, &a);
  if (status >= 0)
    return status;
  if (check_descriptor())
    return 1;
  dsc_payload pl;
  if (!dsc_payload_open(a.weightsPath, &pl))
    return 1;
  if (a.verify)
    return verify(&pl);
  if (verify_at_load(&pl, a.useMmap))
    return 1;
  /* The threads first: a device's start widens the weights' scales with
   * them. */
  dsc_run_start_threads(a.threads);
  if (dsc_device_start(&pl))
    return 1;
  dsc_tokenizer *tok;
  if (load_tokenizer(&pl, &tok))
    return 1;
  int64_t ctx = context(&a);
  if (a.evalPath)
    return dsc_eval_tokens(&pl, &a, ctx);
  if (a.chat)
    return dsc_chat_run(&pl, &a, tok, ctx);
  return dsc_generate(&pl, &a, tok, ctx);
}

int dsc_main(int argc, char **argv) {
  dsc_prog = argc > 0 ? argv[0] : "model";
  int status = run(argc, argv);
  return dsc_outputs_finish(status == 0) ? status : 1;
}
