#!/usr/bin/env python3
"""Images/s of the Python pipelines users would otherwise run, on the files medsilo-bench decodes.

pydicom 3 (pylibjpeg, pylibjpeg-openjpeg, pylibjpeg-rle, pyjpegls as codecs) then apply_modality_lut
to float32 for DICOM; Pillow then numpy float32 for PNG and JPEG. One thread, best of three one-second
runs, the same 512×512 content as `medsilo-bench decode` (both come from `medsilo phantoms`' generators).

Usage: python3 scripts/bench-python.py --medsilo .build/release/medsilo [--venv DIR]
Run it under the cross-check's virtual environment (default .build/crosscheck-venv; `make crosscheck`
creates it). Prints a table and, last, one JSON line.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--medsilo", required=True)
parser.add_argument("--venv", default=str(HERE.parent / ".build" / "crosscheck-venv"))
args = parser.parse_args()
venv = Path(args.venv)
if Path(sys.prefix).resolve() != venv.resolve():
    python = venv / "bin" / "python"
    if not python.exists():
        sys.exit(f"no virtual environment at {venv}: run `make crosscheck` first")
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])

import numpy as np  # noqa: E402
import pydicom  # noqa: E402
from PIL import Image  # noqa: E402
from pydicom.pixels import apply_modality_lut  # noqa: E402


def dicom(path):
    ds = pydicom.dcmread(path)
    return apply_modality_lut(ds.pixel_array, ds).astype(np.float32)


def pillow(path):
    with Image.open(path) as image:
        return np.asarray(image, dtype=np.float32)


def rate(decode, path):
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.0:
            decode(path)
            count += 1
        best = max(best, count / (time.perf_counter() - start))
    return best


with tempfile.TemporaryDirectory() as work:
    subprocess.run([args.medsilo, "phantoms", "--out", work, "--size", "512"], check=True, capture_output=True)
    cases = [
        ("ct-raw", dicom, "ct_explicit_le.dcm"), ("ct-jpeg-lossless", dicom, "ct_jpeg_lossless_sv1.dcm"),
        ("ct-jpeg-ls", dicom, "ct_jpegls_lossless.dcm"), ("ct-rle", dicom, "ct_rle.dcm"),
        ("ct-j2k", dicom, "ct_j2k_lossless.dcm"), ("png-8bit", pillow, "gray8.png"),
        ("png-16bit", pillow, "gray16.png"), ("jpeg-rgb", pillow, "color.jpg"),
    ]
    results = []
    print(f"{'case':18}{'images/s':>10}  reference")
    for name, decode, file in cases:
        value = rate(decode, os.path.join(work, file))
        reference = "pydicom " + pydicom.__version__ if decode is dicom else "Pillow " + Image.__version__
        results.append({"name": name, "imagesPerSecond": round(value, 1), "reference": reference})
        print(f"{name:18}{value:10.0f}  {reference}")
    print(json.dumps({"benchmark": "decode-python", "threads": 1, "results": results}))
