#!/usr/bin/env bash
# Catalogue build cost (not a test): the Hub stand-in serves every base of policies/catalogue.yml as one lazily
# generated BF16 safetensors file of that base's shapes, and the real `tensorguard catalogue build --only ID` runs
# against it (HF_ENDPOINT) for each base, one process per base as the workflow's matrix does. Per base: body bytes and
# requests the stand-in counted, the build's CPU time, wall time over loopback and peak RSS (/usr/bin/time -v).
# Usage: bench/catalogue-cost.sh [ID...] (default: every catalogue id). Output: one tab-separated line per base.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -c Release bench/HubBench >/dev/null
dotnet build -c Release src/TensorGuard.Cli >/dev/null
bench=bench/HubBench/bin/Release/net10.0/linux-x64/HubBench.dll
cli=src/TensorGuard.Cli/bin/Release/net10.0/linux-x64/tensorguard.dll
ids=("$@")
if [ ${#ids[@]} -eq 0 ]; then
  mapfile -t ids < <(sed -n 's/^  - id: //p' policies/catalogue.yml)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
coproc server { dotnet "$bench" serve-catalogue policies/catalogue.yml 2>"$work/sizes"; }
read -r endpoint <&"${server[0]}"
printf 'id\tfile GB\tbytes fetched MB\trequests\tCPU s\twall s\tpeak RSS MiB\n'
for id in "${ids[@]}"; do
  curl -s -X POST "${endpoint}_stats" >/dev/null
  HF_ENDPOINT="$endpoint" HF_TOKEN="" TENSORGUARD_CACHE_DIR="$work/cache" /usr/bin/time -v -o "$work/time" \
    dotnet "$cli" catalogue build --catalogue policies/catalogue.yml --out "$work/out" --only "$id" >/dev/null 2>"$work/err" \
    || { echo "$id: build failed: $(cat "$work/err")" >&2; continue; }
  stats=$(curl -s -X POST "${endpoint}_stats")
  size=$(awk -v id="$id" '$1 == id { print $2 }' "$work/sizes")
  python3 - "$id" "$stats" "$work/time" "$size" <<'PY'
import json, re, sys
ident, stats, timefile, size = sys.argv[1], json.loads(sys.argv[2]), open(sys.argv[3]).read(), int(sys.argv[4] or 0)
def field(name):
    return re.search(re.escape(name) + r": (.+)", timefile).group(1).strip()
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall)))
rss = int(field("Maximum resident set size (kbytes)")) / 1024
print(f"{ident}\t{size / 1e9:.2f}\t{stats['bytes'] / 1e6:.1f}\t{stats['requests'] - 1}\t{cpu:.1f}\t{seconds:.1f}\t{rss:.0f}")
PY
  rm -rf "$work/out"
done
exec {server[1]}>&-
wait "$server_PID"
