#!/usr/bin/python3
"""Real-PyTorch side of ModelStore.OnnxRuntime's tests (Debian's /usr/bin/python3 + python3-torch).

  make FOLDER   exports a small CNN with torch.onnx.export to FOLDER/cnn.onnx, saves its state dict to
                FOLDER/cnn.pt (not ONNX, for the refusal), and writes FOLDER/manifest.json with a fixed input
                and PyTorch's output for it. The same graph with its weights in an external data file, as ONNX
                stores models over 2 GB: FOLDER/external/cnn.onnx + FOLDER/external/cnn.weights (every initializer's
                raw_data moved there, with location/offset/length and data_location EXTERNAL); and copies whose
                location leaves the folder: escape-parent.onnx ("../outside.weights"), escape-absolute.onnx (an
                absolute path) and escape-link.onnx (a link in the folder to a file outside).
"""
import json
import os
import sys

import torch
from torch import nn


def make(folder):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, 6, 6))
    model.eval()
    torch.manual_seed(100)
    x = torch.randn(2, 3, 6, 6)
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x, f"{folder}/cnn.onnx", input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    torch.save(model.state_dict(), f"{folder}/cnn.pt")
    with open(f"{folder}/manifest.json", "w") as f:
        json.dump({"input": {"shape": list(x.shape), "values": x.reshape(-1).tolist()},
                   "output": {"shape": list(y.shape), "values": y.reshape(-1).tolist()}}, f)
    make_external(folder)


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def fields(data):
    """The (number, wire type, raw field bytes, payload) of each field of a protobuf message."""
    i = 0
    while i < len(data):
        start = i
        key, i = read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(data, i)
            payload = value
        elif wire == 2:
            length, i = read_varint(data, i)
            payload = data[i:i + length]
            i += length
        elif wire == 5:
            payload, i = data[i:i + 4], i + 4
        elif wire == 1:
            payload, i = data[i:i + 8], i + 8
        else:
            raise ValueError(wire)
        yield number, wire, data[start:i], payload


def read_varint(data, i):
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def externalize(model, location, weights):
    """ModelProto bytes with every graph initializer's raw_data (TensorProto field 9) appended to `weights` and
    replaced by external_data (field 13: location, offset, length) and data_location (field 14) = EXTERNAL."""
    out = bytearray()
    for number, wire, raw, payload in fields(model):
        if number != 7:  # ModelProto.graph
            out += raw
            continue
        graph = bytearray()
        for g_number, _, g_raw, g_payload in fields(payload):
            if g_number != 5:  # GraphProto.initializer
                graph += g_raw
                continue
            tensor = bytearray()
            for t_number, _, t_raw, t_payload in fields(g_payload):
                if t_number == 9:  # raw_data
                    offset = len(weights)
                    weights += t_payload
                    for key, value in (("location", location), ("offset", str(offset)), ("length", str(len(t_payload)))):
                        tensor += field(13, field(1, key.encode()) + field(2, value.encode()))
                    tensor += varint(14 << 3) + varint(1)
                else:
                    tensor += t_raw
            graph += field(5, bytes(tensor))
        out += field(7, bytes(graph))
    return bytes(out)


def make_external(folder):
    with open(f"{folder}/cnn.onnx", "rb") as f:
        model = f.read()
    external = f"{folder}/external"
    os.makedirs(external)
    weights = bytearray()
    with open(f"{external}/cnn.onnx", "wb") as f:
        f.write(externalize(model, "cnn.weights", weights))
    with open(f"{external}/cnn.weights", "wb") as f:
        f.write(weights)
    with open(f"{folder}/outside.weights", "wb") as f:
        f.write(weights)
    os.symlink(f"{folder}/outside.weights", f"{external}/linked.weights")
    for name, location in (("escape-parent", "../outside.weights"), ("escape-absolute", f"{folder}/outside.weights"),
                           ("escape-link", "linked.weights")):
        with open(f"{external}/{name}.onnx", "wb") as f:
            f.write(externalize(model, location, bytearray()))


if __name__ == "__main__":
    {"make": make}[sys.argv[1]](sys.argv[2])
