#!/usr/bin/python3
"""Writes the small torch.save fixtures of the state-dict reader tests (seconds; Debian's python3-torch 1.13).

  mlp_linear_end.pt        nn.Sequential(Linear(4, 6), Tanh, Linear(6, 6), Tanh, Linear(6, 4)) in float64, saved as
                           net.state_dict() of a module holding it as `net` (keys net.0.weight, ...), so the prefix
                           net. is found; it ends in a bare Linear
  mlp_linear_end.json      F(x) in float64 at a few points, by torch
  lstm_cell_statedict.pt             nn.LSTMCell(2, 3) in float64 and lstm_cell_statedict.json: F(h, c) with input held, by torch
  legacy.pt                the same MLP state dict in the legacy (non-zip) torch.save format
  malicious.pt             a zip whose data.pkl names os.system with a command that would create
                           malicious_ran.txt in the working directory (the reader must refuse it and run nothing)
  malicious_eval.pt        the same with builtins.eval
The files are committed; the suite needs no torch.
"""
import io
import json
import os
import pickle
import zipfile

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Holder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 4))

    def forward(self, x):
        return self.net(x)


def main():
    torch.manual_seed(7)
    m = Holder().double()
    torch.save(m.state_dict(), os.path.join(HERE, "mlp_linear_end.pt"), _use_new_zipfile_serialization=True)
    torch.save(m.state_dict(), os.path.join(HERE, "legacy.pt"), _use_new_zipfile_serialization=False)
    xs = torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(3, 4)
    with torch.no_grad():
        ys = m(xs)
    with open(os.path.join(HERE, "mlp_linear_end.json"), "w") as f:
        json.dump({"x": xs.tolist(), "y": ys.tolist()}, f, indent=1)
        f.write("\n")

    torch.manual_seed(8)
    cell = nn.LSTMCell(2, 3).double()
    torch.save(cell.state_dict(), os.path.join(HERE, "lstm_cell_statedict.pt"), _use_new_zipfile_serialization=True)
    u = torch.tensor([[0.3, -0.7]], dtype=torch.float64)
    h = torch.tensor([[0.1, -0.2, 0.5]], dtype=torch.float64)
    c = torch.tensor([[-0.4, 0.9, 0.05]], dtype=torch.float64)
    with torch.no_grad():
        h1, c1 = cell(u, (h, c))
    with open(os.path.join(HERE, "lstm_cell_statedict.json"), "w") as f:
        json.dump({"u": u[0].tolist(), "x": h[0].tolist() + c[0].tolist(), "y": h1[0].tolist() + c1[0].tolist()}, f, indent=1)
        f.write("\n")

    class Payload:
        def __reduce__(self):
            return (os.system, ("touch malicious_ran.txt",))

    # pickle writes os.system as posix.system on Linux; name it os.system as a file from anywhere would.
    data = pickle.dumps({"0.weight": Payload()}, protocol=2).replace(b"cposix\nsystem\n", b"cos\nsystem\n")
    write_zip("malicious.pt", data)

    class EvalPayload:
        def __reduce__(self):
            return (eval, ("open('malicious_ran.txt', 'w').close()",))

    write_zip("malicious_eval.pt", pickle.dumps({"0.weight": EvalPayload()}, protocol=2).replace(b"c__builtin__\neval\n", b"cbuiltins\neval\n"))


def write_zip(name, data):
    stem = name[:-3]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for info, payload in ((f"{stem}/data.pkl", data), (f"{stem}/version", b"3\n")):
            zi = zipfile.ZipInfo(info, date_time=(2020, 1, 1, 0, 0, 0))
            z.writestr(zi, payload)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(buf.getvalue())


if __name__ == "__main__":
    main()
