#!/usr/bin/env bash
# Runs one libFuzzer target for a few seconds from its seeds, in a scratch
# corpus so the seeds stay as generated. A crash or sanitizer report fails.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=${3:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work" "$seeds" 2>&1 | tail -n 20
