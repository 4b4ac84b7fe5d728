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

# Tests that need ../shared mark themselves `REQUIRES: shared`; without it
# lit reports them UNSUPPORTED (a skip), never a failure.
if os.path.isfile(os.path.join(config.dsc_shared_dir, "models", "README.md")):
    config.available_features.add("shared")
else:
    lit_config.note("../shared not found at %s: tests that need the shared "
                    "model files are skipped" % config.dsc_shared_dir)
if config.host_avx2:
    config.available_features.add("host-avx2")
