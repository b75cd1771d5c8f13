#!/usr/bin/env python3
"""PyTorch CPU reference for `medsilo-bench engine`: training and inference samples/s of the two CNNs.

What it measures. For each model x thread count it builds the network with PyTorch's default
initialisation (seeded), draws a fixed pool of 2,048 synthetic samples (inputs uniform in [0, 1)
float32, labels uniform in 0..K-1, seeded) and walks through the pool in batches of --batch (64):
  train  samples/s of whole steps: forward, mean softmax cross-entropy (nn.CrossEntropyLoss),
         backward, SGD step (lr 0.01, momentum 0.9, no weight decay), zero_grad;
  infer  samples/s of forward passes on the same batches, model.eval() under torch.inference_mode().
Threads: torch.set_num_interop_threads(1) once at start, torch.set_num_threads(t) per case. Each case
is warmed up (--warmup seconds of the same work, at least 3 batches), then measured as --repeats
back-to-back windows that together last --seconds; a window's rate is batches*batch / its wall time
(time.perf_counter, whole batches only) and the reported figure is the MEDIAN of the windows (each
window's rate is in the JSON too). Nothing else is timed: data is made before, and no per-step
.item() or copy is done (CPU eager ops have finished when the call returns).

The models (the Swift engine builds the same layers; `--check-shapes` prints them):
  cnn-small  C x 28 x 28 -> conv3x3(C->16, pad 1), ReLU, maxpool 2 -> conv3x3(16->32, pad 1), ReLU,
             maxpool 2 -> flatten -> Linear(32*7*7 -> 128), ReLU -> Linear(128 -> K)
  cnn-large  C x 64 x 64 -> the two stages above -> conv3x3(32->64, pad 1), ReLU, maxpool 2
             -> flatten -> Linear(64*8*8 -> 128), ReLU -> Linear(128 -> K)
Flatten is channel-major (PyTorch's NCHW order: index c*H*W + y*W + x), which matters for the first
Linear's weight layout when weights are exchanged with the Swift side.

Parameter counts, by hand (weights + biases; conv weight = out*in*3*3):
  cnn-small, C=1, K=9                      cnn-large, C=3, K=9
    conv1  1*16*9 + 16       =     160       conv1  3*16*9 + 16       =     448
    conv2  16*32*9 + 32      =   4,640       conv2  16*32*9 + 32      =   4,640
    fc1    1568*128 + 128    = 200,832       conv3  32*64*9 + 64      =  18,496
    fc2    128*9 + 9         =   1,161       fc1    4096*128 + 128    = 524,416
    total                    = 206,793       fc2    128*9 + 9         =   1,161
                                             total                    = 549,161
Forward multiply-adds per sample (conv: H*W*out*in*9 at the conv's own resolution; Linear: in*out):
  cnn-small  112,896 + 903,168 + 200,704 + 1,152 = 1,217,920
  cnn-large  1,769,472 + 4,718,592 + 4,718,592 + 524,288 + 1,152 = 11,732,096
`--check-shapes` recomputes all of these from the built modules and exits non-zero on a mismatch.

Run (from the repository root):
  python3 -m venv .build/torch-venv
  .build/torch-venv/bin/pip install -r scripts/torch-reference-requirements.txt
  python3 scripts/torch-reference.py [--models cnn-small,cnn-large] [--threads 1,2] [--batch 64]
                                     [--seconds 3] [--json] [--check-shapes] [--no-onednn]
(`make torch-reference` does the same.) When the running interpreter is not the one in --venv
(default .build/torch-venv) and that one exists, the script re-runs itself there. It prints the
fairness context first (torch version, ATen parallel backend and thread settings, MKL / oneDNN
availability, the convolution backend PyTorch picks), then a table; with --json the last line is
one JSON object:
  {"framework": "pytorch", "version": ..., "threads_note": ..., "cpu": ..., "batch": 64,
   "statistic": "median", "repeats": 5, "secondsPerCase": 3.0, "onednn": true,
   "results": [{"model": "cnn-small", "threads": 1, "trainSamplesPerSecond": x,
                "inferSamplesPerSecond": y, "trainWindows": [...], "inferWindows": [...],
                "trainBusyCpus": b, "inferBusyCpus": b, "finalLoss": l}, ...], "loadAverageAfter": "..."}
Only framework, version, threads_note, cpu, batch and each result's model, threads, trainSamplesPerSecond
and inferSamplesPerSecond are the shared schema; the other fields are this side's measurement notes
(busy CPUs = CPU seconds used per wall second while measuring: below the thread count means other work
on the machine took cores; the last training loss shows the run stayed finite).
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections import OrderedDict
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Hand-computed expectations (see the docstring); --check-shapes compares the built modules to them.
EXPECTED = {
    "cnn-small": {"params": 206_793, "macs": 1_217_920},
    "cnn-large": {"params": 549_161, "macs": 11_732_096},
}
# Benchmark configuration of each model: channels, side, classes.
CONFIG = {"cnn-small": (1, 28, 9), "cnn-large": (3, 64, 9)}
POOL = 2048
SEED = 0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="cnn-small,cnn-large")
    p.add_argument("--threads", default="1,2", help="comma-separated intra-op thread counts")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seconds", type=float, default=3.0, help="measured time per case and mode")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up time per case and mode")
    p.add_argument("--repeats", type=int, default=5, help="windows the measured time is split into")
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    p.add_argument("--check-shapes", action="store_true", help="print layer shapes and parameter counts, then exit")
    p.add_argument("--no-onednn", action="store_true",
                   help="set torch.backends.mkldnn.enabled = False (for comparison; not the reference setting)")
    p.add_argument("--venv", default=str(HERE.parent / ".build" / "torch-venv"))
    return p.parse_args()


args = parse_args()

# Re-run under the project's torch environment when it exists and this interpreter is another one.
venv = Path(args.venv)
if Path(sys.prefix).resolve() != venv.resolve() and (venv / "bin" / "python").exists():
    python = venv / "bin" / "python"
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])

# torch warns on import when numpy is absent; nothing here needs numpy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
try:
    import torch  # noqa: E402
    import torch.nn as nn  # noqa: E402
except ImportError:
    sys.exit(f"torch is not importable and there is no environment at {venv}: "
             "python3 -m venv .build/torch-venv && "
             ".build/torch-venv/bin/pip install -r scripts/torch-reference-requirements.txt")

# Must happen before any parallel work, and can only happen once per process.
torch.set_num_interop_threads(1)


def stage(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]


def build(name, channels, classes):
    """The benchmark network; layers named so the shape listing reads like the docstring."""
    if name == "cnn-small":
        convs, side = [(channels, 16), (16, 32)], 7
    elif name == "cnn-large":
        convs, side = [(channels, 16), (16, 32), (32, 64)], 8
    else:
        raise SystemExit(f"unknown model {name!r} (cnn-small, cnn-large)")
    layers = []
    for i, (cin, cout) in enumerate(convs, 1):
        conv, relu, pool = stage(cin, cout)
        layers += [(f"conv{i}", conv), (f"relu{i}", relu), (f"pool{i}", pool)]
    flat = convs[-1][1] * side * side
    layers += [("flatten", nn.Flatten()), ("fc1", nn.Linear(flat, 128)), ("relu_fc", nn.ReLU()),
               ("fc2", nn.Linear(128, classes))]
    return nn.Sequential(OrderedDict(layers))


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def conv_backend(model, channels, side):
    """The convolution implementation PyTorch's dispatcher would choose for the first conv at this batch."""
    conv = model.conv1
    x = torch.zeros(args.batch, channels, side, side)
    try:
        chosen = torch._C._select_conv_backend(x, conv.weight, conv.bias, list(conv.stride), list(conv.padding),
                                               list(conv.dilation), False, [0, 0], conv.groups)
        return str(chosen).split(".")[-1]
    except Exception as error:  # private API; its absence only costs this line of context
        return f"unknown ({type(error).__name__})"


