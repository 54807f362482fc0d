#!/usr/bin/env bash
# Hub range-reading benchmark (not a test): bytes, requests, loopback time and the client's peak RSS when opening
# (inspect) and sketching Llama-3.2-1B- and Llama-3.1-8B-shaped BF16 bases served by the Hub stand-in in another process,
# as safetensors and as PyTorch zip checkpoints (pytorch_model.bin).
# Usage: bench/hub.sh [RUNS] [FORMATS] (default 3 runs per shape, formats "safetensors pytorch").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -c Release bench/HubBench >/dev/null
bench=bench/HubBench/bin/Release/net10.0/linux-x64/HubBench.dll
for format in ${2:-safetensors pytorch}; do
  for shapes in 1b 8b; do
    coproc server { dotnet "$bench" serve "$shapes" "$format"; }
    read -r endpoint <&"${server[0]}"
    for _ in $(seq "${1:-3}"); do
      echo "$shapes $format:"
      /usr/bin/time -v dotnet "$bench" sketch "$endpoint" 2> >(grep -E "Maximum resident|User time|System time" >&2)
    done
    exec {server[1]}>&-
    wait "$server_PID"
  done
done
