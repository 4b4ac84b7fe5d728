#!/bin/sh
# The CUDA targets on a machine with an NVIDIA GPU (docs/cuda.md): kernels
# on the device against numpy, their speed at the TinyLlama-1.1B shapes,
# and stories260K built for --target cuda against the CPU build.
#   scripts/gpu-check.sh [BUILD_DIR] [OUT_FILE]
# Runs in a few minutes (well under 8 on one GPU); needs the driver, not
# the CUDA toolkit.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
exec /usr/bin/python3 "$root/bench/gpu.py" --build "${1:-$root/build}" \
  --out "${2:-gpu-check.txt}"
