#!/usr/bin/env python3
"""Writes NumPy-made .npy and .npz fixtures for MedSilo's NPZ tests, and expected.json describing them.

Usage: python3 scripts/npz-fixtures.py OUTDIR

Archives: np.savez (stored), np.savez_compressed (deflated), an archive written with zipfile's
force_zip64=True and a lowered ZIP64 threshold so that it carries every ZIP64 structure a >4 GiB
archive would (extra fields with 64-bit sizes and offsets, ZIP64 end record and locator) on small
members, and 128 MiB of compressed zeros for the streaming-memory test. Standalone .npy files in
format versions 1.0, 2.0 and 3.0.

For every array expected.json records descr, shape, fortran_order, the CRC-32 of its bytes in C order
(in the dtype's own byte order) and its first and last elements, which the Swift test recomputes.
"""
import json
import os
import sys
import zipfile
import zlib

import numpy as np


def arrays():
    rng = np.random.default_rng(7)
    ints = lambda dtype, shape: rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, size=shape, dtype=dtype, endpoint=True)
    return {
        "images": ints(np.uint8, (6, 28, 28)),
        "rgb": ints(np.uint8, (4, 8, 8, 3)),
        "labels": rng.integers(0, 9, size=(6, 1)).astype(np.int64),
        "multilabel": rng.integers(0, 2, size=(5, 14)).astype(np.uint8),
        "i1": ints(np.int8, (7,)),
        "u2": ints(np.uint16, (3, 4)),
        "i2": ints(np.int16, (3, 4)),
        "u4": ints(np.uint32, (2, 5)),
        "i4": ints(np.int32, (2, 5)),
        "u8": ints(np.uint64, (3, 2)),
        "i8": ints(np.int64, (3, 2)),
        "f2": rng.normal(size=(5, 2)).astype(np.float16),
        "f4": rng.normal(size=(2, 3, 4)).astype(np.float32),
        "f8": rng.normal(size=(4,)),
        "bool": rng.integers(0, 2, size=(9,)).astype(bool),
        "big_i4": ints(np.int32, (3, 5)).astype(">i4"),
        "big_f8": rng.normal(size=(2, 2)).astype(">f8"),
        "fortran": np.asfortranarray(rng.normal(size=(3, 4, 5)).astype(np.float32)),
        "empty": np.zeros((0, 28, 28), dtype=np.uint8),
        "scalar": np.array(3.5),
    }


def describe(array):
    contiguous = np.ascontiguousarray(array)
    flat = contiguous.reshape(-1)
    return {
        "descr": np.lib.format.dtype_to_descr(array.dtype),
        "shape": list(array.shape),
        "fortran_order": bool(array.flags.f_contiguous and not array.flags.c_contiguous),
        "crc32": zlib.crc32(contiguous.tobytes()),
        "first": float(flat[0]) if flat.size else None,
        "last": float(flat[-1]) if flat.size else None,
    }


def write_zip64(path, named):
    """Every ZIP64 structure on small members: zipfile decides by ZIP64_LIMIT, lowered here."""
    saved = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 64
    try:
        with zipfile.ZipFile(path, "w", allowZip64=True) as archive:
            for index, (name, array) in enumerate(named.items()):
                compression = zipfile.ZIP_DEFLATED if index % 2 else zipfile.ZIP_STORED
                info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = compression
                with archive.open(info, "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)
    finally:
        zipfile.ZIP64_LIMIT = saved
    data = open(path, "rb").read()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data, "no ZIP64 end record or locator"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    named = arrays()
    expected = {"archives": {}, "npy": {}}
    described = {name: describe(array) for name, array in named.items()}

    np.savez(os.path.join(out, "plain.npz"), **named)
    np.savez_compressed(os.path.join(out, "compressed.npz"), **named)
    write_zip64(os.path.join(out, "zip64.npz"), named)
    for name in ["plain.npz", "compressed.npz", "zip64.npz"]:
        loaded = np.load(os.path.join(out, name))
        for key, array in named.items():
            assert np.array_equal(loaded[key], array), (name, key)
        expected["archives"][name] = described

    zeros = np.zeros((512, 256, 1024), dtype=np.uint8)
    np.savez_compressed(os.path.join(out, "zeros.npz"), zeros=zeros)
    expected["archives"]["zeros.npz"] = {"zeros": describe(zeros)}

    for version in [(1, 0), (2, 0), (3, 0)]:
        name = "v%d.npy" % version[0]
        array = named["f4"] if version[0] != 2 else named["big_i4"]
        with open(os.path.join(out, name), "wb") as handle:
            np.lib.format.write_array(handle, array, version=version)
        expected["npy"][name] = describe(array)

    with open(os.path.join(out, "expected.json"), "w") as handle:
        json.dump(expected, handle, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
