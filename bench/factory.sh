#!/usr/bin/env bash
# Factory timings (medians, see bench/FactoryBench) and the demo command's wall time and peak RSS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet run -c Release --project bench/FactoryBench -- "${1:-9}"
dotnet build -c Release src/TensorGuard.Cli -v quiet -nologo >/dev/null
out="$(mktemp -d)"
/usr/bin/time -v src/TensorGuard.Cli/bin/Release/net10.0/linux-x64/tensorguard demo --out "$out" 2>&1 >/dev/null \
  | grep -E "Elapsed \(wall|Maximum resident"
rm -rf "$out"
