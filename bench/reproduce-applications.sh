#!/usr/bin/env bash
# Times `fixpoint reproduce applications` (docs/results/applications.md): Release build, wall time of the
# whole command, against the 15-minute budget for a 2-core machine. Usage: bench/reproduce-applications.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/applications}"
limit=900
dotnet build src/Fixpoint.Cli -c Release -v q -nologo > /dev/null
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
s=$(date +%s.%N)
dotnet src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll reproduce applications --out "$out" > "$out.log" 2>&1 || { tail -20 "$out.log"; exit 1; }
e=$(date +%s.%N)
t=$(echo "$e - $s" | bc)
grep -A8 '^### Time' "$out/applications.md" || true
echo "reproduce applications: wall time ${t} s (limit ${limit} s): $(if [ "$(echo "$t < $limit" | bc)" = 1 ]; then echo PASS; else echo FAIL; fi)"
echo "tables: $out/applications.md, log: $out.log"
