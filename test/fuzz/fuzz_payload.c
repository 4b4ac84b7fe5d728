/* libFuzzer: the weights payload (a .dscw file, or what is appended to an
 * executable) read by the executable's own entry point: the input becomes
 * the --weights file of dsc_main (runtime/exe/main.c) in front of the
 * stand-in model of exe_host.c, which then runs a short greedy generation
 * with the payload's tokenizer. */
#include "exe_host.h"
#include "fuzz_file.h"

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
  const char *path = fuzz_write_file(0, "model.dscw", data, size);
  /* Text through the payload's tokenizer, then ids through --tokens. */
  const char *withPrompt[] = {"model", "--weights", path, "-p", "Hi there",
                              "-n", "6", "--temp", "0", "-s", "1", 0};
  run(withPrompt);
  const char *withIds[] = {"model", "--weights", path, "--tokens", "3 4 5",
                           "-n", "5", "--temp", "0.7", "-s", "2", "--mmap", 0};
  run(withIds);
  return 0;
}
