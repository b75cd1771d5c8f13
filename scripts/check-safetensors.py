#!/usr/bin/env python3
"""A model MedSilo trained, loaded into PyTorch: same predictions, same loss.

Reads RUN/model.safetensors (parsed here from the format's definition: an 8-byte little-endian header
length, a JSON header, raw F32 data) into the PyTorch version of its architecture (cnn-small or
cnn-large, built from the same specification as scripts/torch-reference.py), evaluates the store's test
split (images.bin as stored, uint8 → v/255, normalised with store.json's per-channel mean and
deviation; first class from labels.bin; split from samples.bin) and compares accuracy and mean
cross-entropy with RUN/metrics.json's last epoch. Exit 1 when they differ by more than one sample's
worth of accuracy or 1e-4 relative loss.

    python3 scripts/check-safetensors.py RUN STORE

Runs under .build/torch-venv (see `make torch-reference`).
"""
import json
import os
import struct
import sys
import warnings
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
venv = ROOT / ".build" / "torch-venv"
if Path(sys.prefix).resolve() != venv.resolve() and (venv / "bin" / "python").exists():
    os.execv(str(venv / "bin" / "python"), [str(venv / "bin" / "python"), __file__, *sys.argv[1:]])
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def read_safetensors(path):
    data = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", f"{name}: {info['dtype']}"
        begin, end = info["data_offsets"]
        values = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=torch.float32)
        tensors[name] = values.reshape(info["shape"])
    return tensors, metadata


def architecture(name, channels, classes):
    """Convolution widths per stage and the side after pooling, as MedSilo's ModelZoo defines them."""
    widths, side = {"cnn-small": ([16, 32], 7), "cnn-large": ([16, 32, 64], 8)}[name]
    layers, previous = [], channels
    for index, width in enumerate(widths, 1):
        layers += [(f"conv{index}", nn.Conv2d(previous, width, 3, padding=1)), (f"relu{index}", nn.ReLU()),
                   (f"pool{index}", nn.MaxPool2d(2))]
        previous = width
    layers += [("flatten", nn.Flatten()), ("fc1", nn.Linear(previous * side * side, 128)), ("relu_fc1", nn.ReLU()),
               ("fc2", nn.Linear(128, classes))]
    return nn.Sequential(OrderedDict(layers))


def test_split(store):
    meta = json.loads((Path(store) / "store.json").read_text())
    count, (c, h, w), k = meta["count"], meta["shape"], len(meta["classes"])
    raw = (Path(store) / "images.bin").read_bytes()
    if meta["preprocessing"]["storage"] == "uint8":
        images = torch.frombuffer(bytearray(raw), dtype=torch.uint8).float() / 255
    else:
        images = torch.frombuffer(bytearray(raw), dtype=torch.float32)
    images = images.reshape(count, c, h, w)
    mean = torch.tensor(meta["normalization"]["mean"], dtype=torch.float32).reshape(1, c, 1, 1)
    std = torch.tensor(meta["normalization"]["std"], dtype=torch.float32).reshape(1, c, 1, 1)
    labels = torch.frombuffer(bytearray((Path(store) / "labels.bin").read_bytes()), dtype=torch.uint8).reshape(count, k)
    records = (Path(store) / "samples.bin").read_bytes()
    test = [i for i in range(count) if records[8 * i] == 2 and labels[i].any()]
    first = [int(labels[i].nonzero()[0]) for i in test]
    return (images[test] - mean) / std, torch.tensor(first), meta


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    run, store = sys.argv[1:]
    tensors, metadata = read_safetensors(Path(run) / "model.safetensors")
    x, y, meta = test_split(store)
    model = architecture(metadata["medsilo.architecture"], meta["shape"][0], len(meta["classes"]))
    model.load_state_dict(tensors, strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(x)
    accuracy = (logits.argmax(1) == y).float().mean().item()
    loss = nn.functional.cross_entropy(logits, y).item()
    final = json.loads((Path(run) / "metrics.json").read_text())["final"]
    expected_accuracy, expected_loss = final["test"]["accuracy"], final["testLoss"]
    print(f"{metadata['medsilo.architecture']} on {len(y)} test samples: PyTorch accuracy {accuracy:.4f} loss {loss:.6f}; "
          f"MedSilo accuracy {expected_accuracy:.4f} loss {expected_loss:.6f}")
    ok = abs(accuracy - expected_accuracy) <= 1 / len(y) + 1e-9 and abs(loss - expected_loss) <= 1e-4 * max(1, abs(expected_loss))
    print("agree" if ok else "DISAGREE")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
