/*===- fuzz_file.h - fuzz inputs as files ---------------------*- C -*-===*
 *
 * Readers whose entry point takes a path (the compiler's checkpoint readers,
 * the executable's --weights) get each input written to a file in a
 * per-process scratch directory, removed at exit.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_FUZZ_FILE_H
#define DSC_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[256];

static void fuzz_dir_remove(void) {
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
  if (system(cmd) != 0)
    fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
}

/* The scratch directory, created on first use. */
static const char *fuzz_scratch_dir(void) {
  if (!fuzz_dir[0]) {
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/dsc-fuzz-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir)) {
      perror("fuzz: mkdtemp");
      abort();
    }
    atexit(fuzz_dir_remove);
  }
  return fuzz_dir;
}

/* Writes the bytes to NAME in the scratch directory; returns its path (a
 * static buffer per name slot: slot 0..3). */
static const char *fuzz_write_file(int slot, const char *name,
                                   const uint8_t *data, size_t size) {
  static char paths[4][512];
  char *path = paths[slot & 3];
  snprintf(path, 512, "%s/%s", fuzz_scratch_dir(), name);
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
    perror("fuzz: writing the input");
    abort();
  }
  return path;
}

#endif /* DSC_FUZZ_FILE_H */
