#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/model, fuzz/mt5, fuzz/data) and fuzzes each for N seconds.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default 60 s each, every target
#
# Engine: g++ with -fsanitize-coverage=trace-pc,trace-cmp feeding the libFuzzer runtime of
# Debian's libclang-rt-14-dev, under ASan + UBSan (fuzz/model/CMakeLists.txt). Clang cannot
# compile the C++23 sources, and afl++'s GCC plugin (afl-g++-fast) refuses Debian's g++ 12 build
# (it checks the exact compiler build it was made with), so libFuzzer it is. Without the
# runtime, the targets build replay-only and this script just replays the seeds.
#
# Corpora grow under build/fuzz/corpus/<target> (seeded from the repository's seeds); crashes are
# written to build/fuzz/crashes/<target>-*; the script fails when a target crashed.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
build=build/fuzz
jobs="${AIT_JOBS:-2}"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIT_BUILD_FUZZ=ON \
  -DAIT_BUILD_TESTS=OFF >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
mode=$(grep -o 'model fuzz targets: .*' "$build.configure.log" | head -1 | cut -d' ' -f4)
echo "fuzz: engine ${mode:-unknown}"

declare -A seeds=(
  [model_decode_fuzz]="$build/fuzz/model/seeds/decode"
  [model_json_fuzz]="$build/fuzz/model/seeds/json"
  [model_parse_fuzz]="$build/fuzz/model/seeds/parse"
  [mt5_line_fuzz]="fuzz/mt5/seeds"
  [data_file_fuzz]="fuzz/data/seeds"
)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(model_decode_fuzz model_json_fuzz model_parse_fuzz mt5_line_fuzz data_file_fuzz)
fi

nice ninja -C "$build" -j"$jobs" model_fuzz_seeds "${targets[@]}"
"$build/fuzz/model/model_fuzz_seeds" "$build/fuzz/model/seeds" >/dev/null

mkdir -p "$build/crashes"
failed=()
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  cp -n "${seeds[$target]}"/* "$corpus"/ 2>/dev/null || true
  binary=$(find "$build/fuzz" -type f -name "$target" | head -1)
  echo "fuzz: $target for ${seconds}s"
  if [ "$mode" = "replay" ]; then
    "$binary" "$corpus" || failed+=("$target")
    continue
  fi
  if ! "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$build/crashes/$target-" "$corpus" >"$build/$target.log" 2>&1; then
    failed+=("$target")
    tail -40 "$build/$target.log"
  fi
  grep -E '^stat::number_of_executed_units|^stat::new_units_added|^#[0-9]+ *DONE' \
    "$build/$target.log" | tr '\n' ' ' || true
  echo
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]} (reproducers in $build/crashes)"
  exit 1
fi
echo "fuzz: no crash in ${targets[*]}"
