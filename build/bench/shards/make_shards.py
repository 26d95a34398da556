#!/usr/bin/python3
"""Sharded copies of the TorchSharp load benchmark's model (build/bench/torchsharp/bench.py), as Hugging Face shards:

  make DIR LAYERS WIDTH SHARDS   DIR/single.safetensors, DIR/safetensors/ (SHARDS shards + model.safetensors.index.json)
                                 and DIR/bin/ (SHARDS torch.save shards + pytorch_model.bin.index.json)
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torchsharp"))
from bench import model  # noqa: E402

ST = {torch.float32: "F32", torch.int64: "I64"}


def save_safetensors(state, path):
    header, offset = {}, 0
    for name, t in state.items():
        size = t.numel() * t.element_size()
        header[name] = {"dtype": ST[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for t in state.values():
            f.write(t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())


def write(state, folder, shards, stem, extension, save, index_name):
    os.makedirs(folder, exist_ok=True)
    names = list(state)
    per = -(-len(names) // shards)
    weight_map = {}
    for i in range(shards):
        file = f"{stem}-{i + 1:05d}-of-{shards:05d}.{extension}"
        part = {n: state[n] for n in names[i * per:(i + 1) * per]}
        save(part, os.path.join(folder, file))
        weight_map.update({n: file for n in part})
    total = sum(t.numel() * t.element_size() for t in state.values())
    with open(os.path.join(folder, index_name), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)


def make(folder, layers, width, shards):
    torch.manual_seed(0)
    state = model(int(layers), int(width)).state_dict()
    save_safetensors(state, os.path.join(folder, "single.safetensors"))
    write(state, os.path.join(folder, "safetensors"), int(shards), "model", "safetensors", save_safetensors, "model.safetensors.index.json")
    write(state, os.path.join(folder, "bin"), int(shards), "pytorch_model", "bin", torch.save, "pytorch_model.bin.index.json")


if __name__ == "__main__":
    {"make": make}[sys.argv[1]](*sys.argv[2:])
