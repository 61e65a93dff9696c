#!/usr/bin/env bash
# Early assignment against none, side by side with the NumPy peer: for each case N:K the seed-7 tanh network of the
# acceptance table (L = 4, Gaussian 0.8/sqrt(N), written by the peer), `fixpoint census --model net.safetensors --starts K
# --box -1 1 --atol 1e-10 --no-plot` with `--assign off` and with the default (auto), then the peer on the same model,
# REPEATS times alternating. Prints the medians of the census's own elapsedSeconds, its evaluations and the balls.
# Usage: bench/early-assignment.sh [--cases "64:16384 128:8192 256:4096 256:16384"] [--repeats 3] [--out DIR]
set -euo pipefail
cases="64:16384 128:8192 256:4096 256:16384" repeats=3 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) cases="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "early-assignment.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
peer="$root/../shared/peers/numpy_census.py"
[ -f "$peer" ] || { echo "early-assignment.sh: peer numpy_census.py not found beside the repository" >&2; exit 2; }
/usr/bin/python3 -c 'import numpy' 2>/dev/null || { echo "early-assignment.sh: /usr/bin/python3 has no NumPy (apt-get install python3-numpy libopenblas0-pthread)" >&2; exit 3; }
bench() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
(cd "$root" && rm -rf bench/.cli && dotnet publish src/Fixpoint.Cli -c Release -r linux-x64 --self-contained true \
   -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -o bench/.cli >/dev/null) \
  || { echo "early-assignment.sh: publish failed" >&2; exit 2; }
cli="$root/bench/.cli/fixpoint"
[ -n "$out" ] || out="$(mktemp -d)"
mkdir -p "$out"
: > "$out/runs.tsv"
for c in $cases; do
  n="${c%%:*}"; k="${c##*:}"
  [ -f "$out/net$n.safetensors" ] || bench /usr/bin/python3 "$peer" --random "$n" 4 gaussian 0.8 7 --save "$out/net$n.safetensors" > /dev/null
  for r in $(seq 1 "$repeats"); do
    for mode in off auto; do
      "$cli" census --model "$out/net$n.safetensors" --starts "$k" --box -1 1 --atol 1e-10 --no-plot --assign "$mode" --out "$out/c-$n-$k-$mode" > /dev/null 2>&1
      /usr/bin/python3 - "$out/c-$n-$k-$mode/census.json" "$n" "$k" "$mode" >> "$out/runs.tsv" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
ea = c.get("earlyAssignment") or {}
ball = next((f["ball"] for f in c["fixedPoints"] if f.get("ball")), None)
print("\t".join([sys.argv[2], sys.argv[3], sys.argv[4], f"{c['elapsedSeconds']:.4f}", str(c["evaluations"]), str(ea.get("assignedStarts", 0)),
                 f"{ball['radius']:.2g}" if ball else "-", f"{ball['contraction']:.2f}" if ball else "-", str(c["q"])]))
PY
    done
    bench /usr/bin/python3 "$peer" "$out/net$n.safetensors" --starts "$k" --box -1 1 --tol 1e-10 --max-iter 2000 --seed 0 > "$out/peer-$n-$k.json"
    /usr/bin/python3 - "$out/peer-$n-$k.json" "$n" "$k" >> "$out/runs.tsv" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("\t".join([sys.argv[2], sys.argv[3], "peer", f"{d['elapsedSeconds']:.4f}", str(d["mapEvaluations"]), "0", "-", "-", str(d["q"])]))
PY
  done
done
/usr/bin/python3 - "$out/runs.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print(f"{'N':>5} {'starts':>6} {'off s':>7} {'auto s':>7} {'peer s':>7} {'evals off':>10} {'evals auto':>10} {'assigned':>8} {'radius':>7} {'K':>5}")
for key in dict.fromkeys((r[0], r[1]) for r in rows):
    sel = lambda m: [r for r in rows if (r[0], r[1]) == key and r[2] == m]
    med = lambda m: statistics.median(float(r[3]) for r in sel(m))
    off, auto = sel("off")[0], sel("auto")[0]
    print(f"{key[0]:>5} {key[1]:>6} {med('off'):7.3f} {med('auto'):7.3f} {med('peer'):7.3f} {off[4]:>10} {auto[4]:>10} {auto[5]:>8} {auto[6]:>7} {auto[7]:>5}")
PY
echo "(runs in $out/runs.tsv)"
