#!/usr/bin/env bash
# Fuzzes the parsers that read what a client or another process sends (fuzz/, cargo-fuzz
# and libFuzzer; docs/reliability.md says what each target checks and what was found).
#
#   scripts/fuzz.sh                      every target, 60 s each
#   scripts/fuzz.sh --seconds 300 ipc_codec tcp_framing
#
# Each target runs under nice for the time given, from its seeds (fuzz/corpus/<target>,
# checked in) and what earlier runs added (fuzz/corpus-run/<target>, not checked in).
# Then it prints the executions, libFuzzer's coverage (edges and features of the whole
# binary) and the edges covered in the code under test. A crash stops the script with
# exit 1; its input stays in fuzz/artifacts/<target>/ (replay it by passing that file
# to the target binary; keep it as a regression test in the main crate's unit tests).
# Needs cargo-fuzz: scripts/install-deps.sh --fuzz installs it.
set -euo pipefail
self=$(realpath "$0")
cd "$(dirname "$self")/../fuzz"

TARGETS=(ipc_codec static_path forwarded websocket_frames tcp_framing config_json)
# What each target tests, as a pattern on libFuzzer's "function file:line" coverage lines.
declare -A UNDER_TEST=(
  [ipc_codec]='src/ipc/(codec|wire)\.rs'
  [static_path]='static_files::resolve '
  [forwarded]='src/reactor/forwarded\.rs'
  [websocket_frames]='connection::(config|read_step|failure) '
  [tcp_framing]='src/reactor/sockets/framing\.rs'
  [config_json]='src/config/'
)

seconds=60
chosen=()
while (($#)); do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    -h | --help) sed -n '2,15p' "$self"; exit 0 ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *)
      [[ -n ${UNDER_TEST[$1]:-} ]] || { echo "unknown target $1; targets: ${TARGETS[*]}" >&2; exit 2; }
      chosen+=("$1"); shift ;;
  esac
done
((${#chosen[@]})) || chosen=("${TARGETS[@]}")

command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: run scripts/install-deps.sh --fuzz" >&2; exit 1; }

# cargo-fuzz passes -Zsanitizer=address; RUSTC_BOOTSTRAP lets the stable toolchain take
# it (its x86_64 Linux std ships the ASan runtime), so no nightly toolchain is needed.
# -O: optimised, as the code runs; -a: with debug assertions, so an overflow panics.
export RUSTC_BOOTSTRAP=1
echo "== building the fuzz targets (release, debug assertions, ASan, libFuzzer coverage)"
nice -n 10 cargo fuzz build -O -a
bin=target/x86_64-unknown-linux-gnu/release

failed=()
for t in "${chosen[@]}"; do
  mkdir -p "corpus-run/$t" "artifacts/$t"
  log=$(mktemp)
  echo "== $t: $seconds s"
  dict=()
  [[ -f dict/$t.dict ]] && dict=("-dict=dict/$t.dict")
  if ! nice -n 19 "$bin/$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
    "${dict[@]}" "corpus-run/$t" "corpus/$t" >"$log" 2>&1; then
    grep -E 'panicked at|ERROR: AddressSanitizer|SUMMARY' "$log" | head -5 || true
    grep -E 'Test unit written to' "$log" || true
    echo "$t: CRASH (full log: $log)"
    failed+=("$t")
    continue
  fi
  # libFuzzer's last status line: "#1491902<TAB>DONE   cov: 1251 ft: 1891 corp: 287/17Kb ..."
  stat() { grep -Eo "$1" "$log" | tail -1 | grep -Eo '[0-9]+$' || echo '?'; }
  execs=$(stat 'stat::number_of_executed_units: *[0-9]+')
  cov=$(stat 'DONE +cov: [0-9]+')
  ft=$(stat 'DONE +cov: [0-9]+ ft: [0-9]+')
  corp=$(stat 'DONE +cov: [0-9]+ ft: [0-9]+ corp: [0-9]+')
  # The code under test: run the corpus once more and add up its functions' edges
  # (Debug/Display and drop glue left out: no parser path goes through them).
  under=$(nice -n 19 "$bin/$t" -runs=0 -print_coverage=1 "corpus-run/$t" "corpus/$t" 2>&1 |
    grep -E "^(UN)?COVERED_FUNC.*${UNDER_TEST[$t]}" | grep -Ev '::fmt |drop_in_place' |
    awk '{ split($5, e, "/"); hit += e[1]; all += e[2] } END { if (all) printf "%d/%d edges (%.0f%%)", hit, all, 100 * hit / all; else print "?" }')
  printf '%s: %s executions in %s s, cov %s edges, ft %s, corpus %s; code under test: %s\n' "$t" "$execs" "$seconds" "$cov" "$ft" "$corp" "$under"
  rm -f "$log"
done

if ((${#failed[@]})); then
  echo "fuzz: crashes in ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: no crash"