def context_lines():
    """Everything that decides how fast PyTorch's CPU kernels can be here."""
    lines = [f"torch {torch.__version__} on {cpu_name()} ({os.cpu_count()} logical CPUs), "
             f"Python {platform.python_version()}"]
    lines.append(f"CPU capability used by ATen kernels: {torch.backends.cpu.get_cpu_capability()}")
    for line in torch.__config__.parallel_info().splitlines():
        line = line.strip()
        if line and not line.startswith("Environment variables"):
            lines.append(line)
    lines.append(f"MKL available: {torch.backends.mkl.is_available()}; "
                 f"oneDNN (mkldnn) available: {torch.backends.mkldnn.is_available()}, "
                 f"enabled: {torch.backends.mkldnn.enabled}; "
                 f"OpenMP available: {torch.backends.openmp.is_available()}")
    lines.append(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')} "
                 f"MKL_NUM_THREADS={os.environ.get('MKL_NUM_THREADS', 'unset')}")
    for name in [m for m in args.models.split(",") if m in CONFIG]:
        channels, side, classes = CONFIG[name]
        lines.append(f"conv backend chosen for {name} (batch {args.batch}): "
                     f"{conv_backend(build(name, channels, classes), channels, side)}")
    lines.append("Linear layers: aten::addmm / mm (BLAS: MKL sgemm in this build)")
    return lines


