#!/usr/bin/env python3
"""Checks that NumPy, reading Fixpoint's safetensors with docs/examples/read_network.py, computes the
same F(x) as `fixpoint eval` on networks written by `fixpoint census --save-model`.
Needs Debian's python3-numpy; run from the repository root after `dotnet build`:
    /usr/bin/python3 docs/examples/compare_with_numpy.py
"""
import os, subprocess, sys, tempfile
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
F = ["dotnet", os.path.join(root, "src/Fixpoint.Cli/bin/Debug/net10.0/fixpoint.dll")]
reader = os.path.join(root, "docs/examples/read_network.py")
tmp = tempfile.mkdtemp()
networks = {
    "cauchy-deep": (16, ["--width", "16", "--depth", "5", "--weights", "cauchy(1)", "--scaling", "1/n", "--seed", "3"]),
    "tied-residual": (12, ["--width", "12", "--depth", "3", "--tied", "--residual", "--weights", "gaussian(0.5)", "--seed", "4"]),
    "logistic-f32": (20, ["--width", "20", "--depth", "4", "--activation", "logistic", "--weights", "student-t(3,1)", "--seed", "9", "--save-f32"]),
}
worst = 0.0
for name, (n, args) in networks.items():
    model = os.path.join(tmp, name + ".safetensors")
    subprocess.run(F + ["census", *args, "--starts", "10", "--no-plot", "--out", os.path.join(tmp, name), "--save-model", model], capture_output=True, check=True)
    X = np.random.default_rng(1).uniform(-1, 1, size=(200, n))
    pts = os.path.join(tmp, name + ".csv")
    np.savetxt(pts, X, delimiter=",", fmt="%.17g")
    ours = np.loadtxt(subprocess.run(F + ["eval", "--model", model, "--points", pts], capture_output=True, text=True, check=True).stdout.splitlines(), delimiter=",")
    inp = "\n".join(" ".join(repr(v) for v in x) for x in X) + "\n"
    theirs = np.loadtxt(subprocess.run([sys.executable, reader, model], input=inp, capture_output=True, text=True, check=True).stdout.splitlines())
    d = float(np.max(np.abs(ours - theirs)))
    worst = max(worst, d)
    print(f"{name:14s} N={n:3d}  200 points  max |F_fixpoint - F_numpy| = {d:.3g}")
print("PASS" if worst <= 1e-12 else "FAIL", f"(worst {worst:.3g}, limit 1e-12)")
sys.exit(0 if worst <= 1e-12 else 1)
