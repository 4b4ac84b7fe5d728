# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "dsc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py", "gen"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dsc_obj_root, "test", "lit")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tools = [
    ToolSubst("dsc-opt", unresolved="fatal"),
    ToolSubst("dsc", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, [config.dsc_tools_dir])
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%gen", os.path.join(config.dsc_src_root, "test", "gen")))
config.substitutions.append(("%shared", config.dsc_shared_dir))
config.substitutions.append(("%src", config.dsc_src_root))
config.substitutions.append(("%obj", config.dsc_obj_root))

# Tests that need ../shared mark themselves `REQUIRES: shared`; without it
# lit reports them UNSUPPORTED (a skip), never a failure.
if os.path.isfile(os.path.join(config.dsc_shared_dir, "models", "README.md")):
    config.available_features.add("shared")
else:
    lit_config.note("../shared not found at %s: tests that need the shared "
                    "model files are skipped" % config.dsc_shared_dir)
import platform
import shutil
if platform.machine() == "x86_64":
    config.available_features.add("host-x86_64")
try:
    flags = open("/proc/cpuinfo").read()
except OSError:
    flags = ""
if all(" %s" % f in flags for f in ["avx2", "fma", "f16c"]):
    config.available_features.add("host-avx2")
if all(" %s" % f in flags for f in ["avx2", "fma", "f16c", "avx_vnni"]):
    config.available_features.add("host-avxvnni")
if all(" %s" % f in flags for f in ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16"]):
    config.available_features.add("host-avx512")
# dsc itself built with ASan (scripts/sanitize.sh): its shadow memory needs
# terabytes of address space, so tests that cap it cannot run.
if "address" in config.dsc_sanitize:
    config.available_features.add("asan")
# dsc compile --sanitize (targets/CMakeLists.txt, DSC_SANITIZE_RUNTIME).
if config.dsc_sanitize_runtime.upper() in ("ON", "TRUE", "1", "YES"):
    config.available_features.add("sanitize-runtime")
if shutil.which("dpkg-query") and shutil.which("apt-cache"):
    config.available_features.add("debian")
# The chat tests render the real templates with Jinja (python3-jinja2).
import subprocess
if subprocess.run([config.python_executable, "-c", "import jinja2"],
                  capture_output=True).returncode == 0:
    config.available_features.add("jinja2")
else:
    lit_config.note("%s has no jinja2 (Debian package python3-jinja2): the "
                    "chat template tests are skipped" % config.python_executable)
# util-linux's script(1) runs a command on a pseudo-terminal (progress tests).
if shutil.which("script"):
    config.available_features.add("pty")
if shutil.which("aarch64-linux-gnu-gcc"):
    config.available_features.add("aarch64-gcc")
if shutil.which("qemu-aarch64"):
    config.available_features.add("qemu-aarch64")
if shutil.which("qemu-arm"):
    config.available_features.add("qemu-arm")
# Tests of what happens without the NVIDIA driver run where it is absent.
import ctypes
try:
    ctypes.CDLL("libcuda.so.1")
except OSError:
    config.available_features.add("no-libcuda")
