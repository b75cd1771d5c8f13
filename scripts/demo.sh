#!/usr/bin/env bash
# The main job on built-in data. For now (the later stages arrive with their issues): write the
# built-in synthetic benchmark suite as real files (JPEG, DICOM, PNG), ingest each task into a dataset
# store, describe the stores, spread the derm store across hospitals three ways and compare the plans,
# train the small CNN on it centrally and federatedly (synchronous FedAvg; asynchronous FedBuff with a
# backdoored hospital), erase that hospital with AFU-IC and its baselines; then the decoding showcase
# (sample images in every encoding).
set -euo pipefail
medsilo=${1:?usage: demo.sh MEDSILO_BINARY OUT_DIR}
out=${2:?usage: demo.sh MEDSILO_BINARY OUT_DIR}

echo "== medsilo synth: the built-in benchmark suite in $out/synth"
"$medsilo" synth --out "$out/synth"

for task in derm ct path; do
    channels=3
    [ "$task" = ct ] && channels=1
    echo
    echo "== medsilo ingest $out/synth/$task → $out/stores/$task (28×28, $channels channel(s))"
    "$medsilo" ingest "$out/synth/$task" --out "$out/stores/$task" --size 28 --channels "$channels"
    echo
    echo "== medsilo store info $out/stores/$task"
    "$medsilo" store info "$out/stores/$task"
done

echo
echo "== medsilo partition: the derm store across simulated hospitals (plans and heatmaps in $out/plans)"
mkdir -p "$out/plans"
"$medsilo" partition "$out/stores/derm" --scheme natural --out "$out/plans/derm-natural.json" --plot "$out/plans/derm-natural.png"
"$medsilo" partition "$out/stores/derm" --hospitals 5 --scheme dirichlet --alpha 0.3 --seed 1 --out "$out/plans/derm-dirichlet.json" > /dev/null
"$medsilo" partition "$out/stores/derm" --hospitals 5 --scheme iid --seed 1 --out "$out/plans/derm-iid.json" > /dev/null
"$medsilo" partition compare "$out/plans/derm-iid.json" "$out/plans/derm-dirichlet.json" "$out/plans/derm-natural.json" \
    --plot "$out/plans/derm-compare.png"

echo
echo "== medsilo train: cnn-small on the derm store (weights loadable in PyTorch)"
rm -rf "$out/runs/derm"   # the demo's own run folder; medsilo train never overwrites one
"$medsilo" train "$out/stores/derm" --model cnn-small --epochs 10 --optimizer adam --lr 0.001 --batch 32 --out "$out/runs/derm"

echo
echo "== medsilo federate: the derm store's Dirichlet plan, FedAvg (synchronous)"
mkdir -p "$out/experiments"
cat > "$out/experiments/fedavg.yaml" <<'YAML'
store: ../stores/derm
plan: ../plans/derm-dirichlet.json
rounds: 30
strategy: {name: fedavg}
local: {epochs: 1, batch: 32, optimizer: adam, lr: 0.001}
speeds: {kind: log-normal, median: 200, sigma: 0.5}
evaluation: {every: 5}
YAML
cat > "$out/experiments/fedbuff.yaml" <<'YAML'
store: ../stores/derm
plan: ../plans/derm-dirichlet.json
versions: 100
strategy: {name: fedbuff, bufferSize: 3}
local: {epochs: 2, batch: 32, optimizer: adam, lr: 0.001}
speeds: {kind: fixed, samplesPerSecond: 200}
backdoor: {hospital: 0, fraction: 0.5, targetClass: 0, value: 3}
history: {every: 2}
evaluation: {every: 25}
YAML
cat > "$out/experiments/unlearn.yaml" <<'YAML'
target: 0
continuation: 30
evaluation: {every: 5}
methods:
  - {name: retrain}
  - {name: federaser}
  - {name: pga, radiusScale: 0.3}
  - {name: afu-ic}
  - {name: afu-ic, label: afu-no-ic, calibration: none}
YAML
rm -rf "$out/runs/fedavg" "$out/runs/fedbuff" "$out/runs/unlearn"   # the demo's own run folders; MedSilo never overwrites one
"$medsilo" federate "$out/experiments/fedavg.yaml" --out "$out/runs/fedavg" | tail -4
echo
echo "== medsilo federate: FedBuff; hospital 0 carries a backdoor (half its images patched and relabelled)"
"$medsilo" federate "$out/experiments/fedbuff.yaml" --out "$out/runs/fedbuff" | tail -3
echo
echo "== medsilo unlearn: hospital 0 withdraws; AFU-IC against retraining, FedEraser, PGA and AFU without calibration"
"$medsilo" unlearn "$out/experiments/unlearn.yaml" --from "$out/runs/fedbuff" --out "$out/runs/unlearn"

echo
echo "== medsilo phantoms: sample images in every format and encoding MedSilo decodes"
"$medsilo" phantoms --out "$out/phantoms" --size 256 > /dev/null
"$medsilo" inspect "$out/phantoms"

echo
echo "== medsilo convert: NumPy and PNG"
mkdir -p "$out/converted"
"$medsilo" convert "$out/phantoms/ct_jpeg_lossless_sv1.dcm" "$out/converted/ct.npy"
"$medsilo" convert "$out/phantoms/ct_jpeg_lossless_sv1.dcm" "$out/converted/ct_window.png" --window auto
"$medsilo" convert "$out/phantoms/dx_monochrome1.dcm" "$out/converted/dx.png"
ls "$out/converted"
echo
echo "demo finished: outputs in $out"