def check_shapes():
    """Layer-by-layer output shapes, parameter and multiply-add counts, compared with the hand figures."""
    ok = True
    for name, (channels, side, classes) in CONFIG.items():
        torch.manual_seed(SEED)
        model = build(name, channels, classes)
        print(f"{name}: input {channels}x{side}x{side}, {classes} classes")
        print(f"  {'layer':<8} {'output (per sample)':<22} {'params':>9} {'mult-adds':>11}")
        x = torch.zeros(1, channels, side, side)
        total_params = total_macs = 0
        with torch.inference_mode():
            for layer_name, layer in model.named_children():
                x = layer(x)
                params = sum(p.numel() for p in layer.parameters())
                if isinstance(layer, nn.Conv2d):
                    kh, kw = layer.kernel_size
                    macs = x.shape[2] * x.shape[3] * layer.out_channels * layer.in_channels * kh * kw
                elif isinstance(layer, nn.Linear):
                    macs = layer.in_features * layer.out_features
                else:
                    macs = 0
                total_params += params
                total_macs += macs
                shape = "x".join(str(d) for d in x.shape[1:])
                print(f"  {layer_name:<8} {shape:<22} {params:>9,} {macs:>11,}")
        assert total_params == sum(p.numel() for p in model.parameters())
        expected = EXPECTED[name]
        verdict = total_params == expected["params"] and total_macs == expected["macs"]
        ok &= verdict
        print(f"  total    {'':<22} {total_params:>9,} {total_macs:>11,}   "
              f"hand: {expected['params']:,} params, {expected['macs']:,} mult-adds -> "
              f"{'agree' if verdict else 'DISAGREE'}")
    return ok


def windows(step, count, warmup, seconds, repeats):
    """Per-window samples/s of `step(i)` called on batches i = 0, 1, 2, ... (cycling through `count`)."""
    i = 0
    start = time.perf_counter()
    while i < 3 or time.perf_counter() - start < warmup:
        step(i % count)
        i += 1
    rates = []
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for _ in range(repeats):
        n = 0
        start = time.perf_counter()
        while True:
            step(i % count)
            i += 1
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / repeats:
                break
        rates.append(n * args.batch / elapsed)
    # CPU seconds this process used per wall second while measuring: about the thread count when it had
    # the cores to itself, less when other work on the machine took them (OpenMP spin-waits count too).
    busy = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
    return rates, busy


