#!/usr/bin/env python3
"""Flower's simulation of the same FedAvg rounds: the framework reference for `medsilo-bench federation`.

Why. MedSilo claims its federated rounds cost little beyond the local training. Flower is what a
Python user would reach for to simulate federated learning, so its seconds per round on the same
setting are the other yardstick, next to scripts/fedavg-torch.py (plain PyTorch, no framework).

What runs. Flower's Simulation Runtime with the Ray backend, through the Python API
flwr.simulation.run_simulation (a ServerApp with a @main function and a ClientApp with a @train
function; the Message API of Flower 1.21 and later). Flower 1.42 marks run_simulation as deprecated in
favour of the `flwr run` command, which runs the same runtime behind a SuperLink and reads a project's
pyproject.toml; the Python API keeps everything in this one file and in one process tree.
  server     flwr.serverapp.strategy.FedAvg (fraction_train 1, so every hospital every round;
             fraction_evaluate 0, so no client evaluation), started with the cnn-small weights made by
             torch.manual_seed(--seed); its aggregate is the sample-weighted mean keyed by "num-examples";
  clients    --hospitals virtual SuperNodes, partition-id = hospital; each ClientApp call loads the
             global ArrayRecord into a cnn-small, trains one local epoch and replies with the new
             weights and its item count;
  training   data, Dirichlet split, model and local epoch are those of scripts/fedavg-torch.py (this
             file loads it), so both Python sides train identically: 1x28x28 uniform [-1, 1) items,
             alpha --alpha label skew with at least 10 items per hospital, batch 32, SGD lr 0.01
             momentum 0.9, a fresh optimiser per hospital per round;
  resources  Ray gets --threads CPUs and each ClientApp asks for --threads CPUs, so exactly one Ray
             actor exists and hospitals train one after another, as in fedavg-torch.py (and in
             MedSilo's SynchronousFederation with hostThreads 1); inside it torch.set_num_threads(--threads).
             With --parallel each ClientApp asks for 1 CPU instead: --threads actors train that many
             hospitals at once, each on one torch thread (MedSilo's hostThreads > 1 does the same on
             its side). Ray's dashboard stays off (Flower's default).
             Telemetry of Flower and usage statistics of Ray are switched off (no network here anyway).

What is timed. Flower's strategy loop calls its evaluate_fn before round 1 and after every round; here
that function only reads time.perf_counter, so consecutive readings bracket whole rounds: sending the
global ArrayRecord to every node, Ray dispatch, deserialisation, local training, the replies and the
weighted mean, plus Flower's own logging. The first round is a warm-up and is not counted: it also
absorbs the start of Ray, of the actor process, the import of torch there and the making of the data
in it (cached per process afterwards). --rounds rounds follow it; `roundSeconds` is their MEAN (total
/ --rounds), the statistic medsilo-bench and fedavg-torch.py report. The JSON also carries the median,
every round, the warm-up round and the wall time of the whole run_simulation call (start-up and
shut-down of Ray included).

Run (from the repository root), once the environment exists:
  python3 -m venv .build/flwr-venv
  .build/flwr-venv/bin/pip install -r scripts/flower-requirements.txt
  python3 scripts/fedavg-flower.py [--threads N] [--parallel] [--rounds 10] [--hospitals 10] [--samples 10000]
                                   [--alpha 0.5] [--seed 1] [--json] [--venv DIR]
The script re-runs itself under --venv (default .build/flwr-venv) when that exists and this
interpreter is another. With --json the last line of stdout is one JSON object:
  {"benchmark": "fedavg-flower", "threads": t, "rounds": r, "roundSeconds": mean, "hospitals": h,
   "samples": n, ...}
(Flower and Ray log to stdout and stderr before it.)

Installed and run here (Python 3.11, 2 cores): flwr 1.42.0 with ray 2.55.1 and torch 2.13.0+cpu, the
set pinned in scripts/flower-requirements.txt.
"""
import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "fedavg-torch.py"
REFERENCE_MODULE = "medsilo_fedavg_reference"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="CPUs given to Ray and to the one ClientApp actor; torch.set_num_threads there")
    p.add_argument("--rounds", type=int, default=10, help="timed rounds (one untimed warm-up round comes first)")
    p.add_argument("--parallel", action="store_true",
                   help="--threads actors of 1 CPU each, training hospitals at once (default: one actor)")
    p.add_argument("--hospitals", type=int, default=10)
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--alpha", type=float, default=0.5, help="Dirichlet alpha of the label skew")
    p.add_argument("--min-size", type=int, default=10, help="fewest items a hospital may get")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    p.add_argument("--venv", default=str(HERE.parent / ".build" / "flwr-venv"))
    args = p.parse_args()
    for name in ("threads", "rounds", "hospitals", "samples"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if not args.alpha > 0:
        p.error("--alpha must be positive")
    return args


args = parse_args()
venv = Path(args.venv)
if Path(sys.prefix).resolve() != venv.resolve() and (venv / "bin" / "python").exists():
    python = venv / "bin" / "python"
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])

# Read at import by Flower and by Ray (whose workers inherit this environment).
os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

try:
    import flwr  # noqa: E402
    import ray  # noqa: E402
    import torch  # noqa: E402
    from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict  # noqa: E402
    from flwr.clientapp import ClientApp  # noqa: E402
    from flwr.serverapp import Grid, ServerApp  # noqa: E402
    from flwr.serverapp.strategy import FedAvg  # noqa: E402
    from flwr.simulation import run_simulation  # noqa: E402
except ImportError as error:
    sys.exit(f"{error}. Flower's simulation needs its own environment: python3 -m venv .build/flwr-venv && "
             ".build/flwr-venv/bin/pip install -r scripts/flower-requirements.txt")


