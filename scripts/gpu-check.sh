#!/bin/sh
# The CUDA targets on a machine with an NVIDIA GPU (docs/cuda.md): kernels
# on the device against numpy, their speed at the TinyLlama-1.1B shapes,
# stories260K built for --target cuda (the forward pass on the GPU) against
# the CPU build, logits against the reference, and decode and prefill
# tokens/s end to end at the TinyLlama-1.1B shape with the fraction of the
# memory bandwidth.
#   scripts/gpu-check.sh [BUILD_DIR] [OUT_FILE] [--layers N]
# Needs the driver, not the CUDA toolkit. The end-to-end part generates and
# compiles a 2.2 GB checkpoint on the CPU first (minutes; --layers 4 makes
# it quick, but its tokens/s are then not TinyLlama's).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=${2:-gpu-check.txt}
[ $# -ge 2 ] && shift 2 || shift $#
exec /usr/bin/python3 "$root/bench/gpu.py" --build "$build" --out "$out" "$@"
