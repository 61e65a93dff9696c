"""Writes nan_weight.onnx: x -> tanh(x W) with one NaN in W, for the test that a damaged ONNX model is refused.
Run with Debian's python3 (onnx 1.12, numpy): /usr/bin/python3 make_nan_onnx.py"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

W = np.array([[0.5, np.nan], [0.0, 0.5]], dtype=np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Tanh", ["h"], ["y"])],
    "nan_weight",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
    [numpy_helper.from_array(W, "W")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.save(model, "nan_weight.onnx")
