#!/usr/bin/python3
"""Writes the PyTorch fixtures in this folder: ONNX exports and state dicts of small models, with
torch float64 reference fixed points.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-onnx, python3-numpy). The files are
committed, so the tests need no Python. Seeds are fixed and nothing depends on the clock, so a rerun
writes the same files.

For each model NAME:
  NAME_op13.onnx, NAME_op17.onnx   float64 exports (model.double()) at opset 13 and 17
  NAME_f32.onnx                    the same model in float32, opset 17 (for comparisons with ONNX Runtime)
  NAME.pt                          torch.save(state_dict) where a state dict describes the model
  hardsigmoid_f32.onnx             a float32 MLP ending in HardSigmoid, an op outside the native set (runs through ONNX Runtime)
  hardsigmoid_cell_f32.onnx        a float32 cell h_next = HardSigmoid(W u + R h) with inputs u, h (ONNX Runtime with a held input)
  NAME.json                        state and output names, held inputs, and the reference fixed points:
                                   torch Newton (float64, autograd Jacobian) from many starts in [-1, 1]^N,
                                   each with its spectral radius ρ(∂F/∂x)
"""
import copy
import json
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
STARTS = 256
torch.set_default_dtype(torch.float64)


class Mlp(nn.Module):
    """An MLP ending in a bare Linear."""
    def __init__(self, n=8, h=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n, h), nn.Tanh(), nn.Linear(h, n))

    def forward(self, x):
        return self.net(x)


class LayerNormMlp(nn.Module):
    def __init__(self, n=8, h=16):
        super().__init__()
        self.fc1 = nn.Linear(n, h)
        self.norm = nn.LayerNorm(h)
        self.fc2 = nn.Linear(h, n)

    def forward(self, x):
        return torch.tanh(self.fc2(torch.tanh(self.norm(self.fc1(x)))))


class Residual(nn.Module):
    """x + g(x) with g a small two-layer block (GELU, erf form, then Sigmoid), damped."""
    def __init__(self, n=8, h=16):
        super().__init__()
        self.fc1 = nn.Linear(n, h)
        self.fc2 = nn.Linear(h, n)

    def forward(self, x):
        return x + 0.5 * (torch.sigmoid(self.fc2(nn.functional.gelu(self.fc1(x)))) - 0.5 - 0.3 * x)


class Tied(nn.Module):
    """One Linear + tanh applied 8 times (a weight-tied, looped block)."""
    def __init__(self, n=8):
        super().__init__()
        self.fc = nn.Linear(n, n)

    def forward(self, x):
        for _ in range(8):
            x = torch.tanh(self.fc(x))
        return x


