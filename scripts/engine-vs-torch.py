#!/usr/bin/env python3
"""MedSilo's engine against PyTorch on this machine, back to back.

Runs `medsilo-bench engine --json` and `scripts/torch-reference.py --json` alternately for several
rounds (MedSilo first in odd rounds, PyTorch first in even ones, so a slow spell of a shared machine
does not always hit the same side) and prints, per model, thread count and phase, each side's median
samples/s over the rounds and their ratio MedSilo ÷ PyTorch (≥ 1 means MedSilo is at least as fast).

    python3 scripts/engine-vs-torch.py [--rounds 3] [--seconds 3] [--bench .build/release/medsilo-bench]

Needs a release build (`swift build -c release --product medsilo-bench`) and the PyTorch venv
(`make torch-reference` creates .build/torch-venv).
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def last_json(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--bench", default=str(ROOT / ".build/release/medsilo-bench"))
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    args = p.parse_args()
    medsilo_cmd = [args.bench, "engine", "--seconds", str(args.seconds), "--json"]
    torch_cmd = [sys.executable, str(ROOT / "scripts/torch-reference.py"), "--threads", "1,2",
                 "--seconds", str(args.seconds), "--json"]
    runs = {"medsilo": [], "pytorch": []}
    for r in range(args.rounds):
        order = [("medsilo", medsilo_cmd), ("pytorch", torch_cmd)]
        if r % 2 == 1:
            order.reverse()
        for name, command in order:
            print(f"round {r + 1}/{args.rounds}: {name}", file=sys.stderr)
            runs[name].append(last_json(command))
    rows = []
    for result in runs["medsilo"][0]["results"]:
        key = (result["model"], result["threads"])
        for phase in ("train", "infer"):
            field = f"{phase}SamplesPerSecond"
            ours = statistics.median(
                next(x[field] for x in run["results"] if (x["model"], x["threads"]) == key) for run in runs["medsilo"])
            theirs = statistics.median(
                next(x[field] for x in run["results"] if (x["model"], x["threads"]) == key) for run in runs["pytorch"])
            rows.append({"model": key[0], "threads": key[1], "phase": phase, "medsilo": round(ours, 1),
                         "pytorch": round(theirs, 1), "ratio": round(ours / theirs, 3)})
    print(f"{'model':<10} {'threads':>7} {'phase':<6} {'MedSilo':>10} {'PyTorch':>10} {'ratio':>7}")
    for row in rows:
        print(f"{row['model']:<10} {row['threads']:>7} {row['phase']:<6} {row['medsilo']:>10,.0f} "
              f"{row['pytorch']:>10,.0f} {row['ratio']:>7.2f}")
    print(f"medians over {args.rounds} alternating rounds; torch {runs['pytorch'][0]['version']}, "
          f"MedSilo BLAS: {runs['medsilo'][0]['blas']}")
    if args.json:
        print(json.dumps({"rounds": args.rounds, "rows": rows, "torch": runs["pytorch"][0]["version"],
                          "blas": runs["medsilo"][0]["blas"]}))


if __name__ == "__main__":
    main()
