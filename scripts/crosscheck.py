#!/usr/bin/env python3
"""Cross-check MedSilo's pixel decoding against independent reference decoders.

MedSilo decodes DICOM through DCMTK/OpenJPEG, PNG through libpng and JPEG through libjpeg-turbo.
Its own tests can only show that it agrees with itself, so this script compares every value that
`medsilo convert FILE OUT.npy` writes with what independent Python decoders produce for the same
file: pydicom 3 (with pylibjpeg/libjpeg, pylibjpeg-openjpeg, pylibjpeg-rle and pyjpegls as codec
back ends) for DICOM, pypng for PNG (Pillow truncates 16-bit RGB) and Pillow for JPEG.

Inputs:
  * `medsilo phantoms --size 96` (MedSilo's own sample images in many encodings);
  * fixtures written here with pydicom, not MedSilo: PALETTE COLOR with 8- and 16-bit LUTs and a
    segmented LUT (discrete, linear and indirect segments), Modality LUT Sequence (unsigned, and
    signed with a negative first mapped value), 1-bit multi-frame with frames that do not start on
    a byte, 32-bit signed/unsigned (little and big endian), 12-bit signed with garbage above the
    high bit, slope-only and intercept-only rescale, MONOCHROME1, RGB/YBR_FULL by plane, native
    YBR_FULL_422, multi-frame 16-bit; each re-encoded with pydicom's compress() (RLE, JPEG-LS,
    JPEG 2000) and with DCMTK (dcmcjpeg lossless SV1 / process 14 / baseline / extended, dcmcjpls,
    dcmcrle, dcmconv to big endian, deflated and implicit VR) where the encoder accepts the image;
  * PNGs written with pypng (1/2/4/8/16 bit; gray, gray+alpha, RGB, RGBA, palette with and without
    tRNS; interlaced and not) and JPEGs written with Pillow (gray, 4:2:0, 4:2:2, 4:4:4, progressive).

Expected values (MedSilo's `convert` contract): monochrome DICOM after the modality transform
(Modality LUT, else slope/intercept applied even when only one is present), not windowed,
MONOCHROME1 not inverted; colour as RGB (YBR converted as pydicom's pixel_array does); PALETTE COLOR
expanded in the LUT's own range; PNG/JPEG stored values (1/2/4-bit gray scaled by 255/(2^b-1),
palette expanded to RGB or RGBA with tRNS). Lossless data must match exactly. Lossy JPEG in DICOM
gets a stated tolerance because libjpeg (pydicom) and IJG (DCMTK) use different IDCTs and colour
conversion; JPEG 2000 is exact even when lossy (both sides use OpenJPEG). `medsilo inspect --json`
is checked against pydicom's header values and against the .npy (min, max, mean).

Dataset store (`medsilo ingest`), checked against numpy computations on the source files (section
"store:" at the end; its fixtures are written here): images.bin, labels.bin, samples.bin, samples.csv,
patients.txt and store.json are read with numpy/csv only and checked for consistency with each other
and with the inputs (labels, splits, sha256 of each source, counts). Pixels are recomputed from
pypng/Pillow/pydicom decodes: full-scale division or (DICOM grayscale) apply_modality_lut + the file's
VOI window (PS3.3 C.11.2.1.2), a fixed window or the nearest-rank percentile window, MONOCHROME1
inverted; then a resize with exact per-axis weights (area = fractional box coverage, bilinear = half-pixel
centres; Pillow's BOX filter is not exact area and is not used); then BT.601 luma or gray replication.
Inputs: an imagefolder of PNG (8-bit gray/RGB/RGBA, 16-bit gray) and JPEG (4:4:4, 4:2:0, gray) at
sizes 16/48/128, area/bilinear/auto, 1/3 channels, float32/uint8; CT-like DICOM (rescale, one or two
windows, MONOCHROME1, none) at 32; MedMNIST .npz (compressed and stored) at 28 (exact) and 14 (2x2
means); a CSV manifest with MRN-like patient IDs (no patient in two splits, given splits kept, pseudonyms
= 'p' + HMAC-SHA256(key, id)[:20 hex] with --key-file, no raw ID in the bytes of any store file, also
when a manifest row's file is missing or a file does not decode). Tolerances: float32 1e-5 absolute
(values in [0, 1]); uint8 exact, either neighbour only at a .5 tie of the float64 reference.

Usage: python3 scripts/crosscheck.py --medsilo .build/debug/medsilo [--venv DIR] [--keep DIR]
The script creates DIR (default .build/crosscheck-venv), installs crosscheck-requirements.txt there
when the modules are missing and re-executes itself with that interpreter. Exit status 0 when every
check passes, 1 otherwise, 3 when the reference decoders could not be installed. Fixtures carry only
synthetic identifiers.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = "pydicom, numpy, PIL, png, pylibjpeg, libjpeg, openjpeg, rle, jpeg_ls"


def bootstrap(venv_dir: Path) -> None:
    """Run under venv_dir's interpreter, creating it and installing the reference decoders if needed.

    Exits with status 3 (not 1) when the reference decoders cannot be installed, e.g. without network,
    so that a caller can tell "could not check" from "checked and found a difference"."""
    if Path(sys.prefix).resolve() == venv_dir.resolve():
        return
    python = venv_dir / "bin" / "python"
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv_dir)], check=True)
        if subprocess.run([str(python), "-c", f"import {MODULES}"], capture_output=True).returncode:
            req = HERE / "crosscheck-requirements.txt"
            subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(req)], check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"crosscheck: NOT RUN: cannot install the reference decoders into {venv_dir}: {error}",
              file=sys.stderr)
        sys.exit(3)
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--medsilo", required=True, help="path to the medsilo binary")
    p.add_argument("--venv", help="venv for the reference decoders (default: .build/crosscheck-venv)")
    p.add_argument("--keep", help="write fixtures and outputs here and keep them")
    return p.parse_args()


ARGS = parse_args()
bootstrap(Path(ARGS.venv) if ARGS.venv else HERE.parent / ".build" / "crosscheck-venv")

import copy  # noqa: E402  (only importable after bootstrap)
import warnings  # noqa: E402
import numpy as np  # noqa: E402
import png  # noqa: E402
import pydicom  # noqa: E402
from PIL import Image  # noqa: E402
from pydicom import uid as U  # noqa: E402
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.pixels import apply_color_lut, apply_modality_lut, convert_color_space, pack_bits  # noqa: E402

warnings.simplefilter("ignore")
RNG = np.random.default_rng(20240607)
ROWS, COLS = 37, 50  # odd rows, even columns (YBR_FULL_422 needs even), not square
SHORT_TS = {
    U.ImplicitVRLittleEndian: "implicit-le", U.ExplicitVRLittleEndian: "explicit-le",
    U.ExplicitVRBigEndian: "explicit-be", U.DeflatedExplicitVRLittleEndian: "deflated",
    U.JPEGBaseline8Bit: "jpeg-baseline", U.JPEGExtended12Bit: "jpeg-extended",
    U.JPEGLossless: "jpeg-lossless-p14", U.JPEGLosslessSV1: "jpeg-lossless-sv1",
    U.JPEGLSLossless: "jpeg-ls", U.JPEGLSNearLossless: "jpeg-ls-near",
    U.JPEG2000Lossless: "j2k-lossless", U.JPEG2000: "j2k", U.RLELossless: "rle",
}
# Lossy JPEG tolerance in stored-value units (scaled by |RescaleSlope|): libjpeg vs IJG IDCT/colour.
LOSSY_TOLERANCE = {U.JPEGBaseline8Bit: 3, U.JPEGExtended12Bit: 3}

# ----------------------------------------------------------------------------------------------
# Fixtures written with pydicom


def field(frames=1, rows=ROWS, cols=COLS):
    """Smooth pattern plus noise in [0, 1], (frames, rows, cols), touching both ends of the range."""
    y, x = np.mgrid[0:rows, 0:cols]
    out = [0.5 + 0.4 * np.sin(x / (4 + f) + y / 6) * np.cos(y / (8 + 2 * f)) + 0.1 * RNG.random((rows, cols))
           for f in range(frames)]
    a = np.clip(np.stack(out), 0, 1)
    a[:, 0, 0], a[:, -1, -1] = 0, 1
    return a


def scaled(a, lo, hi, dtype):
    return np.round(lo + a * (float(hi) - float(lo))).astype(dtype)


def new_ds(pi, bits, stored=None, signed=False, spp=1, frames=1, rows=ROWS, cols=COLS,
           ts=U.ExplicitVRLittleEndian, **extra):
    meta = FileMetaDataset()
    meta.TransferSyntaxUID, meta.MediaStorageSOPClassUID = ts, U.SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = U.generate_uid()
    ds = Dataset()
    ds.file_meta = meta  # identifiers below are synthetic
    ds.SOPClassUID, ds.SOPInstanceUID = U.SecondaryCaptureImageStorage, meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.Modality = "Synthetic^Crosscheck", "SYNTH-0001", "OT"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = U.generate_uid(), U.generate_uid()
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, cols, spp, pi
    ds.BitsAllocated, ds.BitsStored = bits, stored or bits
    ds.HighBit, ds.PixelRepresentation = ds.BitsStored - 1, int(signed)
    if spp > 1:
        extra.setdefault("PlanarConfiguration", 0)
    if frames > 1:
        extra["NumberOfFrames"] = frames
    for key, value in extra.items():
        setattr(ds, key, value)
    return ds


def by_plane(rgb):  # (frames, rows, cols, 3) -> planar configuration 1 bytes
    return np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)).tobytes()


def rgb_image(frames=1):
    return np.stack([scaled(field(frames), 0, 255, np.uint8) for _ in range(3)], axis=-1)


def segments(*segs):
    """Segmented LUT words; an indirect segment (2, count, offset) gets its 32-bit offset as lo, hi."""
    words = []
    for seg in segs:
        if seg[0] == 2:
            words += [2, seg[1], seg[2] & 0xFFFF, seg[2] >> 16]
        else:
            words += list(seg)
    return words


def set_segmented(ds, red, green, blue, n=None):
    """Store 16-bit segmented palette words; the entry count defaults to pydicom's expansion."""
    n = n or len(pydicom.pixels.processing._expand_segmented_lut(tuple(red), "<H"))
    for name, words in zip(("Red", "Green", "Blue"), (red, green, blue)):
        ds.add_new(f"Segmented{name}PaletteColorLookupTableData", "OW", np.array(words, "<u2").tobytes())
        ds.add_new(f"{name}PaletteColorLookupTableDescriptor", "US", [n, 0, 16])
    return n


