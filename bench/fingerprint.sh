#!/usr/bin/env bash
# Benchmark of `tensorguard fingerprint` (issue 3; not a test) on random-weight BF16 models of real shapes,
# page cache warm. Usage: bench/fingerprint.sh [SHAPES...]   shapes: 1b (Llama-3.2-1B, 2.47 GB; default),
# 8b (Llama-3.1-8B, 16.1 GB). Env: BENCH_DIR (models and outputs; default /tmp/tensorguard-bench), RUNS
# (default 5), METHOD (gradient, lineage or all; default gradient, the paper's method).
# Prints per run and as medians: wall time, CPU time (user + sys), peak RSS, and the tool's own account of
# the weights it read and the bytes it hashed (SHA-256 of every file).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_dir="${BENCH_DIR:-/tmp/tensorguard-bench}"
runs="${RUNS:-5}"
method="${METHOD:-gradient}"
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(1b)

dotnet build -c Release src/TensorGuard.Cli -v quiet -nologo >/dev/null
dotnet build -c Release bench/LineageBench -v quiet -nologo >/dev/null
tensorguard=src/TensorGuard.Cli/bin/Release/net10.0/linux-x64/tensorguard
generator=bench/LineageBench/bin/Release/net10.0/linux-x64/LineageBench.dll

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for shape in "${shapes[@]}"; do
  model="$bench_dir/$shape"
  [ -f "$model/model.safetensors" ] || dotnet "$generator" generate "$model" "$shape"
  cat "$model"/*.safetensors > /dev/null   # warm the page cache
  echo "== $shape, method $method: $(du -b "$model/model.safetensors" | cut -f1) bytes, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  : > "$bench_dir/$shape.runs"
  for run in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$bench_dir/$shape.time" \
      "$tensorguard" fingerprint "$model" --method "$method" --out "$bench_dir/$shape.json" 2> "$bench_dir/$shape.log"
    read -r wall user sys rss < "$bench_dir/$shape.time"
    cpu=$(awk "BEGIN { print $user + $sys }")
    echo "$wall $cpu $rss" >> "$bench_dir/$shape.runs"
    echo "run $run: $wall s wall, $cpu s CPU, $((rss / 1024)) MiB peak RSS"
  done
  grep '^fingerprinted' "$bench_dir/$shape.log"
  echo "median: $(cut -d' ' -f1 "$bench_dir/$shape.runs" | median) s wall, $(cut -d' ' -f2 "$bench_dir/$shape.runs" | median) s CPU, max peak RSS $(( $(cut -d' ' -f3 "$bench_dir/$shape.runs" | sort -g | tail -1) / 1024 )) MiB"
done
