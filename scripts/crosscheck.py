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

Usage: python3 scripts/crosscheck.py --medsilo .build/debug/medsilo [--venv DIR] [--keep DIR]
The script creates DIR (default .build/crosscheck-venv), installs crosscheck-requirements.txt there
when the modules are missing and re-executes itself with that interpreter. Exit status 0 when every
check passes, 1 otherwise, 3 when the reference decoders could not be installed. Fixtures carry only
synthetic identifiers.
"""
import argparse
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
