#!/usr/bin/env bash
# Benchmark of `tensorguard fingerprint` (issue 3; not a test) on random-weight BF16 models of real shapes,
# page cache warm. Usage: bench/fingerprint.sh [SHAPES...]   shapes: 1b (Llama-3.2-1B, 2.47 GB; default),
# 8b (Llama-3.1-8B, 16.1 GB, one file), 8b-sharded (the same weights in shards of at most 5 GB with an index,
# as save_pretrained writes them and as Llama-3.1-8B is published). Also prints the floor: SHA-256 of the same
# files with every file on its own core (coreutils sha256sum and OpenSSL, which has the SHA extensions .NET uses). Env: BENCH_DIR (models and outputs; default /tmp/tensorguard-bench), RUNS
# (default 5), METHOD (gradient, lineage, all or base; default gradient, the paper's method; base adds every
# tensor's identity hash, as `policy add-base` records for a base: compare it with gradient for the cost of identity hashing).
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
  case "$shape" in
    *-sharded) generate=("${shape%-sharded}" 5) ;;
    *) generate=("$shape") ;;
  esac
  ls "$model"/*.safetensors > /dev/null 2>&1 || dotnet "$generator" generate "$model" "${generate[@]}"
  cat "$model"/*.safetensors > /dev/null   # warm the page cache
  echo "== $shape, method $method: $(cat "$model"/*.safetensors | wc -c) bytes in $(ls "$model"/*.safetensors | wc -l) file(s), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  for tool in "sha256sum" "openssl dgst -sha256"; do
    /usr/bin/time -f "%e %U %S" -o "$bench_dir/$shape.floor" bash -c "ls '$model'/*.safetensors | xargs -P $(nproc) -n 1 $tool > /dev/null"
    read -r wall user sys < "$bench_dir/$shape.floor"
    echo "floor ($tool, files in parallel): $wall s wall, $(awk "BEGIN { print $user + $sys }") s CPU"
  done
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
