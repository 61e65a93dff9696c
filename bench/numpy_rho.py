#!/usr/bin/env python3
"""NumPy's spectral radius at each fixed point of a census.json, against the census's own.

Usage: numpy_rho.py PEER.py MODEL.safetensors CENSUS.json
Loads the model with the peer's reader, builds the Jacobian J(x) = prod D_l W_l at every fixed point x
of census.json with the peer's jacobian(), and prints one JSON object: the number of points, the largest
|rho_census - max|eigvals(J)|| over them, and the largest ||F(x) - x||inf recomputed in NumPy.
"""
import importlib.util, json, sys
import numpy as np

spec = importlib.util.spec_from_file_location("numpy_census", sys.argv[1])
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)
tensors, meta = peer.load_safetensors(sys.argv[2])
Ws, bs = peer.layers_of(tensors, meta)
f, df = peer.ACT[meta.get("activation", "tanh")]
census = json.load(open(sys.argv[3]))
diff, residual = 0.0, 0.0
for p in census["fixedPoints"]:
    x = np.array(p["x"])
    rho = float(np.max(np.abs(np.linalg.eigvals(peer.jacobian(x, Ws, bs, f, df)))))
    diff = max(diff, abs(rho - p["spectralRadius"]))
    residual = max(residual, float(np.max(np.abs(peer.forward(x[None, :], Ws, bs, f)[0] - x))))
json.dump({"points": len(census["fixedPoints"]), "maxRhoDiff": diff, "maxResidual": residual}, sys.stdout)
print()
