#!/usr/bin/python3
"""Checks that scripts/setup.sh's package list covers what the build used.

A CI machine may already carry packages that a fresh Debian 12 machine lacks
(that is how libclang-rt-22-dev went missing once). This reads the files the
build actually used -- headers from ninja's dependency log, the libraries and
tools named in build.ninja, the sanitizer and fuzzer runtimes -- finds the
Debian package owning each, and fails naming every package that is neither
in the list nor pulled in by it.

usage: check-packages.py BUILD_DIR [--setup SETUP_SH]
"""
import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def setup_packages(path):
    text = open(path).read()
    m = re.search(r"^PACKAGES=\((.*?)\)", text, re.S | re.M)
    if not m:
        sys.exit("check-packages: scripts/setup.sh: no PACKAGES=( ... ) list")
    return m.group(1).split()


def used_files(build):
    files = set()
    deps = subprocess.run(["ninja", "-C", build, "-t", "deps"],
                          capture_output=True, text=True, check=True).stdout
    for line in deps.splitlines():
        p = line.strip()
        if p.startswith("/usr/"):
            files.add(p)
    ninja = open(os.path.join(build, "build.ninja")).read()
    # Every system file build.ninja names: libraries and tools on link and
    # custom-command lines, inputs of generated sources (onnx.proto).
    # CMake package files count too: configure read them (GTest's config
    # pulls in GMock's targets, from libgmock-dev).
    for p in re.findall(r"(/usr/[^\s:;\"'$]+)", ninja):
        if os.path.isfile(p):
            files.add(os.path.realpath(p) if p.endswith(".so") else p)
    cache = open(os.path.join(build, "CMakeCache.txt")).read()
    # The tools that configure, build and test: CMake, Ninja, the compiler
    # launcher (ccache), the compilers, and what the tests run (lit, the
    # Python with numpy, qemu-aarch64 where the tests find it).
    for key, value in re.findall(r"^([A-Za-z_]+):[A-Z]+=(.*)$", cache, re.M):
        if not (key in ("CMAKE_COMMAND", "CMAKE_MAKE_PROGRAM",
                        "CMAKE_C_COMPILER", "CMAKE_CXX_COMPILER",
                        "Protobuf_PROTOC_EXECUTABLE")
                or key.endswith("_LAUNCHER") or key.startswith("DSC_")):
            continue
        path = value if os.path.isabs(value) else shutil.which(value or "-")
        if path and os.path.isfile(path) and path.startswith("/usr/"):
            files.add(path)
    python = re.search(r"^DSC_PYTHON:[A-Z]+=(.*)$", cache, re.M)
    if python:
        out = subprocess.run([python.group(1), "-c",
                              "import numpy; print(numpy.__file__)"],
                             capture_output=True, text=True).stdout.strip()
        files.add(out if out.startswith("/usr/") else "missing:numpy")
        # The chat tests render templates with jinja2 where it is installed.
        out = subprocess.run([python.group(1), "-c",
                              "import jinja2; print(jinja2.__file__)"],
                             capture_output=True, text=True).stdout.strip()
        if out.startswith("/usr/"):
            files.add(out)
    qemu = shutil.which("qemu-aarch64")
    if qemu:
        files.add(os.path.realpath(qemu))
    # Compiler runtimes the sanitizer and fuzzer links pull in implicitly.
    if "-fsanitize=" in ninja:
        clang = re.search(r"^CMAKE_C_COMPILER:[A-Z]+=(.*)$", cache, re.M)
        clang = clang.group(1) if clang else "clang-22"
        names = ["libclang_rt.ubsan_standalone.a"]
        if "fuzzer" in ninja:
            names.append("libclang_rt.fuzzer.a")
        if "address" in ninja:
            names.append("libclang_rt.asan.a")
        res = subprocess.run([clang, "-print-resource-dir"], capture_output=True,
                             text=True).stdout.strip()
        for n in names:
            # Per-triple layout (lib/<triple>/x.a) or the older one
            # (lib/linux/x-<arch>.a); clang-22 on Debian 12 uses the latter.
            found = sorted(glob.glob(os.path.join(res, "lib", "*", n)) +
                           glob.glob(os.path.join(
                               res, "lib", "linux", n[:-2] + "-x86_64.a")))
            files.add(found[0] if found else "missing:" + n)
    return files


def owners(files):
    missing = sorted(f[len("missing:"):] for f in files if f.startswith("missing:"))
    paths = sorted(f for f in files if not f.startswith("missing:"))
    result = {}
    for i in range(0, len(paths), 500):
        chunk = paths[i:i + 500]
        out = subprocess.run(["dpkg", "-S"] + chunk, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            pkgs, _, path = line.partition(": ")
            for pkg in pkgs.split(", "):
                result.setdefault(pkg.split(":")[0], path)
        # dpkg -S knows /usr/lib/x/... but not always the resolved symlink;
        # files it does not own (generated, /usr/local) are not packages.
    return result, missing


def closure(packages):
    out = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--installed", "--no-recommends",
         "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces",
         "--no-enhances"] + packages,
        capture_output=True, text=True).stdout
    names = set(packages)
    for line in out.splitlines():
        line = line.strip().lstrip("|")
        if line.startswith("Depends:") or line.startswith("PreDepends:"):
            line = line.split(":", 1)[1].strip()
        name = line.strip("<>").split(":")[0]
        if name and " " not in name:
            names.add(name)
    # Essential and required packages are on every Debian machine.
    base = subprocess.run(["dpkg-query", "-W", "-f",
                           "${Package} ${Essential} ${Priority}\n"],
                          capture_output=True, text=True).stdout
    for line in base.splitlines():
        pkg, essential, priority = (line.split() + ["", ""])[:3]
        if essential == "yes" or priority == "required":
            names.add(pkg)
    return names


def main():
    args = sys.argv[1:]
    setup = os.path.join(ROOT, "scripts", "setup.sh")
    if len(args) == 3 and args[1] == "--setup":
        setup = args[2]
    elif len(args) != 1:
        sys.exit(__doc__)
    build = args[0]
    listed = setup_packages(setup)
    owned, missing = owners(used_files(build))
    have = closure(listed)
    extra = sorted(p for p in owned if p not in have)
    for n in missing:
        hint = ("python3-numpy" if n == "numpy" else
                "for clang-22's runtimes: libclang-rt-22-dev")
        print(f"check-packages: the build needs {n}, which no installed "
              f"package provides ({hint})")
    for p in extra:
        print(f"check-packages: the build used {owned[p]} from package {p}, "
              f"which scripts/setup.sh does not install (add it to PACKAGES)")
    if missing or extra:
        return 1
    print(f"check-packages: the {len(owned)} packages the build used are all "
          f"installed by scripts/setup.sh's list of {len(listed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
