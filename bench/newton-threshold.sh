#!/usr/bin/env bash
# Dense LU Newton against Newton–Krylov in the census's unstable pass and polishing, by N: the same
# census (--unstable, Newton from every start) with --newton dense and --newton krylov, timed as a
# whole (the solve and the stability step are the same in both). Release build.
# Usage: bench/newton-threshold.sh [STARTS] [N ...]   (default 8 starts, N = 128 256 512 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
starts="${1:-8}"; shift || true
sizes=("${@:-128 256 512 1024}")
dotnet build src/Fixpoint.Cli -c Release -v q -nologo > /dev/null
fp() { dotnet src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll "$@"; }
work="$(mktemp -d)"
printf '%-10s %6s %10s %10s %7s\n' network N dense_s krylov_s ratio
for n in ${sizes[@]}; do
  for net in tanh4 cauchy2; do
    case $net in
      tanh4) args=(--width "$n" --depth 4 --weights "gaussian(0.8)");;
      cauchy2) args=(--width "$n" --depth 2 --weights "cauchy(1)" --scaling 1/n);;
    esac
    t=()
    for m in dense krylov; do
      s=$(date +%s.%N)
      fp census "${args[@]}" --unstable --starts "$starts" --newton $m --no-plot --out "$work/$net-$n-$m" > /dev/null
      t+=("$(echo "$(date +%s.%N) - $s" | bc)")
    done
    printf '%-10s %6d %10.2f %10.2f %7.2f\n' $net "$n" "${t[0]}" "${t[1]}" "$(echo "${t[0]} / ${t[1]}" | bc -l)"
  done
done
