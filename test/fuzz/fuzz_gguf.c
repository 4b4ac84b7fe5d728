/* libFuzzer: the GGUF reader and the GGUF vocabulary loader. */
#include "dsc/gguf.h"
#include "dsc/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  dsc_gguf g;
  if (dsc_gguf_parse(data, size, &g, err, sizeof(err)) == DSC_OK) {
    uint64_t u;
    double d;
    dsc_str s;
    dsc_gguf_get_u64(&g, "general.alignment", &u);
    dsc_gguf_get_f64(&g, "llama.rope.freq_base", &d);
    dsc_gguf_get_str(&g, "general.architecture", &s);
    dsc_gguf_free(&g);
  }
  dsc_tokenizer *t = 0;
  if (dsc_tok_load_gguf(data, size, &t, err, sizeof(err)) == DSC_OK) {
    int32_t ids[64];
    dsc_tok_encode(t, "Hello world, 123!", 17, true, ids, 64);
    dsc_tok_free(t);
  }
  return 0;
}
