#!/usr/bin/env bash
# The main job on built-in data. For now: write images with known pixels in every format and
# encoding MedSilo decodes, inspect them all, and convert a few to NumPy and PNG.
set -euo pipefail
medsilo=${1:?usage: demo.sh MEDSILO_BINARY OUT_DIR}
out=${2:?usage: demo.sh MEDSILO_BINARY OUT_DIR}

echo "== medsilo phantoms: writing sample images to $out/phantoms"
"$medsilo" phantoms --out "$out/phantoms" --size 256

echo
echo "== medsilo inspect $out/phantoms"
"$medsilo" inspect "$out/phantoms"

echo
echo "== medsilo convert: NumPy and PNG"
mkdir -p "$out/converted"
"$medsilo" convert "$out/phantoms/ct_jpeg_lossless_sv1.dcm" "$out/converted/ct.npy"
"$medsilo" convert "$out/phantoms/ct_jpeg_lossless_sv1.dcm" "$out/converted/ct_window.png" --window auto
"$medsilo" convert "$out/phantoms/ct_jpeg_lossless_sv1.dcm" "$out/converted/ct_bone.png" --window 500,2000
"$medsilo" convert "$out/phantoms/dx_monochrome1.dcm" "$out/converted/dx.png"
"$medsilo" convert "$out/phantoms/xc_jpeg_baseline.dcm" "$out/converted/lesion.png"
"$medsilo" convert "$out/phantoms/pet_palette.dcm" "$out/converted/pet.png" --bits 16
ls -l "$out/converted"
echo
echo "demo finished: outputs in $out"
