#!/usr/bin/env bash
# Configures a build directory the way every dsc build is configured
# (clang-22, lld, ccache, Ninja, LLVM/MLIR 22), once: a directory that has
# its build.ninja already is left alone. Extra arguments go to cmake.
#
#   scripts/configure.sh BUILD_DIR [-DOPTION=VALUE ...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
if [[ ! -f $dir/build.ninja ]]; then
  cmake -G Ninja -S . -B "$dir" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    "$@"
fi
