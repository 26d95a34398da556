#!/usr/bin/python3
"""Files as they are found in the wild, made by real PyTorch for ModelStore.TorchSharp's interop tests
(run with Debian's /usr/bin/python3 + python3-torch).

  make FOLDER   writes training checkpoints in common shapes, legacy-format files (torch.save with
                _use_new_zipfile_serialization=False), weights saved from nn.DataParallel, formats that are not
                state dicts (TorchScript, a pickled module, NumPy, ONNX, GGUF, HDF5) and hostile variants, plus
                manifest.json: every expected tensor's exact bytes and the model's outputs on a fixed input.
"""
import io
import json
import os
import pickle
import pickletools
import struct
import sys

import numpy as np
import torch
from torch import nn

from pytorch_fixtures import describe, input_shape, trained


class Payload:
    """Pickles as a call to posix.system: what a hostile checkpoint hides in its optimizer state."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def optimizer_state(model):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    torch.manual_seed(5)
    out = model(torch.randn([4] + input_shape("cnn")[1:]))
    out.sum().backward()
    opt.step()
    model.eval()
    return opt.state_dict()


def legacy_record_offsets(path):
    """Where each storage record (8-byte count + bytes) of a legacy file starts."""
    with open(path, "rb") as f:
        for _ in range(4):  # magic, protocol, system info, the object: walked, never executed
            for _op in pickletools.genops(f):
                pass
        keys = pickle.load(f)
        return f.tell(), keys


def make(folder):
    manifest = {"tensors": {}, "outputs": {}, "entries": {}}
    model = trained("cnn", seed=3)
    state = model.state_dict()
    torch.manual_seed(100)
    x = torch.randn(input_shape("cnn"))
    with torch.no_grad():
        manifest["outputs"]["cnn"] = model(x).reshape(-1).tolist()
    manifest["input"] = {"shape": list(x.shape), "values": x.reshape(-1).tolist()}
    manifest["tensors"]["cnn"] = {k: describe(v) for k, v in state.items()}

    ema = {k: (v * 0.5 if v.is_floating_point() else v) for k, v in state.items()}
    manifest["tensors"]["ema"] = {k: describe(v) for k, v in ema.items()}
    opt = optimizer_state(trained("cnn", seed=3))
    manifest["entries"]["exp_avg_0"] = describe(opt["state"][0]["exp_avg"])

    # Four common checkpoint shapes, and a nested path.
    torch.save({"model": state, "optimizer": opt, "epoch": 3}, f"{folder}/ckpt-model.pt")
    torch.save({"epoch": 7, "global_step": 700, "state_dict": state, "optimizer_states": [opt], "lr_schedulers": [],
                "hyper_parameters": {"lr": 0.01, "name": "cnn", "betas": (0.9, 0.999)}, "metrics": {"acc": 0.91, "loss": [0.5, 0.25]}},
               f"{folder}/ckpt-lightning.pt")
    torch.save({"epoch": 3, "model_state_dict": state, "optimizer_state_dict": opt, "loss": 0.125}, f"{folder}/ckpt-tutorial.pt")
    torch.save({"model": state, "model_ema": ema, "args": None}, f"{folder}/ckpt-ema.pt")
    head = {"weight": torch.randn(2, 3), "bias": torch.zeros(2)}
    nested = dict({f"encoder.{k}": v for k, v in state.items()}, **{f"head.{k}": v for k, v in head.items()})
    torch.save({"checkpoint": {"model": nested}, "step": 12}, f"{folder}/ckpt-nested.pt")

    # Weights saved from nn.DataParallel: every name starts with "module.".
    torch.save(nn.DataParallel(model).state_dict(), f"{folder}/dataparallel.pt")
    torch.save({"state_dict": nn.DataParallel(model).state_dict(), "epoch": 1}, f"{folder}/dataparallel-ckpt.pt")

    # The legacy format: a state dict, views of shared storages, a checkpoint with an optimizer.
    torch.save(state, f"{folder}/legacy-cnn.pt", _use_new_zipfile_serialization=False)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    halves = torch.arange(10, dtype=torch.float16)
    views = {"base": base, "transposed": base.t(), "slice": base[1:3, 2:5], "tail": base.view(-1)[10:],
             "strided_half": halves[2:8:2], "halves": halves, "steps": torch.tensor(42, dtype=torch.int64)}
    torch.save(views, f"{folder}/legacy-views.pt", _use_new_zipfile_serialization=False)
    manifest["tensors"]["views"] = {k: describe(v) for k, v in views.items()}
    torch.save({"model": state, "optimizer": opt, "epoch": 3}, f"{folder}/legacy-ckpt.pt", _use_new_zipfile_serialization=False)

    # Hostile variants: a global hidden in the optimizer part; legacy files whose storage records lie about their size.
    marker = f"{folder}/pwned"
    manifest["marker"] = marker
    hostile_opt = optimizer_state(trained("cnn", seed=3))
    hostile_opt["param_groups"][0]["lr"] = Payload(marker)
    torch.save({"model": state, "optimizer": hostile_opt, "epoch": 3}, f"{folder}/hostile-global.pt")
    torch.save({"model": state, "optimizer": hostile_opt}, f"{folder}/hostile-global-legacy.pt", _use_new_zipfile_serialization=False)
    data = bytearray(open(f"{folder}/legacy-cnn.pt", "rb").read())
    offset, keys = legacy_record_offsets(f"{folder}/legacy-cnn.pt")
    manifest["legacy_records"] = {"offset": offset, "keys": keys}
    huge = bytearray(data)
    huge[offset:offset + 8] = struct.pack("<q", 1 << 40)
    open(f"{folder}/legacy-lying-huge.pt", "wb").write(huge)
    (count,) = struct.unpack_from("<q", data, offset)
    fewer = bytearray(data)
    fewer[offset:offset + 8] = struct.pack("<q", count - 1)
    open(f"{folder}/legacy-lying-fewer.pt", "wb").write(fewer)
    open(f"{folder}/legacy-cut.pt", "wb").write(data[:len(data) - 5])

    # Formats that are not state dicts.
    torch.jit.save(torch.jit.script(model), f"{folder}/torchscript.pt")
    torch.save(model, f"{folder}/whole-module.pt")
    torch.save(model, f"{folder}/whole-module-legacy.pt", _use_new_zipfile_serialization=False)
    np.savez(f"{folder}/arrays.npz", weight=np.ones((2, 3), dtype=np.float32))
    np.save(f"{folder}/array.npy", np.ones(3))
    torch.onnx.export(model, x, f"{folder}/model.onnx")
    with open(f"{folder}/model.gguf", "wb") as f:  # a valid empty GGUF v3 file: magic, version, 0 tensors, 0 metadata
        f.write(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
    with open(f"{folder}/model.h5", "wb") as f:  # the HDF5 signature and a version-0 superblock start
        f.write(b"\x89HDF\r\n\x1a\n" + bytes([0, 0, 0, 0, 0, 8, 8, 0]) + bytes(80))
    with open(f"{folder}/plain.pkl", "wb") as f:
        pickle.dump({"weights": [1.0, 2.0]}, f, protocol=2)

    with open(f"{folder}/manifest.json", "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    {"make": make}[sys.argv[1]](sys.argv[2])
