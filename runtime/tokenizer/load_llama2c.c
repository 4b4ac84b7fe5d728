/*===- load_llama2c.c - llama2.c tokenizer.bin ------------------------------===*
 *
 * int32 max_token_length, then per token: float32 score, int32 length, bytes.
 * The file does not store the vocabulary size; pass the model's, or <= 0 to
 * read to the end. Pieces carry ' ' where SentencePiece has U+2581; they are
 * put back so that one encoder serves both.
 *
 *===---------------------------------------------------------------------===*/
#include "tokenizer/tok_internal.h"

dsc_status dsc_tok_load_llama2c(const uint8_t *data, size_t size,
                                int32_t vocab_size, dsc_tokenizer **out,
                                char *err, size_t errlen) {
  *out = 0;
  if (size < 4) {
    dsc_snprintf(err, errlen, "truncated: no max_token_length header");
    return DSC_ERR_FORMAT;
  }
  int32_t maxLen = (int32_t)dsc_load_u32(data);
  if (maxLen <= 0 || maxLen > 4096) {
    dsc_snprintf(err, errlen, "max_token_length %d is out of range [1, 4096]",
                 maxLen);
    return DSC_ERR_FORMAT;
  }
  dsc_tok_builder b;
  if (!dsc_tokb_init(&b, DSC_TOK_SPM)) {
    dsc_snprintf(err, errlen, "out of memory");
    return DSC_ERR_NOMEM;
  }
  char *piece = (char *)malloc((size_t)maxLen * 3 + 1);
  if (!piece) {
    dsc_tokb_abort(&b);
    dsc_snprintf(err, errlen, "out of memory");
    return DSC_ERR_NOMEM;
  }
  size_t pos = 4;
  for (int32_t i = 0; vocab_size <= 0 ? pos < size : i < vocab_size; ++i) {
    if (size - pos < 8) {
      dsc_snprintf(err, errlen, "truncated: token %d header at byte %zu", i, pos);
      goto fail;
    }
    float score = dsc_load_f32(data + pos);
    int32_t len = (int32_t)dsc_load_u32(data + pos + 4);
    pos += 8;
    if (len < 0 || len > maxLen || (size_t)len > size - pos) {
      dsc_snprintf(err, errlen,
                   "token %d: length %d is negative, above max_token_length "
                   "%d or past the end of the file",
                   i, len, maxLen);
      goto fail;
    }
    size_t n = 0;
    for (int32_t k = 0; k < len; ++k) {
      char c = (char)data[pos + k];
      if (c == ' ') {
        memcpy(piece + n, "\xE2\x96\x81", 3);
        n += 3;
      } else {
        piece[n++] = c;
      }
    }
    pos += (size_t)len;
    uint8_t type = i == 0 ? DSC_TT_UNKNOWN
                   : (i == 1 || i == 2) ? DSC_TT_CONTROL
                                        : DSC_TT_NORMAL;
    dsc_tokb_add(&b, piece, n, score, type);
  }
  free(piece);
  if (vocab_size > 0 && pos != size) {
    dsc_snprintf(err, errlen,
                 "holds more than the expected %d tokens (%zu bytes remain)",
                 vocab_size, size - pos);
    dsc_tokb_abort(&b);
    return DSC_ERR_FORMAT;
  }
  b.t->bos_id = b.t->n_vocab > 1 ? 1 : -1;
  b.t->eos_id = b.t->n_vocab > 2 ? 2 : -1;
  b.t->unk_id = 0;
  b.t->flags = DSC_TOKF_ADD_BOS | DSC_TOKF_ADD_SPACE_PREFIX |
               DSC_TOKF_ESCAPE_SPACES | DSC_TOKF_BYTE_FALLBACK;
  return dsc_tokb_finish(&b, out, err, errlen);
fail:
  free(piece);
  dsc_tokb_abort(&b);
  return DSC_ERR_FORMAT;
}
