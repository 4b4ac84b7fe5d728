/* libFuzzer: the tokenizer.json loader, then encode/decode. */
#include "dsc/tokenizer.h"

static const char kText[] = "Hello, y'all! 3333 \xf0\x9f\xa6\x99  x";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  dsc_tokenizer *t = 0;
  if (dsc_tok_load_hf_json((const char *)data, size, &t, err, sizeof(err)) == DSC_OK) {
    int32_t ids[128];
    int64_t n = dsc_tok_encode(t, kText, sizeof(kText) - 1, true, ids, 128);
    char buf[64];
    for (int64_t i = 0; i < n && i < 128; ++i)
      dsc_tok_decode(t, i ? ids[i - 1] : -1, ids[i], buf, sizeof(buf));
    uint8_t *blob;
    size_t blobSize;
    if (dsc_tok_serialize(t, &blob, &blobSize) == DSC_OK) {
      dsc_tokenizer *t2 = 0;
      if (dsc_tok_deserialize(blob, blobSize, &t2, err, sizeof(err)) == DSC_OK)
        dsc_tok_free(t2);
      free(blob);
    }
    dsc_tok_free(t);
  }
  return 0;
}
