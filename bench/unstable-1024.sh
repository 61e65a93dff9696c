#!/usr/bin/env bash
# Acceptance of the unstable pass at N = 1024: a census with --unstable (depth 2, Cauchy weights,
# 1/n scaling, 200 starts), then, from the saved model alone, with /usr/bin/python3 and NumPy: every
# reported fixed point's residual ‖F(x) − x‖∞ ≤ 1e-10, and its unstable-dimension count equal to
# the count of |λ| > 1 among numpy.linalg.eigvals of the Jacobian J = ∏ D_l W_l. PASS/FAIL per point.
# Usage: bench/unstable-1024.sh [WORK_DIR]; N=… STARTS=… NEWTON=… override the size, the starts and --newton.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d)}"
n="${N:-1024}"; starts="${STARTS:-200}"; newton="${NEWTON:-auto}"
mkdir -p "$work"
dotnet build src/Fixpoint.Cli -c Release -v q -nologo > /dev/null
s=$(date +%s.%N)
dotnet src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll census --width "$n" --depth 2 --weights "cauchy(1)" --scaling 1/n \
  --unstable --starts "$starts" --newton "$newton" --no-plot --save-model "$work/m.safetensors" --out "$work/o" > "$work/census.log" 2>&1
echo "census: N = $n, $starts starts, --newton $newton, $(echo "$(date +%s.%N) - $s" | bc) s"
/usr/bin/python3 - "$work/m.safetensors" "$work/o/census.json" <<'PY'
import json, struct, sys
import numpy as np

def load(path):
    with open(path, "rb") as f:
        k = struct.unpack("<Q", f.read(8))[0]
        header, blob = json.loads(f.read(k)), f.read()
    meta = header.pop("__metadata__", {}) or {}
    t = {name: np.frombuffer(blob[v["data_offsets"][0]:v["data_offsets"][1]], {"F64": "<f8", "F32": "<f4"}[v["dtype"]]).reshape(v["shape"]).astype(float) for name, v in header.items()}
    count = len([name for name in t if name.endswith(".weight")])
    layers = [(t[f"layers.{i}.weight"], t.get(f"layers.{i}.bias", 0.0)) for i in range(count)]
    if meta.get("tied") == "true": layers = layers * int(meta.get("depth", "1"))
    return layers, meta

ACT = {"tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}
layers, meta = load(sys.argv[1])
g, dg = ACT[meta["activation"]]
residual = meta.get("residual") == "true"
census = json.load(open(sys.argv[2]))
fps = census["fixedPoints"]
print(f"outcomes {census['outcomes']}; {len(fps)} fixed points")
fails = 0
for i, f in enumerate(fps):
    x = np.array(f["x"], dtype=float)
    y, jac = x.copy(), np.eye(len(x))
    for W, b in layers:
        z = W @ y + b
        step = dg(z)[:, None] * W
        jac = (step + np.eye(len(x))) @ jac if residual else step @ jac
        y = y + g(z) if residual else g(z)
    res = float(np.max(np.abs(y - x)))
    unstable = int(np.sum(np.abs(np.linalg.eigvals(jac)) > 1.0))
    ok = res <= 1e-10 and unstable == f["unstableDimensions"]
    fails += not ok
    print(f"{'PASS' if ok else 'FAIL'} point {i}: residual {res:.3g} (census {f['residual']:.3g}), unstable dimensions {f['unstableDimensions']} (NumPy {unstable}), found by {f['foundBy']}")
if not fps:
    print("EMPTY: no fixed point reported, nothing was checked")
    sys.exit(1)
print("PASS" if fails == 0 else f"FAIL ({fails} of {len(fps)} points)")
sys.exit(1 if fails else 0)
PY
