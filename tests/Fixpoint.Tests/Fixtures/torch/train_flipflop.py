#!/usr/bin/python3
"""Trains a small GRU on the 3-bit flip-flop task (Sussillo & Barak 2013) and writes its fixtures.

Run with Debian's python3-torch (1.13) and python3-onnx: /usr/bin/python3 train_flipflop.py.
Seeded, torch.set_num_threads(2); training takes 2.5 CPU-minutes (11 minutes of wall time on a loaded
2-core machine); --skip-training rewrites the exports and references from the committed .pt files. The files are
committed, so the test suite needs no torch.

The task: three input channels, each a sparse train of +1/-1 pulses; the target of channel k is the
sign of the last pulse seen on channel k (0 before the first). A network that solves it has 2^3 = 8
attractors at u = 0, one per memory state, with saddles between them.

Writes, in this folder:
  flipflop_gru.pt               torch.save of the state dict {rnn.weight_ih_l0, ..., readout.weight, readout.bias}
                                (nn.GRU(3, H) + nn.Linear(H, 3)), zip format
  flipflop_gru_cell_op13.onnx   h' = GRUCell(u, h), inputs (u[1,3], h[1,H]), float64, opset 13
  flipflop_gru_cell_op17.onnx   the same, opset 17
  flipflop_gru_cell_f32.onnx    the same, float32, opset 13
  flipflop_gru_u0_f32.onnx      h' = GRUCell(0, h), the one input h, float32 (runs through ONNX Runtime)
  flipflop_rnn.pt, flipflop_rnn_u0_f32.onnx
                                the same task with a small tanh nn.RNN (hidden 8), float32 with u = 0 folded in
  flipflop_reference.json       torch float64 fixed points of h -> GRUCell(u, h) for u = 0 and the six
                                pulses +-e_k (Newton from many starts), each with its spectral radius and
                                stability; and the same for the RNN at u = 0
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240613
HIDDEN = 16
RNN_HIDDEN = 8
BITS = 3
T = 64
PULSE_P = 0.08


def batch(rng, n):
    pulses = rng.random((n, T, BITS)) < PULSE_P
    # Every channel is set at t = 0, so no "nothing stored yet" state is ever asked for: that would train a
    # ninth attractor next to the 2^3 memories.
    pulses[:, 0, :] = True
    signs = np.where(rng.random((n, T, BITS)) < 0.5, -1.0, 1.0)
    u = pulses * signs
    y = np.zeros_like(u)
    state = np.zeros((n, BITS))
    for t in range(T):
        state = np.where(pulses[:, t], signs[:, t], state)
        y[:, t] = state
    return torch.tensor(u, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


class FlipFlop(nn.Module):
    def __init__(self, kind, hidden):
        super().__init__()
        self.rnn = kind(BITS, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, BITS)

    def forward(self, u):
        h, _ = self.rnn(u)
        return self.readout(h)


def train(kind, hidden, steps, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = FlipFlop(kind, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(steps):
        u, y = batch(rng, 128)
        loss = torch.mean((model(u) - y) ** 2)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 200 == 0 or step == steps - 1:
            print(f"{kind.__name__} step {step} loss {loss.item():.5f}", flush=True)
    return model


class GruStep(nn.Module):
    """h' = GRUCell(u, h) with the weights of the trained nn.GRU."""

    def __init__(self, gru):
        super().__init__()
        self.cell = nn.GRUCell(gru.input_size, gru.hidden_size)
        self.cell.weight_ih.data = gru.weight_ih_l0.data.clone()
        self.cell.weight_hh.data = gru.weight_hh_l0.data.clone()
        self.cell.bias_ih.data = gru.bias_ih_l0.data.clone()
        self.cell.bias_hh.data = gru.bias_hh_l0.data.clone()
        self.cell.requires_grad_(False)

    def forward(self, u, h):
        return self.cell(u, h)


class HeldZero(nn.Module):
    """h' = cell(0, h): the state map with u = 0 folded in, one input."""

    def __init__(self, cell, inputs):
        super().__init__()
        self.cell = cell
        self.inputs = inputs

    def forward(self, h):
        return self.cell(torch.zeros(h.shape[0], self.inputs, dtype=h.dtype), h)


def rnn_cell(rnn):
    cell = nn.RNNCell(rnn.input_size, rnn.hidden_size, nonlinearity="tanh")
    cell.weight_ih.data = rnn.weight_ih_l0.data.clone()
    cell.weight_hh.data = rnn.weight_hh_l0.data.clone()
    cell.bias_ih.data = rnn.bias_ih_l0.data.clone()
    cell.bias_hh.data = rnn.bias_hh_l0.data.clone()
    return cell.requires_grad_(False)


def export(module, args, names, path, opset):
    torch.onnx.export(module, args, os.path.join(HERE, path), input_names=names, output_names=["h_next"],
                      opset_version=opset, do_constant_folding=True)


