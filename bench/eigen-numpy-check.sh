#!/usr/bin/env bash
# ρ and unstable counts of `fixpoint census --eigen krylov` against numpy.linalg.eigvals (needs /usr/bin/python3
# with NumPy): a tanh 4-layer network at N = 300 (Gaussian 1.6/√N weights, 0.3·Gaussian biases: saddles with 15 and 32 unstable directions) and at N = 512
# (0.8/√N, 0.1), each censused with Krylov eigenvalues (and the unstable pass), then every fixed point rechecked
# densely by NumPy. Exits 1 when any ρ differs by more than 1e-8 or any count differs.
# Usage: bench/eigen-numpy-check.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-build" ]; then dotnet build src/Fixpoint.Cli -c Release -v q -nologo >/dev/null; fi
cli="src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for spec in "300 1.6 0.3" "512 0.8 0.1"; do
  set -- $spec
  /usr/bin/python3 bench/eigen_numpy_check.py write "$work/net$1.safetensors" "$1" "$2" "$3" 7
  dotnet "$cli" census --model "$work/net$1.safetensors" --starts 50 --unstable --unstable-starts 10 --eigen krylov \
    --no-plot --out "$work/c$1" >/dev/null
  /usr/bin/python3 bench/eigen_numpy_check.py check "$work/net$1.safetensors" "$work/c$1/census.json" 1e-8 || status=1
done
exit $status
