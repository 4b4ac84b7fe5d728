/* Evicts files from the page cache, for cold-start timings without
 * dropping the whole machine's cache (which needs root and disturbs
 * everything else running):
 *
 *   evict FILE...
 *
 * Each file is flushed and advised POSIX_FADV_DONTNEED; mincore() then
 * counts the pages still cached (pages another process maps stay), which
 * is printed as "FILE: N of M pages still cached". Exit status 1 when a
 * file cannot be opened or mapped. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int evict(const char *path) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    fprintf(stderr, "evict: cannot open '%s'\n", path);
    return 1;
  }
  fdatasync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  long page = sysconf(_SC_PAGESIZE);
  size_t pages = ((size_t)st.st_size + page - 1) / page, cached = 0;
  if (st.st_size > 0) {
    void *m = mmap(0, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char *vec = malloc(pages);
    if (m == MAP_FAILED || !vec || mincore(m, st.st_size, vec) != 0) {
      fprintf(stderr, "evict: cannot map '%s'\n", path);
      close(fd);
      return 1;
    }
    for (size_t i = 0; i < pages; ++i)
      cached += vec[i] & 1;
    free(vec);
    munmap(m, st.st_size);
  }
  close(fd);
  printf("%s: %zu of %zu pages still cached\n", path, cached, pages);
  return 0;
}

int main(int argc, char **argv) {
  int status = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: evict FILE...\n");
    return 2;
  }
  for (int i = 1; i < argc; ++i)
    status |= evict(argv[i]);
  return status;
}
