/*===- io.h - output, diagnostics and input files of executables --*- C -*-===*
 *
 * Nothing here truncates: standard output is buffered and flushed when full,
 * diagnostics of any length are formatted into memory as large as they need,
 * and failed writes are remembered so that the executable can exit non-zero
 * instead of losing output silently.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_EXE_IO_H
#define DSC_EXE_IO_H

#include "dsc/base.h"

/* argv[0]; prefixes every diagnostic. */
extern const char *dsc_prog;

/* Buffered standard output. */
void dsc_out_write(const char *s, size_t n);
void dsc_out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes out what is buffered; returns false once any write has failed. */
bool dsc_out_flush(void);
/* The errno of the first failed write to standard output, or 0. */
int dsc_out_error(void);
/* Reports that standard output could not be written and returns 1. */
int dsc_out_failed(void);

/* Formatted text of any length to standard error. */
void dsc_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "PROG: error: MESSAGE" and returns 1, the exit status. */
int dsc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What a (positive) errno means, in words. */
const char *dsc_strerror(long err);

/* Writes all n bytes to fd; returns 0 or a positive errno. */
int dsc_write_all(int fd, const void *buf, size_t n);

/* Reads all of path into malloc'd memory (NUL-terminated; *size excludes
 * the NUL). Returns 0 or a positive errno. Works on pipes and /dev/stdin. */
int dsc_read_file(const char *path, char **data, uint64_t *size);

/* Creates the output file path for writing. A regular file (or a new one)
 * is written under the name PATH.tmp and renamed over PATH only by
 * dsc_outputs_finish(true), so that a failed run leaves no half-written
 * file and keeps an old one; devices and pipes are written directly.
 * Returns 0, or 1 after printing an error. */
int dsc_output_create(const char *path, int *fd);
/* Closes the outputs and renames them into place (ok) or removes them.
 * Returns false after printing an error when a rename fails. */
bool dsc_outputs_finish(bool ok);

/* Whether fd is a terminal (its /proc/self/fd link names a tty). */
bool dsc_is_terminal(int fd);

/* "1.5 GiB", "12.0 MiB", "512 B" into buf. */
const char *dsc_format_bytes(uint64_t n, char *buf, size_t cap);

#endif /* DSC_EXE_IO_H */
