#!/usr/bin/env bash
# The main job on built-in data: write the built-in synthetic benchmark suite as real files (JPEG,
# DICOM, PNG), ingest each task into a dataset store, describe the stores, spread the derm store across
# hospitals three ways and compare the plans, train the small CNN on it centrally; then the quick
# benchmark (medsilo bench --preset quick: federated pre-training with a backdoored hospital, its erasure
# by AFU-IC and every baseline, the membership audit, report.md and report.html); then
# the decoding showcase (sample images in every encoding). Run again, it reuses what is done.
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
echo "== medsilo bench --preset quick: the main job (pre-training with a backdoored hospital, its erasure by"
echo "   AFU-IC and every baseline, the membership audit, a straggler sweep, the report) in $out/bench"
"$medsilo" bench --preset quick --out "$out/bench"

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
