#!/usr/bin/env bash
# A long fuzzing campaign: runs each named fuzzer in turn, one at a time at
# the lowest priority, for SECONDS each, from the seeds make_seeds.py wrote.
# Each fuzzer's corpus grows in WORK/<fuzzer>/corpus (kept between runs so a
# second campaign starts where the first stopped); crashes land in
# WORK/<fuzzer>/ and the full log in WORK/<fuzzer>.log. One summary line per
# fuzzer (executions, exec/s, coverage, crashes) goes to WORK/summary.txt.
#
#   test/fuzz/campaign.sh build WORK SECONDS fuzz_gguf fuzz_spm ...
set -uo pipefail
build=$1 work=$2 seconds=$3
shift 3
mkdir -p "$work"
seeds=$build/test/fuzz/seeds
source "$(dirname "$0")/flags.sh"
[ -d "$seeds" ] || /usr/bin/python3 "$(dirname "$0")/make_seeds.py" "$seeds" >/dev/null
for name in "$@"; do
  bin=$build/test/fuzz/$name
  dir=$work/$name
  mkdir -p "$dir/corpus"
  start=$(date -u +%FT%TZ)
  echo "$start $name: $seconds s" >&2
  # shellcheck disable=SC2046
  nice -n 19 "$bin" -max_total_time="$seconds" $(fuzz_flags "$name") \
    -artifact_prefix="$dir/" "$dir/corpus" "$seeds/$name" >"$dir.log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir.log" | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$dir.log" | grep -o '[0-9]*$')
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$dir.log" | tail -n 1)
  crashes=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
            -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "$start $name seconds=$seconds rc=$rc execs=${execs:-?} exec/s=${rate:-?} ${cov:-cov: ?} corpus=$(ls "$dir/corpus" | wc -l) findings=$crashes commit=$(git -C "$(dirname "$0")" rev-parse --short HEAD)" \
    | tee -a "$work/summary.txt"
done
