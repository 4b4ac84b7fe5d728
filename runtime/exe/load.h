/*===- load.h - finding, checking and loading the payload ----------*- C -*-===*
 *
 * The payload (weights, tokenizer, checksum; see dsc/payload.h) comes from
 * --weights FILE, from the side file named in the executable's trailer
 * (--weights=external), or from the executable itself. Every failure prints
 * one error that names the file, what is wrong and what to do.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_LOAD_H
#define DSC_EXE_LOAD_H

#include "dsc/base.h"
#include "dsc/payload.h"

typedef struct {
  const char *path; /* the file holding the payload */
  uint64_t offset;  /* of the payload in that file */
  uint64_t size;
  const uint8_t *data; /* mapped */
  const dsc_payload_section *weights, *tokenizer, *chat, *checksum;
} dsc_payload;

/* Payloads up to this size are checked against their checksum at every
 * start (tens of milliseconds at most). Hashing costs about as much as
 * reading the weights (0.36 s against about 0.4 s for 543 MB, measured), so
 * bigger ones are checked by --verify only. */
#define DSC_VERIFY_AT_LOAD_MAX (64ull << 20)

/* Maps the payload (override: --weights FILE, or NULL) and checks its
 * header. Returns false after printing an error. */
bool dsc_payload_open(const char *override, dsc_payload *p);

/* Hashes the payload; true when the checksum matches. *stored and *actual
 * receive both values. */
bool dsc_payload_verify(const dsc_payload *p, uint64_t *stored,
                        uint64_t *actual);

/* Copies the weights into anonymous memory backed by huge pages (decoding
 * streams all of them every token, and 2 MiB pages spare the TLB misses of
 * the page cache's 4 KiB ones, about 10% faster). The whole range is
 * queued for reading first (MADV_WILLNEED), then every thread of the pool
 * (started before) reads its share of 8 MiB chunks. Returns NULL when that
 * fails; the caller then uses the mapping. */
void *dsc_payload_read_weights(const dsc_payload *p);

/* Whether every page of the weights is in the page cache (mincore on the
 * mapping). False when it cannot tell: on kernels with pages larger than
 * 4 KiB (the weights' offset is not page-aligned there), and for a file
 * another user owns, for which Linux reports every page resident. */
bool dsc_payload_weights_resident(const dsc_payload *p);

/* Copies the mapped weights into anonymous memory backed by huge pages, as
 * dsc_payload_read_weights does but from the mapping (which stays the file
 * it was opened as, whatever happens to its path since), each thread of the
 * pool taking 8 MiB chunks and dropping the mapping's pages of each chunk
 * it has copied: the process holds the weights about once throughout. The
 * pages must be resident (dsc_payload_weights_resident) for this to be
 * quick. Returns NULL when it fails; the caller then uses the mapping. */
void *dsc_payload_copy_mapped_weights(const dsc_payload *p);

/* Bytes of memory this process can still get: MemAvailable plus SwapFree,
 * within the limit of its cgroup. UINT64_MAX when unknown. */
uint64_t dsc_mem_available(void);

#endif /* DSC_EXE_LOAD_H */
