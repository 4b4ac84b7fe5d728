#!/usr/bin/env python3
"""Runs every command README.md and docs/user-guide.md show.

Commands are extracted, not listed here, so that a command added to the
docs is tested without touching this file: every line of a code block,
every inline `dsc ...` or `./...` span that is a full command (synopses
with [ ], |, <...> or placeholders are not), and every inline `--quantize
...` span, which is run as options of `dsc compile`. A command this script
cannot run must be in EXCEPTIONS with the reason; any other is a failure.

The commands run in a fresh directory holding what the docs assume:
`stories260K.bin` with `tok512.bin`, the same model as a Hugging Face
directory `model/`, and `text.txt`; from ../shared/models when present,
else synthetic checkpoints (test/gen/gen_checkpoint.py). Each must exit 0
and write the file it names (or the documented default -o).

usage: doc_commands.py DSC SRC_ROOT SHARED_DIR WORK_DIR
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

DOCS = ["README.md", "docs/user-guide.md"]

# Commands that cannot run here, and why.
EXCEPTIONS = {
    "scripts/setup.sh": "installs Debian packages (sudo) and builds: the "
                        "build this test runs in is its product",
    "scripts/test.sh": "runs the whole test suite, this test included",
}

SUBCOMMANDS = {"compile", "eval", "advise", "import", "tokenize", "targets",
               "version"}
# dsc compile options that take the next argument as their value.
VALUE_OPTIONS = {"-o", "--target", "--tokenizer", "--max-seq-len",
                 "--quantize", "--calib", "--calib-tokens", "--mem-budget",
                 "--emit", "--compile-to", "--weights", "--text", "--ctx",
                 "-t", "-f"}
EMIT_EXT = {"mlir": ".mlir", "llvm": ".ll", "asm": ".s", "obj": ".o"}


def code_lines(text):
    """Lines of indented (4 spaces) and fenced code blocks."""
    out, fenced, prev_blank = [], False, True
    in_block = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            out.append(line.strip())
            continue
        if line.startswith("    ") and (prev_blank or in_block):
            in_block = True
            out.append(line.strip())
        elif line.strip():
            in_block = False
        prev_blank = not line.strip()
    return [l for l in out if l]


def prose(text):
    """The text outside code blocks."""
    keep, fenced, prev_blank, in_block = [], False, True, False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if line.startswith("    ") and (prev_blank or in_block):
            in_block = True
            prev_blank = False
            continue
        if line.strip():
            in_block = False
        prev_blank = not line.strip()
        keep.append(line)
    return "\n".join(keep)


def is_synopsis(cmd):
    if any(c in cmd for c in "[]|<>") or "..." in cmd:
        return True
    words = cmd.split()
    # Placeholders: CHECKPOINT, FILE, S, N, SIZE (an all-caps word).
    if any(re.fullmatch(r"[A-Z]+", w) for w in words):
        return True
    # `dsc import`: a reference to a command, not an invocation.
    return len(words) == 2 and words[0] == "dsc" and words[1] in SUBCOMMANDS


def extract(src_root):
    """(doc, command, kind) in document order; kind: 'shell' or 'options'."""
    cmds = []
    for doc in DOCS:
        text = open(os.path.join(src_root, doc), encoding="utf-8").read()
        for line in code_lines(text):
            line = re.split(r"\s+#\s", line)[0].strip()
            for part in line.split("&&"):
                cmds.append((doc, part.strip(), "shell"))
        # Option fragments are examples in prose; in the option tables they
        # are references to other rows (`--quantize auto`).
        text_prose = prose(text)
        no_tables = "\n".join(l for l in text_prose.splitlines()
                              if not l.lstrip().startswith("|"))
        fragments = set(re.findall(r"`([^`]+)`", no_tables))
        for span in re.findall(r"`([^`]+)`", text_prose):
            in_table = span not in fragments
            span = " ".join(span.split())
            if span.startswith("--quantize ") and not in_table:
                frag = span.replace("FILE", "text.txt")
                if not is_synopsis(frag):
                    cmds.append((doc, frag, "options"))
            elif (span.startswith("dsc ") or span.startswith("./")) and \
                    not is_synopsis(span):
                cmds.append((doc, span, "shell"))
    return cmds


def compile_output(args, cwd):
    """The file `dsc compile ARGS` writes (None for stdout)."""
    out, emit, inp = None, "exe", ""
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--emit="):
            emit = a.split("=", 1)[1]
        elif a in VALUE_OPTIONS:
            if a == "-o":
                out = args[i + 1]
            elif a == "--emit":
                emit = args[i + 1]
            i += 1
        elif not a.startswith("-"):
            inp = a
        i += 1
    if out is not None:
        return None if out == "-" else out
    stem = os.path.splitext(os.path.basename(inp.rstrip("/")))[0] or "model"
    if emit in EMIT_EXT:
        return stem + EMIT_EXT[emit]
    return stem + ".exe" if os.path.isdir(os.path.join(cwd, stem)) else stem


def setup(work, src_root, shared):
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    models = os.path.join(shared, "models", "stories260K")
    text = os.path.join(shared, "data", "tinystories-calib.txt")
    if os.path.isfile(os.path.join(models, "stories260K.bin")):
        for name in ["stories260K.bin", "tok512.bin"]:
            os.symlink(os.path.join(models, name), os.path.join(work, name))
        os.symlink(os.path.join(models, "hf"), os.path.join(work, "model"))
        with open(text, encoding="utf-8") as f:
            data = f.read(6000)
        print("models: stories260K from", shared)
    else:
        gen = os.path.join(src_root, "test", "gen", "gen_checkpoint.py")
        for fmt, out in [("llama2c", "stories260K.bin"), ("hf", "model")]:
            subprocess.run([sys.executable, gen, fmt,
                            os.path.join(work, out)], check=True)
        data = "Once upon a time there was a little dog. " * 40
        print("models: synthetic (../shared/models not found)")
    with open(os.path.join(work, "text.txt"), "w", encoding="utf-8") as f:
        f.write(data)


def is_aarch64(path):
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return False
    return head[:4] == b"\x7fELF" and head[18:20] == b"\xb7\x00"


def run(doc, cmd, kind, work, env):
    """Runs one command; returns (status, message)."""
    if kind == "options":
        shell = "dsc compile stories260K.bin %s -o options.exe" % cmd
        expect = "options.exe"
    else:
        shell, expect = cmd, None
    words = shlex.split(shell)
    if words[0] in EXCEPTIONS:
        return "skip", EXCEPTIONS[words[0]]
    if words[0] == "scripts/demo.sh":
        # It writes under its BUILD_DIR's demo/: point it at this directory.
        env = dict(env, OUT=os.path.join(work, "demo"))
        shell = os.path.join(env["DSC_SRC"], shell)
    elif words[0].startswith("./"):
        exe = os.path.join(work, words[0])
        if is_aarch64(exe) and os.uname().machine != "aarch64":
            if not shutil.which("qemu-aarch64"):
                return "skip", "an AArch64 executable and no qemu-aarch64"
            shell = "qemu-aarch64 " + shell
    elif words[0] == "dsc-opt":
        pass  # beside dsc; prints the IR
    elif words[0] != "dsc":
        return "fail", "no way to run it (add it to EXCEPTIONS with a reason)"
    elif "--help" in words or "--help-hidden" in words:
        pass
    elif len(words) > 1 and words[1] == "compile":
        expect = compile_output(words[2:], work)
    elif len(words) > 1 and words[1] == "import" and "-o" in words:
        expect = words[words.index("-o") + 1]
    if expect:
        path = os.path.join(work, expect)
        if os.path.lexists(path) and not os.path.isdir(path):
            os.remove(path)
    p = subprocess.run(shell, shell=True, cwd=work, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=600)
    if p.returncode != 0:
        return "fail", "exit %d: %s" % (
            p.returncode, p.stderr.decode(errors="replace").strip()[-600:])
    if expect and expect != "-" and not os.path.isfile(os.path.join(work, expect)):
        return "fail", "did not write %s" % expect
    if not p.stdout and not p.stderr and not expect:
        return "fail", "printed nothing and wrote no file"
    return "ok", expect or "printed %d bytes" % len(p.stdout + p.stderr)


def main():
    dsc, src_root, shared, work = map(os.path.abspath, sys.argv[1:5])
    bin_dir = os.path.dirname(os.path.abspath(shutil.which(dsc) or dsc))
    cmds = extract(src_root)
    setup(work, src_root, shared)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"],
               BUILD_DIR=os.path.dirname(bin_dir), DSC_SRC=src_root)
    failed = 0
    for doc, cmd, kind in cmds:
        status, msg = run(doc, cmd, kind, work, env)
        print("%s: %s: %s: %s" % (status.upper(), doc, cmd, msg))
        failed += status == "fail"
    print("%d commands, %d failed" % (len(cmds), failed))
    if failed:
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
