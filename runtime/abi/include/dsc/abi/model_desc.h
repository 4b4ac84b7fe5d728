/*===- model_desc.h - what generated code tells the runtime -------*- C -*-===*
 *
 * dsc-codegen-lower emits the constant `dsc_model_desc` of this type; the
 * runtime checks its magic and version when an executable starts, then reads
 * the model's constants from it. The fields are listed once, in
 * model_desc.def.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_ABI_MODEL_DESC_H
#define DSC_ABI_MODEL_DESC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "dscmodel" as a little-endian int64. */
#define DSC_MODEL_DESC_MAGIC 0x6c65646f6d637364LL
/* Version 2: a struct with magic and version (version 1 was an int64[16]
 * with the version first and no magic). */
#define DSC_MODEL_DESC_VERSION 2

typedef struct dsc_model_desc_t {
#define DSC_DESC_FIELD(name, meaning) int64_t name;
#include "dsc/abi/model_desc.def"
#undef DSC_DESC_FIELD
} dsc_model_desc_t;

enum {
  DSC_MODEL_DESC_FIELDS = 0
#define DSC_DESC_FIELD(name, meaning) +1
#include "dsc/abi/model_desc.def"
#undef DSC_DESC_FIELD
};

/* Code generation emits the descriptor as an array of int64: the struct
 * must have no padding for the two to agree. */
#ifdef __cplusplus
static_assert(sizeof(dsc_model_desc_t) == 8 * DSC_MODEL_DESC_FIELDS,
              "dsc_model_desc_t is a packed list of int64");
#else
_Static_assert(sizeof(dsc_model_desc_t) == 8 * DSC_MODEL_DESC_FIELDS,
               "dsc_model_desc_t is a packed list of int64");
#endif

extern const dsc_model_desc_t dsc_model_desc;

#ifdef __cplusplus
}
#endif

#endif /* DSC_ABI_MODEL_DESC_H */
