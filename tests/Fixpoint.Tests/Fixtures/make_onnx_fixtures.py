#!/usr/bin/python3
"""Writes the ONNX and safetensors test fixtures in this folder.

Needs Debian's python3-onnx and python3-numpy (apt-get install -y python3-onnx), run with
/usr/bin/python3. The files are committed, so the tests and CI need no Python; rerunning this
script rewrites them bit for bit (fixed seeds, no timestamps).

Every network here is square (N inputs, N outputs) unless its name says otherwise.
expected_outputs.json holds F(x) computed in NumPy (float64) at a few points for each model, so
the C# tests compare ONNX Runtime against an independent evaluation.
"""
import json
import os
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
IR_VERSION = 7


def save(model, name):
    onnx.checker.check_model(model)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(model.SerializeToString())


def make_model(nodes, inputs, outputs, initializers, name):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=initializers)
    model = helper.make_model(graph, producer_name="fixpoint-fixtures",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model


def write_safetensors(path, tensors, metadata, dtype=np.float32):
    """tensors: list of (name, array). Writes a safetensors file by hand (no torch needed)."""
    code = {np.float32: "F32", np.float64: "F64"}[dtype]
    header = {}
    offset = 0
    blobs = []
    for name, a in tensors:
        b = np.ascontiguousarray(a, dtype=dtype).astype("<" + np.dtype(dtype).str[1:]).tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


ACT = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "leaky": lambda z: np.where(z > 0, z, 0.1 * z),
}

rng = np.random.default_rng(20240917)
expected = {}
probe = rng.uniform(-1.5, 1.5, size=(5, 4))


def record(name, f, points):
    expected[name] = {"x": points.tolist(), "y": [f(p).tolist() for p in points]}


# 1. tanh MLP, N = 4, two layers (Gemm with transB = 1, as torch.onnx.export writes nn.Linear), Tanh after each.
#    Weights scaled so that the map has several attracting fixed points (checked by the census tests).
N = 4
W1 = (rng.standard_normal((N, N)) * 1.6).astype(np.float32)
b1 = (rng.standard_normal(N) * 0.3).astype(np.float32)
W2 = (rng.standard_normal((N, N)) * 1.6).astype(np.float32)
b2 = (rng.standard_normal(N) * 0.3).astype(np.float32)


def tanh_mlp(x):
    h = np.tanh(W1.astype(np.float64) @ x + b1)
    return np.tanh(W2.astype(np.float64) @ h + b2)


for dtype, elem, suffix in [(np.float32, TensorProto.FLOAT, ""), (np.float64, TensorProto.DOUBLE, "_f64")]:
    inits = [numpy_helper.from_array(W1.astype(dtype), "fc1.weight"), numpy_helper.from_array(b1.astype(dtype), "fc1.bias"),
             numpy_helper.from_array(W2.astype(dtype), "fc2.weight"), numpy_helper.from_array(b2.astype(dtype), "fc2.bias")]
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["gemm1"], name="fc1", transB=1),
        helper.make_node("Tanh", ["gemm1"], ["h1"], name="act1"),
        helper.make_node("Gemm", ["h1", "fc2.weight", "fc2.bias"], ["gemm2"], name="fc2", transB=1),
        helper.make_node("Tanh", ["gemm2"], ["output"], name="act2"),
    ]
    model = make_model(nodes, [helper.make_tensor_value_info("input", elem, ["batch", N])],
                       [helper.make_tensor_value_info("output", elem, ["batch", N])], inits, "tanh_mlp")
    save(model, f"tanh_mlp{suffix}.onnx")
record("tanh_mlp.onnx", tanh_mlp, probe)
record("tanh_mlp_f64.onnx", tanh_mlp, probe)

# The same weights as a Fixpoint safetensors file (float32, native keys, activation in the metadata).
write_safetensors(os.path.join(HERE, "tanh_mlp.safetensors"),
                  [("layers.0.weight", W1), ("layers.0.bias", b1), ("layers.1.weight", W2), ("layers.1.bias", b2)],
                  {"format": "fixpoint-network/1", "activation": "tanh", "tied": "false", "depth": "2", "residual": "false"})