def measure(name, threads):
    channels, side, classes = CONFIG[name]
    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    model = build(name, channels, classes)
    generator = torch.Generator().manual_seed(SEED)
    inputs = torch.rand(POOL, channels, side, side, generator=generator)
    labels = torch.randint(0, classes, (POOL,), generator=generator)
    count = POOL // args.batch
    batches = [(inputs[b * args.batch:(b + 1) * args.batch], labels[b * args.batch:(b + 1) * args.batch])
               for b in range(count)]
    loss_fn = nn.CrossEntropyLoss()
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0)
    last = {}

    def train_step(b):
        x, y = batches[b]
        loss = loss_fn(model(x), y)
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        last["loss"] = loss

    def infer_step(b):
        model(batches[b][0])

    model.train()
    train, train_busy = windows(train_step, count, args.warmup, args.seconds, args.repeats)
    final_loss = float(last["loss"].detach())
    model.eval()
    with torch.inference_mode():
        infer, infer_busy = windows(infer_step, count, args.warmup, args.seconds, args.repeats)
    return {"model": name, "threads": threads,
            "trainSamplesPerSecond": round(statistics.median(train), 1),
            "inferSamplesPerSecond": round(statistics.median(infer), 1),
            "trainWindows": [round(r, 1) for r in train], "inferWindows": [round(r, 1) for r in infer],
            "trainBusyCpus": round(train_busy, 2), "inferBusyCpus": round(infer_busy, 2),
            "finalLoss": round(final_loss, 4)}


def starved(result):
    return min(result["trainBusyCpus"], result["inferBusyCpus"]) < 0.9 * result["threads"]


def main():
    if args.check_shapes:
        sys.exit(0 if check_shapes() else 1)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if m not in CONFIG:
            sys.exit(f"unknown model {m!r} (cnn-small, cnn-large)")
    thread_counts = [int(t) for t in args.threads.split(",") if t.strip()]
    if args.no_onednn:
        torch.backends.mkldnn.enabled = False
    for line in context_lines():
        print(line)
    print(f"batch {args.batch}, pool {POOL}, warm-up {args.warmup:g} s, then {args.repeats} windows "
          f"over {args.seconds:g} s per case and mode; figure = median window")
    print(f"load average before: {load_average()}")
    print()
    header = f"{'model':<10} {'threads':>7} {'train samples/s':>16} {'(min-max)':>17} {'cpus':>5} " \
             f"{'infer samples/s':>16} {'(min-max)':>17} {'cpus':>5} {'last loss':>9}"
    print(header)
    print("-" * len(header))
    results = []
    for name in models:
        for threads in thread_counts:
            r = measure(name, threads)
            results.append(r)
            t, i = r["trainWindows"], r["inferWindows"]
            print(f"{name:<10} {threads:>7} {r['trainSamplesPerSecond']:>16,.0f} "
                  f"{f'({min(t):,.0f}-{max(t):,.0f})':>17} {r['trainBusyCpus']:>5.2f} "
                  f"{r['inferSamplesPerSecond']:>16,.0f} {f'({min(i):,.0f}-{max(i):,.0f})':>17} "
                  f"{r['inferBusyCpus']:>5.2f} {r['finalLoss']:>9.4f}{'  *' if starved(r) else ''}", flush=True)
    print(f"load average after: {load_average()}  (cpus = CPU seconds this process used per wall second)")
    if any(starved(r) for r in results):
        print("* this process got under 90 % of its threads' CPU time: other work was running, so these "
              "figures are not a fair reference (a 2-thread case can then fall far below the 1-thread one); "
              "rerun on a quiet machine")
    if args.json:
        note = ("torch.set_num_threads(t) per case (ATen intra-op pool, "
                f"{torch.__config__.parallel_info().split('ATen parallel backend:')[-1].strip()}); "
                "torch.set_num_interop_threads(1); "
                f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
                f"MKL_NUM_THREADS={os.environ.get('MKL_NUM_THREADS', 'unset')}")
        print(json.dumps({"framework": "pytorch", "version": torch.__version__, "threads_note": note,
                          "cpu": cpu_name(), "batch": args.batch, "statistic": "median",
                          "repeats": args.repeats, "secondsPerCase": args.seconds,
                          "onednn": bool(torch.backends.mkldnn.enabled), "loadAverageAfter": load_average(),
                          "results": results}))


main()
