#!/usr/bin/env bash
# Dequantize-and-fingerprint benchmark (issue 8): `tensorguard fingerprint` (both methods, as it runs by default)
# of a Q4_K GGUF with Llama-3.2-1B shapes against the same weights as the BF16 safetensors file of
# bench/read-throughput.sh, from a warm page cache. Prints per-run wall seconds and peak RSS (/usr/bin/time -v)
# and the medians of RUNS runs (default 3) per format.
# Usage: bench/gguf-fingerprint.sh [FILE.safetensors]   (generated on first use, 2.5 GB; the GGUF, about 0.7 GB,
# is converted from it once and kept beside it as FILE-q4k.gguf)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
safetensors="${1:-/tmp/tensorguard-bench/llama-3.2-1b-shapes-bf16.safetensors}"
gguf="${safetensors%.safetensors}-q4k.gguf"
runs="${RUNS:-3}"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT

dotnet build -c Release src/TensorGuard.Cli -o "$bin/cli" -v quiet -nologo >/dev/null
mkdir -p "$(dirname "$safetensors")"
if [ ! -f "$safetensors" ]; then
  dotnet build -c Release bench/ReadThroughput -o "$bin/read" -v quiet -nologo >/dev/null
  dotnet "$bin/read/ReadThroughput.dll" generate "$safetensors"
fi
if [ ! -f "$gguf" ]; then
  dotnet build -c Release bench/GgufBench -o "$bin/gguf" -v quiet -nologo >/dev/null
  /usr/bin/time -f 'converted in %e s, peak RSS %M KB' dotnet "$bin/gguf/GgufBench.dll" convert "$safetensors" "$gguf.partial" 32 8
  mv "$gguf.partial" "$gguf"
fi

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for file in "$gguf" "$safetensors"; do
  cat "$file" > /dev/null   # warm the page cache
  walls=(); rss=()
  for ((i = 1; i <= runs; i++)); do
    log="$bin/time.log"
    /usr/bin/time -v -o "$log" dotnet "$bin/cli/tensorguard.dll" fingerprint "$file" --out "$bin/fingerprint.json" 2>/dev/null
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + t[k]; print s}' "$log")")
    rss+=("$(awk -F': ' '/Maximum resident/ {print $2}' "$log")")
    printf '%s run %d: %.2f s, peak RSS %d MB\n' "$(basename "$file")" "$i" "${walls[-1]}" "$((${rss[-1]} / 1024))"
  done
  printf '%s (%.2f GB): median %.2f s, median peak RSS %d MB\n' "$(basename "$file")" "$(echo "$(stat -c %s "$file") / 1000000000" | bc -l)" \
    "$(printf '%s\n' "${walls[@]}" | median)" "$(($(printf '%s\n' "${rss[@]}" | median | cut -d. -f1) / 1024))"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
