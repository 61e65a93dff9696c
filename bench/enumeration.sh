#!/usr/bin/env bash
# Complete enumeration timings: `fixpoint certify --enumerate` on paper A's polynomial network, m = 100,
# box [-3, 3]^d, d = 2, 3, 4 (Release build, wall time of the whole command, best of 3).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Fixpoint.Cli -c Release -v q -nologo > /dev/null
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p')"
dir=$(mktemp -d)
for d in 2 3 4; do
  best=""
  for rep in 1 2 3; do
    s=$(date +%s.%N)
    line=$(dotnet src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll certify --network ke2024-poly --dim $d --m 100 --enumerate --box -3 3 --max-boxes 1000000 --out "$dir" 2>/dev/null | grep '^enumeration:')
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  echo "d=$d: ${line#enumeration: } | command wall time, best of 3: ${best} s"
done
rm -rf "$dir"
