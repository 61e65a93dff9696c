#!/usr/bin/env python3
"""Checks census.json eigenvalues against numpy.linalg.eigvals.

  eigen_numpy_check.py write MODEL.safetensors N SCALE BIAS SEED   a tanh 4-layer network, Gaussian SCALE/sqrt(N) weights
  eigen_numpy_check.py check MODEL.safetensors CENSUS.json [TOL]   rho and the unstable count of every fixed point

`check` recomputes J(x) = prod D_l W_l at each fixed point of the census with NumPy, takes eigvals, and
exits 1 when |rho - rho_numpy| > TOL (default 1e-8) or an unstable count differs.
"""
import json
import struct
import sys

import numpy as np


def save(path, Ws, bs):
    header, offset, chunks = {"__metadata__": {"activation": "tanh"}}, 0, []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        for name, arr in ((f"layers.{i}.weight", W), (f"layers.{i}.bias", b)):
            data = np.ascontiguousarray(arr, dtype="<f8").tobytes()
            header[name] = {"dtype": "F64", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
            offset += len(data)
            chunks.append(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    header.pop("__metadata__", None)
    t = {k: np.frombuffer(blob[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f8").reshape(v["shape"]) for k, v in header.items()}
    count = len([k for k in t if k.endswith(".weight")])
    return [t[f"layers.{i}.weight"] for i in range(count)], [t[f"layers.{i}.bias"] for i in range(count)]


def jacobian(x, Ws, bs):
    J = np.eye(len(x))
    for W, b in zip(Ws, bs):
        z = W @ x + b
        J = ((1 - np.tanh(z) ** 2)[:, None] * W) @ J
        x = np.tanh(z)
    return J


def main():
    if sys.argv[1] == "write":
        path, n, scale, bias, seed = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
        rng = np.random.default_rng(seed)
        Ws = [rng.standard_normal((n, n)) * scale / np.sqrt(n) for _ in range(4)]
        bs = [rng.standard_normal(n) * bias for _ in range(4)]
        save(path, Ws, bs)
        return 0
    Ws, bs = load(sys.argv[2])
    census = json.load(open(sys.argv[3]))
    tol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-8
    bad = 0
    for k, fp in enumerate(census["fixedPoints"]):
        ev = np.linalg.eigvals(jacobian(np.array(fp["x"]), Ws, bs))
        rho, unstable = np.abs(ev).max(), int((np.abs(ev) > 1).sum())
        d = abs(rho - fp["spectralRadius"])
        ok = d <= tol and unstable == fp["unstableDimensions"]
        bad += not ok
        print(f"fixed point {k}: {fp.get('eigenvalueMethod', 'dense')} rho {fp['spectralRadius']:.15g} numpy {rho:.15g} |diff| {d:.2e}"
              f" unstable {fp['unstableDimensions']} numpy {unstable} residual {fp.get('eigenvalueResidual', 0):.1e} {'ok' if ok else 'DIFFERS'}")
    print(f"{len(census['fixedPoints']) - bad} of {len(census['fixedPoints'])} agree within {tol:g}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
