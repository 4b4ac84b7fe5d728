#!/usr/bin/env python3
"""Checks how an executable loads its weights for generation, and that the
text does not depend on it.

  check_first_token.py EXE [prompt options, default: -p "Once upon a time"]

- Warm (every page of the executable in the page cache): the default run
  starts on the file's mapping (--verbose: "mapped until the first token")
  and copies the weights into memory after the first token (--verbose:
  "weights copied into memory after the first token"), holding them about
  once: its peak RSS stays under 1.3 times the weights.
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
    """The text, how the weights were loaded (the load line's parenthesis,
    then the line about the copy after the first token if there is one),
    and the weights' and the peak RSS's MiB."""
    r = subprocess.run([exe] + ARGS + PROMPT + list(extra),
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit("%s failed (exit %d): %s" % (exe, r.returncode, r.stderr))
    lines = r.stderr.splitlines()
    loaded = [l for l in lines if "loaded in" in l]
    rss = [l for l in lines if "peak RSS" in l]
    if not loaded or not rss:
        sys.exit("%s --verbose printed no load or summary line: %s" %
                 (exe, r.stderr))
    how = loaded[0].split("(", 1)[1].split(")", 1)[0]
    weights = mib(loaded[0].split("weights ", 1)[1])
    later = [l.split(": ", 1)[1].split(" in ", 1)[0] for l in lines
             if "after the first token in" in l]
    peak = float(rss[-1].split("peak RSS ", 1)[1].split(" MiB", 1)[0])
    return r.stdout, "; ".join([how] + later), weights, peak


def mib(text):
    """'107.3 MiB (...' -> 107.3; GiB and KiB too."""
    value, unit = text.split()[:2]
    return float(value) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]


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
    warm, how, weights, peak = run(exe)
    print("warm: %s" % how)
    print("warm: peak RSS %s 1.3 x the weights" %
          ("under" if peak < 1.3 * weights else
           "OVER (%.1f MiB against %.1f)" % (peak, weights)))
    mapped, how, _, _ = run(exe, ["--mmap"])
    print("--mmap: %s, %s text" % (how, "same" if mapped == warm else
                                   "DIFFERENT"))
    evict(exe)
    kept = resident_pages(exe)
    if kept:
        print("cold: the page cache kept %d pages; not checked" % kept)
    else:
        cold, how, _, _ = run(exe)
        print("cold: %s, %s text" % (how, "same" if cold == warm else
                                     "DIFFERENT"))


if __name__ == "__main__":
    main()
