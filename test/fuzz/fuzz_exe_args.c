/* libFuzzer: the executable's command line. The input is split at NUL bytes
 * into arguments for dsc_main (runtime/exe/main.c). With no payload behind
 * this binary and no valid --weights file, each run ends after the options
 * are parsed and the payload is looked for; fuzz_payload goes further. */
#include "exe_host.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  enum { kMaxArgs = 32 };
  char *copy = (char *)malloc(size + 1);
  memcpy(copy, data, size);
  copy[size] = 0;
  char *argv[kMaxArgs + 1];
  int argc = 0;
  static char prog[] = "model";
  argv[argc++] = prog;
  for (size_t i = 0; i < size && argc < kMaxArgs;) {
    argv[argc++] = copy + i;
    i += strlen(copy + i) + 1;
  }
  argv[argc] = 0;
  fuzz_run_main(argc, argv);
  free(copy);
  return 0;
}
