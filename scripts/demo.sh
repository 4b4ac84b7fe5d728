#!/usr/bin/env bash
# The main job on a default model: compiles a model for this machine and
# generates text with it. With no argument dsc compiles a small synthetic
# checkpoint it writes itself (random weights: the text is gibberish); give
# a checkpoint (e.g. ../shared/models/stories260K/hf) for real text.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
DSC="$BUILD_DIR/bin/dsc"
OUT=${OUT:-$BUILD_DIR/demo}
mkdir -p "$OUT"
if [[ $# -gt 0 ]]; then
  "$DSC" compile "$1" -o "$OUT/model"
elif [[ -f ../shared/models/stories260K/stories260K.gguf ]]; then
  "$DSC" compile ../shared/models/stories260K/stories260K.gguf -o "$OUT/model"
else
  "$DSC" compile -o "$OUT/model"
fi
"$OUT/model" -p "Once upon a time" -n 128 --temp 0
