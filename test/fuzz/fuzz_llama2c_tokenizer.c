/* libFuzzer: llama2.c's tokenizer.bin loader and the serialized form. */
#include "dsc/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  dsc_tokenizer *t = 0;
  if (dsc_tok_load_llama2c(data, size, 0, &t, err, sizeof(err)) == DSC_OK) {
    int32_t ids[64];
    dsc_tok_encode(t, "Once upon a time", 16, true, ids, 64);
    dsc_tok_free(t);
  }
  /* The same bytes as a serialized tokenizer blob. */
  if (dsc_tok_deserialize(data, size, &t, err, sizeof(err)) == DSC_OK)
    dsc_tok_free(t);
  return 0;
}
