/* libFuzzer: the SentencePiece ModelProto loader, then encode/decode. */
#include "dsc/tokenizer.h"

static const char kText[] = "Once upon a time \xe2\x9c\x85 \xff";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  dsc_tokenizer *t = 0;
  if (dsc_tok_load_spm(data, size, &t, err, sizeof(err)) == DSC_OK) {
    int32_t ids[128];
    int64_t n = dsc_tok_encode(t, kText, sizeof(kText) - 1, true, ids, 128);
    char buf[64];
    for (int64_t i = 0; i < n && i < 128; ++i)
      dsc_tok_decode(t, i ? ids[i - 1] : -1, ids[i], buf, sizeof(buf));
    dsc_tok_free(t);
  }
  return 0;
}
