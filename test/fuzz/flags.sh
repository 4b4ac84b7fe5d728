# Sourced by run_fuzzer.sh and campaign.sh: the libFuzzer flags every run
# uses, and those of particular fuzzers.
#   -close_fd_mask=3: the targets' own stdout/stderr (the executable prints
#     its errors and text) is dropped; libFuzzer's reports are kept.
#   -rss_limit_mb/-malloc_limit_mb: a header that makes a reader allocate
#     more than 2 GiB at once is a finding (see docs/reliability.md).
fuzz_flags() {
  local flags="-timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1"
  case "$1" in
  # dsc_main is a process entry point: it leaves its allocations to exit.
  fuzz_exe_args | fuzz_payload) flags="$flags -detect_leaks=0" ;;
  esac
  echo "$flags"
}
