#!/usr/bin/env bash
# Hub range-reading benchmark (not a test): bytes, requests, loopback time and the client's peak RSS when opening
# (inspect) and sketching Llama-3.2-1B- and Llama-3.1-8B-shaped BF16 bases served by the Hub stand-in in another process.
# Usage: bench/hub.sh [RUNS] (default 3 runs per shape).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -c Release bench/HubBench >/dev/null
bench=bench/HubBench/bin/Release/net10.0/linux-x64/HubBench.dll
for shapes in 1b 8b; do
  coproc server { dotnet "$bench" serve "$shapes"; }
  read -r endpoint <&"${server[0]}"
  for _ in $(seq "${1:-3}"); do
    echo "$shapes:"
    /usr/bin/time -v dotnet "$bench" sketch "$endpoint" 2> >(grep -E "Maximum resident" >&2)
  done
  exec {server[1]}>&-
  wait "$server_PID"
done