def build_fixtures():
    """Return [(name, dataset, options)]; options: lossy (allow lossy DCMTK re-encoding), spec_twin."""
    fx = []
    # Multi-frame 16-bit with slope and intercept.
    ds = new_ds("MONOCHROME2", 16, frames=3, RescaleSlope="1.5", RescaleIntercept="-1000")
    ds.PixelData = scaled(field(3), 0, 65535, "<u2").tobytes()
    fx.append(("mono16_multiframe", ds, {}))
    # MONOCHROME1 8-bit, slope only (MedSilo defaults the intercept to 0).
    ds = new_ds("MONOCHROME1", 8, RescaleSlope="2")
    ds.PixelData = scaled(field(), 0, 255, np.uint8).tobytes()
    fx.append(("mono1_8bit_slope_only", ds, {"lossy": True}))
    # 12-bit signed in 16 bits with garbage in bits 12..15, intercept only.
    ds = new_ds("MONOCHROME2", 16, 12, signed=True, RescaleIntercept="24")
    v = scaled(field(), -2048, 2047, np.int16).astype(np.uint16) & 0x0FFF
    v |= RNG.integers(0, 16, v.shape[1:], dtype=np.uint16) << 12
    ds.PixelData = v.astype("<u2").tobytes()
    fx.append(("s12_garbage_high_bits", ds, {"lossy": True}))
    # 32-bit unsigned / signed, including values float32 cannot hold exactly.
    u = scaled(field(), 0, 2**32 - 1, np.uint64)
    u.flat[:5] = [0, 1, 2**24 + 1, 2**31, 2**32 - 1]
    ds = new_ds("MONOCHROME2", 32)
    ds.PixelData = u.astype("<u4").tobytes()
    fx.append(("u32", ds, {}))
    s = scaled(field(), -(2**31), 2**31 - 1, np.int64)
    s.flat[:5] = [-(2**31), -1, 0, 2**24 + 1, 2**31 - 1]
    ds = new_ds("MONOCHROME2", 32, signed=True)
    ds.PixelData = s.astype("<i4").tobytes()
    fx.append(("s32", ds, {}))
    ds = new_ds("MONOCHROME2", 32, signed=True, ts=U.ExplicitVRBigEndian)  # written big endian by pydicom
    ds.PixelData = s.astype(">i4").tobytes()
    fx.append(("s32_big_endian", ds, {}))
    # 1 bit: 3x3 x 3 frames (27 bits; frames 2 and 3 start mid-byte) and 5x7 x 2 frames.
    for rows, cols, frames in ((3, 3, 3), (5, 7, 2)):
        ds = new_ds("MONOCHROME2", 1, frames=frames, rows=rows, cols=cols)
        ds.PixelData = pack_bits(RNG.integers(0, 2, frames * rows * cols, dtype=np.uint8))
        fx.append((f"bits1_{rows}x{cols}x{frames}", ds, {}))
    # Modality LUT Sequence, unsigned 12-bit input, first mapped 1000, LUT as OW.
    ds = new_ds("MONOCHROME2", 16, 12)
    ds.PixelData = scaled(field(), 0, 4095, "<u2").tobytes()
    item = Dataset()
    item.add_new("LUTDescriptor", "US", [1024, 1000, 16])
    item.add_new("LUTData", "OW", np.round(65535 * (np.arange(1024) / 1023) ** 2).astype("<u2").tobytes())
    item.ModalityLUTType = "HU"
    ds.ModalityLUTSequence = [item]
    fx.append(("modality_lut_unsigned", ds, {}))
    # Modality LUT Sequence, signed input, first mapped -1000 (descriptor SS), LUT as US values.
    ds = new_ds("MONOCHROME2", 16, signed=True)
    ds.PixelData = scaled(field(), -1500, 1500, "<i2").tobytes()
    item = Dataset()
    item.add_new("LUTDescriptor", "SS", [2000, -1000, 16])
    item.add_new("LUTData", "US", [int(x) for x in 30000 + 20000 * np.sin(np.arange(2000) / 150)])
    item.ModalityLUTType = "US"
    ds.ModalityLUTSequence = [item]
    fx.append(("modality_lut_signed", ds, {}))
    # PALETTE COLOR, 8-bit LUT packed two entries per word.
    ds = new_ds("PALETTE COLOR", 8)
    ds.PixelData = scaled(field(), 0, 255, np.uint8).tobytes()
    ramp = np.arange(256)
    for name, lut in (("Red", ramp), ("Green", 255 - ramp), ("Blue", (ramp * 7) % 256)):
        ds.add_new(f"{name}PaletteColorLookupTableDescriptor", "US", [256, 0, 8])
        ds.add_new(f"{name}PaletteColorLookupTableData", "OW", lut.astype(np.uint8).tobytes())
    fx.append(("palette_8bit_lut", ds, {}))
    # PALETTE COLOR, 16-bit LUT, 200 entries from 50: pixels 0..299 clip at both ends.
    ds = new_ds("PALETTE COLOR", 16)
    ds.PixelData = scaled(field(), 0, 299, "<u2").tobytes()
    x = np.arange(200)
    for name, lut in (("Red", x * 327), ("Green", 65535 - x * 300), ("Blue", (x * 4099) % 65536)):
        ds.add_new(f"{name}PaletteColorLookupTableDescriptor", "US", [200, 50, 16])
        ds.add_new(f"{name}PaletteColorLookupTableData", "OW", lut.astype("<u2").tobytes())
    fx.append(("palette_16bit_lut", ds, {}))
    # Segmented palette: discrete, linear (non-integer steps), indirect (offset 0), linear, discrete.
    ds = new_ds("PALETTE COLOR", 8)
    red = segments((0, 4, 0, 1000, 500, 2000), (1, 37, 65535), (2, 1, 0), (1, 20, 100), (0, 3, 7, 8, 9))
    green = segments((0, 4, 9, 8, 7, 6), (1, 37, 30000), (2, 1, 0), (1, 20, 65535), (0, 3, 1, 2, 3))
    blue = segments((0, 4, 5, 5, 5, 5), (1, 37, 5), (2, 1, 0), (1, 20, 12345), (0, 3, 0, 0, 0))
    n = set_segmented(ds, red, green, blue)
    ds.PixelData = scaled(field(), 0, n + 10, np.uint8).tobytes()
    fx.append(("palette_segmented", ds, {}))
    # Segmented palette whose indirect segment points at word 6 = byte offset 12 (PS3.3 C.7.9.2.3
    # says the offset is in bytes). pydicom reads it as a word index, so the reference is pydicom on
    # a twin with the offset given in words.
    ds = new_ds("PALETTE COLOR", 8)
    head = [(0, 4, 100, 200, 300, 400), (1, 10, 4000), (0, 3, 11, 12, 13)]
    tails = [(1, 5, 60000), (0, 2, 1, 2)]
    twin = copy.deepcopy(ds)
    n = set_segmented(twin, *[segments(*head, (2, 2, 6), *tails)] * 3)
    set_segmented(ds, *[segments(*head, (2, 2, 12), *tails)] * 3, n=n)
    ds.PixelData = twin.PixelData = scaled(field(), 0, n + 3, np.uint8).tobytes()
    fx.append(("palette_segmented_byte_offset", ds, {"spec_twin": twin}))
    # Colour: RGB by plane, YBR_FULL by plane, native YBR_FULL_422, RGB 16-bit two frames.
    rgb = rgb_image()
    ds = new_ds("RGB", 8, spp=3)
    ds.PlanarConfiguration, ds.PixelData = 1, by_plane(rgb)
    fx.append(("rgb_planar", ds, {"lossy": True}))
    ybr = convert_color_space(rgb[0], "RGB", "YBR_FULL")[None]
    ds = new_ds("YBR_FULL", 8, spp=3)
    ds.PlanarConfiguration, ds.PixelData = 1, by_plane(ybr)
    fx.append(("ybr_full_planar", ds, {"lossy": True}))
    y, cb, cr = (ybr[0, ..., i].astype(np.int32) for i in range(3))
    cb2, cr2 = ((c[:, 0::2] + c[:, 1::2] + 1) // 2 for c in (cb, cr))
    packed = np.stack([y[:, 0::2], y[:, 1::2], cb2, cr2], axis=-1).astype(np.uint8)
    ds = new_ds("YBR_FULL_422", 8, spp=3)
    ds.PixelData = packed.tobytes()
    fx.append(("ybr_full_422_native", ds, {"lossy": True}))
    rgb16 = np.stack([scaled(field(2), 0, 65535, np.uint16) for _ in range(3)], axis=-1)
    ds = new_ds("RGB", 16, spp=3, frames=2)
    ds.PixelData = rgb16.astype("<u2").tobytes()
    fx.append(("rgb16_multiframe", ds, {}))
    return fx


PYDICOM_ENCODINGS = [  # (suffix, transfer syntax, compress() keyword arguments)
    ("pyd-rle", U.RLELossless, {}), ("pyd-jpeg-ls", U.JPEGLSLossless, {}),
    ("pyd-jpeg-ls-near", U.JPEGLSNearLossless, {"jls_error": 2}),
    ("pyd-j2k-lossless", U.JPEG2000Lossless, {}), ("pyd-j2k-lossy", U.JPEG2000, {"j2k_cr": [15]}),
]
DCMTK_ENCODINGS = [  # (suffix, command, lossy)
    ("dcmtk-jpeg-sv1", ["dcmcjpeg", "+e1"], False), ("dcmtk-jpeg-p14", ["dcmcjpeg", "+el", "+sv", "4"], False),
    ("dcmtk-jpeg-baseline", ["dcmcjpeg", "+eb"], True), ("dcmtk-jpeg-extended", ["dcmcjpeg", "+ee"], True),
    ("dcmtk-jpeg-ls", ["dcmcjpls"], False), ("dcmtk-jpeg-ls-near", ["dcmcjpls", "+en"], False),
    ("dcmtk-rle", ["dcmcrle"], False), ("dcmtk-big-endian", ["dcmconv", "+tb"], False),
    ("dcmtk-deflated", ["dcmconv", "+td"], False), ("dcmtk-implicit", ["dcmconv", "+ti"], False),
]


def write_dicom_fixtures(out: Path, skipped: list) -> list:
    """Write base fixtures and their re-encodings; return [(path, spec_twin or None)]."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, ds, opts in build_fixtures():
        base = out / f"{name}.dcm"
        ds.save_as(base, enforce_file_format=True)
        twin = opts.get("spec_twin")
        files.append((base, twin))
        if twin is not None:
            continue  # re-encoding cannot keep a twin in step; the native file is enough
        for suffix, ts, kwargs in PYDICOM_ENCODINGS:
            target = out / f"{name}.{suffix}.dcm"
            try:
                enc, arr = pydicom.dcmread(base), None
                if enc.get("PlanarConfiguration") == 1 and ts in (U.JPEG2000Lossless, U.JPEG2000):
                    # PS3.5 8.2.4: J2K carries components itself and PlanarConfiguration shall be 0.
                    # pydicom 3.0.2 keeps 1 and hands OpenJPEG the by-plane bytes as if interleaved.
                    arr, enc.PlanarConfiguration = pydicom.pixels.pixel_array(base, raw=True), 0
                enc.compress(ts, arr, generate_instance_uid=False, **kwargs)
                enc.save_as(target, enforce_file_format=True)
                files.append((target, None))
            except Exception as exc:  # encoder refuses this image: not MedSilo's problem
                skipped.append((target.name, f"pydicom compress: {str(exc).splitlines()[0][:90]}"))
        if ds.BitsAllocated == 32 and ds.file_meta.TransferSyntaxUID == U.ExplicitVRBigEndian:
            continue
        for suffix, command, lossy in DCMTK_ENCODINGS:
            target = out / f"{name}.{suffix}.dcm"
            if lossy and not opts.get("lossy"):
                continue  # lossy coding of LUT indices or >12-bit data is not a meaningful check
            run = subprocess.run([*command, str(base), str(target)], capture_output=True, text=True)
            if run.returncode or not target.exists():
                msg = (run.stderr or run.stdout).strip().splitlines()
                skipped.append((target.name, f"{command[0]}: {msg[-1][:90] if msg else run.returncode}"))
            else:
                files.append((target, None))
    return files


# ----------------------------------------------------------------------------------------------
# PNG (pypng) and JPEG (Pillow) fixtures


def write_png_fixtures(out: Path) -> list:
    out.mkdir(parents=True, exist_ok=True)
    rows, cols = 29, 37
    files = []

    def save(name, planes, bitdepth, interlace=False, palette=None, **kw):
        path = out / f"{name}.png"
        flat = planes.reshape(rows, -1)
        with open(path, "wb") as f:
            png.Writer(cols, rows, bitdepth=bitdepth, interlace=interlace, palette=palette, **kw).write(
                f, flat.tolist())
        files.append(path)

    def plane(bits, n=1):
        return np.stack([scaled(field(1, rows, cols)[0], 0, 2**bits - 1, np.uint16) for _ in range(n)], -1)

    for bits in (1, 2, 4, 8, 16):
        save(f"gray{bits}", plane(bits), bits, greyscale=True)
    save("gray2_interlaced", plane(2), 2, True, greyscale=True)
    save("gray16_interlaced", plane(16), 16, True, greyscale=True)
    for bits in (8, 16):
        save(f"gray_alpha{bits}", plane(bits, 2), bits, greyscale=True, alpha=True)
        save(f"rgb{bits}", plane(bits, 3), bits, greyscale=False)
        save(f"rgba{bits}_interlaced", plane(bits, 4), bits, True, greyscale=False, alpha=True)
    save("rgb16_interlaced", plane(16, 3), 16, True, greyscale=False)
    for bits in (1, 2, 4, 8):
        n = 2**bits
        pal = [tuple(int(v) for v in RNG.integers(0, 256, 3)) for _ in range(n)]
        save(f"palette{bits}", plane(bits), bits, palette=pal)
        if bits >= 4:  # tRNS: entries with alpha must come first
            trns = [p + (int(RNG.integers(0, 256)),) for p in pal[: n // 3]] + pal[n // 3:]
            save(f"palette{bits}_trns", plane(bits), bits, palette=trns)
            save(f"palette{bits}_trns_interlaced", plane(bits), bits, True, palette=trns)
    return files


def write_jpeg_fixtures(out: Path) -> list:
    out.mkdir(parents=True, exist_ok=True)
    rows, cols = 45, 61  # partial MCUs in both directions
    gray = scaled(field(1, rows, cols)[0], 0, 255, np.uint8)
    rgb = np.stack([scaled(field(1, rows, cols)[0], 0, 255, np.uint8) for _ in range(3)], -1)
    variants = [("gray", gray, {"quality": 90}), ("rgb_420", rgb, {"quality": 85, "subsampling": 2}),
                ("rgb_422", rgb, {"quality": 85, "subsampling": 1}),
                ("rgb_444", rgb, {"quality": 95, "subsampling": 0}),
                ("rgb_420_progressive", rgb, {"quality": 80, "subsampling": 2, "progressive": True}),
                ("gray_progressive", gray, {"quality": 75, "progressive": True})]
    files = []
    for name, arr, kw in variants:
        Image.fromarray(arr).save(out / f"{name}.jpg", "JPEG", **kw)
        files.append(out / f"{name}.jpg")
    return files


# ----------------------------------------------------------------------------------------------
# Reference decoding


def modality(arr, ds):
    """Modality transform per MedSilo's contract: LUT, else slope/intercept even if only one is given."""
    if ds.get("ModalityLUTSequence"):
        return apply_modality_lut(arr, ds)
    if "RescaleSlope" in ds or "RescaleIntercept" in ds:
        slope = float(ds.get("RescaleSlope", 1) or 1)
        return arr.astype(np.float64) * slope + float(ds.get("RescaleIntercept", 0) or 0)
    return arr


def reference(path: Path, twin=None):
    """Return (reference (frames, rows, cols, samples), tolerance, label, dataset, second opinion)."""
    suffix = path.suffix.lower()
    if suffix == ".png":
        reader = png.Reader(filename=str(path))
        width, height, rows, info = reader.read()
        arr = np.array([list(r) for r in rows], dtype=np.float64).reshape(height, width, -1)
        kind = "palette" if info.get("palette") else "gray" if info["greyscale"] else "rgb"
        label = f"png {info['bitdepth']}-bit {kind}" + ("+alpha" if info["alpha"] else "")
        if info.get("palette"):
            arr = np.array(reader.palette(), dtype=np.float64)[arr[..., 0].astype(int)]
            label += "+tRNS" if arr.shape[-1] == 4 else ""
        elif info["bitdepth"] < 8:
            arr = arr * 255 / (2 ** info["bitdepth"] - 1)
        label += " interlaced" if info.get("interlace") else ""
        return arr[None], 0, label, None, None
    if suffix in (".jpg", ".jpeg"):
        with Image.open(path) as im:
            label = f"jpeg {im.mode}" + (" progressive" if im.info.get("progressive") else "")
            arr = np.asarray(im, dtype=np.float64)
        return arr.reshape(1, arr.shape[0], arr.shape[1], -1), 0, label, None, None
    ds = pydicom.dcmread(path)
    ts = ds.file_meta.TransferSyntaxUID
    arr = ds.pixel_array  # as_rgb: YBR_FULL / YBR_FULL_422 converted to RGB
    if ds.SamplesPerPixel == 1 and arr.dtype.kind in "iu" and ds.BitsStored < 8 * arr.dtype.itemsize:
        # Bits above High Bit are not pixel data (PS3.5 8.1.1). pydicom drops them for native data
        # but not after JPEG-LS decoding (DCMTK's dcmcjpls encodes all 16 bits of BitsStored-12 data).
        bits = ds.BitsStored
        arr = arr.astype(np.int64) & ((1 << bits) - 1)
        if ds.PixelRepresentation == 1:
            arr = np.where(arr >= 1 << (bits - 1), arr - (1 << bits), arr)
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        lut_ds = twin if twin is not None else ds
        if not ts.is_little_endian and "RedPaletteColorLookupTableData" in ds:
            # pydicom 3.0.2 reads non-segmented LUT data as little endian whatever the syntax; OW
            # words in a big-endian file are big endian (8-bit entries: low byte of each word first).
            lut_ds = copy.deepcopy(ds)
            for name in ("Red", "Green", "Blue"):
                elem = lut_ds[f"{name}PaletteColorLookupTableData"]
                elem.value = np.frombuffer(elem.value, ">u2").astype("<u2").tobytes()
        arr = apply_color_lut(arr, lut_ds)
    elif ds.SamplesPerPixel == 1:
        arr = modality(arr, ds)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    tol = LOSSY_TOLERANCE.get(ts, 0) * abs(float(ds.get("RescaleSlope", 1) or 1))
    label = f"{SHORT_TS.get(ts, ts)} {ds.PhotometricInterpretation}"
    alt = None
    if tol and ds.BitsAllocated == 8:  # second opinion: Pillow (libjpeg-turbo, IJG lineage like DCMTK)
        try:
            alt = pydicom.pixels.pixel_array(path, decoding_plugin="pillow")
            alt = np.asarray(alt if ds.SamplesPerPixel > 1 else modality(alt, ds), np.float64)
            alt = alt.reshape(frames, ds.Rows, ds.Columns, -1)
        except Exception:
            alt = None
    return np.asarray(arr, np.float64).reshape(frames, ds.Rows, ds.Columns, -1), tol, label, ds, alt


# ----------------------------------------------------------------------------------------------
# Checks


def medsilo(*args):
    return subprocess.run([ARGS.medsilo, *map(str, args)], capture_output=True, text=True)


def inspect_problems(path: Path, arr, ds):
    """Compare `medsilo inspect --json` with pydicom's header and the decoded array."""
    run = medsilo("inspect", "--json", path)
    if run.returncode:
        return [f"inspect failed: {(run.stderr or run.stdout).strip()[:120]}"]
    info = json.loads(run.stdout.splitlines()[0])
    expect = {"rows": arr.shape[1], "columns": arr.shape[2], "frames": arr.shape[0],
              "decodedSamplesPerPixel": arr.shape[3]}
    if ds is not None:
        expect.update(rows=ds.Rows, columns=ds.Columns, frames=int(ds.get("NumberOfFrames", 1) or 1),
                      samplesPerPixel=ds.SamplesPerPixel, bitsStored=ds.BitsStored,
                      photometricInterpretation=ds.PhotometricInterpretation,
                      transferSyntaxUID=str(ds.file_meta.TransferSyntaxUID))
    problems = [f"inspect {k}={info.get(k)!r}, expected {v!r}" for k, v in expect.items() if info.get(k) != v]
    mean = float(arr.astype(np.float64).mean())
    for key, want in (("min", float(arr.min())), ("max", float(arr.max()))):
        if info.get(key) is None or np.float32(info[key]) != np.float32(want):
            problems.append(f"inspect {key}={info.get(key)}, npy {want}")
    if info.get("mean") is None or abs(info["mean"] - mean) > 1e-3 * max(1.0, abs(mean)):
        problems.append(f"inspect mean={info.get('mean')}, npy {mean}")
    return problems


def describe_diff(got, ref, limit=3):
    """Where the largest differences are: [frame, row, col, sample] medsilo vs reference."""
    diff = np.abs(got - ref)
    worst = np.argsort(diff, axis=None)[::-1][:limit]
    where = [np.unravel_index(i, diff.shape) for i in worst if diff.flat[i] > 0]
    return "; ".join(f"{tuple(int(v) for v in w)} got {got[w]:g} ref {ref[w]:g}" for w in where)


def convert_and_compare(path, out, row, ref, tol, alt=None, frame=None):
    """Run `medsilo convert`, compare with the reference; fill row; return the array or None."""
    run = medsilo("convert", path, out, *(["--frame", frame] if frame is not None else []))
    if run.returncode:
        row["notes"].append(f"medsilo convert failed: {(run.stderr or run.stdout).strip()[:200]}")
        return None
    got = np.load(out)
    row["shape"] = "x".join(map(str, got.shape))
    if got.dtype != np.float32 or not got.flags["C_CONTIGUOUS"] or got.ndim != 4:
        row["notes"].append(f"npy is {got.dtype}, ndim {got.ndim}, C-order {got.flags['C_CONTIGUOUS']}")
    got = got.astype(np.float64)
    if ref is None:
        return got
    ref = ref.astype(np.float32).astype(np.float64)  # what a float32 writer must produce
    if got.shape != ref.shape:
        row["notes"].append(f"shape {got.shape}, reference {ref.shape}")
        return got
    diff = np.abs(got - ref)
    row["diff"] = f"{diff.max():g}"
    if alt is not None and alt.shape == got.shape:
        row["aside"] = f"vs pydicom+Pillow: {np.abs(got - alt.astype(np.float32)).max():g}"
    if diff.max() > tol:
        row["notes"].append(f"{int((diff > tol).sum())}/{got.size} values differ > {tol:g}: "
                            f"{describe_diff(got, ref)}")
    return got


def check_file(path: Path, work: Path, twin=None):
    """Yield result rows: dict(file, format, shape, diff, tol, status, notes, aside)."""
    row = {"file": path.name, "format": "?", "shape": "-", "diff": "-", "tol": "-", "notes": [], "aside": ""}
    try:
        ref, tol, row["format"], ds, alt = reference(path, twin)
        row["tol"] = f"{tol:g}"
    except Exception as exc:
        row["notes"].append(f"reference decoder failed: {type(exc).__name__}: {str(exc)[:150]}")
        ref, tol, ds, alt = None, 0, None, None
    got = convert_and_compare(path, work / f"{path.name}.npy", row, ref, tol, alt)
    if got is not None:
        row["notes"] += inspect_problems(path, got, ds)
    row["status"] = "FAIL" if row["notes"] else "PASS"
    yield row
    if got is not None and ref is not None and ref.shape[0] > 1:  # --frame N equals that slice
        last = ref.shape[0] - 1
        sub = dict(row, file=f"{path.name} --frame {last}", shape="-", diff="-", notes=[], aside="")
        convert_and_compare(path, work / "frame.npy", sub, ref[last:], tol, frame=last)
        sub["status"] = "FAIL" if sub["notes"] else "PASS"
        yield sub


# ----------------------------------------------------------------------------------------------
# Dataset store written by `medsilo ingest`, against numpy computations on the source files.
#
# Self-contained: its own fixtures, reference pipeline and result rows (same row dicts as above).
# Reference pipeline (MedSilo's documented order): intensity -> [0, 1]; resize to size x size; channel
# policy; storage. Resizing is done here with exact per-axis weight matrices built from Fractions:
#   area:     output j covers [j*s, (j+1)*s), s = n_in/n_out; input i weighs |overlap| / s.
#   bilinear: x = (j + 1/2) * s - 1/2 clamped to [0, n_in - 1]; floor(x) gets 1 - frac, the next frac.
#   auto:     area on an axis that shrinks, bilinear on one that does not (per axis).
# Pillow's Image.BOX is NOT used: it weighs each input pixel 1 or 0 by where its centre falls (no
# fractional coverage), e.g. [0, 3, 6] -> 2 samples gives [1.5, 6] instead of the exact [1, 5].
# Tolerances: float32 stores |diff| <= STORE_F32_TOL (values are in [0, 1]; MedSilo sums at most a few
# dozen float32 products, ~1e-6 worst case, while one code of a 16-bit source is 1.5e-5 before
# averaging); uint8 stores exact after floor(255 v + 1/2), except that where the float64 reference
# 255 v lies within STORE_TIE of k + 1/2 both k and k + 1 are accepted (float32 rounding decides ties).

STORE_F32_TOL = 1e-5
STORE_TIE = 1e-3
SPLIT_NAMES = ("train", "val", "test")
RECORD = np.dtype([("split", "u1"), ("reserved", "u1"), ("site", "<u2"), ("patient", "<u4")])


def st_row(name, what, notes, diff="-", tol="-", shape="-", aside=""):
    return {"file": name, "format": what, "shape": shape, "diff": diff, "tol": tol, "notes": list(notes),
            "aside": aside, "status": "FAIL" if notes else "PASS"}


def st_ingest(source, out, *options):
    """Run `medsilo ingest --json`; return (report dict, None) or (None, error text)."""
    run = medsilo("ingest", source, "--out", out, "--json", "--force", *options)
    if run.returncode:
        return None, f"medsilo ingest {' '.join(map(str, options))} failed: {(run.stderr or run.stdout).strip()[:300]}"
    try:
        return json.loads(run.stdout.strip().splitlines()[-1]), None
    except (ValueError, IndexError) as exc:
        return None, f"ingest --json output unreadable: {exc}: {run.stdout[:200]}"


def st_read(path: Path):
    """Read a store with numpy and the csv module only. Returns (store dict, structural problems)."""
    import csv
    meta = json.loads((path / "store.json").read_text())
    n, (c, h, w) = meta["count"], meta["shape"]
    storage = meta["preprocessing"]["storage"]
    problems = []
    if meta.get("format") != "medsilo-store" or meta.get("version") != 1:
        problems.append(f"store.json format/version {meta.get('format')}/{meta.get('version')}")
    raw = np.fromfile(path / "images.bin", np.uint8 if storage == "uint8" else np.dtype("<f4"))
    if raw.size != n * c * h * w:
        problems.append(f"images.bin holds {raw.size} values, expected {n}x{c}x{h}x{w}")
    images = np.zeros((n, c, h, w)) if raw.size != n * c * h * w else raw.reshape(n, c, h, w)
    k = len(meta["classes"])
    lab = np.fromfile(path / "labels.bin", np.uint8)
    if lab.size != n * k or not np.isin(lab, (0, 1)).all():
        problems.append(f"labels.bin has {lab.size} bytes (expected {n}x{k}) or values other than 0/1")
    labels = lab.reshape(n, k) if lab.size == n * k else np.zeros((n, k), np.uint8)
    rec = np.fromfile(path / "samples.bin", RECORD)
    if (path / "samples.bin").stat().st_size != 8 * n:
        problems.append(f"samples.bin has {(path / 'samples.bin').stat().st_size} bytes, expected {8 * n}")
        rec = np.zeros(n, RECORD)
    with open(path / "samples.csv", newline="") as f:
        table = list(csv.DictReader(f))
    patients = (path / "patients.txt").read_text().splitlines()
    store = dict(meta=meta, images=images, labels=labels, rec=rec, csv=table, patients=patients)
    # Cross-file consistency of the format itself.
    if len(table) != n or [r["index"] for r in table] != [str(i) for i in range(len(table))]:
        problems.append(f"samples.csv has {len(table)} rows / indices not 0..{n - 1}")
        return store, problems
    if (rec["split"] > 2).any() or rec["reserved"].any():
        problems.append("samples.bin: split code > 2 or reserved byte set")
        return store, problems
    for i, (r, row) in enumerate(zip(rec, table)):
        names = "|".join(meta["classes"][j] for j in np.flatnonzero(labels[i]))
        want = {"split": SPLIT_NAMES[r["split"]], "labels": names,
                "patient": "" if r["patient"] == 0xFFFFFFFF else patients[r["patient"]] if r["patient"] < len(patients) else "?",
                "site": "" if r["site"] == 0xFFFF else meta["sites"][r["site"]] if r["site"] < len(meta["sites"]) else "?"}
        bad = [f"{key} csv {row[key]!r} bin {val!r}" for key, val in want.items() if row[key] != val]
        if bad:
            problems.append(f"row {i}: " + "; ".join(bad))
            break
    counts = {s: int((rec["split"] == code).sum()) for code, s in enumerate(SPLIT_NAMES)}
    if meta["splits"] != counts:
        problems.append(f"store.json splits {meta['splits']}, samples.bin {counts}")
    per_class = {s: labels[rec["split"] == code].sum(0).astype(int).tolist() for code, s in enumerate(SPLIT_NAMES)}
    if meta["classCounts"] != per_class:
        problems.append(f"store.json classCounts {meta['classCounts']}, labels.bin {per_class}")
    if meta["patients"] != len(patients) or len(set(patients)) != len(patients):
        problems.append(f"store.json patients {meta['patients']}, patients.txt {len(patients)} lines ({len(set(patients))} distinct)")
    return store, problems


def st_weights(n_in, n_out, method):
    """(n_out, n_in) float64 resampling matrix of one axis, computed exactly with Fractions."""
    from fractions import Fraction
    from math import floor
    if method == "auto":
        method = "area" if n_out < n_in else "bilinear"
    m = np.zeros((n_out, n_in))
    s = Fraction(n_in, n_out)
    for j in range(n_out):
        if method == "area":
            lo, hi = j * s, (j + 1) * s
            for i in range(floor(lo), min(n_in, floor(hi) + 1)):
                overlap = min(hi, i + 1) - max(lo, i)
                if overlap > 0:
                    m[j, i] = float(overlap / s)
        else:
            x = min(max((j + Fraction(1, 2)) * s - Fraction(1, 2), Fraction(0)), Fraction(n_in - 1))
            i = floor(x)
            m[j, i] += float(1 - (x - i))
            if x > i:
                m[j, i + 1] += float(x - i)
    return m


def st_resize(img, size, method):
    """img (H, W, C) float64 -> (size, size, C)."""
    return np.einsum("yi,ijc,xj->yxc", st_weights(img.shape[0], size, method), img,
                     st_weights(img.shape[1], size, method))


def st_pipeline(unit, size, method, channels):
    """unit: (H, W, S) values already in [0, 1] scale (not clamped) -> expected (C, size, size)."""
    keep = 3 if unit.shape[2] >= 3 else 1
    v = np.clip(st_resize(unit[..., :keep], size, method), 0, 1)
    if channels == keep:
        out = v
    elif channels == 3:
        out = np.repeat(v, 3, axis=2)
    else:
        out = (0.299 * v[..., 0] + 0.587 * v[..., 1] + 0.114 * v[..., 2])[..., None]
    return out.transpose(2, 0, 1)


def st_compare(got, expect, storage):
    """Compare stored values with the float64 reference. Returns (notes, max diff text, tol text, ties)."""
    got = np.asarray(got, np.float64)
    if got.shape != expect.shape:
        return [f"shape {got.shape}, expected {expect.shape}"], "-", "-", 0
    if storage == "float32":
        diff = np.abs(got - expect)
        notes = []
        if diff.max() > STORE_F32_TOL:
            i = np.unravel_index(np.argmax(diff), diff.shape)
            notes.append(f"{int((diff > STORE_F32_TOL).sum())}/{diff.size} values differ > {STORE_F32_TOL:g}; worst "
                         f"at {tuple(map(int, i))}: got {got[i]:.7g}, expected {expect[i]:.7g}")
        return notes, f"{diff.max():.2g}", f"{STORE_F32_TOL:g}", 0
    scaled = 255 * np.clip(expect, 0, 1)
    want = np.floor(scaled + 0.5)
    tie = np.abs(scaled - np.floor(scaled) - 0.5) < STORE_TIE
    ok = (got == want) | (tie & (np.abs(got - want) <= 1) & (got >= np.floor(scaled)) & (got <= np.floor(scaled) + 1))
    diff = np.abs(got - want)
    notes = []
    if not ok.all():
        i = np.unravel_index(np.argmax(~ok), ok.shape)
        notes.append(f"{int((~ok).sum())}/{ok.size} uint8 values wrong; first at {tuple(map(int, i))}: "
                     f"got {int(got[i])}, expected {int(want[i])} (255v = {scaled[i]:.4f})")
    return notes, f"{diff.max():g}", "0/tie", int((tie & (got != want)).sum())


# -- 1. PNG / JPEG image folder --------------------------------------------------------------------


def st_pattern(rng, h, w, n=1):
    y, x = np.mgrid[0:h, 0:w]
    planes = [np.clip(0.5 + 0.45 * np.sin(x / (3 + k) + y / (5 + k)) * np.cos(y / 7 - k) + 0.08 * rng.standard_normal((h, w)), 0, 1)
              for k in range(n)]
    a = np.stack(planes, -1)
    a[0, 0], a[-1, -1] = 0, 1  # both ends of the range
    return a


def st_write_images(root: Path):
    """Class folders a/ and b/ with PNG (Pillow, pypng) and JPEG (Pillow). Returns {relative path: kind}."""
    rng = np.random.default_rng(31337)
    files = {}

    def put(rel, kind):
        files[rel] = kind
        return root / rel

    for folder in ("a", "b"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    Image.fromarray((255 * st_pattern(rng, 53, 37)[..., 0]).round().astype(np.uint8), "L").save(put("a/gray_37x53.png", "png gray8"))
    Image.fromarray((255 * st_pattern(rng, 80, 100, 3)).round().astype(np.uint8), "RGB").save(put("a/rgb_100x80.png", "png rgb8"))
    rgba = np.concatenate([st_pattern(rng, 29, 41, 3), rng.random((29, 41, 1))], -1)
    Image.fromarray((255 * rgba).round().astype(np.uint8), "RGBA").save(put("b/rgba_41x29.png", "png rgba8"))
    g16 = (65535 * st_pattern(rng, 47, 33)[..., 0]).round().astype(np.uint16)
    with open(put("a/gray16_33x47.png", "png gray16"), "wb") as f:
        png.Writer(33, 47, greyscale=True, bitdepth=16).write(f, g16.tolist())
    rgb = (255 * st_pattern(rng, 45, 61, 3)).round().astype(np.uint8)
    Image.fromarray(rgb).save(put("b/rgb444_61x45.jpg", "jpeg 4:4:4"), "JPEG", quality=92, subsampling=0)
    Image.fromarray(rgb).save(put("b/rgb420_61x45.jpg", "jpeg 4:2:0"), "JPEG", quality=85, subsampling=2)
    Image.fromarray(rgb[..., 1]).save(put("a/gray_61x45.jpg", "jpeg gray"), "JPEG", quality=90)
    return files


def st_decode_unit(path: Path):
    """Source pixels as (H, W, S) float64 divided by the full scale (65535 for 16-bit PNG, else 255)."""
    if path.suffix == ".png":
        width, height, rows, info = png.Reader(filename=str(path)).asDirect()
        arr = np.array([list(r) for r in rows], np.float64).reshape(height, width, -1)
        return arr / (2 ** info["bitdepth"] - 1)
    with Image.open(path) as im:
        arr = np.asarray(im, np.float64)
    return arr.reshape(arr.shape[0], arr.shape[1], -1) / 255


def st_reference_selftest():
    """The reference's own resampling against facts it must satisfy, and torch when it is importable."""
    notes, aside = [], "torch not importable: bilinear reference is the numpy one only"
    for n_in, n_out in ((53, 16), (37, 128), (100, 48), (29, 48), (28, 14), (45, 45)):
        for method in ("area", "bilinear"):
            m = st_weights(n_in, n_out, method)
            if not np.allclose(m.sum(1), 1, atol=1e-12) or (m < 0).any():
                notes.append(f"{method} {n_in}->{n_out}: weights do not sum to 1")
            if n_in == n_out and not np.array_equal(m, np.eye(n_in)):
                notes.append(f"{method} {n_in}->{n_out}: not the identity")
    if not np.array_equal(st_weights(28, 14, "area"), np.kron(np.eye(14), [[0.5, 0.5]])):
        notes.append("area 28->14 is not the mean of pairs")
    box = np.asarray(Image.fromarray(np.array([[0, 3, 6]], np.float32), "F").resize((2, 1), Image.BOX))[0]
    exact = st_weights(3, 2, "area") @ np.array([0.0, 3, 6])
    aside_box = f"Pillow BOX [0,3,6]->2 gives {box.tolist()}, exact area {exact.tolist()}"
    try:
        import torch
        aside = f"torch {torch.__version__}: bilinear == interpolate(align_corners=False)"
        for h, w, size in ((53, 37, 16), (45, 61, 128), (29, 41, 48)):
            img = RNG.random((h, w))
            ref = torch.nn.functional.interpolate(torch.tensor(img)[None, None], size=(size, size), mode="bilinear",
                                                  align_corners=False, antialias=False)[0, 0].numpy()
            diff = np.abs(st_resize(img[..., None], size, "bilinear")[..., 0] - ref).max()
            if diff > 1e-12:
                notes.append(f"bilinear {h}x{w}->{size} differs from torch by {diff:g}")
    except ImportError:
        pass
    return st_row("reference self-test", "resampling weights", notes, aside=f"{aside}; {aside_box}")


def st_image_folder(root: Path):
    src = root / "images"
    files = st_write_images(src)
    sources = {rel: st_decode_unit(src / rel) for rel in files}
    hashes = {rel: hashlib.sha256((src / rel).read_bytes()).hexdigest() for rel in files}
    configs = [(size, method, channels, storage) for size in (16, 128) for method in ("area", "bilinear")
               for channels in (1, 3) for storage in ("float32", "uint8")]
    configs += [(48, "auto", 3, "float32"), (48, "auto", 1, "uint8"), (16, "auto", 3, "float32"), (128, "auto", 3, "float32")]
    yield "store: imagefolder PNG/JPEG vs numpy (exact area weights, half-pixel bilinear)"
    yield st_reference_selftest()
    for size, method, channels, storage in configs:
        tag = f"s{size}-{method}-c{channels}-{'f32' if storage == 'float32' else 'u8'}"
        out = root / tag
        report, error = st_ingest(src, out, "--layout", "imagefolder", "--size", size, "--channels", channels,
                                  "--resize", method, "--storage", storage)
        if error:
            yield st_row(tag, "ingest", [error])
            continue
        store, problems = st_read(out)
        meta = store["meta"]
        if meta["shape"] != [channels, size, size] or meta["count"] != len(files) or meta["failed"]:
            problems.append(f"shape {meta['shape']}, count {meta['count']}, failed {meta['failed']}")
        if meta["preprocessing"]["resize"] != method or meta["preprocessing"]["storage"] != storage:
            problems.append(f"preprocessing recorded as {meta['preprocessing']}")
        if meta["classes"] != ["a", "b"]:
            problems.append(f"classes {meta['classes']}")
        by_source = {r["source"]: i for i, r in enumerate(store["csv"])}
        for rel in files:
            i = by_source.get(rel)
            if i is None:
                problems.append(f"{rel} not in samples.csv")
                continue
            want_label = [1, 0] if rel.startswith("a/") else [0, 1]
            if store["labels"][i].tolist() != want_label or store["csv"][i]["sha256"] != hashes[rel]:
                problems.append(f"{rel}: labels {store['labels'][i].tolist()} / sha256 differ from the source")
            if store["rec"][i]["patient"] != 0xFFFFFFFF or store["rec"][i]["site"] != 0xFFFF:
                problems.append(f"{rel}: patient/site set for a source without them")
        yield st_row(tag, "store structure", problems, shape="x".join(map(str, meta["shape"])))
        if problems and not by_source:
            continue
        for rel, kind in files.items():
            if rel not in by_source:
                continue
            expect = st_pipeline(sources[rel], size, method, channels)
            notes, diff, tol, ties = st_compare(store["images"][by_source[rel]], expect, storage)
            yield st_row(f"{tag} {Path(rel).name}", kind, notes, diff, tol, "x".join(map(str, expect.shape)),
                         f"{ties} half-way ties rounded the other way" if ties else "")


# -- 2. DICOM ---------------------------------------------------------------------------------------


def st_dicom(rows, cols, pixels, signed, pi="MONOCHROME2", stored=16, **extra):
    meta = FileMetaDataset()
    meta.TransferSyntaxUID, meta.MediaStorageSOPClassUID = U.ExplicitVRLittleEndian, U.CTImageStorage
    meta.MediaStorageSOPInstanceUID = U.generate_uid()
    ds = Dataset()
    ds.file_meta = meta  # synthetic identifiers only
    ds.SOPClassUID, ds.SOPInstanceUID = U.CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.Modality = "Synthetic^Store", "SYNTH-STORE", "CT"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = U.generate_uid(), U.generate_uid()
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, cols, 1, pi
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, stored, stored - 1, int(signed)
    for key, value in extra.items():
        setattr(ds, key, value)
    ds.PixelData = pixels.astype("<i2" if signed else "<u2").tobytes()
    return ds


def st_write_dicoms(root: Path):
    rng = np.random.default_rng(4242)
    (root / "ct").mkdir(parents=True, exist_ok=True)
    (root / "xr").mkdir(parents=True, exist_ok=True)

    def hu_field(h, w, lo, hi):
        return np.round(lo + (hi - lo) * st_pattern(rng, h, w)[..., 0])

    fx = {
        "ct/window_45x61.dcm": st_dicom(45, 61, hu_field(45, 61, -1024, 1500), True, RescaleSlope="1",
                                        RescaleIntercept="-1024", WindowCenter="40", WindowWidth="400"),
        "ct/slope_two_windows_50x40.dcm": st_dicom(50, 40, hu_field(50, 40, 0, 4000), False, RescaleSlope="0.5",
                                                   RescaleIntercept="-1000", WindowCenter=["300", "40"],
                                                   WindowWidth=["1500", "400"]),
        "ct/small_enlarge_20x24.dcm": st_dicom(24, 20, hu_field(24, 20, -200, 300), True, RescaleSlope="1",
                                               RescaleIntercept="0", WindowCenter="50.5", WindowWidth="350"),
        "xr/mono1_12bit_37x53.dcm": st_dicom(53, 37, hu_field(53, 37, 0, 4095), False, "MONOCHROME1", 12,
                                             WindowCenter="2048", WindowWidth="4096"),
        "xr/no_window_41x39.dcm": st_dicom(39, 41, hu_field(39, 41, 100, 3000), False, stored=12,
                                           RescaleSlope="2", RescaleIntercept="-7"),
    }
    for rel, ds in fx.items():
        ds.save_as(root / rel, enforce_file_format=True)
    return list(fx)


def st_percentile_window(values, low, high):
    """(function, centre, width) as Preprocessor.percentileWindow: nearest rank round(p/100 (n-1))."""
    s = np.sort(values.ravel())
    rank = lambda p: s[min(max(int(np.floor(p / 100 * (s.size - 1) + 0.5)), 0), s.size - 1)]
    lo, hi = float(rank(low)), float(rank(high))
    if hi <= lo:
        lo, hi = float(s[0]) - 0.5, float(s[0]) + 0.5
    return "exact", (lo + hi) / 2, hi - lo


def st_window(x, function, c, w):
    if function == "linear":  # PS3.3 C.11.2.1.2.1
        c, w = c - 0.5, w - 1
    return np.where(x <= c - w / 2, 0.0, np.where(x > c + w / 2, 1.0, (x - c) / w + 0.5))


def st_dicom_expected(path: Path, policy, size):
    ds = pydicom.dcmread(path)
    hu = np.asarray(apply_modality_lut(ds.pixel_array, ds), np.float64).astype(np.float32).astype(np.float64)
    if policy == "file" and "WindowCenter" in ds:
        centres, widths = ds.WindowCenter, ds.WindowWidth
        first = lambda v: float(v[0]) if isinstance(v, pydicom.multival.MultiValue) else float(v)
        window = ("linear", first(centres), first(widths))
    elif policy == "file":
        window = st_percentile_window(hu, 0.5, 99.5)
    elif policy.startswith("percentile:"):
        window = st_percentile_window(hu, *map(float, policy.split(":")[1].split(",")))
    else:
        c, w = map(float, policy.split(","))
        window = ("linear", c, w)
    v = st_window(hu, *window).astype(np.float32).astype(np.float64)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        v = 1 - v
    return st_pipeline(v[..., None], size, "auto", 1), f"{ds.PhotometricInterpretation} {window[0]} c={window[1]:g} w={window[2]:g}"


def st_dicom_folder(root: Path):
    src = root / "dicom"
    files = st_write_dicoms(src)
    yield "store: DICOM (pydicom pixel_array + apply_modality_lut + VOI window + numpy resize)"
    for policy in ("file", "50,350", "percentile:2,98"):
        tag = "dcm-" + policy.replace(":", "").replace(",", "_") + "-s32-f32"
        out = root / tag
        report, error = st_ingest(src, out, "--layout", "imagefolder", "--size", 32, "--storage", "float32",
                                  "--dicom-window", policy)
        if error:
            yield st_row(tag, "ingest", [error])
            continue
        store, problems = st_read(out)
        by_source = {r["source"]: i for i, r in enumerate(store["csv"])}
        missing = [rel for rel in files if rel not in by_source]
        if missing or store["meta"]["failed"]:
            problems.append(f"not stored: {missing}; failed {store['meta']['failed']}")
        yield st_row(tag, "store structure", problems, shape="x".join(map(str, store["meta"]["shape"])))
        for rel in files:
            if rel not in by_source:
                continue
            expect, what = st_dicom_expected(src / rel, policy, 32)
            notes, diff, tol, _ = st_compare(store["images"][by_source[rel]], expect, "float32")
            yield st_row(f"{tag} {Path(rel).name}", what, notes, diff, tol, "x".join(map(str, expect.shape)))


# -- 3. MedMNIST .npz --------------------------------------------------------------------------------


def st_medmnist(root: Path):
    rng = np.random.default_rng(2718)
    root.mkdir(parents=True, exist_ok=True)
    counts = {"train": 50, "val": 10, "test": 10}
    specs = {"pathmnist": ((28, 28, 3), 9, False), "chestmnist": ((28, 28), 14, True)}
    yield "store: MedMNIST .npz (np.savez_compressed and np.savez) vs the arrays"
    for flag, (shape, k, multi) in specs.items():
        arrays = {}
        for split, n in counts.items():
            arrays[f"{split}_images"] = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
            arrays[f"{split}_labels"] = (rng.integers(0, 2, (n, k)) if multi else rng.integers(0, 9, (n, 1))).astype(np.uint8)
        arrays["train_images"][0] = 0  # both ends of the range (and exact 255)
        arrays["train_images"][1] = 255
        images = np.concatenate([arrays[f"{s}_images"] for s in counts]).astype(np.float64)
        if images.ndim == 3:
            images = images[..., None]
        labels = np.concatenate([arrays[f"{s}_labels"] for s in counts])
        hot = labels if multi else np.eye(k, dtype=np.uint8)[labels[:, 0]]
        split_codes = np.repeat([0, 1, 2], list(counts.values()))
        for writer in ("savez_compressed", "savez"):
            folder = root / f"{flag}-{writer}"
            folder.mkdir(exist_ok=True)
            getattr(np, writer)(folder / f"{flag}.npz", **arrays)
            channel_sets = (3, 1) if shape[-1] == 3 else (1, 3)
            configs = [(28, c) for c in channel_sets] + [(14, channel_sets[0])]
            for size, channels in configs:
                tag = f"{flag}-{writer.replace('savez_compressed', 'zip')}-s{size}-c{channels}-u8"
                out = root / tag
                report, error = st_ingest(folder / f"{flag}.npz", out, "--layout", "medmnist", "--size", size,
                                          "--channels", channels, "--storage", "uint8")
                if error:
                    yield st_row(tag, "ingest", [error])
                    continue
                store, problems = st_read(out)
                meta, n = store["meta"], len(images)
                if meta["count"] != n or meta["splits"] != counts or meta["multiLabel"] != multi or len(meta["classes"]) != k:
                    problems.append(f"count {meta['count']} splits {meta['splits']} multiLabel {meta['multiLabel']} "
                                    f"classes {len(meta['classes'])}; expected {n} {counts} {multi} {k}")
                if meta["count"] == n:
                    if not np.array_equal(store["rec"]["split"], split_codes):
                        problems.append(f"row splits {store['rec']['split'].tolist()} are not train*50, val*10, test*10")
                    if not np.array_equal(store["labels"], hot):
                        bad = np.flatnonzero((store["labels"] != hot).any(1))
                        problems.append(f"labels.bin differs from the npz labels in rows {bad[:8].tolist()}")
                    want_csv = [f"{s}_images[{r}]" for s in counts for r in range(counts[s])]
                    got_csv = [row["source"].rsplit(":", 1)[-1] for row in store["csv"]]
                    if got_csv != want_csv:
                        problems.append(f"samples.csv sources {got_csv[:3]}..., expected {want_csv[:3]}...")
                    row_hash = [hashlib.sha256(arrays[f"{s}_images"][r].tobytes()).hexdigest()
                                for s in counts for r in range(counts[s])]
                    if [row["sha256"] for row in store["csv"]] != row_hash:
                        problems.append("samples.csv sha256 differs from sha256 of the array rows")
                    if meta["patients"] != 0 or (store["rec"]["patient"] != 0xFFFFFFFF).any():
                        problems.append("patients recorded for MedMNIST (it has none)")
                yield st_row(tag, "splits, labels, counts", problems, shape="x".join(map(str, meta["shape"])))
                if meta["count"] != n:
                    continue
                if size == 28:  # same size: no resampling; uint8 must give back the array (or its luma)
                    unit = images / 255
                    if channels == images.shape[-1]:
                        expect = unit.transpose(0, 3, 1, 2)
                        what = "pixels == arrays"
                    elif channels == 3:
                        expect = np.repeat(unit, 3, -1).transpose(0, 3, 1, 2)
                        what = "pixels == gray x3"
                    else:
                        expect = (unit @ np.array([0.299, 0.587, 0.114]))[:, None]
                        what = "pixels == BT.601 luma"
                else:  # 2x area shrink == mean of each 2x2 block
                    b = images.reshape(n, 14, 2, 14, 2, -1).mean((2, 4)) / 255
                    expect = (b if channels == b.shape[-1] else np.repeat(b, 3, -1)).transpose(0, 3, 1, 2)
                    what = "2x2 block means"
                notes, diff, tol, ties = st_compare(store["images"], expect, "uint8")
                if what == "pixels == arrays" and not notes and ties:
                    notes = [f"{ties} values off by one where the array must come back exactly"]
                yield st_row(tag, what, notes, diff, tol if what != "pixels == arrays" else "0",
                             "x".join(map(str, store["images"].shape)),
                             f"{ties} exact .5 ties rounded down" if ties and what != "pixels == arrays" else "")


# -- 4. Splits and privacy on a CSV manifest ----------------------------------------------------------


def st_write_manifest(root: Path, with_failures: bool):
    """Images under paths that carry realistic-looking patient IDs; returns manifest rows (dicts)."""
    rng = np.random.default_rng(99)
    rows = []
    for p in range(12):
        pid = f"MRN-00{12340 + p}"
        given = {3: "test", 7: "val"}.get(p, "")
        for v in range(1 + p % 4):
            style = (p + v) % 3
            rel = (f"{pid}/study{v}/view.png" if style == 0 else f"scans/{pid}_cxr{v}.png" if style == 1
                   else f"scans/img_{p:02d}_{v}.png")
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray((255 * st_pattern(rng, 20 + v, 24)[..., 0]).astype(np.uint8)).save(root / rel)
            rows.append({"path": rel, "label": ("normal", "pneumonia")[(p + v) % 2], "patient": pid,
                         "site": ("Hospital A", "Hospital B")[p % 2], "split": given if v == 0 or p == 7 else ""})
    if with_failures:  # a manifest row whose file is missing, and a file that does not decode
        rows.append({"path": "MRN-0012399/study0/view.png", "label": "normal", "patient": "MRN-0012399",
                     "site": "Hospital A", "split": ""})
        (root / "MRN-0012398").mkdir(parents=True, exist_ok=True)
        (root / "MRN-0012398" / "view.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
        rows.append({"path": "MRN-0012398/view.png", "label": "pneumonia", "patient": "MRN-0012398",
                     "site": "Hospital B", "split": ""})
    with open(root / "labels.csv", "w") as f:
        f.write("path,label,patient,site,split\n")
        f.writelines(",".join(r[k] for k in ("path", "label", "patient", "site", "split")) + "\n" for r in rows)
    return rows


def st_leaks(store: Path, ids):
    """[(raw ID, where)] for every raw identifier found in the bytes of any file of the store."""
    found = []
    for path in sorted(p for p in store.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for pid in ids:
            at = data.find(pid.encode())
            if at >= 0:
                line = data[data.rfind(b"\n", 0, at) + 1:data.find(b"\n", at) % (len(data) + 1)][:160]
                found.append((pid, f"{path.name}: {line.decode(errors='replace')!r}"))
    return found


def st_csv_manifest(root: Path):
    import hmac
    import re
    yield "store: CSV manifest with patient IDs (splits by patient, pseudonyms, no raw IDs in the store)"
    for with_failures in (False, True):
        name = "csv-failures" if with_failures else "csv-keyed"
        src = root / f"{name}-src"
        src.mkdir(parents=True, exist_ok=True)
        rows = st_write_manifest(src, with_failures)
        ids = sorted({r["patient"] for r in rows})
        key = bytes(range(7, 39))  # 32-byte user key: pseudonyms can be recomputed here
        (root / "key.bin").write_bytes(key)
        out = root / name
        options = ["--layout", "csv", "--size", 16, "--seed", 5]
        options += [] if with_failures else ["--key-file", root / "key.bin"]
        report, error = st_ingest(src, out, *options)
        if error:
            yield st_row(name, "ingest", [error])
            continue
        store, problems = st_read(out)
        meta, rec, table = store["meta"], store["rec"], store["csv"]
        good = [r for r in rows if (src / r["path"]).is_file() and "MRN-0012398" not in r["path"]]
        good_ids = {r["patient"] for r in good}
        if meta["count"] != len(good) or meta["patients"] != len(good_ids) or meta["splitPolicy"]["conflictingPatients"]:
            problems.append(f"count {meta['count']}, patients {meta['patients']}, conflicts "
                            f"{meta['splitPolicy']['conflictingPatients']}; expected {len(good)}, {len(good_ids)}, 0")
        if with_failures and (meta["failed"], meta["rejected"]) != (1, 1):
            problems.append(f"failed {meta['failed']}, rejected {meta['rejected']}; expected 1 and 1")
        bad_form = [p for p in store["patients"] if not re.fullmatch(r"p[0-9a-f]{20}", p)]
        if bad_form:
            problems.append(f"pseudonyms not p + 20 hex digits: {bad_form[:3]}")
        yield st_row(name, "store structure", problems, shape="x".join(map(str, meta["shape"])))

        # Match every stored row to its manifest row: source = manifest path with the raw ID replaced
        # by the row's pseudonym (as a whole path component or name part), same label, site, sha256.
        notes, alias = [], {}
        by_hash = {hashlib.sha256((src / r["path"]).read_bytes()).hexdigest(): r for r in good}
        for i, row in enumerate(table):
            pseudo = row["patient"]
            r = by_hash.get(row["sha256"])  # every fixture image is distinct (noise), so its hash names it
            if r is None:
                notes.append(f"row {i}: sha256 {row['sha256'][:12]}... is no manifest file's")
                continue
            alias.setdefault(r["patient"], set()).add(pseudo)
            want = (r["path"].replace(r["patient"], pseudo), r["label"], r["site"])
            if (row["source"], row["labels"], row["site"]) != want:
                notes.append(f"row {i}: source/labels/site {(row['source'], row['labels'], row['site'])}, expected {want}")
        many = {k: v for k, v in alias.items() if len(v) != 1}
        if many or len({next(iter(v)) for v in alias.values()}) != len(alias):
            notes.append(f"raw ID <-> pseudonym is not one-to-one: {many}")
        if not with_failures:
            wrong = [pid for pid, ps in alias.items()
                     if ps != {"p" + hmac.new(key, pid.encode(), "sha256").hexdigest()[:20]}]
            if wrong:
                notes.append(f"pseudonym != 'p' + HMAC-SHA256(key, id)[:20 hex] for {wrong[:3]}")
        yield st_row(name, "rows <-> manifest, pseudonyms", notes)

        # Splits: a pseudonym (patient) in one split only; given splits kept and followed by the patient.
        notes = []
        for index in np.unique(rec["patient"]):
            splits = set(rec["split"][rec["patient"] == index].tolist())
            if index == 0xFFFFFFFF or len(splits) > 1:
                notes.append(f"patient index {index} in splits {sorted(SPLIT_NAMES[s] for s in splits)}")
        for pid, want in (("MRN-0012343", "test"), ("MRN-0012347", "val")):
            got = {row["split"] for row in table if row["patient"] in alias.get(pid, ())}
            if got != {want}:
                notes.append(f"{pid} has source split {want}; its rows are in {sorted(got)}")
        used = sorted({row["split"] for row in table})
        yield st_row(name, "no patient in two splits", notes, aside=f"splits used: {', '.join(used)}")

        # Privacy: no raw identifier in the bytes of any file of the store; no key or journal left.
        leaks = st_leaks(out, ids)
        notes = [f"raw ID {pid} found in {f}" for pid, f in leaks]
        left = [n for n in ("pseudonym.key", "journal.txt", "fingerprint") if (out / n).exists()]
        if left:
            notes.append(f"left in the store: {left}")
        files = sorted(p.name for p in out.iterdir())
        yield st_row(name, "raw IDs in no store file", notes, aside=f"searched {', '.join(files)}")


def store_section(root: Path):
    """Title strings and result rows of the dataset-store checks."""
    sections = (st_image_folder, st_dicom_folder, st_medmnist, st_csv_manifest)
    for section, sub in zip(sections, ("imagefolder", "dicom", "medmnist", "csv")):
        try:
            yield from section(root / sub)
        except Exception as exc:  # a crash in the reference is a failed check, not a crash of the script
            import traceback
            yield st_row(f"{sub} section", "reference error", [f"{type(exc).__name__}: {exc}",
                                                                traceback.format_exc().splitlines()[-3][:200]])


def main():
    root = Path(ARGS.keep).resolve() if ARGS.keep else Path(tempfile.mkdtemp(prefix="medsilo-crosscheck-"))
    root.mkdir(parents=True, exist_ok=True)
    work = root / "npy"
    work.mkdir(exist_ok=True)
    print(f"medsilo: {ARGS.medsilo}\npydicom {pydicom.__version__}, numpy {np.__version__}, "
          f"Pillow {Image.__version__}, pypng {png.__version__}\nwork directory: {root}")
    run = medsilo("phantoms", "--out", root / "phantoms", "--size", 96)
    if run.returncode:
        print(f"medsilo phantoms failed:\n{run.stderr}")
        return 1
    skipped = []
    groups = [
        ("medsilo phantoms", [(p, None) for p in sorted((root / "phantoms").iterdir())]),
        ("pydicom fixtures (+ pydicom compress, DCMTK re-encodings)",
         write_dicom_fixtures(root / "dicom", skipped)),
        ("pypng fixtures", [(p, None) for p in write_png_fixtures(root / "png")]),
        ("Pillow JPEG fixtures", [(p, None) for p in write_jpeg_fixtures(root / "jpeg")]),
    ]
    rows = []
    for title, files in groups:
        rows.append(title)
        for path, twin in files:
            rows.extend(check_file(path, work, twin))
    rows.extend(store_section(root / "store"))
    results = [r for r in rows if isinstance(r, dict)]
    width = max(len(r["file"]) for r in results)
    fmt_w = max(len(r["format"]) for r in results)
    header = f"{'file':<{width}}  {'syntax/format':<{fmt_w}}  {'shape':<12} {'max|diff|':>10} {'tol':>5}  result"
    print()
    for r in rows:
        if isinstance(r, str):
            print(f"\n== {r}\n{header}\n{'-' * len(header)}")
            continue
        print(f"{r['file']:<{width}}  {r['format']:<{fmt_w}}  {r['shape']:<12} {r['diff']:>10} {r['tol']:>5}  "
              f"{r['status']}  {r['aside']}".rstrip())
    failures = [r for r in results if r["status"] != "PASS"]
    reasons = {}
    for name, why in skipped:
        reasons.setdefault(why.split(": encoding file")[0], []).append(name.removesuffix(".dcm"))
    print("\nNot generated (the encoder refused the image; not a MedSilo result):" * bool(skipped))
    for why, names in reasons.items():
        print(f"  {why}\n      {', '.join(names)}")
    print(f"\nLossy tolerances (stored units x |RescaleSlope|): "
          + ", ".join(f"{SHORT_TS[k]} {v}" for k, v in LOSSY_TOLERANCE.items())
          + "; everything else must match exactly.")
    print(f"Store checks: float32 values within {STORE_F32_TOL:g} of the float64 reference; uint8 values exact "
          f"after floor(255 v + 1/2), either neighbour accepted only where 255 v is within {STORE_TIE:g} of a .5 tie.")
    if failures:
        print(f"\nFAILURES ({len(failures)}):")
        for r in failures:
            print(f"  {r['file']} [{r['format']}]")
            for note in r["notes"]:
                print(f"      {note}")
    print(f"\n{len(results) - len(failures)} passed, {len(failures)} failed, {len(skipped)} not generated")
    if ARGS.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
