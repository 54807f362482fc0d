#!/usr/bin/env bash
# Many-bases screening benchmark (not a test): the lineage part of `check` for a lazily generated Llama-3.2-1B-shaped
# candidate against 1 base and against 40 catalogue-shaped bases, with and without the screen (median of RUNS runs,
# default 3), and peak RSS. Usage: bench/screening.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -c Release bench/LineageBench >/dev/null
/usr/bin/time -v dotnet bench/LineageBench/bin/Release/net10.0/linux-x64/LineageBench.dll screen "${1:-3}" 2> >(grep -E "Maximum resident|Elapsed" >&2)
