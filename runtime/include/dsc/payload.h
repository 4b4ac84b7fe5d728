/*===- payload.h - weights and tokenizer of an executable ---------*- C -*-===*
 *
 * The compiler writes a payload: a 4096-byte header, then sections at
 * page-aligned offsets (the weight blob, the serialized tokenizer), then an
 * 8-byte section "checksum": the XXH64 (dsc/checksum.h) of every payload
 * byte before it, header included. It is appended to the executable
 * (default) or written to a side file (--weights=external); either way the
 * runtime mmaps it. A trailer at the very end of the executable says where
 * the payload is.
 *
 * The magic's last character is the format version: the runtime names the
 * version it found when it is not the one it reads.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_PAYLOAD_H
#define DSC_PAYLOAD_H

#include <stdint.h>

#define DSC_PAYLOAD_MAGIC "DSCPAYL2"
#define DSC_PAYLOAD_MAGIC_STEM "DSCPAYL" /* then the version */
#define DSC_TRAILER_MAGIC "DSCTRAIL"
#define DSC_PAYLOAD_ALIGN 4096

typedef struct {
  char name[16];
  uint64_t offset; /* from the start of the payload */
  uint64_t size;
} dsc_payload_section;

typedef struct {
  char magic[8];
  uint64_t model_id; /* equals dsc_model_desc.model_id */
  uint64_t n_sections;
  uint64_t reserved;
  dsc_payload_section sections[8];
} dsc_payload_header;

/* The last 256 bytes of an executable built by dsc. */
typedef struct {
  char external[232]; /* side file name (beside the executable), or "" */
  uint64_t offset;    /* of the payload in this file when embedded */
  uint64_t size;
  char magic[8];
} dsc_trailer;

#ifdef __cplusplus
static_assert(sizeof(dsc_payload_header) <= DSC_PAYLOAD_ALIGN, "header fits a page");
static_assert(sizeof(dsc_trailer) == 256, "trailer is 256 bytes");
#else
_Static_assert(sizeof(dsc_payload_header) <= DSC_PAYLOAD_ALIGN, "header fits a page");
_Static_assert(sizeof(dsc_trailer) == 256, "trailer is 256 bytes");
#endif

#endif /* DSC_PAYLOAD_H */
