#!/usr/bin/env bash
# Packs the `tensorguard` .NET tool, installs it from a local folder feed into WORK/tools, and checks that the
# installed command runs: `--version`, then `demo` (which loads LibTorch and must agree 3/3 with the ground truth).
# Also checks that the packed libLibTorchSharp.so carries the weak GLIBCXX_3.4.32 requirement that lets it load
# on Debian 12 and Ubuntu 22.04 (README "TorchSharp on older Linux"). Usage: build/check-tool-package.sh WORK
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work="${1:?usage: $0 WORK_FOLDER}"
mkdir -p "$work"

step() { echo "tool package: $*"; }
fail() { echo "tool package: FAILED: $*" >&2; exit 1; }

step "packing"
# An empty RuntimeIdentifier makes the outer pack produce the `TensorGuard` package that points at the RID-specific
# one (Directory.Build.props pins linux-x64 for builds); a separate artifacts path keeps the build's obj/ untouched.
dotnet pack src/TensorGuard.Cli -c Release -o "$work/feed" --artifacts-path "$work/artifacts" \
  -p:RuntimeIdentifier= -p:RuntimeIdentifiers=linux-x64 >"$work/pack.log" 2>&1 || { tail -20 "$work/pack.log"; fail "dotnet pack"; }
ls -l "$work/feed"

cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
  </packageSources>
</configuration>
XML

step "installing from the local feed"
dotnet tool install TensorGuard --tool-path "$work/tools" --configfile "$work/nuget.config" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; fail "dotnet tool install"; }

step "tensorguard --version"
"$work/tools/tensorguard" --version || fail "--version"

step "tensorguard demo"
(cd "$work" && "$work/tools/tensorguard" demo --out demo >"$work/demo.log" 2>&1) || { tail -20 "$work/demo.log"; fail "demo"; }
grep -q "agrees with the ground truth on 3 of 3" "$work/demo.log" || { tail -20 "$work/demo.log"; fail "demo did not agree 3/3"; }

library="$(find "$work/tools" -name libLibTorchSharp.so | head -1)"
[ -n "$library" ] || fail "libLibTorchSharp.so is not in the installed tool"
if command -v readelf >/dev/null; then
  readelf -V "$library" | grep 'GLIBCXX_3.4.32' | grep -q 'Flags: WEAK' || fail "the packed libLibTorchSharp.so does not mark GLIBCXX_3.4.32 weak"
  step "libLibTorchSharp.so marks GLIBCXX_3.4.32 weak"
else
  step "readelf not found: the weak-flag check was skipped"
fi

step "passed"
