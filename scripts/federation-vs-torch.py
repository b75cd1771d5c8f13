#!/usr/bin/env python3
"""MedSilo's FedAvg round against plain PyTorch (and optionally Flower) on this machine, back to back.

Runs `medsilo-bench federation --json --threads T`, `scripts/fedavg-torch.py --threads T --json` and,
with --flower, `scripts/fedavg-flower.py --threads T --json`, for T in --threads (1 and 2), all on the
same setting (--samples, --hospitals, --alpha, --fedavg-rounds rounds per run). That is repeated
--rounds times; the order of the sides is reversed in every other repetition, so a slow spell of a
shared machine does not always hit the same side. Each run reports seconds per FedAvg round (the mean
over its rounds, the statistic all three report); this prints, per thread count, each side's median
over the repetitions and the ratio other ÷ MedSilo (> 1 means MedSilo's round is faster), and with
--json ends with one JSON line summarising the same.

    python3 scripts/federation-vs-torch.py [--rounds 3] [--threads 1,2] [--flower] [--flower-parallel]
        [--fedavg-rounds 10] [--samples 10000] [--hospitals 10] [--alpha 0.5]
        [--bench .build/release/medsilo-bench] [--json]

Needs a release build (`swift build -c release --product medsilo-bench`), the PyTorch venv
.build/torch-venv with scripts/fedavg-requirements.txt (`make federation-vs-torch` makes both) and, for
--flower, .build/flwr-venv with scripts/flower-requirements.txt. What each side times is in the
docstrings of FederationBenchmark.swift, fedavg-torch.py and fedavg-flower.py: the whole round for all
three; Flower's figure leaves out one warm-up round, which absorbs Ray's start.
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def last_json(command):
    """The last stdout line of `command` that is a JSON object (Flower logs around its result)."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    for line in reversed(done.stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    sys.exit(f"{' '.join(command)} printed no JSON line:\n{done.stdout[-2000:]}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3, help="repetitions of every run")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--flower", action="store_true", help="also run Flower's simulation (needs .build/flwr-venv)")
    p.add_argument("--flower-parallel", action="store_true",
                   help="with --flower: T Ray actors of one thread each train hospitals at once (fedavg-flower.py --parallel)")
    p.add_argument("--fedavg-rounds", type=int, default=10, help="FedAvg rounds in each run")
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--hospitals", type=int, default=10)
    p.add_argument("--alpha", type=float, default=0.5)
    p.add_argument("--bench", default=str(ROOT / ".build/release/medsilo-bench"))
    p.add_argument("--torch-venv", default=str(ROOT / ".build/torch-venv"))
    p.add_argument("--flower-venv", default=str(ROOT / ".build/flwr-venv"))
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    args = p.parse_args()
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    if args.rounds < 1 or not threads or min(threads) < 1:
        p.error("--rounds and every thread count must be at least 1")
    if not Path(args.bench).exists():
        sys.exit(f"no {args.bench}: swift build -c release --product medsilo-bench")
    if args.flower_parallel:
        args.flower = True
    if args.flower and not (Path(args.flower_venv) / "bin" / "python").exists():
        sys.exit(f"--flower needs {args.flower_venv}: python3 -m venv {args.flower_venv} && "
                 f"{args.flower_venv}/bin/pip install -r scripts/flower-requirements.txt")

    setting = ["--samples", str(args.samples), "--hospitals", str(args.hospitals), "--alpha", str(args.alpha),
               "--rounds", str(args.fedavg_rounds)]

    def commands(t):
        sides = [("medsilo", [args.bench, "federation", "--json", "--threads", str(t), *setting]),
                 ("pytorch", [sys.executable, str(ROOT / "scripts/fedavg-torch.py"), "--threads", str(t), "--json",
                              "--venv", args.torch_venv, *setting])]
        if args.flower:
            sides.append(("flower", [sys.executable, str(ROOT / "scripts/fedavg-flower.py"), "--threads", str(t),
                                     "--json", "--venv", args.flower_venv, *setting,
                                     *(["--parallel"] if args.flower_parallel else [])]))
        return sides

    names = [name for name, _ in commands(1)]
    runs = {(name, t): [] for name in names for t in threads}
    for r in range(args.rounds):
        for t in threads:
            order = commands(t)
            if r % 2 == 1:
                order.reverse()
            for name, command in order:
                print(f"repetition {r + 1}/{args.rounds}, {t} thread(s): {name}", file=sys.stderr, flush=True)
                result = last_json(command)
                if int(result.get("threads", t)) != t:
                    print(f"  note: {name} ran with {result['threads']} thread(s), not {t}", file=sys.stderr)
                runs[(name, t)].append(result)
                print(f"  {result['roundSeconds']:.3f} s per round"
                      + (f", {result['busyCpus']} CPU s per wall s" if "busyCpus" in result else ""),
                      file=sys.stderr, flush=True)
                if result.get("busyCpus", t) < 0.9 * t:
                    print("  note: under 90 % of its threads' CPU time: other work on the machine took cores",
                          file=sys.stderr)

    rows = []
    for t in threads:
        row = {"threads": t}
        for name in names:
            row[name] = round(statistics.median(x["roundSeconds"] for x in runs[(name, t)]), 4)
        for name in names[1:]:
            row[f"{name}Ratio"] = round(row[name] / row["medsilo"], 3)
        rows.append(row)

    labels = {"medsilo": "MedSilo", "pytorch": "PyTorch", "flower": "Flower"}
    header = f"{'threads':>7} {'MedSilo s/round':>16}" + "".join(
        f" {labels[n] + ' s/round':>16} {'ratio':>6}" for n in names[1:])
    print(header)
    for row in rows:
        print(f"{row['threads']:>7} {row['medsilo']:>16.3f}" + "".join(
            f" {row[n]:>16.3f} {row[n + 'Ratio']:>6.2f}" for n in names[1:]))
    versions = {"torch": runs[("pytorch", threads[0])][0].get("torch")}
    if args.flower:
        first = runs[("flower", threads[0])][0]
        versions.update({"flwr": first.get("flwr"), "ray": first.get("ray"),
                         "flowerActors": "T, one thread each" if args.flower_parallel else "1, T threads"})
    print(f"medians over {args.rounds} alternating repetitions of {args.fedavg_rounds} FedAvg rounds each "
          f"({args.hospitals} hospitals, {args.samples} samples, alpha {args.alpha}); ratio = other / MedSilo, "
          f"> 1 means MedSilo is faster; " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    if args.json:
        print(json.dumps({"benchmark": "federation-vs-torch", "repetitions": args.rounds,
                          "fedavgRounds": args.fedavg_rounds, "hospitals": args.hospitals, "samples": args.samples,
                          "alpha": args.alpha, "statistic": "median of per-run mean seconds per round",
                          "rows": rows, **versions}))


if __name__ == "__main__":
    main()
