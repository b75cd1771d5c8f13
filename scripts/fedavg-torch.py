#!/usr/bin/env python3
"""Plain-PyTorch FedAvg in one process: the reference for `medsilo-bench federation` (seconds per round).

Why. `medsilo-bench federation` reports how long one synchronous FedAvg round takes in MedSilo. The
question a reader asks next is what the same round costs in the stack they would otherwise use; the
least a Python user would write is this: a loop over hospitals in one process, PyTorch eager on the
CPU, no framework around it. `scripts/federation-vs-torch.py` runs the two side by side.

The setting (the same as FederationBenchmark.swift, all of it overridable by the options below):
  data       --samples (10,000) items of 1x28x28 float32, uniform in [-1, 1), labels uniform in 0..9,
             from numpy's default_rng(--seed), held in memory as two tensors;
  split      Dirichlet label skew over --hospitals (10) with --alpha (0.5): for each class its items are
             shuffled and dealt to the hospitals by shares drawn from Dir(alpha), cut at the rounded
             cumulative shares; a draw where a hospital ends with fewer than --min-size (10) items is
             redrawn (at most 100 times). Written here, not taken from a library; it does not reproduce
             MedSilo's partition bit for bit (another random generator), only its distribution of sizes;
  model      cnn-small: conv3x3(1->16, pad 1), ReLU, maxpool 2 -> conv3x3(16->32, pad 1), ReLU,
             maxpool 2 -> flatten -> Linear(1568->128), ReLU -> Linear(128->10), PyTorch's default
             initialisation seeded with torch.manual_seed(--seed);
  local      one epoch per round over the hospital's items in a fresh random order (torch.Generator
             seeded per round and hospital), batches of 32 gathered from the in-memory tensors, the last
             one partial, mean softmax cross-entropy, SGD lr 0.01 momentum 0.9 without weight decay,
             a fresh optimiser for every hospital in every round (so momentum starts at zero);
  round      synchronous FedAvg, hospitals one after another: for each hospital load the global
             state_dict into the local model, build the optimiser, train the epoch, keep a copy of the
             local state_dict; then the sample-weighted mean of those copies (accumulated in float64,
             as MedSilo does in Double) is loaded into the global model.

What is timed. Data, split and models are made first, then one untimed warm-up local epoch (hospital
0's items on a throwaway copy of the model: first use of the kernels and allocator). Each round is then
timed whole with time.perf_counter, from reading the global state to loading the average back into it:
copies, training, collection and aggregation, as MedSilo's round. `roundSeconds` is the MEAN over the
rounds (their total wall time / --rounds), the same statistic `medsilo-bench federation` reports; the
median and every round's time are in the JSON too.

Threads: torch.set_num_interop_threads(1) and torch.set_num_threads(--threads), default all logical
CPUs (as medsilo-bench's default).

Run (from the repository root):
  python3 scripts/fedavg-torch.py [--threads N] [--rounds 10] [--hospitals 10] [--samples 10000]
                                  [--alpha 0.5] [--min-size 10] [--seed 1] [--json] [--venv DIR]
When the running interpreter is not the one in --venv (default .build/torch-venv, which
`make federation-vs-torch` creates from scripts/fedavg-requirements.txt) and that one exists, the script
re-runs itself there. With --json the last (only) line is one JSON object:
  {"benchmark": "fedavg-torch", "threads": t, "rounds": r, "roundSeconds": mean, "hospitals": h,
   "samples": n, ...}
where the fields after those six are this side's notes (median, per-round times, hospital sizes,
torch version, CPU seconds per wall second, last round's mean training loss).

scripts/fedavg-flower.py imports this file for the data, split, model and local epoch, so the two
Python sides train exactly the same way; importing it runs nothing.
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLASSES = 10
SIDE = 28
BATCH = 32
LEARNING_RATE = 0.01
MOMENTUM = 0.9


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch.set_num_threads")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--hospitals", type=int, default=10)
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--alpha", type=float, default=0.5, help="Dirichlet alpha of the label skew")
    p.add_argument("--min-size", type=int, default=10, help="fewest items a hospital may get")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--venv", default=str(HERE.parent / ".build" / "torch-venv"))
    args = p.parse_args(argv)
    for name in ("threads", "rounds", "hospitals", "samples"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if not args.alpha > 0:
        p.error("--alpha must be positive")
    return args


def _rerun_in_venv():
    """Re-execute under the project's torch environment when it exists and this interpreter is another."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--venv", default=str(HERE.parent / ".build" / "torch-venv"))
    known, _ = pre.parse_known_args()
    venv = Path(known.venv)
    if Path(sys.prefix).resolve() != venv.resolve() and (venv / "bin" / "python").exists():
        python = venv / "bin" / "python"
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


if __name__ == "__main__":
    _rerun_in_venv()

try:
    import numpy as np  # noqa: E402
    import torch  # noqa: E402
    import torch.nn as nn  # noqa: E402
except ImportError as error:
    sys.exit(f"{error}: create the environment first: python3 -m venv .build/torch-venv && "
             ".build/torch-venv/bin/pip install -r scripts/fedavg-requirements.txt")


