#!/usr/bin/python3
"""Sharded weights written by real PyTorch (Debian's /usr/bin/python3 + python3-torch) the way Hugging Face shards them.

  make FOLDER   trains a small model a few steps and saves it four ways: single.safetensors and single.pt (one file),
                safetensors/ (3 shards model-0000N-of-00003.safetensors + model.safetensors.index.json) and
                bin/ (2 shards pytorch_model-0000N-of-00002.bin written by torch.save + pytorch_model.bin.index.json),
                each index as transformers writes it ({"metadata": {"total_size"}, "weight_map"}, sorted, indent 2);
                manifest.json holds every tensor's exact bytes and the model's output on a fixed input.
  encoder FOLDER
                the small BERT-like sentence encoder of ModelStore.OnnxRuntime.Tests (bert_fixtures.py, linked here) as
                3 safetensors shards + index in FOLDER/encoder/, with encoder.json: its sizes, token ids and attention
                mask of a padded batch, and PyTorch's sentence embeddings for them.
The safetensors shards are written by pytorch_fixtures.save_safetensors (an independent writer, not ours).
"""
import json
import os
import sys

import torch
from torch import nn

from pytorch_fixtures import describe, save_safetensors, tensor_bytes


def build():
    return nn.Sequential(
        nn.Linear(32, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.LayerNorm(64),
        nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 48), nn.ReLU(), nn.Linear(48, 10))


def split(state, count):
    """Consecutive groups of about equal byte size, as transformers' shard_checkpoint cuts a state dict."""
    total = sum(len(tensor_bytes(t)) for t in state.values())
    shards, current, size = [], {}, 0
    for name, t in state.items():
        current[name] = t
        size += len(tensor_bytes(t))
        if size >= total * (len(shards) + 1) / count and len(shards) < count - 1:
            shards.append(current)
            current = {}
    shards.append(current)
    assert len(shards) == count and all(shards), [list(s) for s in shards]
    return shards, total


def write_sharded(state, folder, count, stem, extension, save):
    os.makedirs(folder, exist_ok=True)
    shards, total = split(state, count)
    weight_map = {}
    for i, shard in enumerate(shards, 1):
        name = f"{stem}-{i:05d}-of-{count:05d}.{extension}"
        save(shard, os.path.join(folder, name))
        weight_map.update({key: name for key in shard})
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    index_name = "model.safetensors.index.json" if extension == "safetensors" else "pytorch_model.bin.index.json"
    with open(os.path.join(folder, index_name), "w") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")


def make(folder):
    torch.manual_seed(21)
    model = build().train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        loss = model(torch.randn(8, 32)).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    save_safetensors(state, os.path.join(folder, "single.safetensors"))
    torch.save(state, os.path.join(folder, "single.pt"))
    write_sharded(state, os.path.join(folder, "safetensors"), 3, "model", "safetensors", save_safetensors)
    write_sharded(state, os.path.join(folder, "bin"), 2, "pytorch_model", "bin", lambda s, p: torch.save(s, p))
    torch.manual_seed(5)
    x = torch.randn(2, 32)
    with torch.no_grad():
        y = model(x)
    manifest = {"tensors": {k: describe(v) for k, v in state.items()},
                "input": {"shape": list(x.shape), "values": x.reshape(-1).tolist()},
                "output": y.reshape(-1).tolist()}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)


def encoder(folder):
    import bert_fixtures as bert
    vocab = {token: i for i, token in enumerate(bert.VOCAB)}
    model = bert.trained_encoder()
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    write_sharded(state, os.path.join(folder, "encoder"), 3, "model", "safetensors", save_safetensors)
    ids = [bert.encode(s, vocab) for s in bert.SENTENCES]
    length = max(len(i) for i in ids)
    input_ids = torch.tensor([i + [0] * (length - len(i)) for i in ids], dtype=torch.int64)
    mask = torch.tensor([[1] * len(i) + [0] * (length - len(i)) for i in ids], dtype=torch.int64)
    with torch.no_grad():
        embeddings = bert.embed(model, input_ids, mask)
    with open(os.path.join(folder, "encoder.json"), "w") as f:
        json.dump({"vocab_size": len(bert.VOCAB), "hidden": bert.HIDDEN, "layers": bert.LAYERS, "heads": bert.HEADS, "type_vocab": bert.TYPE_VOCAB,
                   "ffn": bert.FFN, "max_positions": bert.MAX_POSITIONS, "ids": input_ids.tolist(), "mask": mask.tolist(),
                   "embeddings": embeddings.tolist(), "tensors": {k: describe(v) for k, v in state.items()}}, f)


if __name__ == "__main__":
    {"make": make, "encoder": encoder}[sys.argv[1]](sys.argv[2])
