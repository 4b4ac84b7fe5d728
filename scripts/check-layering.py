#!/usr/bin/python3
"""Checks the layering between dsc's libraries (docs/design.md, "Layering").

Source rules (grep over the tree):
  dialect-includes   dialects/ includes only the dialect's own headers,
                     MLIR's, LLVM's, the target registry's and the ABI
                     headers (dsc/abi/): nothing of compiler/ or of the
                     rest of runtime/.
  pipeline-frontend  compiler/pipeline does not include the frontend.
  kernel-symbols     kernel and runtime-entry symbols (dsc_uk_*, dsc_rt_*,
                     and the names in runtime/abi/include/dsc/abi/kernels.def
                     as string literals) appear only in the registry
                     (targets/registry), the ABI headers (dsc/abi/, where
                     kernels.def lists them) and the kernel sources
                     (targets/*/kernels).
  relative-includes  no #include "../...": it would reach past the include
                     roots that keep libraries apart.

Build probes (--probes FILE --build DIR): each line of FILE is
  SOURCE HEADER ok|missing
and the check compiles a file holding only `#include "HEADER"` with the
flags SOURCE is compiled with (from DIR/compile_commands.json): a library
must see the headers of what it links ("ok") and not find those of what it
does not ("missing").

usage: check-layering.py [--src DIR] [--rules R1,R2] [--build DIR --probes FILE]
Exit status 1 with one line per violation, 0 with a summary line.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODE = (".c", ".h", ".cpp", ".def", ".inc")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

DIALECT_ALLOWED = ("Dsc/", "mlir/", "llvm/", "registry/", "dsc/abi/")
KERNEL_HOMES = ("runtime/abi/include/dsc/abi/", "targets/registry/")
KERNEL_DIRS = re.compile(r"^targets/[^/]+/kernels/")


def files(src, top, exts=CODE):
    base = os.path.join(src, top)
    for d, _, names in os.walk(base):
        for n in sorted(names):
            if n.endswith(exts) or (exts is None):
                p = os.path.join(d, n)
                yield os.path.relpath(p, src), p


def lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f, 1):
            yield i, line


def rule_dialect_includes(src):
    for rel, path in files(src, "dialects"):
        for i, line in lines(path):
            m = INCLUDE.match(line)
            if m and not m.group(1).startswith(DIALECT_ALLOWED):
                yield (rel, i, "dialects/ may include only %s, not \"%s\""
                       % (", ".join(DIALECT_ALLOWED), m.group(1)))


def rule_pipeline_frontend(src):
    for rel, path in files(src, "compiler/pipeline"):
        for i, line in lines(path):
            m = INCLUDE.match(line)
            if m and m.group(1).startswith("frontend/"):
                yield (rel, i, "the pipeline includes the frontend (\"%s\")"
                       % m.group(1))


def kernel_names(src):
    path = os.path.join(src, "runtime/abi/include/dsc/abi/kernels.def")
    text = open(path).read()
    return re.findall(r"^DSC_(?:KERNEL|RUNTIME_ENTRY)\((\w+)", text, re.M)


def rule_kernel_symbols(src):
    names = kernel_names(src)
    pattern = re.compile(r"\bdsc_(?:uk|rt)_\w*|\"(?:%s)\"" % "|".join(names))
    for top in ("compiler", "dialects", "runtime", "targets"):
        for rel, path in files(src, top, CODE + ("CMakeLists.txt", ".cmake")):
            if rel.startswith(KERNEL_HOMES) or KERNEL_DIRS.match(rel):
                continue
            for i, line in lines(path):
                m = pattern.search(line)
                if m:
                    yield (rel, i, "kernel symbol %s outside the registry, "
                           "the ABI headers and the kernels" % m.group(0))


def rule_relative_includes(src):
    for top in ("compiler", "dialects", "runtime", "targets", "test"):
        for rel, path in files(src, top):
            for i, line in lines(path):
                m = INCLUDE.match(line)
                if m and m.group(1).startswith("../"):
                    yield (rel, i, "#include \"%s\" reaches past the include "
                           "roots" % m.group(1))


RULES = {
    "dialect-includes": rule_dialect_includes,
    "pipeline-frontend": rule_pipeline_frontend,
    "kernel-symbols": rule_kernel_symbols,
    "relative-includes": rule_relative_includes,
}


def compile_command(db, source):
    for entry in db:
        if os.path.realpath(entry["file"]) == source:
            args = entry.get("arguments") or shlex.split(entry["command"])
            return args, entry["directory"]
    return None, None


def probe(args, directory, header, lang):
    """True when `#include "header"` compiles with args."""
    keep = []
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ", "-c"):
            skip = True
            continue
        if a in ("-MD", "-MMD") or a.endswith((".c", ".cpp")):
            continue
        keep.append(a)
    with tempfile.TemporaryDirectory() as tmp:
        # In a directory of its own: only the include roots can resolve it.
        path = os.path.join(tmp, "probe" + (".c" if lang == "c" else ".cpp"))
        with open(path, "w") as f:
            f.write('#include "%s"\n' % header)
        r = subprocess.run([args[0]] + keep + ["-fsyntax-only", path],
                           cwd=directory, capture_output=True, text=True)
    if r.returncode == 0:
        return True, ""
    if "file not found" in r.stderr:
        return False, ""
    return False, r.stderr.strip().splitlines()[0] if r.stderr else "failed"


def check_probes(src, build, probes_file):
    db = json.load(open(os.path.join(build, "compile_commands.json")))
    bad, count = [], 0
    for n, line in lines(probes_file):
        words = line.split("#")[0].split()
        if not words:
            continue
        if len(words) != 3 or words[2] not in ("ok", "missing"):
            sys.exit("check-layering: %s:%d: expected SOURCE HEADER ok|missing"
                     % (probes_file, n))
        source, header, want = words
        args, directory = compile_command(
            db, os.path.realpath(os.path.join(src, source)))
        if not args:
            sys.exit("check-layering: %s:%d: %s is not in %s/compile_commands"
                     ".json" % (probes_file, n, source, build))
        if os.path.basename(args[0]) == "ccache":
            args = args[1:]
        found, other = probe(args, directory, header,
                             "c" if source.endswith(".c") else "c++")
        count += 1
        if other:
            bad.append("%s: #include \"%s\" fails to compile for another "
                       "reason: %s" % (source, header, other))
        elif found and want == "missing":
            bad.append("%s: sees \"%s\", a header of a library it does not "
                       "link" % (source, header))
        elif not found and want == "ok":
            bad.append("%s: does not find \"%s\"" % (source, header))
    return bad, count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=ROOT, help="source tree (default: this one)")
    ap.add_argument("--rules", default=",".join(RULES),
                    help="comma-separated source rules (default: all)")
    ap.add_argument("--build", help="build directory, for --probes")
    ap.add_argument("--probes", help="SOURCE HEADER ok|missing lines")
    opts = ap.parse_args()

    rules = [r for r in opts.rules.split(",") if r]
    for r in rules:
        if r not in RULES:
            sys.exit("check-layering: unknown rule '%s' (known: %s)"
                     % (r, ", ".join(RULES)))
    bad = []
    for r in rules:
        bad += ["%s:%d: %s: %s" % (f, i, r, msg)
                for f, i, msg in RULES[r](opts.src)]
    probes = 0
    if opts.probes:
        if not opts.build:
            sys.exit("check-layering: --probes needs --build")
        more, probes = check_probes(opts.src, opts.build, opts.probes)
        bad += more
    for line in bad:
        print(line)
    if bad:
        return 1
    done = rules + (["%d include probes" % probes] if probes else [])
    print("check-layering: OK: %s" % ", ".join(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
