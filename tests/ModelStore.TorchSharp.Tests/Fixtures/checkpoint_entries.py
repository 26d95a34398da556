#!/usr/bin/python3
"""Checkpoints whose entries beside the state dict hold harmless Python values and objects of unknown classes, plus
files with quantized and sparse tensors, made by real PyTorch and NumPy for CheckpointEntriesTests
(run with Debian's /usr/bin/python3 + python3-torch).

  make FOLDER   writes a Lightning-like checkpoint ({"state_dict", "hyper_parameters", "epoch", "optimizer_states"})
                with pickle protocols 2 (torch.save's default), 4 and 5 and in the legacy format; state dicts that hold
                something other than tensors; quantized and sparse tensors; and manifest.json: the state dict's exact
                bytes and every hyper-parameter as PyTorch and NumPy report it here.
  seeds FOLDER  writes the small valid files ReaderFuzzTests mutates: a checkpoint with views, a float16 tensor and
                harmless hyper-parameters, in the zip and the legacy format.
"""
import argparse
import collections
import json
import os
import sys

import numpy as np
import torch
from torch import nn

from pytorch_fixtures import describe, trained
from wild_fixtures import Payload, optimizer_state


class RunConfig:
    """A class of the training script: no reader can know it."""

    def __init__(self):
        self.name = "run-7"
        self.layers = [64, 32]


class Params(dict):
    """A dict subclass, as Lightning's AttributeDict."""


class Tags(list):
    """A list subclass."""


def numpy_value(value):
    """A NumPy scalar or array as the test compares it: its dtype, shape and little-endian C-order bytes."""
    array = np.asarray(value)
    if array.dtype == object:
        return {"dtype": "object", "shape": list(array.shape), "items": array.reshape(-1).tolist()}
    little = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"))
    return {"dtype": str(array.dtype.newbyteorder("=")), "shape": list(array.shape), "hex": little.tobytes().hex()}


def hyper_parameters(marker):
    numpy_values = {
        "third": np.float64(1) / 3,
        "momentum": np.float32(0.9),
        "half": np.float16(0.1),
        "seed": np.int64(-42),
        "small": np.int8(-3),
        "count": np.uint16(65000),
        "flag": np.bool_(True),
        "mean": np.array([0.485, 0.456, 0.406], dtype=np.float32),
        "grid": np.arange(6, dtype=np.int64).reshape(2, 3),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4) / 7),
        "big_endian": np.arange(3, dtype=">i4"),
        "zero_d": np.array(2.5),
        "objects": np.array(["a", 1], dtype=object),
    }
    values = {
        "input_size": torch.Size([1, 28, 28]),
        "labels": {"cat", "dog"},
        "frozen": frozenset([3, 5]),
        "salt": b"\x00\x01\xfe\xff",
        "empty": b"",
        "buffer": bytearray(b"ok\x80"),
        "dtype": torch.float16,
        "bf16": torch.bfloat16,
        "ordered": collections.OrderedDict([("b", 2), ("a", 1)]),
        "namespace": argparse.Namespace(lr=0.1, layers=[1, 2]),
        "config": RunConfig(),
        "params": Params(depth=3),
        "tags": Tags(["x", "y"]),
        "device": torch.device("cpu"),
        "payload": Payload(marker),  # posix.system: recorded as data, never run
        **numpy_values,
    }
    expected = {
        "input_size": list(values["input_size"]),
        "labels": sorted(values["labels"]),
        "frozen": sorted(values["frozen"]),
        "salt": values["salt"].hex(),
        "buffer": bytes(values["buffer"]).hex(),
        "dtype": str(values["dtype"]),
        "bf16": str(values["bf16"]),
        "namespace_class": f"{argparse.Namespace.__module__}.{argparse.Namespace.__qualname__}",
        "config_class": f"{RunConfig.__module__}.{RunConfig.__qualname__}",
        "params_class": f"{Params.__module__}.{Params.__qualname__}",
        "tags_class": f"{Tags.__module__}.{Tags.__qualname__}",
        "payload_class": f"{os.system.__module__}.{os.system.__name__}",
        "numpy": {k: numpy_value(v) for k, v in numpy_values.items()},
    }
    return values, expected


def make(folder):
    model = trained("cnn", seed=3)
    state = model.state_dict()
    marker = f"{folder}/pwned"
    hyper, expected = hyper_parameters(marker)
    manifest = {"tensors": {k: describe(v) for k, v in state.items()}, "hyper_parameters": expected, "marker": marker}
    opt = optimizer_state(trained("cnn", seed=3))
    manifest["exp_avg_0"] = describe(opt["state"][0]["exp_avg"])
    checkpoint = {"epoch": 3, "global_step": 30, "state_dict": state, "optimizer_states": [opt], "hyper_parameters": hyper}

    torch.save(checkpoint, f"{folder}/lightning-p2.pt")
    torch.save(checkpoint, f"{folder}/lightning-p4.pt", pickle_protocol=4)
    torch.save(checkpoint, f"{folder}/lightning-p5.pt", pickle_protocol=5)
    torch.save(checkpoint, f"{folder}/lightning-legacy.pt", _use_new_zipfile_serialization=False)

    # Inside the state dict the allow-list stays strict: an object there, harmless or not, is refused.
    torch.save({"state_dict": dict(state, evil=Payload(marker)), "epoch": 1}, f"{folder}/object-in-state-dict.pt")
    torch.save(dict(state, shape=torch.Size([2])), f"{folder}/size-in-state-dict.pt")

    # Quantized and sparse tensors: refused with their own codes.
    torch.manual_seed(8)
    torch.save({"weight": torch.quantize_per_tensor(torch.randn(4), 0.1, 0, torch.qint8)}, f"{folder}/quantized.pt")
    dynamic = torch.quantization.quantize_dynamic(nn.Sequential(nn.Linear(4, 2)), {nn.Linear}, dtype=torch.qint8)
    torch.save(dynamic.state_dict(), f"{folder}/quantized-dynamic.pt")
    torch.save(dynamic.state_dict(), f"{folder}/quantized-dynamic-legacy.pt", _use_new_zipfile_serialization=False)
    torch.save({"weight": torch.randn(3, 3).to_sparse()}, f"{folder}/sparse-coo.pt")
    torch.save({"weight": torch.randn(3, 3).to_sparse_csr()}, f"{folder}/sparse-csr.pt")

    with open(f"{folder}/manifest.json", "w") as f:
        json.dump(manifest, f)


def seeds(folder):
    base = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    state = collections.OrderedDict(weight=base, bias=torch.zeros(2, dtype=torch.float16), transposed=base.t(), steps=torch.tensor(3))
    hyper = {"size": torch.Size([2, 3]), "tags": {"a"}, "salt": b"\x00\xff", "dtype": torch.float16, "lr": np.float32(0.5),
             "mean": np.arange(3, dtype=np.float32), "args": argparse.Namespace(lr=0.1)}
    checkpoint = {"state_dict": state, "epoch": 1, "hyper_parameters": hyper}
    torch.save(checkpoint, f"{folder}/seed-zip.pt")
    torch.save(checkpoint, f"{folder}/seed-legacy.pt", _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    {"make": make, "seeds": seeds}[sys.argv[1]](sys.argv[2])
