/*===- tokenizer.h - text <-> token ids ---------------------------*- C -*-===*
 *
 * One tokenizer representation for every source dsc reads: SentencePiece
 * models, HF tokenizer.json, GGUF's embedded vocabulary and llama2.c's
 * tokenizer.bin. Loaders turn each into a dsc_tokenizer; the compiler
 * serializes it into the executable, whose runtime only deserializes it.
 *
 * Two algorithms cover them:
 *  - DSC_TOK_SPM: SentencePiece BPE, merging the adjacent pair whose union
 *    has the highest score, with byte fallback (<0xXX> tokens);
 *  - DSC_TOK_BPE: BPE with ranked merges (GPT-2 and successors), usually
 *    byte-level with a regex pre-tokenizer, or SPM-style with byte fallback.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_TOKENIZER_H
#define DSC_TOKENIZER_H

#include "dsc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { DSC_TOK_SPM = 1, DSC_TOK_BPE = 2 };

/* Pre-tokenizer regexes, as Hugging Face and llama.cpp name them. */
enum {
  DSC_PRE_NONE = 0,
  DSC_PRE_GPT2 = 1,   /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|... */
  DSC_PRE_LLAMA3 = 2, /* (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|... */
  DSC_PRE_QWEN2 = 3,  /* as LLAMA3 with \p{N} one digit at a time */
};

/* Token types (SentencePiece / GGUF numbering). */
enum {
  DSC_TT_NORMAL = 1,
  DSC_TT_UNKNOWN = 2,
  DSC_TT_CONTROL = 3,
  DSC_TT_USER_DEFINED = 4,
  DSC_TT_UNUSED = 5,
  DSC_TT_BYTE = 6,
};

enum {
  DSC_TOKF_ADD_BOS = 1u << 0,          /* prepend BOS when encoding a prompt */
  DSC_TOKF_ADD_SPACE_PREFIX = 1u << 1, /* SentencePiece's dummy prefix */
  DSC_TOKF_ESCAPE_SPACES = 1u << 2,    /* ' ' -> U+2581 before encoding */
  DSC_TOKF_BYTE_FALLBACK = 1u << 3,    /* unknown chars -> <0xXX> tokens */
  DSC_TOKF_BYTE_LEVEL = 1u << 4,       /* GPT-2 bytes-to-unicode mapping */
  DSC_TOKF_IGNORE_MERGES = 1u << 5,    /* whole words in the vocab win */
  DSC_TOKF_REMOVE_EXTRA_WS = 1u << 6,  /* collapse runs of spaces */
};

typedef struct dsc_tokenizer dsc_tokenizer;

/* Reading a tokenizer. `err` gets a one-line reason on failure. */
dsc_status dsc_tok_load_llama2c(const uint8_t *data, size_t size,
                                int32_t vocab_size, dsc_tokenizer **out,
                                char *err, size_t errlen);
dsc_status dsc_tok_load_spm(const uint8_t *data, size_t size,
                            dsc_tokenizer **out, char *err, size_t errlen);
dsc_status dsc_tok_load_hf_json(const char *json, size_t size,
                                dsc_tokenizer **out, char *err, size_t errlen);
dsc_status dsc_tok_load_gguf(const uint8_t *data, size_t size,
                             dsc_tokenizer **out, char *err, size_t errlen);
void dsc_tok_free(dsc_tokenizer *t);

/* The compact form embedded in executables. */
dsc_status dsc_tok_serialize(const dsc_tokenizer *t, uint8_t **out,
                             size_t *size);
dsc_status dsc_tok_deserialize(const uint8_t *data, size_t size,
                               dsc_tokenizer **out, char *err, size_t errlen);

/* Encodes text; writes at most `cap` ids and returns how many there are (a
 * count above cap means the output was cut). BOS is added when add_bos. */
int64_t dsc_tok_encode(const dsc_tokenizer *t, const char *text, size_t len,
                       bool add_bos, int32_t *ids, int64_t cap);
/* Writes the bytes token `id` stands for after token `prev` (-1 at the
 * start) into buf; returns their count (which may exceed cap). */
size_t dsc_tok_decode(const dsc_tokenizer *t, int32_t prev, int32_t id,
                      char *buf, size_t cap);

int32_t dsc_tok_n_vocab(const dsc_tokenizer *t);
int32_t dsc_tok_bos(const dsc_tokenizer *t);
int32_t dsc_tok_eos(const dsc_tokenizer *t);
uint32_t dsc_tok_flags(const dsc_tokenizer *t);
/* The raw piece of a token (not NUL-terminated). */
const char *dsc_tok_piece(const dsc_tokenizer *t, int32_t id, size_t *len);
int32_t dsc_tok_find(const dsc_tokenizer *t, const char *piece, size_t len);
const char *dsc_tok_algo_name(const dsc_tokenizer *t);

#ifdef __cplusplus
}
#endif

#endif /* DSC_TOKENIZER_H */
