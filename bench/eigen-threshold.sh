#!/usr/bin/env bash
# Where the census's stability step switches from dense eigenvalues to Krylov–Schur (EigenMethod.Auto):
# times both at the fixed point of a tanh 4-layer network, Gaussian 0.8/√N weights, for each N (Release
# build, best of REPEATS). docs/performance.md ("Dense or Krylov eigenvalues") quotes its output.
#
# Usage: bench/eigen-threshold.sh [--sizes 128,256,512,1024] [--repeats 3] [--no-build]
set -euo pipefail
sizes=128,256,512,1024 repeats=3 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "eigen-threshold.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
if [ "$build" = 1 ]; then dotnet build bench/Fixpoint.Bench -c Release -v q -nologo >/dev/null; fi
dotnet bench/Fixpoint.Bench/bin/Release/net10.0/Fixpoint.Bench.dll eigen-threshold --n "$sizes" --repeats "$repeats"