def reference():
    """scripts/fedavg-torch.py as a module, loaded once per process (the driver and each Ray actor).

    ClientApp functions defined in this script are shipped to Ray actors by value, so they reach the
    shared code by its path and keep per-process state (data, split, model) on that module, which
    stays in the actor's sys.modules between calls."""
    module = sys.modules.get(REFERENCE_MODULE)
    if module is None:
        spec = importlib.util.spec_from_file_location(REFERENCE_MODULE, REFERENCE)
        module = importlib.util.module_from_spec(spec)
        sys.modules[REFERENCE_MODULE] = module
        spec.loader.exec_module(module)
    return module


def hospital_state(config):
    """This process's copy of the data, split and a local model for `config`'s setting, made once."""
    ref = reference()
    key = (int(config["samples"]), int(config["hospitals"]), float(config["alpha"]), int(config["min-size"]),
           int(config["seed"]))
    cache = ref.__dict__.setdefault("flower_cache", {})
    if key not in cache:
        samples, hospitals, alpha, min_size, seed = key
        images, labels = ref.make_data(samples, seed)
        split = ref.dirichlet_split(labels.numpy(), hospitals, alpha, min_size, seed + 1)
        cache[key] = (images, labels, split, ref.build_model())
    return cache[key]


client_app = ClientApp()


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    """One hospital's local epoch from the global weights in `msg`."""
    ref = reference()
    config = msg.content["config"]
    threads = int(config["threads"])
    if not ref.__dict__.get("flower_threads_set"):
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already fixed by earlier parallel work in this process
            pass
        ref.flower_threads_set = True
    torch.set_num_threads(threads)
    images, labels, split, model = hospital_state(config)
    hospital = int(context.node_config["partition-id"])
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    # server-round counts from 1; the warm-up round is 1, so timed round r uses r - 2 like fedavg-torch's r.
    round_index = int(config["server-round"]) - 2
    generator = torch.Generator().manual_seed(ref.local_seed(int(config["seed"]), round_index, hospital))
    loss_sum, seen = ref.local_epoch(model, images, labels, split[hospital], generator)
    content = RecordDict({
        "arrays": ArrayRecord(torch_state_dict=model.state_dict()),
        "metrics": MetricRecord({"num-examples": seen, "train-loss": loss_sum / max(1, seen)}),
    })
    return Message(content=content, reply_to=msg)


def main():
    ref = reference()
    marks = []
    outcome = {}
    client_threads = 1 if args.parallel else args.threads
    server_app = ServerApp()

    @server_app.main()
    def server_main(grid: Grid, context: Context) -> None:
        torch.manual_seed(args.seed)
        initial = ArrayRecord(torch_state_dict=ref.build_model().state_dict())
        strategy = FedAvg(fraction_train=1.0, fraction_evaluate=0.0, min_train_nodes=args.hospitals,
                          min_evaluate_nodes=0, min_available_nodes=args.hospitals)

        def clock(server_round, arrays):
            marks.append(time.perf_counter())
            return None

        config = ConfigRecord({"threads": client_threads, "samples": args.samples, "hospitals": args.hospitals,
                               "alpha": args.alpha, "min-size": args.min_size, "seed": args.seed})
        result = strategy.start(grid=grid, initial_arrays=initial, num_rounds=args.rounds + 1,
                                train_config=config, evaluate_fn=clock)
        last = result.train_metrics_clientapp.get(args.rounds + 1)
        outcome["loss"] = float(last["train-loss"]) if last is not None else float("nan")

    backend = {"client_resources": {"num_cpus": client_threads, "num_gpus": 0.0},
               "init_args": {"num_cpus": args.threads, "num_gpus": 0}}
    start = time.perf_counter()
    run_simulation(server_app=server_app, client_app=client_app, num_supernodes=args.hospitals,
                   backend_config=backend)
    wall = time.perf_counter() - start
    if len(marks) != args.rounds + 2:
        sys.exit(f"Flower finished {max(0, len(marks) - 1)} of {args.rounds + 1} rounds (see its log above)")
    rounds = [b - a for a, b in zip(marks, marks[1:])]
    warmup, timed = rounds[0], rounds[1:]
    mean = sum(timed) / len(timed)
    versions = {"flwr": flwr.__version__, "ray": ray.__version__, "torch": torch.__version__}
    if args.json:
        print(json.dumps({
            "benchmark": "fedavg-flower", "threads": args.threads, "rounds": args.rounds,
            "roundSeconds": mean, "hospitals": args.hospitals, "samples": args.samples,
            "statistic": "mean", "actors": args.threads // client_threads, "threadsPerClient": client_threads,
            "roundSecondsMedian": statistics.median(timed),
            "roundSecondsEach": [round(t, 4) for t in timed], "warmupRoundSeconds": round(warmup, 4),
            "wallSeconds": round(wall, 3), "alpha": args.alpha, **versions,
            "lastTrainLoss": round(outcome.get("loss", float("nan")), 4)}))
    else:
        for i, t in enumerate(timed, 1):
            print(f"round {i}/{args.rounds}: {t:.3f} s")
        print(f"flwr {versions['flwr']}, ray {versions['ray']}, torch {versions['torch']}, {args.threads} "
              f"thread(s) in {args.threads // client_threads} actor(s), {args.hospitals} hospitals: "
              f"FedAvg round {mean:.3f} s (mean of {args.rounds}; median "
              f"{statistics.median(timed):.3f} s); warm-up round {warmup:.3f} s; whole simulation {wall:.1f} s")


if __name__ == "__main__":
    main()
