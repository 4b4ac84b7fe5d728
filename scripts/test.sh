#!/usr/bin/env bash
# Builds and runs every test: GoogleTest unit tests and the lit suite (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
[[ -f $BUILD_DIR/build.ninja ]] || scripts/setup.sh
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}"
cd "$BUILD_DIR"
ctest --output-on-failure -j "${JOBS:-$(nproc)}"
