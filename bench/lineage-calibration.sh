#!/usr/bin/env bash
# Calibration of the lineage null on unrelated pairs (not a test): prints the table docs/lineage-calibration.md quotes.
# Usage: bench/lineage-calibration.sh [PAIRS-PER-GROUP] (default 200).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -c Release bench/LineageCalibration -v quiet -nologo >/dev/null
dotnet bench/LineageCalibration/bin/Release/net10.0/linux-x64/LineageCalibration.dll "$@"
