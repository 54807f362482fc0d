#!/usr/bin/env bash
# Lineage speed/size benchmark (not a test): lazily computed Llama-3.2-1B and Llama-3.1-8B shapes (no disk),
# then, if a directory is given, a real BF16 file of 1B shapes written there (2.5 GB) sketched and checked
# through the safetensors reader. Prints wall and CPU seconds per phase and peak RSS per process.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -c Release bench/LineageBench >/dev/null
bench=bench/LineageBench/bin/Release/net10.0/linux-x64/LineageBench.dll
peak() { /usr/bin/time -v "$@" 2> >(grep -E "Maximum resident" >&2); }
for shapes in 1b 8b; do peak dotnet "$bench" synthetic "$shapes"; done
if [ $# -ge 1 ]; then
  dir="$1"
  [ -f "$dir/model.safetensors" ] || dotnet "$bench" generate "$dir" 1b
  peak dotnet "$bench" sketch "$dir" "$dir/base.sketch"
  peak dotnet "$bench" check "$dir/base.sketch" "$dir"
fi