# The same input/output as tanh_mlp.onnx but with the batch dimension fixed at 1 (ONNX Runtime is called once per point).
inits = [numpy_helper.from_array(W1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(W2, "w2"), numpy_helper.from_array(b2, "b2")]
nodes = [
    helper.make_node("Gemm", ["x", "w1", "b1"], ["g1"], transB=1),
    helper.make_node("Tanh", ["g1"], ["h1"]),
    helper.make_node("Gemm", ["h1", "w2", "b2"], ["g2"], transB=1),
    helper.make_node("Tanh", ["g2"], ["y"]),
]
save(make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, N])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, N])], inits, "tanh_mlp_batch1"),
     "tanh_mlp_batch1.onnx")
record("tanh_mlp_batch1.onnx", tanh_mlp, probe)

# 2. MatMul + Add + Sigmoid, N = 3, hidden width 5 (weights stored in x @ W layout, [in, out]).
A1 = rng.standard_normal((3, 5)).astype(np.float32)
c1 = rng.standard_normal(5).astype(np.float32) * 0.2
A2 = rng.standard_normal((5, 3)).astype(np.float32)
c2 = rng.standard_normal(3).astype(np.float32) * 0.2
nodes = [
    helper.make_node("MatMul", ["x", "A1"], ["m1"]),
    helper.make_node("Add", ["m1", "c1"], ["z1"]),
    helper.make_node("Sigmoid", ["z1"], ["h1"]),
    helper.make_node("MatMul", ["h1", "A2"], ["m2"]),
    helper.make_node("Add", ["c2", "m2"], ["z2"]),  # bias first: Add is commutative
    helper.make_node("Sigmoid", ["z2"], ["y"]),
]
save(make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
                [numpy_helper.from_array(A1, "A1"), numpy_helper.from_array(c1, "c1"),
                 numpy_helper.from_array(A2, "A2"), numpy_helper.from_array(c2, "c2")], "sigmoid_matmul"),
     "sigmoid_matmul.onnx")
sig = ACT["sigmoid"]
record("sigmoid_matmul.onnx",
       lambda x: sig(sig(x @ A1.astype(np.float64) + c1) @ A2.astype(np.float64) + c2), probe[:, :3])

# 3. Gemm with transB = 0 and alpha/beta, LeakyRelu(alpha = 0.1), N = 2, one layer.
G = rng.standard_normal((2, 2)).astype(np.float32)  # [in, out]
gb = rng.standard_normal(2).astype(np.float32)
nodes = [
    helper.make_node("Gemm", ["x", "G", "gb"], ["z"], alpha=0.5, beta=2.0),
    helper.make_node("LeakyRelu", ["z"], ["y"], alpha=0.1),
]
save(make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 2])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 2])],
                [numpy_helper.from_array(G, "G"), numpy_helper.from_array(gb, "gb")], "leaky_gemm"),
     "leaky_gemm.onnx")
record("leaky_gemm.onnx",
       lambda x: ACT["leaky"](0.5 * (x @ G.astype(np.float64)) + 2.0 * gb.astype(np.float64)), probe[:, :2])

# 4. Not a plain MLP: Gemm, Tanh, then Mul by a constant 0.5. ONNX Runtime runs it; exact import refuses (Mul).
nodes = [
    helper.make_node("Gemm", ["x", "w1", "b1"], ["g1"], transB=1),
    helper.make_node("Tanh", ["g1"], ["h1"]),
    helper.make_node("Mul", ["h1", "half"], ["y"], name="scale"),
]
save(make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", N])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", N])],
                [numpy_helper.from_array(W1, "w1"), numpy_helper.from_array(b1, "b1"),
                 numpy_helper.from_array(np.array([0.5], dtype=np.float32), "half")], "tanh_mul"),
     "tanh_mul.onnx")
record("tanh_mul.onnx", lambda x: 0.5 * np.tanh(W1.astype(np.float64) @ x + b1), probe)

# 5. Input of rank 3, [batch, 2, 2] (N = 4): y = tanh(0.5 x) entrywise, no layers at all.
nodes = [
    helper.make_node("Mul", ["x", "half"], ["z"]),
    helper.make_node("Tanh", ["z"], ["y"]),
]
save(make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2, 2])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2, 2])],
                [numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half")], "rank3"),
     "tanh_rank3.onnx")
