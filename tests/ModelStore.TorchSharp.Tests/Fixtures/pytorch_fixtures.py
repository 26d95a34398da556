#!/usr/bin/python3
"""Real-PyTorch side of ModelStore.TorchSharp's interop tests (run with Debian's /usr/bin/python3 + python3-torch).

  make FOLDER     saves state dicts of small real architectures with torch.save (plus safetensors copies,
                  written by the small independent writer below) and a manifest.json describing every
                  tensor's exact bytes and the model outputs on a fixed input.
  verify FOLDER   reads FOLDER/request.json (states written by the C# side), loads each with torch.load or
                  the safetensors reader below + load_state_dict(strict=True), and writes FOLDER/result.json
                  with every tensor's bytes and the model outputs.
"""
import json
import struct
import sys

import torch
from torch import nn

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16, "int64": torch.int64,
          "float64": torch.float64, "int32": torch.int32, "int16": torch.int16, "int8": torch.int8,
          "uint8": torch.uint8, "bool": torch.bool}
ST_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
            torch.float64: "F64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
            torch.bool: "BOOL"}


class Residual(nn.Module):
    def __init__(self, channels=4):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)


def build(arch, classes=3):
    if arch == "mlp":
        return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    if arch == "cnn":
        return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, classes))
    if arch == "residual":
        return Residual()
    raise ValueError(arch)


def input_shape(arch):
    return {"mlp": [2, 8], "cnn": [2, 3, 6, 6], "residual": [2, 4, 5, 5]}[arch]


def tensor_bytes(t):
    return t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def describe(t):
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "hex": tensor_bytes(t).hex()}


def save_safetensors(state, path):
    header, offset, blobs = {}, 0, []
    for name, t in state.items():
        data = tensor_bytes(t)
        header[name] = {"dtype": ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_safetensors(path):
    by_name = {v: k for k, v in ST_NAMES.items()}
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    state = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = by_name[info["dtype"]]
        if end == begin:
            state[name] = torch.empty(info["shape"], dtype=dtype)
            continue
        flat = torch.frombuffer(bytearray(raw[base + begin:base + end]), dtype=torch.uint8)
        state[name] = flat.view(dtype).reshape(info["shape"])
    return state


def trained(arch, seed, classes=3):
    torch.manual_seed(seed)
    model = build(arch, classes)
    model.train()
    with torch.no_grad():
        for _ in range(3):  # gives BatchNorm real running statistics and num_batches_tracked = 3
            model(torch.randn([4] + input_shape(arch)[1:]))
    return model.eval()


def make(folder):
    manifest = {"models": {}, "states": {}}
    for arch in ("mlp", "cnn", "residual"):
        for dtype_name in ("float32", "float16", "bfloat16"):
            model = trained(arch, seed=len(arch))
            model = model.to(DTYPES[dtype_name])
            state = model.state_dict()
            name = f"{arch}-{dtype_name}"
            torch.save(state, f"{folder}/{name}.pt")
            save_safetensors(state, f"{folder}/{name}.safetensors")
            torch.manual_seed(100)
            x = torch.randn(input_shape(arch))
            with torch.no_grad():
                y = model.float()(x)
            manifest["models"][name] = {
                "arch": arch, "dtype": dtype_name,
                "tensors": {k: describe(v) for k, v in state.items()},
                "input": {"shape": list(x.shape), "values": x.reshape(-1).tolist()},
                "output": y.reshape(-1).tolist(),
            }

    head = trained("cnn", seed=7, classes=1000 // 100)
    torch.save(head.state_dict(), f"{folder}/cnn-cls10.pt")

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    halves = torch.arange(10, dtype=torch.float16)
    views = {"base": base, "transposed": base.t(), "slice": base[1:3, 2:5], "tail": base.view(-1)[10:],
             "strided_half": halves[2:8:2], "halves": halves}
    torch.save(views, f"{folder}/views.pt")
    manifest["states"]["views"] = {k: describe(v) for k, v in views.items()}

    ints = {"counts": torch.arange(-5, 7, dtype=torch.int64).reshape(3, 4) * 1_000_000_007,
            "extremes": torch.tensor([2 ** 62, -2 ** 63, 2 ** 63 - 1], dtype=torch.int64),
            "steps": torch.tensor(42, dtype=torch.int64),
            "empty": torch.zeros(0, 3, dtype=torch.int64)}
    torch.save(ints, f"{folder}/int64.pt")
    manifest["states"]["int64"] = {k: describe(v) for k, v in ints.items()}

    parameter = nn.Parameter(torch.linspace(-1, 1, 6, dtype=torch.float64))
    torch.save({"p": parameter}, f"{folder}/parameter.pt")
    manifest["states"]["parameter"] = {"p": describe(parameter)}

    with open(f"{folder}/manifest.json", "w") as f:
        json.dump(manifest, f)


def verify(folder):
    with open(f"{folder}/request.json") as f:
        request = json.load(f)
    result = {}
    for item in request:
        try:
            if item["format"] == "pytorch":
                state = torch.load(item["file"])
            else:
                state = load_safetensors(item["file"])
            entry = {"tensors": {k: describe(v) for k, v in state.items()}}
            if item.get("arch"):
                model = build(item["arch"], item.get("classes", 3)).to(DTYPES[item["dtype"]])
                model.load_state_dict(state, strict=True)
                model.eval()
                x = torch.tensor(item["input"]["values"], dtype=torch.float32).reshape(item["input"]["shape"])
                with torch.no_grad():
                    entry["output"] = model.float()(x).reshape(-1).tolist()
            result[item["name"]] = entry
        except Exception as error:  # reported to the C# side, which fails the test with this message
            result[item["name"]] = {"error": f"{type(error).__name__}: {error}"}
    with open(f"{folder}/result.json", "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    {"make": make, "verify": verify}[sys.argv[1]](sys.argv[2])
