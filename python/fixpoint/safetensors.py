"""A small reader for the safetensors format (https://huggingface.co/docs/safetensors), on NumPy only.

Layout: an 8-byte little-endian unsigned header length n, n bytes of UTF-8 JSON (per tensor ``dtype``,
``shape``, ``data_offsets`` [begin, end) relative to the end of the header; optional ``__metadata__``, a map of
strings), then the data, little-endian and row-major.
"""

import json
import struct

import numpy as np

_DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "u1",
    "BOOL": "?",
}


class SafetensorsError(ValueError):
    """The file is not a well-formed safetensors file."""


def read_safetensors(path):
    """Returns ``(tensors, metadata)``: a dict name -> NumPy array (a copy, native byte order) and the
    ``__metadata__`` dict (empty when absent). BF16 tensors are widened to float32."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise SafetensorsError(f"{path}: {len(data)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise SafetensorsError(f"{path}: header of {n} bytes runs beyond the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header is not a JSON object")
    body = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        try:
            dtype, shape, (begin, end) = info["dtype"], [int(s) for s in info["shape"]], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"{path}: tensor {name!r} lacks dtype, shape or data_offsets") from None
        if not 0 <= begin <= end <= len(body):
            raise SafetensorsError(f"{path}: tensor {name!r} data [{begin}, {end}) lies outside the {len(body)} data bytes")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        raw = body[begin:end]
        if dtype == "BF16":
            if len(raw) != 2 * count:
                raise SafetensorsError(f"{path}: tensor {name!r} has {len(raw)} bytes for {count} BF16 values")
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            tensors[name] = bits.view(np.float32).reshape(shape)
            continue
        if dtype not in _DTYPES:
            raise SafetensorsError(f"{path}: tensor {name!r} has unsupported dtype {dtype}")
        dt = np.dtype(_DTYPES[dtype])
        if len(raw) != dt.itemsize * count:
            raise SafetensorsError(f"{path}: tensor {name!r} has {len(raw)} bytes for shape {shape} of {dtype}")
        tensors[name] = np.frombuffer(raw, dtype=dt).reshape(shape).astype(dt.newbyteorder("="))
    return tensors, metadata
