#!/usr/bin/env python3
"""Interrupts `dsc compile` with signals and checks that nothing it was
writing remains, that the children it ran are gone, and that the previous
output is intact.

  check_interrupt.py DSC WORKDIR

1. SIGTERM while the executable is written: its weights go into
   <output>.dscw.tmp from the start of code generation, the linked
   executable into <output>.tmp at the end;
2. SIGINT while calibration runs its instrumented build (a child process
   writing into a FIFO in a temporary directory).
$TMPDIR points into WORKDIR, so every temporary dsc makes is seen. Prints
what it saw, then PASS or FAIL.
"""
import glob
import hashlib
import os
import signal
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "gen"))
import check_eval  # noqa: E402
import gen_checkpoint  # noqa: E402


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def wait_for(what, proc, timeout=600):
    """Polls `what()` until true; False if `proc` ended first."""
    end = time.time() + timeout
    while time.time() < end:
        if what():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def processes_mentioning(path):
    """Pids whose command line holds `path` (the children dsc ran)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if path.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def main():
    dsc, work = sys.argv[1:3]
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmp)
    # Big enough that writing its quantized weights and running it on the
    # text take a while (about 10M parameters).
    ckpt = os.path.join(work, "big.bin")
    gen_checkpoint.main(["llama2c", ckpt, "--dim", "384", "--hidden", "1024",
                         "--layers", "6", "--heads", "6", "--kv-heads", "6"])
    text = os.path.join(work, "text.txt")
    with open(text, "w") as f:
        f.write(check_eval.TEXT * 8)
    failures = []

    def check(cond, what):
        print(("ok: " if cond else "FAIL: ") + what)
        if not cond:
            failures.append(what)

    out = os.path.join(work, "model")
    compile_cmd = [dsc, "compile", ckpt, "-o", out, "--quiet",
                   "--quantize", "int4:group=32"]
    subprocess.run(compile_cmd, check=True, env=env)
    before = digest(out)

    # 1. SIGTERM while the weights are written. The payload's file lives
    # through code generation (seconds); <output>.tmp only from the link to
    # the rename, which a fast machine can pass between two polls, so
    # either counts.
    partial = [out + ".dscw.tmp", out + ".tmp"]
    p = subprocess.Popen(compile_cmd, env=env)
    seen = wait_for(lambda: any(os.path.exists(f) for f in partial), p)
    p.send_signal(signal.SIGTERM)
    rc = p.wait()
    check(seen, "saw %s's weights being written" % os.path.basename(out))
    check(rc == -signal.SIGTERM, "dsc died of SIGTERM (exit %d)" % rc)
    check(not any(os.path.exists(f) for f in partial), "no .tmp left")
    check(digest(out) == before, "the previous output is byte-identical")
    check(os.listdir(tmp) == [], "no temporaries left in $TMPDIR %s"
          % os.listdir(tmp))

    # 2. SIGINT while the calibration build runs.
    out2 = os.path.join(work, "calibrated")
    p = subprocess.Popen([dsc, "compile", ckpt, "-o", out2, "--quiet",
                          "--quantize", "int4:group=32", "--calib", text],
                         env=env)
    running = wait_for(
        lambda: glob.glob(os.path.join(tmp, "dsc-calib-*", "*.fifo")) and
        processes_mentioning(tmp), p)
    p.send_signal(signal.SIGINT)
    rc = p.wait()
    check(running, "saw the calibration build running")
    check(rc == -signal.SIGINT, "dsc died of SIGINT (exit %d)" % rc)
    check(os.listdir(tmp) == [], "no temporaries left in $TMPDIR %s"
          % os.listdir(tmp))
    left = processes_mentioning(tmp)
    for _ in range(500):
        if not left:
            break
        time.sleep(0.01)
        left = processes_mentioning(tmp)
    check(left == [], "no child process left %s" % left)
    check(not os.path.exists(out2) and not os.path.exists(out2 + ".tmp"),
          "no output written")
    print("FAIL" if failures else "PASS")


if __name__ == "__main__":
    main()
