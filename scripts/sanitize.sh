#!/usr/bin/env bash
# Builds dsc and dsc-opt with AddressSanitizer (leak checking included) and
# UBSan in build-sanitize/ (or $SANITIZE_BUILD_DIR) and runs the lit suite
# with them: every importer, pass, codegen and linking path the tests take,
# checked by the sanitizers. See docs/reliability.md.
#
# The unit tests and fuzzers are not built here (the fuzzers run with ASan
# and UBSan in every build). Debian's LLVM and MLIR libraries are not
# instrumented: ASan's user poisoning is off, since LLVM's allocator headers,
# instrumented in dsc's copies of their inline functions, poison memory that
# the libraries' own copies hand out without unpoisoning (use-after-poison
# reports in MLIR's context setup otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${SANITIZE_BUILD_DIR:-build-sanitize}
JOBS=${JOBS:-$(nproc)}

scripts/configure.sh "$BUILD_DIR" -DDSC_SANITIZE=address,undefined \
  -DDSC_ENABLE_FUZZERS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target dsc dsc-opt

export ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_poisoning=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
/usr/lib/llvm-22/bin/lit -s -j "$JOBS" "$BUILD_DIR/test/lit" \
  --filter "${SANITIZE_FILTER:-.}"
