/* libFuzzer: the weights payload (a .dscw file, or what is appended to an
 * executable) read by the executable's own entry point: the input becomes
 * the --weights file of dsc_main (runtime/exe/main.c) in front of the
 * stand-in model of exe_host.c, which then runs a short greedy generation
 * with the payload's tokenizer. */
#include "exe_host.h"
#include "fuzz_file.h"

#include "dsc/checksum.h"
#include "dsc/payload.h"

#include <stdlib.h>

/* A mutated payload almost never carries the checksum of its own bytes, and
 * the runtime stops there: so that the fuzzer reaches the readers behind
 * the check, half the inputs get their checksum section (when the header
 * names one in range) rewritten to the XXH64 of the bytes before it. */
static const uint8_t *with_valid_checksum(const uint8_t *data, size_t size,
                                          uint8_t **copy) {
  *copy = 0;
  if (size < sizeof(dsc_payload_header) || (data[size - 1] & 1))
    return data;
  const dsc_payload_header *h = (const dsc_payload_header *)data;
  for (uint64_t i = 0; i < h->n_sections && i < 8; ++i) {
    const dsc_payload_section *s = &h->sections[i];
    if (memcmp(s->name, "checksum", 9) != 0 || s->size != 8 ||
        s->offset > size - 8)
      continue;
    *copy = (uint8_t *)malloc(size);
    memcpy(*copy, data, size);
    dsc_hash hs;
    dsc_hash_init(&hs);
    dsc_hash_update(&hs, *copy, s->offset);
    uint64_t sum = dsc_hash_final(&hs);
    memcpy(*copy + s->offset, &sum, 8);
    return *copy;
  }
  return data;
}

/* dsc_main takes char **, as main does; the literals are copied. */
static void run(const char *const *args) {
  char buf[512], *argv[16];
  size_t at = 0;
  int argc = 0;
  for (; args[argc]; ++argc) {
    size_t n = strlen(args[argc]) + 1;
    memcpy(buf + at, args[argc], n);
    argv[argc] = buf + at;
    at += n;
  }
  argv[argc] = 0;
  fuzz_run_main(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *copy;
  data = with_valid_checksum(data, size, &copy);
  const char *path = fuzz_write_file(0, "model.dscw", data, size);
  free(copy);
  /* Text through the payload's tokenizer, then ids through --tokens. */
  const char *withPrompt[] = {"model", "--weights", path, "-p", "Hi there",
                              "-n", "6", "--temp", "0", "-s", "1", 0};
  run(withPrompt);
  const char *withIds[] = {"model", "--weights", path, "--tokens", "3 4 5",
                           "-n", "5", "--temp", "0.7", "-s", "2", "--mmap", 0};
  run(withIds);
  return 0;
}
