#!/usr/bin/env python3
"""Checks how an executable loads its weights for generation, and that the
text does not depend on it.

  check_first_token.py EXE [prompt options, default: -p "Once upon a time"]

- Warm (every page of the executable in the page cache): the default run
  starts on the file's mapping and reads the weights into huge pages after
  the first token (--verbose says "mapped, read into memory after the first
  token").
- --mmap: the weights stay mapped.
- Cold (the file's pages evicted with posix_fadvise, checked with mincore):
  the default run reads the weights in before the first token (--verbose
  says "read into memory"). Where the page cache keeps the pages (some file
  systems ignore the advice), this part is reported as not checked.

The greedy text of all three must be the same. Prints one line per part.
"""
import ctypes
import mmap
import os
import subprocess
import sys

ARGS = ["-n", "48", "--temp", "0", "-t", "2", "--verbose"]
PROMPT = ["-p", "Once upon a time"]


def run(exe, extra=()):
    r = subprocess.run([exe] + ARGS + PROMPT + list(extra),
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit("%s failed (exit %d): %s" % (exe, r.returncode, r.stderr))
    loaded = [l for l in r.stderr.splitlines() if "loaded in" in l]
    if not loaded:
        sys.exit("%s --verbose printed no load line: %s" % (exe, r.stderr))
    how = loaded[0].split("(", 1)[1].split(")", 1)[0]
    return r.stdout, how


def resident_pages(path):
    """Pages of the file in the page cache (mincore on a mapping of it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    size = os.path.getsize(path)
    pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    vec = (ctypes.c_ubyte * pages)()
    with open(path, "rb") as f:
        # A private writable mapping, never written: ctypes needs a writable
        # buffer to take its address.
        m = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY)
        first = ctypes.c_char.from_buffer(m)
        err = libc.mincore(ctypes.addressof(first), size, vec)
        del first
        m.close()
    if err:
        sys.exit("mincore: %s" % os.strerror(ctypes.get_errno()))
    return sum(v & 1 for v in vec)


def evict(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def main():
    global PROMPT
    exe = sys.argv[1]
    if len(sys.argv) > 2:
        PROMPT = sys.argv[2:]
    with open(exe, "rb") as f:  # every page into the page cache
        while f.read(1 << 20):
            pass
    warm, how = run(exe)
    print("warm: %s" % how)
    mapped, how = run(exe, ["--mmap"])
    print("--mmap: %s, %s text" % (how, "same" if mapped == warm else
                                   "DIFFERENT"))
    evict(exe)
    kept = resident_pages(exe)
    if kept:
        print("cold: the page cache kept %d pages; not checked" % kept)
    else:
        cold, how = run(exe)
        print("cold: %s, %s text" % (how, "same" if cold == warm else
                                     "DIFFERENT"))


if __name__ == "__main__":
    main()
