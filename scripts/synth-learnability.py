#!/usr/bin/env python3
"""Learnability and memorisation check of the synthetic suite (`medsilo synth`).

Reads the generated files directly (Pillow for JPEG/PNG, pydicom + pylibjpeg/pyjpegls for DICOM,
including JPEG lossless, JPEG-LS and RLE), resizes every image to 28x28 (area average), windows CT with
the lung window W1500/L-600, and trains the small reference CNN

    C x 28 x 28 -> conv3x3(C->16, pad 1), ReLU, maxpool 2 -> conv3x3(16->32, pad 1), ReLU, maxpool 2
                -> Linear(32*7*7 -> 128), ReLU -> Linear(128 -> K)

with Adam (lr 1e-3, batch 32), seeded, on a patient-grouped split (no patient in both train and test).
Per task it reports:
  central   all hospitals, 70 % of patients train / 30 % test, --epochs epochs;
  single    the largest hospital alone, 50 % of its patients train / 50 % test, --small-epochs epochs
            (small data trained long: the memorisation setting of unlearning audits);
  train and test accuracy, chance (1/K and the test majority-class rate), a mean-intensity baseline
  (nearest class mean of the image's mean grey value: a single-statistic classifier), and the
  loss-threshold membership-inference AUC (Yeom et al. 2018): score = -loss, members = training
  images, non-members = held-out images of the same hospitals; AUC by Mann-Whitney.

Usage:
    medsilo synth --out /tmp/synth            # the default suite, seed 0
    python3 scripts/synth-learnability.py /tmp/synth [--repeats 3] [--json out.json]

Requirements: scripts/synth-learnability-requirements.txt (torch on CPU is enough).
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import pydicom
import torch
import torch.nn as nn
from PIL import Image
from pydicom.pixels import apply_modality_lut

LUNG_WINDOW = (-600.0, 1500.0)  # level, width


def load_image(path, task):
    if task == "ct":
        ds = pydicom.dcmread(path)
        hu = apply_modality_lut(ds.pixel_array, ds).astype(np.float32)
        level, width = LUNG_WINDOW
        x = np.clip((hu - (level - width / 2)) / width, 0, 1)
        img = Image.fromarray((x * 255).round().astype(np.uint8), mode="L")
    else:
        img = Image.open(path).convert("RGB")
    img = img.resize((28, 28), Image.BOX)
    a = np.asarray(img, dtype=np.float32) / 255.0
    if a.ndim == 2:
        a = a[None]
    else:
        a = a.transpose(2, 0, 1)
    return a


def load_task(root, task):
    folder = os.path.join(root, task)
    with open(os.path.join(folder, "labels.csv")) as f:
        rows = list(csv.DictReader(f))
    classes = sorted({r["label"] for r in rows})
    x = np.stack([load_image(os.path.join(folder, r["path"]), task) for r in rows])
    y = np.array([classes.index(r["label"]) for r in rows])
    patients = np.array([r["patient"] for r in rows])
    hospitals = np.array([r["hospital"] for r in rows])
    return x, y, patients, hospitals, classes


class SmallCNN(nn.Module):
    def __init__(self, channels, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, classes))

    def forward(self, x):
        return self.head(self.features(x))


def patient_split(patients, fraction, rng):
    unique = np.array(sorted(set(patients)))
    rng.shuffle(unique)
    cut = max(1, int(round(len(unique) * fraction)))
    train = set(unique[:cut])
    mask = np.array([p in train for p in patients])
    return mask, ~mask


def auc(members, nonmembers):
    """P(score of a member > score of a non-member), ties counted half (Mann-Whitney U / n1 n2)."""
    scores = np.concatenate([members, nonmembers])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n1, n2 = len(members), len(nonmembers)
    return (ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n2)


def mean_intensity_baseline(x, y, train, test, k):
    stat = x.mean(axis=(1, 2, 3))
    means = np.array([stat[train][y[train] == c].mean() if (y[train] == c).any() else np.inf for c in range(k)])
    predicted = np.abs(stat[test][:, None] - means[None]).argmin(axis=1)
    return float((predicted == y[test]).mean())


def train_and_audit(x, y, train, test, k, epochs, seed):
    torch.manual_seed(seed)
    mean = x[train].mean(axis=(0, 2, 3), keepdims=True)
    std = x[train].std(axis=(0, 2, 3), keepdims=True) + 1e-6
    xt = torch.tensor((x - mean) / std, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long)
    model = SmallCNN(x.shape[1], k)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    index = np.flatnonzero(train)
    generator = np.random.default_rng(seed)
    for _ in range(epochs):
        model.train()
        generator.shuffle(index)
        for start in range(0, len(index), 32):
            batch = index[start:start + 32]
            optimiser.zero_grad()
            loss = loss_fn(model(xt[batch]), yt[batch])
            loss.backward()
            optimiser.step()
    model.eval()
    with torch.no_grad():
        logits = model(xt)
        losses = nn.functional.cross_entropy(logits, yt, reduction="none").numpy()
        predicted = logits.argmax(1).numpy()
    return {
        "train_acc": float((predicted[train] == y[train]).mean()),
        "test_acc": float((predicted[test] == y[test]).mean()),
        "mia_auc": float(auc(-losses[train], -losses[test])),
        "train_loss": float(losses[train].mean()),
        "test_loss": float(losses[test].mean()),
    }


def summarise(runs):
    out = {}
    for key in runs[0]:
        values = np.array([r[key] for r in runs])
        out[key] = float(values.mean())
        out[key + "_sd"] = float(values.std())
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", help="the --out folder of medsilo synth")
    parser.add_argument("--tasks", default="derm,ct,path")
    parser.add_argument("--epochs", type=int, default=30, help="central training epochs")
    parser.add_argument("--small-epochs", type=int, default=150, help="single-hospital training epochs")
    parser.add_argument("--repeats", type=int, default=3, help="split/training seeds per setting")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    torch.set_flush_denormal(True)

    results = {}
    for task in args.tasks.split(","):
        started = time.time()
        x, y, patients, hospitals, classes = load_task(args.root, task)
        k = len(classes)
        names, counts = np.unique(hospitals, return_counts=True)
        largest = names[counts.argmax()]
        settings = {}
        for setting in ("central", "single"):
            runs = []
            for repeat in range(args.repeats):
                rng = np.random.default_rng(1000 + repeat)
                if setting == "central":
                    subset = np.ones(len(y), dtype=bool)
                    fraction, epochs = 0.7, args.epochs
                else:
                    subset = hospitals == largest
                    fraction, epochs = 0.5, args.small_epochs
                train_sub, test_sub = patient_split(patients[subset], fraction, rng)
                train = np.zeros(len(y), dtype=bool)
                test = np.zeros(len(y), dtype=bool)
                train[np.flatnonzero(subset)[train_sub]] = True
                test[np.flatnonzero(subset)[test_sub]] = True
                run = train_and_audit(x, y, train, test, k, epochs, seed=repeat)
                run["mean_intensity_acc"] = mean_intensity_baseline(x, y, train, test, k)
                run["majority_acc"] = float((y[test] == np.bincount(y[train], minlength=k).argmax()).mean())
                run["train_images"] = int(train.sum())
                run["test_images"] = int(test.sum())
                runs.append(run)
            settings[setting] = summarise(runs)
        results[task] = {"classes": classes, "chance": 1 / k, "images": int(len(y)), "hospital": str(largest),
                         "seconds": round(time.time() - started, 1), **settings}
        print(f"{task}: {len(y)} images, {k} classes, {results[task]['seconds']} s", file=sys.stderr)

    print("| task | setting | train imgs | test imgs | epochs | train acc | test acc | chance 1/K | majority "
          "| mean-intensity acc | MIA AUC |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for task, r in results.items():
        for setting in ("central", "single"):
            s = r[setting]
            epochs = args.epochs if setting == "central" else args.small_epochs
            label = "all hospitals" if setting == "central" else f"one hospital ({r['hospital']})"
            print(f"| {task} | {label} | {s['train_images']:.0f} | {s['test_images']:.0f} | {epochs} "
                  f"| {s['train_acc']:.2f} ± {s['train_acc_sd']:.2f} | {s['test_acc']:.2f} ± {s['test_acc_sd']:.2f} "
                  f"| {r['chance']:.2f} | {s['majority_acc']:.2f} | {s['mean_intensity_acc']:.2f} "
                  f"| {s['mia_auc']:.2f} ± {s['mia_auc_sd']:.2f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
