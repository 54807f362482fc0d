#!/usr/bin/env bash
# Read throughput of the safetensors reader (issue 2 benchmark): converts every tensor of a 2.5 GB BF16
# file with Llama-3.2-1B shapes to float32 row blocks through ITensorSource, from a warm page cache, and
# compares with `cat FILE > /dev/null`. Prints per-run figures and the medians of RUNS runs (default 5):
# seconds, GB/s, ratio to cat, and peak RSS (/usr/bin/time -v).
# Usage: bench/read-throughput.sh [FILE]   (generated on first use; about 2.5 GB under /tmp)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
file="${1:-/tmp/tensorguard-bench/llama-3.2-1b-shapes-bf16.safetensors}"
runs="${RUNS:-5}"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT

dotnet build -c Release bench/ReadThroughput -o "$bin" -v quiet -nologo >/dev/null
mkdir -p "$(dirname "$file")"
[ -f "$file" ] || dotnet "$bin/ReadThroughput.dll" generate "$file"
cat "$file" > /dev/null   # warm the page cache

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
cats=(); reads=(); rss=()
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s.%N); cat "$file" > /dev/null; end=$(date +%s.%N)
  cats+=("$(echo "$end - $start" | bc -l)")
  log="$bin/time.log"
  line=$(/usr/bin/time -v -o "$log" dotnet "$bin/ReadThroughput.dll" read "$file")
  reads+=("$(echo "$line" | cut -d' ' -f1)")
  rss+=("$(awk -F': ' '/Maximum resident/ {print $2}' "$log")")
  printf 'run %d: cat %.3f s, read %.3f s, peak RSS %d MB\n' "$i" "${cats[-1]}" "${reads[-1]}" "$((${rss[-1]} / 1024))"
done

bytes=$(stat -c %s "$file")
cat_s=$(printf '%s\n' "${cats[@]}" | median)
read_s=$(printf '%s\n' "${reads[@]}" | median)
rss_kb=$(printf '%s\n' "${rss[@]}" | median)
printf 'file: %s (%.2f GB)\n' "$file" "$(echo "$bytes / 1000000000" | bc -l)"
printf 'median cat:  %.3f s (%.2f GB/s)\n' "$cat_s" "$(echo "$bytes / $cat_s / 1000000000" | bc -l)"
printf 'median read: %.3f s (%.2f GB/s), %.2f x cat\n' "$read_s" "$(echo "$bytes / $read_s / 1000000000" | bc -l)" "$(echo "$read_s / $cat_s" | bc -l)"
printf 'median peak RSS: %d MB\n' "$((${rss_kb%.*} / 1024))"