def make_data(samples, seed):
    """`samples` random 1x28x28 items in [-1, 1) and labels in 0..9, as float32 / int64 tensors."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, size=samples)
    images = rng.uniform(-1.0, 1.0, size=(samples, 1, SIDE, SIDE)).astype(np.float32)
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))


def dirichlet_split(labels, hospitals, alpha, min_size, seed, attempts=100):
    """Item indices per hospital under Dirichlet(alpha) label skew; redrawn until every hospital has
    at least `min_size` items. `labels` is a 1-D integer array."""
    labels = np.asarray(labels)
    if min_size * hospitals > len(labels):
        raise ValueError(f"{hospitals} hospitals x min size {min_size} needs {min_size * hospitals} items; "
                         f"there are {len(labels)}")
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    smallest = 0
    for _ in range(attempts):
        parts = [[] for _ in range(hospitals)]
        for c in classes:
            items = np.flatnonzero(labels == c)
            rng.shuffle(items)
            shares = rng.dirichlet(np.full(hospitals, alpha))
            cuts = np.rint(np.cumsum(shares) * len(items)).astype(np.int64)
            cuts = np.maximum.accumulate(np.clip(cuts, 0, len(items)))
            cuts[-1] = len(items)
            for h, piece in enumerate(np.split(items, cuts[:-1])):
                parts[h].extend(piece.tolist())
        smallest = min(len(p) for p in parts)
        if smallest >= min_size:
            return [torch.tensor(sorted(p), dtype=torch.int64) for p in parts]
    raise ValueError(f"after {attempts} draws with alpha {alpha} some hospital still had fewer than "
                     f"{min_size} items (the last draw's smallest had {smallest})")


def build_model():
    """cnn-small for 1x28x28 inputs and 10 classes (the layers of Sources/NeuralEngine/Models.swift)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, CLASSES))


def local_seed(seed, round_index, hospital):
    """Seed of one hospital's shuffling in one round: independent of the order hospitals run in."""
    return (seed * 1_000_003 + round_index * 10_007 + hospital) % (2 ** 63)


def local_epoch(model, images, labels, indices, generator):
    """One epoch of SGD (lr 0.01, momentum 0.9, fresh optimiser) over `indices` in a random order.
    Returns (sum of per-item losses, items seen)."""
    optimiser = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM, weight_decay=0.0)
    loss_fn = nn.CrossEntropyLoss()
    order = indices[torch.randperm(len(indices), generator=generator)]
    model.train()
    loss_sum = torch.zeros((), dtype=torch.float64)
    for start in range(0, len(order), BATCH):
        batch = order[start:start + BATCH]
        loss = loss_fn(model(images[batch]), labels[batch])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        loss_sum += loss.detach().double() * len(batch)
    return float(loss_sum), len(order)


def weighted_mean(states, weights):
    """Sum_i w_i * state_i / Sum_i w_i, key by key, accumulated in float64, returned in each key's dtype."""
    total = float(sum(weights))
    mean = {}
    for key, first in states[0].items():
        acc = torch.zeros(first.shape, dtype=torch.float64)
        for state, weight in zip(states, weights):
            acc.add_(state[key].double(), alpha=weight / total)
        mean[key] = acc.to(first.dtype)
    return mean


def fedavg_round(global_model, local_model, images, labels, split, round_index, seed):
    """One synchronous FedAvg round over the non-empty hospitals; returns the mean training loss."""
    global_state = global_model.state_dict()
    states, weights = [], []
    loss_sum, seen = 0.0, 0
    for h, indices in enumerate(split):
        if len(indices) == 0:
            continue
        local_model.load_state_dict(global_state)
        generator = torch.Generator().manual_seed(local_seed(seed, round_index, h))
        hospital_loss, count = local_epoch(local_model, images, labels, indices, generator)
        loss_sum += hospital_loss
        seen += count
        states.append({k: v.detach().clone() for k, v in local_model.state_dict().items()})
        weights.append(len(indices))
    global_model.load_state_dict(weighted_mean(states, weights))
    return loss_sum / max(1, seen)


def main():
    args = parse_args()
    torch.set_num_interop_threads(1)
    torch.set_num_threads(args.threads)
    images, labels = make_data(args.samples, args.seed)
    try:
        split = dirichlet_split(labels.numpy(), args.hospitals, args.alpha, args.min_size, args.seed + 1)
    except ValueError as error:
        sys.exit(f"dirichlet split: {error}")
    torch.manual_seed(args.seed)
    global_model = build_model()
    local_model = build_model()

    # Untimed warm-up: one local epoch on a throwaway copy, so the first timed round does not pay for
    # the first use of the kernels.
    warmup = build_model()
    warmup.load_state_dict(global_model.state_dict())
    local_epoch(warmup, images, labels, split[0], torch.Generator().manual_seed(99))
    del warmup

    times, loss = [], float("nan")
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for r in range(args.rounds):
        start = time.perf_counter()
        loss = fedavg_round(global_model, local_model, images, labels, split, r, args.seed)
        times.append(time.perf_counter() - start)
        if not args.json:
            print(f"round {r + 1}/{args.rounds}: {times[-1]:.3f} s, mean local loss {loss:.4f}", flush=True)
    busy = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
    mean = sum(times) / len(times)
    sizes = [len(s) for s in split]
    if args.json:
        print(json.dumps({
            "benchmark": "fedavg-torch", "threads": args.threads, "rounds": args.rounds,
            "roundSeconds": mean, "hospitals": args.hospitals, "samples": args.samples,
            "statistic": "mean", "roundSecondsMedian": statistics.median(times),
            "roundSecondsEach": [round(t, 4) for t in times], "alpha": args.alpha,
            "hospitalSizes": sizes, "torch": torch.__version__, "busyCpus": round(busy, 2),
            "lastTrainLoss": round(loss, 4)}))
    else:
        print(f"torch {torch.__version__}, {args.threads} thread(s), {args.hospitals} hospitals of "
              f"{sizes} items: FedAvg round {mean:.3f} s (mean of {args.rounds}; median "
              f"{statistics.median(times):.3f} s), {busy:.2f} CPU s per wall s")


if __name__ == "__main__":
    main()
