/*===- tok_internal.h - the tokenizer's representation ------------*- C -*-===*/
#ifndef DSC_TOKENIZER_INTERNAL_H
#define DSC_TOKENIZER_INTERNAL_H

#include "dsc/tokenizer.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dsc_tokenizer {
  uint32_t algo;
  uint32_t pretok;
  uint32_t flags;
  int32_t n_vocab;
  int32_t bos_id, eos_id, unk_id;
  int32_t n_merges;
  uint32_t *piece_off; /* n_vocab + 1 offsets into pool */
  char *pool;
  float *scores;  /* n_vocab */
  uint8_t *types; /* n_vocab */
  int32_t *merges; /* 2 * n_merges: left id, right id; rank = index */
  /* Derived on load. */
  int32_t *merge_result; /* n_merges: id of left+right, or -1 */
  int32_t byte_tok[256]; /* token of each byte, -1 if none */
  uint32_t piece_cap;    /* hash slots, a power of two */
  int32_t *piece_slots;
  uint32_t merge_cap;
  int32_t *merge_slots;
};

/* Builder used by the loaders. */
typedef struct {
  dsc_tokenizer *t;
  size_t pool_len, pool_cap;
  int32_t vocab_cap;
  int32_t merges_cap;
  bool oom;
} dsc_tok_builder;

bool dsc_tokb_init(dsc_tok_builder *b, uint32_t algo);
/* Appends a token; returns its id. */
int32_t dsc_tokb_add(dsc_tok_builder *b, const char *piece, size_t len,
                     float score, uint8_t type);
/* Makes dsc_tok_find work on the tokens added so far. */
bool dsc_tokb_index_pieces(dsc_tok_builder *b);
void dsc_tokb_add_merge(dsc_tok_builder *b, int32_t left, int32_t right);
/* Builds the lookup tables; on failure frees the tokenizer. */
dsc_status dsc_tokb_finish(dsc_tok_builder *b, dsc_tokenizer **out, char *err,
                           size_t errlen);
void dsc_tokb_abort(dsc_tok_builder *b);

/* Splits text into pre-tokens; calls emit for each [begin, end) byte range. */
typedef void (*dsc_pretok_emit)(void *ctx, size_t begin, size_t end);
void dsc_pretokenize(uint32_t kind, const char *text, size_t len,
                     dsc_pretok_emit emit, void *ctx);

/* GPT-2's byte <-> code point map for byte-level BPE. */
uint32_t dsc_byte_to_cp(uint8_t b);
int dsc_cp_to_byte(uint32_t cp); /* -1 if not a mapped code point */

#ifdef __cplusplus
}
#endif

#endif
