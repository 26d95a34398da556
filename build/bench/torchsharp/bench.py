#!/usr/bin/python3
"""PyTorch side of the TorchSharp load benchmark.

  make FILE LAYERS WIDTH          torch.save the state dict of the benchmark model (LAYERS square Linear layers + BatchNorm1d)
  make-legacy FILE LAYERS WIDTH   the same in the legacy format (_use_new_zipfile_serialization=False)
  load FILE LAYERS WIDTH   build the model, then time torch.load + load_state_dict(strict=True) of FILE
"""
import json
import resource
import sys
import time

import torch
from torch import nn


def model(layers, width):
    return nn.Sequential(*[nn.Linear(width, width) for _ in range(layers)], nn.BatchNorm1d(width))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(command, path, layers, width):
    torch.set_num_threads(1)
    m = model(int(layers), int(width))
    if command == "make":
        torch.save(m.state_dict(), path)
        return
    if command == "make-legacy":
        torch.save(m.state_dict(), path, _use_new_zipfile_serialization=False)
        return
    before = peak_rss_mb()
    start = time.perf_counter()
    m.load_state_dict(torch.load(path), strict=True)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": round(seconds, 4), "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_mb": round(before, 1)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
