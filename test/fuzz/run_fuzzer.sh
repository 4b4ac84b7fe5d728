#!/usr/bin/env bash
# Runs one libFuzzer target for a few seconds from its seeds, in a scratch
# corpus so the seeds stay as generated. Every seed runs first, so the
# committed regression inputs are replayed each time. A crash or sanitizer
# report fails.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=${3:-5}
source "$(dirname "$0")/flags.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Crash inputs outlive the scratch corpus, beside the fuzzer, so that a
# rare failure (in CI too) can be replayed.
artifacts="$(dirname "$fuzzer")/artifacts/$(basename "$fuzzer")"
mkdir -p "$artifacts"
# shellcheck disable=SC2046
"$fuzzer" -max_total_time="$seconds" $(fuzz_flags "$(basename "$fuzzer")") \
  -artifact_prefix="$artifacts/" "$work" "$seeds" 2>&1 | tail -n 20