class Conv(nn.Module):
    """A conv autoencoder on 8×8 images, flat in and out: Conv → BatchNorm → tanh → AvgPool → ConvTranspose → tanh."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.AvgPool2d(2)
        self.deconv = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
        self.mix = nn.Conv2d(2, 1, 1)

    def forward(self, x):
        y = x.view(x.shape[0], 1, 8, 8)
        y = self.pool(torch.tanh(self.bn(self.conv(y))))
        y = torch.tanh(self.mix(torch.relu(self.deconv(y)) - 0.1))
        return y.reshape(x.shape[0], 64)


class Cell(nn.Module):
    """An RNNCell / GRUCell (inputs u, h; output h_next)."""
    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, u, h):
        return self.cell(u, h)


class LstmCell(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, u, h, c):
        return self.cell(u, (h, c))


class HardCell(nn.Module):
    """h_next = HardSigmoid(W u + R h): a cell whose op is outside the native set."""
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(3, 8)
        self.r = nn.Linear(8, 8)

    def forward(self, u, h):
        return nn.functional.hardsigmoid(self.w(u) + self.r(h))


class GruStep(nn.Module):
    """nn.GRU run for one step: u [1, 1, I], h0 [1, 1, H] → (y, h_n)."""
    def __init__(self, gru):
        super().__init__()
        self.gru = gru

    def forward(self, u, h0):
        return self.gru(u, h0)


def scaled(module, gain):
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "weight" in name and p.dim() >= 2:
                p.mul_(gain)
    return module


def newton(f, x, iters=60):
    """Newton on F(x) − x with the autograd Jacobian; the converged point or None."""
    eye = torch.eye(x.numel())
    for _ in range(iters):
        r = f(x) - x
        if r.abs().max().item() < 1e-14:
            break
        j = torch.autograd.functional.jacobian(f, x) - eye
        try:
            dx = torch.linalg.solve(j, -r)
        except RuntimeError:
            return None
        if not torch.isfinite(dx).all() or dx.abs().max().item() > 1e3:
            return None
        x = x + dx
    if (f(x) - x).abs().max().item() > 1e-12:
        return None
    return x


def references(f, n, seed):
    g = torch.Generator().manual_seed(seed)
    found = []
    for _ in range(STARTS):
        x0 = torch.rand(n, generator=g) * 2 - 1
        x = newton(f, x0)
        if x is None or x.abs().max().item() > 10:
            continue
        if any((x - y).abs().max().item() < 1e-7 for y in found):
            continue
        found.append(x.detach())
    found.sort(key=lambda x: x.tolist())
    out = []
    for x in found:
        j = torch.autograd.functional.jacobian(f, x)
        rho = max(abs(complex(e)) for e in np.linalg.eigvals(j.numpy()))
        out.append({"x": x.tolist(), "rho": rho})
    return out


def export(model, args, name, inputs, outputs, opset, dtype):
    # A copy: converting the model itself to float32 and back would round its weights.
    m = copy.deepcopy(model).to(dtype).eval()
    a = tuple(t.to(dtype) for t in args)
    torch.onnx.export(m, a, os.path.join(HERE, f"{name}.onnx"), opset_version=opset,
                      input_names=inputs, output_names=outputs, do_constant_folding=True)


def write(name, model, args, inputs, outputs, state, out, hold, f, n, seed, state_dict=True):
    for opset in (13, 17):
        export(model, args, f"{name}_op{opset}", inputs, outputs, opset, torch.float64)
    export(model, args, f"{name}_f32", inputs, outputs, 17, torch.float32)
    if state_dict:
        torch.save(model.state_dict(), os.path.join(HERE, f"{name}.pt"))
    meta = {"name": name, "dimension": n, "state": state, "output": out, "hold": hold,
            "fixedPoints": references(f, n, seed)}
    with open(os.path.join(HERE, f"{name}.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")
    print(name, n, len(meta["fixedPoints"]), "fixed points")


def main():
    torch.manual_seed(14)
    d64 = torch.float64

    m = Mlp().eval()
    scaled(m, 2.0)
    write("mlp_linear", m, (torch.zeros(1, 8),), ["x"], ["y"], ["x"], ["y"], {},
          lambda x: m(x.unsqueeze(0)).squeeze(0), 8, 1)

    m = LayerNormMlp().eval()
    scaled(m, 1.5)
    with torch.no_grad():
        m.norm.weight.uniform_(0.5, 1.5)
        m.norm.bias.uniform_(-0.2, 0.2)
    write("layernorm_mlp", m, (torch.zeros(1, 8),), ["x"], ["y"], ["x"], ["y"], {},
          lambda x: m(x.unsqueeze(0)).squeeze(0), 8, 2, state_dict=False)

    m = Residual().eval()
    scaled(m, 2.0)
    write("residual", m, (torch.zeros(1, 8),), ["x"], ["y"], ["x"], ["y"], {},
          lambda x: m(x.unsqueeze(0)).squeeze(0), 8, 3, state_dict=False)

    m = Tied().eval()
    scaled(m, 1.8)
    write("tied_loop8", m, (torch.zeros(1, 8),), ["x"], ["y"], ["x"], ["y"], {},
          lambda x: m(x.unsqueeze(0)).squeeze(0), 8, 4, state_dict=False)

    m = Conv().eval()
    with torch.no_grad():
        m.bn.running_mean.uniform_(-0.2, 0.2)
        m.bn.running_var.uniform_(0.5, 1.5)
        m.bn.weight.uniform_(0.5, 1.5)
        m.bn.bias.uniform_(-0.2, 0.2)
    scaled(m, 2.5)
    write("conv_ae", m, (torch.zeros(1, 64),), ["x"], ["y"], ["x"], ["y"], {},
          lambda x: m(x.unsqueeze(0)).squeeze(0), 64, 5, state_dict=False)

    u = [0.5, -0.3, 0.2]
    ut = torch.tensor([u])
    hold = {"u": u}

    cell = scaled(nn.RNNCell(3, 8), 1.8)
    m = Cell(cell).eval()
    write("rnn_cell", m, (ut, torch.zeros(1, 8)), ["u", "h"], ["h_next"], ["h"], ["h_next"], hold,
          lambda h: m(ut, h.unsqueeze(0)).squeeze(0), 8, 6)

    cell = scaled(nn.GRUCell(3, 8), 2.5)
    m = Cell(cell).eval()
    write("gru_cell", m, (ut, torch.zeros(1, 8)), ["u", "h"], ["h_next"], ["h"], ["h_next"], hold,
          lambda h: m(ut, h.unsqueeze(0)).squeeze(0), 8, 7)

    cell = scaled(nn.LSTMCell(3, 8), 2.5)
    m = LstmCell(cell).eval()
    write("lstm_cell", m, (ut, torch.zeros(1, 8), torch.zeros(1, 8)), ["u", "h", "c"], ["h_next", "c_next"],
          ["h", "c"], ["h_next", "c_next"], hold,
          lambda s: torch.cat([t.squeeze(0) for t in m(ut, s[:8].unsqueeze(0), s[8:].unsqueeze(0))]), 16, 8)

    m = nn.Sequential(nn.Linear(8, 8), nn.Hardsigmoid()).eval()
    export(m, (torch.zeros(1, 8),), "hardsigmoid_f32", ["x"], ["y"], 17, torch.float32)
    m = HardCell().eval()
    export(m, (ut, torch.zeros(1, 8)), "hardsigmoid_cell_f32", ["u", "h"], ["h_next"], 17, torch.float32)

    gru = scaled(nn.GRU(3, 8), 2.5)
    m = GruStep(gru).eval()
    u3 = ut.unsqueeze(0)
    write("gru_step", m, (u3, torch.zeros(1, 1, 8)), ["u", "h0"], ["y", "h_n"], ["h0"], ["h_n"], hold,
          lambda h: m(u3, h.view(1, 1, 8))[1].view(8), 8, 9)


if __name__ == "__main__":
    main()
