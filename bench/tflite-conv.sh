#!/usr/bin/env bash
# Cost of reading TFLite convolution filters in PyTorch's order (not a test): `tensorguard fingerprint --method base`
# (every weight read at least once) of one 3-D ConvNet (12.4 M float32 weights in [256, 256, 3, 3, 3] kernels) as
# safetensors and as TFLite, whose CONV_3D filters [3, 3, 3, in, out] are permuted on read. Page cache warm.
# Usage: bench/tflite-conv.sh   Env: BENCH_DIR (default /tmp/tensorguard-bench/tflite-conv), RUNS (default 3).
# Prints per run and as medians: wall time, CPU time (user + sys), peak RSS; and whether the two documents' method
# sections are identical.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_dir="${BENCH_DIR:-/tmp/tensorguard-bench/tflite-conv}"
runs="${RUNS:-3}"

dotnet build -c Release src/TensorGuard.Cli -v quiet -nologo >/dev/null
tensorguard=src/TensorGuard.Cli/bin/Release/net10.0/linux-x64/tensorguard
[ -f "$bench_dir/tflite/model.tflite" ] || dotnet run -c Release --project bench/TfliteConvBench -- "$bench_dir"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for format in safetensors tflite; do
  cat "$bench_dir/$format"/* > /dev/null   # warm the page cache
  : > "$bench_dir/$format.runs"
  for run in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$bench_dir/$format.time" \
      "$tensorguard" fingerprint "$bench_dir/$format" --method base --name model --out "$bench_dir/$format.json" 2> /dev/null
    read -r wall user sys rss < "$bench_dir/$format.time"
    cpu=$(awk "BEGIN { print $user + $sys }")
    echo "$wall $cpu $rss" >> "$bench_dir/$format.runs"
    echo "$format run $run: $wall s wall, $cpu s CPU ($user user + $sys sys), $((rss / 1024)) MiB peak RSS"
  done
  echo "$format median: $(cut -d' ' -f1 "$bench_dir/$format.runs" | median) s wall, $(cut -d' ' -f2 "$bench_dir/$format.runs" | median) s CPU, median peak RSS $(( $(cut -d' ' -f3 "$bench_dir/$format.runs" | median | cut -d. -f1) / 1024 )) MiB"
done
python3 - "$bench_dir" <<'PY'
import json, sys
a, b = (json.load(open(f"{sys.argv[1]}/{f}.json"))["methods"] for f in ("safetensors", "tflite"))
print("method sections identical:", {k: a[k] == b[k] for k in a})
PY
