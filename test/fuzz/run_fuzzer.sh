#!/usr/bin/env bash
# Runs one libFuzzer target for a few seconds from its seeds, in a scratch
# corpus so the seeds stay as generated. Every seed runs first, so the
# committed regression inputs are replayed each time. A crash or sanitizer
# report fails.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=${3:-5}
source "$(dirname "$0")/flags.sh"
work=$(mktemp -d)
# Crash inputs outlive the scratch corpus, beside the fuzzer, so that a
# rare failure (in CI too) can be replayed.
artifacts="$(dirname "$fuzzer")/artifacts/$(basename "$fuzzer")"
mkdir -p "$artifacts"
log="$work.log"
started="$work.started"
trap 'rm -rf "$work" "$log" "$started"' EXIT
touch "$started"
status=0
# shellcheck disable=SC2046
"$fuzzer" -max_total_time="$seconds" $(fuzz_flags "$(basename "$fuzzer")") \
  -artifact_prefix="$artifacts/" "$work" "$seeds" >"$log" 2>&1 || status=$?
# A report's first lines (what failed, where, on which thread) are what a
# CI log must keep; the last ones have the statistics and the input's name.
if [ "$status" -ne 0 ] && grep -q "ERROR:" "$log"; then
  grep -m1 -A40 "ERROR:" "$log"
  echo "..."
fi
tail -n 20 "$log"
# CI keeps its log, not its files: the failing input itself, when small.
if [ "$status" -ne 0 ]; then
  # Only an input this run wrote: the directory keeps older ones.
  find "$artifacts" -type f -newer "$started" -size -16385c |
    while read -r input; do
      echo "$(basename "$input") (base64): $(base64 -w0 "$input")"
    done
fi
exit "$status"
