#!/usr/bin/env bash
# Lineage speed/size benchmark (not a test): lazily computed Llama-3.2-1B and Llama-3.1-8B shapes (no disk),
# then, if a directory is given, a real BF16 file of 1B (2.5 GB; default) or 8B (16 GB) shapes written there
# (once) sketched and checked through the safetensors reader. Usage: bench/lineage.sh [DIR [1b|8b]].
# Prints wall and CPU seconds per phase and peak RSS per process. bench/fingerprint.sh uses the same files
# (DIR = $BENCH_DIR/SHAPE).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -c Release bench/LineageBench >/dev/null
bench=bench/LineageBench/bin/Release/net10.0/linux-x64/LineageBench.dll
peak() { /usr/bin/time -v "$@" 2> >(grep -E "Maximum resident" >&2); }
for shapes in 1b 8b; do peak dotnet "$bench" synthetic "$shapes"; done
if [ $# -ge 1 ]; then
  dir="$1"
  [ -f "$dir/model.safetensors" ] || dotnet "$bench" generate "$dir" "${2:-1b}"
  cat "$dir/model.safetensors" > /dev/null   # warm the page cache
  peak dotnet "$bench" sketch "$dir" "$dir/base.sketch"
  peak dotnet "$bench" check "$dir/base.sketch" "$dir"
fi
