/*===- gguf.h - GGUF v2/v3 reader ---------------------------------*- C -*-===*
 *
 * Parses a GGUF file held in memory (usually mmapped): metadata and tensor
 * infos are indexed in place, nothing is copied. Every offset is checked
 * against the buffer, so any byte string is safe to parse.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_GGUF_H
#define DSC_GGUF_H

#include "dsc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dsc_gguf_type {
  DSC_GGUF_UINT8 = 0,
  DSC_GGUF_INT8 = 1,
  DSC_GGUF_UINT16 = 2,
  DSC_GGUF_INT16 = 3,
  DSC_GGUF_UINT32 = 4,
  DSC_GGUF_INT32 = 5,
  DSC_GGUF_FLOAT32 = 6,
  DSC_GGUF_BOOL = 7,
  DSC_GGUF_STRING = 8,
  DSC_GGUF_ARRAY = 9,
  DSC_GGUF_UINT64 = 10,
  DSC_GGUF_INT64 = 11,
  DSC_GGUF_FLOAT64 = 12,
  DSC_GGUF_NUM_TYPES
};

/* ggml tensor types dsc reads. */
enum dsc_ggml_type {
  DSC_GGML_F32 = 0,
  DSC_GGML_F16 = 1,
  DSC_GGML_Q4_0 = 2,
  DSC_GGML_Q4_1 = 3,
  DSC_GGML_Q5_0 = 6,
  DSC_GGML_Q5_1 = 7,
  DSC_GGML_Q8_0 = 8,
  DSC_GGML_BF16 = 30,
};

typedef struct {
  const char *ptr; /* not NUL-terminated */
  uint64_t len;
} dsc_str;

typedef struct {
  dsc_str key;
  uint32_t type;      /* enum dsc_gguf_type */
  uint32_t elem_type; /* for arrays */
  uint64_t count;     /* for arrays */
  const uint8_t *value; /* points at the value (for arrays, the first element) */
} dsc_gguf_kv;

typedef struct {
  dsc_str name;
  uint32_t n_dims;
  uint64_t dims[4]; /* dims[0] is the fastest-varying (ggml's ne[0]) */
  uint32_t type;    /* enum dsc_ggml_type or other ggml type */
  uint64_t offset;  /* absolute offset in the file */
  uint64_t size;    /* bytes, 0 when the type is unknown to dsc */
} dsc_gguf_tensor;

typedef struct {
  uint32_t version;
  uint64_t alignment;
  uint64_t data_offset;
  uint64_t n_kv;
  dsc_gguf_kv *kv;
  uint64_t n_tensors;
  dsc_gguf_tensor *tensors;
  const uint8_t *data;
  uint64_t size;
} dsc_gguf;

/* Parses `size` bytes at `data`. On failure returns a status and writes a
 * one-line reason into err (naming the field). */
dsc_status dsc_gguf_parse(const uint8_t *data, uint64_t size, dsc_gguf *out,
                          char *err, size_t errlen);
void dsc_gguf_free(dsc_gguf *g);

const dsc_gguf_kv *dsc_gguf_find(const dsc_gguf *g, const char *key);
/* Typed getters; return false when absent or of another type. Integer
 * getters accept any integer type that fits. */
bool dsc_gguf_get_u64(const dsc_gguf *g, const char *key, uint64_t *out);
bool dsc_gguf_get_i64(const dsc_gguf *g, const char *key, int64_t *out);
bool dsc_gguf_get_f64(const dsc_gguf *g, const char *key, double *out);
bool dsc_gguf_get_bool(const dsc_gguf *g, const char *key, bool *out);
bool dsc_gguf_get_str(const dsc_gguf *g, const char *key, dsc_str *out);

/* Element i of a string array; `cursor` speeds up sequential access: pass
 * the same zeroed pair for i = 0, 1, 2, ... */
typedef struct {
  uint64_t index;
  const uint8_t *ptr;
} dsc_gguf_cursor;
bool dsc_gguf_array_str(const dsc_gguf *g, const dsc_gguf_kv *kv, uint64_t i,
                        dsc_gguf_cursor *cursor, dsc_str *out);
/* Size in bytes of one element of a fixed-size GGUF type, 0 otherwise. */
uint64_t dsc_gguf_type_size(uint32_t type);
/* Bytes of a ggml tensor of `n` elements with row length `row`, 0 if unknown
 * type or if the row is not a whole number of blocks. */
uint64_t dsc_ggml_nbytes(uint32_t type, uint64_t n, uint64_t row);
const char *dsc_ggml_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif

#endif /* DSC_GGUF_H */
