#!/usr/bin/env bash
# Sweep throughput: tasks per second for N = 20, L = 8, 500 starts (experiments/bench-sweep.json:
# 8 Gaussian and 8 Cauchy networks, tanh, 1/sqrt(n) scaling), on every core, in a fresh store.
# Usage: bash bench/sweep-throughput.sh [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Fixpoint.Cli -c Release -v q -nologo > /dev/null
dir=$(mktemp -d)
threads=${1:-0}
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p')"
for rep in 1 2 3; do
  rm -f "$dir"/s.db*
  dotnet src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll sweep run experiments/bench-sweep.json --store "$dir/s.db" --threads "$threads" 2>/dev/null | tail -n 1
done
rm -rf "$dir"
