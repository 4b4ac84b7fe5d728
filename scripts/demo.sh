#!/usr/bin/env bash
# The main job on a default example: runs the dsc pipeline's graph passes on a
# small Llama layer and prints the result.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
"$BUILD_DIR/bin/dsc" version
"$BUILD_DIR/bin/dsc-opt" --dsc-graph-fuse-swiglu test/lit/dialects/Dsc/Transforms/graph-fuse-swiglu.mlir --split-input-file
