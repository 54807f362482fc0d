#!/usr/bin/env bash
# Calibration of the lineage null on unrelated pairs, and power on fine-tunes (not a test): prints the tables
# docs/lineage-calibration.md quotes. Usage (see bench/LineageCalibration/Program.cs):
#   bench/lineage-calibration.sh factory 300
#   bench/lineage-calibration.sh widths 300 128 256 512 1024 2048 4096
#   bench/lineage-calibration.sh widths 20 8192
#   bench/lineage-calibration.sh real 5
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -c Release bench/LineageCalibration -v quiet -nologo >/dev/null
dotnet bench/LineageCalibration/bin/Release/net10.0/linux-x64/LineageCalibration.dll "$@"
