#!/usr/bin/python3
"""Real-PyTorch side of ModelStore.OnnxRuntime's tests (Debian's /usr/bin/python3 + python3-torch).

  make FOLDER   exports a small CNN with torch.onnx.export to FOLDER/cnn.onnx, saves its state dict to
                FOLDER/cnn.pt (not ONNX, for the refusal), and writes FOLDER/manifest.json with a fixed input
                and PyTorch's output for it.
"""
import json
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


if __name__ == "__main__":
    {"make": make}[sys.argv[1]](sys.argv[2])
