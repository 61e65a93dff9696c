#!/usr/bin/env python3
"""Reads a Fixpoint network (safetensors) with NumPy alone and evaluates F(x) for points given on stdin (one per line)."""
import json, struct, sys
import numpy as np

def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header, blob = json.loads(f.read(n)), f.read()
    meta = header.pop("__metadata__", {}) or {}
    t = {k: np.frombuffer(blob[v["data_offsets"][0]:v["data_offsets"][1]], {"F64": "<f8", "F32": "<f4"}[v["dtype"]]).reshape(v["shape"]).astype(float) for k, v in header.items()}
    count = len([k for k in t if k.endswith(".weight")])
    layers = [(t[f"layers.{i}.weight"], t.get(f"layers.{i}.bias", 0.0)) for i in range(count)]
    if meta.get("tied") == "true": layers = layers * int(meta.get("depth", "1"))
    return layers, meta

ACT = {"tanh": np.tanh, "logistic": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0), "identity": lambda z: z}
layers, meta = load(sys.argv[1])
g, residual = ACT[meta["activation"]], meta.get("residual") == "true"
for line in sys.stdin:
    x = np.array([float(v) for v in line.split()])
    for W, b in layers: x = x + g(W @ x + b) if residual else g(W @ x + b)
    print(" ".join(repr(float(v)) for v in x))