def fixed_points(step, hidden, u, starts):
    """Newton on h - step(u, h) = 0 in float64 from every start; unique to 1e-7; Jacobian eigenvalues."""
    found = []
    for h0 in starts:
        h = torch.tensor(h0, dtype=torch.float64)
        ok = False
        for _ in range(60):
            r = step(u, h) - h
            if torch.max(torch.abs(r)).item() < 1e-13:
                ok = True
                break
            J = torch.autograd.functional.jacobian(lambda x: step(u, x), h, vectorize=True)
            try:
                dh = torch.linalg.solve(J - torch.eye(hidden, dtype=torch.float64), -r)
            except RuntimeError:
                break
            h = h + dh
            if not torch.isfinite(h).all() or torch.max(torch.abs(h)).item() > 10:
                break
        if not ok:
            continue
        if any(np.max(np.abs(h.numpy() - f)) < 1e-7 for f in found):
            continue
        found.append(h.numpy().copy())
    out = []
    for f in sorted(found, key=lambda v: tuple(v)):
        h = torch.tensor(f, dtype=torch.float64)
        J = torch.autograd.functional.jacobian(lambda x: step(u, x), h).numpy()
        rho = float(np.max(np.abs(np.linalg.eigvals(J))))
        residual = float(torch.max(torch.abs(step(u, h) - h)).item())
        out.append({"x": [float(v) for v in f], "rho": rho, "stable": rho < 1.0, "residual": residual})
    return out


def starts_for(model, hidden, rng, count):
    """Random points plus states visited on task trajectories (where the attractors and saddles are)."""
    u, _ = batch(rng, 16)
    with torch.no_grad():
        hs, _ = model.rnn(u)
    visited = hs.reshape(-1, hidden).numpy().astype(np.float64)
    pick = visited[rng.choice(len(visited), count // 2, replace=False)]
    box = rng.uniform(-1, 1, (count - count // 2, hidden))
    # Midpoints between visited states land near saddles.
    a = visited[rng.choice(len(visited), count // 4)]
    b = visited[rng.choice(len(visited), count // 4)]
    return np.concatenate([pick, box, 0.5 * (a + b)])


def main():
    torch.set_num_threads(2)
    if "--skip-training" in sys.argv:
        # Rewrites the exports and references from the committed .pt files.
        gru_model, rnn_model = FlipFlop(nn.GRU, HIDDEN), FlipFlop(nn.RNN, RNN_HIDDEN)
        gru_model.load_state_dict(torch.load(os.path.join(HERE, "flipflop_gru.pt")))
        rnn_model.load_state_dict(torch.load(os.path.join(HERE, "flipflop_rnn.pt")))
    else:
        gru_model = train(nn.GRU, HIDDEN, 1500, SEED)
        rnn_model = train(nn.RNN, RNN_HIDDEN, 1500, SEED + 1)
        torch.save(gru_model.state_dict(), os.path.join(HERE, "flipflop_gru.pt"), _use_new_zipfile_serialization=True)
        torch.save(rnn_model.state_dict(), os.path.join(HERE, "flipflop_rnn.pt"), _use_new_zipfile_serialization=True)
    for p in list(gru_model.parameters()) + list(rnn_model.parameters()):
        p.requires_grad_(False)

    step32 = GruStep(gru_model.rnn).eval()
    u1 = torch.zeros(1, BITS)
    h1 = torch.zeros(1, HIDDEN)
    export(step32, (u1, h1), ["u", "h"], "flipflop_gru_cell_f32.onnx", 13)
    export(HeldZero(step32.cell, BITS), (h1,), ["h"], "flipflop_gru_u0_f32.onnx", 13)
    rcell = rnn_cell(rnn_model.rnn).eval()
    export(HeldZero(rcell, BITS), (torch.zeros(1, RNN_HIDDEN),), ["h"], "flipflop_rnn_u0_f32.onnx", 13)
    step64 = GruStep(gru_model.rnn).double().eval()
    for opset in (13, 17):
        export(step64, (u1.double(), h1.double()), ["u", "h"], f"flipflop_gru_cell_op{opset}.onnx", opset)

    rng = np.random.default_rng(SEED + 2)
    gstarts = starts_for(gru_model, HIDDEN, rng, 600)
    cell64 = step64.cell

    def gstep(u, h):
        return cell64(u.unsqueeze(0), h.unsqueeze(0)).squeeze(0)

    conditions = [("zero", [0.0] * BITS)]
    for k in range(BITS):
        for s in (1.0, -1.0):
            e = [0.0] * BITS
            e[k] = s
            conditions.append((f"{'+' if s > 0 else '-'}e{k}", e))
    ref = {"seed": SEED, "hidden": HIDDEN, "bits": BITS, "gru": []}
    for name, u in conditions:
        fps = fixed_points(gstep, HIDDEN, torch.tensor(u, dtype=torch.float64), gstarts)
        stable = sum(1 for f in fps if f["stable"])
        print(f"GRU u={name}: {len(fps)} fixed points, {stable} stable", flush=True)
        ref["gru"].append({"condition": name, "u": u, "fixedPoints": fps})

    rcell64 = rnn_cell(rnn_model.rnn).double()

    def rstep(u, h):
        return rcell64(u.unsqueeze(0), h.unsqueeze(0)).squeeze(0)

    rstarts = starts_for(rnn_model, RNN_HIDDEN, rng, 400)
    rfps = fixed_points(rstep, RNN_HIDDEN, torch.zeros(BITS, dtype=torch.float64), rstarts)
    print(f"RNN u=0: {len(rfps)} fixed points, {sum(1 for f in rfps if f['stable'])} stable", flush=True)
    ref["rnn"] = {"hidden": RNN_HIDDEN, "u": [0.0] * BITS, "fixedPoints": rfps}
    with open(os.path.join(HERE, "flipflop_reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