record("tanh_rank3.onnx", lambda x: np.tanh(0.5 * x), probe)

# 6. Two inputs: y = x + z.
nodes = [helper.make_node("Add", ["x", "z"], ["y"])]
save(make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", N]),
                        helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", N])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", N])], [], "two_inputs"),
     "two_inputs.onnx")

# 7. Output size differs from input size: Gemm 4 -> 3.
W3 = rng.standard_normal((3, N)).astype(np.float32)
nodes = [helper.make_node("Gemm", ["x", "w"], ["z"], transB=1), helper.make_node("Tanh", ["z"], ["y"])]
save(make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", N])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
                [numpy_helper.from_array(W3, "w")], "not_square"),
     "not_square.onnx")

# 8. Not ONNX at all.
with open(os.path.join(HERE, "garbage.onnx"), "wb") as f:
    f.write(b"this is not an ONNX model, just text that happens to end in .onnx\n" + bytes(range(256)))

# 9. A PyTorch nn.Sequential(Linear(4, 6), Tanh(), Linear(6, 6), Tanh(), Linear(6, 4), Tanh()) state dict as
#    safetensors.torch.save_file writes it: keys 0.*, 2.*, 4.*, float32, metadata {"format": "pt"}; and the same
#    network as ONNX (as torch.onnx.export writes it: Gemm with transB = 1), to compare the two loaders.
S = [(rng.standard_normal((6, 4)) * 0.9, rng.standard_normal(6) * 0.2),
     (rng.standard_normal((6, 6)) * 0.6, rng.standard_normal(6) * 0.2),
     (rng.standard_normal((4, 6)) * 0.9, rng.standard_normal(4) * 0.2)]
S = [(w.astype(np.float32), b.astype(np.float32)) for w, b in S]
write_safetensors(os.path.join(HERE, "torch_sequential.safetensors"),
                  [(f"{2 * i}.{k}", t) for i, (w, b) in enumerate(S) for k, t in (("weight", w), ("bias", b))],
                  {"format": "pt"})
nodes, inits, prev = [], [], "input"
for i, (w, b) in enumerate(S):
    inits += [numpy_helper.from_array(w, f"{2 * i}.weight"), numpy_helper.from_array(b, f"{2 * i}.bias")]
    nodes += [helper.make_node("Gemm", [prev, f"{2 * i}.weight", f"{2 * i}.bias"], [f"/{2 * i}/Gemm_output_0"],
                               name=f"/{2 * i}/Gemm", alpha=1.0, beta=1.0, transB=1),
              helper.make_node("Tanh", [f"/{2 * i}/Gemm_output_0"], [f"/{2 * i + 1}/Tanh_output_0" if i < 2 else "output"],
                               name=f"/{2 * i + 1}/Tanh")]
    prev = f"/{2 * i + 1}/Tanh_output_0"
save(make_model(nodes, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", 4])],
                [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", 4])], inits, "main_graph"),
     "torch_sequential.onnx")


def torch_seq(x):
    for w, b in S:
        x = np.tanh(w.astype(np.float64) @ x + b)
    return x


record("torch_sequential.onnx", torch_seq, probe)
record("torch_sequential.safetensors", torch_seq, probe)

# 10. A map with a stable 2-cycle and no attracting fixed point: F(x) = tanh(-2x), N = 1, float64. Its orbit is
#     ±0.9575040240772687 (the positive root of a = tanh(2a)), its fixed point 0 is unstable (F'(0) = -2).
nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1), helper.make_node("Tanh", ["z"], ["y"])]
save(make_model(nodes, [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["batch", 1])],
                [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["batch", 1])],
                [numpy_helper.from_array(np.array([[-2.0]]), "w"), numpy_helper.from_array(np.array([0.0]), "b")], "flip"),
     "tanh_cycle_f64.onnx")
record("tanh_cycle_f64.onnx", lambda x: np.tanh(-2.0 * x), probe[:, :1])

with open(os.path.join(HERE, "expected_outputs.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
print("wrote", len(os.listdir(HERE)), "files in", HERE)
