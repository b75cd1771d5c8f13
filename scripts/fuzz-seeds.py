#!/usr/bin/env python3
"""Writes the seed corpora of the NPZ and manifest fuzz targets (scripts/fuzz.sh).

Usage: python3 scripts/fuzz-seeds.py npz|manifest OUTDIR

npz: small archives made by NumPy and zipfile, covering what the reader handles: np.savez (stored),
np.savez_compressed (deflated), deflate at level 0 (stored deflate blocks, so the header text stays
visible to the mutator), every ZIP64 structure (zipfile with its ZIP64 threshold lowered), a comment
after the end record; and standalone .npy files in format versions 1.0, 2.0 and 3.0 with every dtype
family, big-endian, Fortran order, an empty array and a scalar. All arrays are a few rows, so that
rows stream in several 3-row chunks.

manifest: CSV manifests for the csv layout (path/label/patient/site/split, multi-label, quoted fields,
CRLF, BOM, one-hot and custom-column variants) and for the presets (HAM10000, ISIC 2019, NIH
ChestX-ray14, RSNA Pneumonia, CheXpert), naming the empty image files the harness lays out.
"""
import io
import os
import sys
import zipfile

import numpy as np


def small_arrays():
    rng = np.random.default_rng(11)
    return {
        "train_images": rng.integers(0, 256, size=(7, 4, 4), dtype=np.uint8),
        "train_labels": rng.integers(0, 3, size=(7, 1)).astype(np.int64),
        "rgb": rng.integers(0, 256, size=(4, 2, 2, 3), dtype=np.uint8),
        "f4": rng.normal(size=(5, 3)).astype(np.float32),
        "big_i2": rng.integers(-99, 99, size=(4, 2)).astype(">i2"),
        "fortran": np.asfortranarray(rng.normal(size=(3, 4)).astype(np.float64)),
        "bool": rng.integers(0, 2, size=(5,)).astype(bool),
        "empty": np.zeros((0, 3), dtype=np.uint8),
        "scalar": np.array(7, dtype=np.int32),
        "zero_width": np.zeros((4, 0), dtype=np.uint16),
    }


def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version, allow_pickle=False)
    return buffer.getvalue()


def write_npz_seeds(out):
    arrays = small_arrays()
    np.savez(os.path.join(out, "savez.npz"), **arrays)
    np.savez_compressed(os.path.join(out, "savez_compressed.npz"), **arrays)
    medmnist = {k: arrays[k] for k in ("train_images", "train_labels")}
    np.savez_compressed(os.path.join(out, "medmnist_28.npz"), **medmnist)
    # Deflate with stored blocks: the .npy header stays plain text inside the deflate stream.
    with zipfile.ZipFile(os.path.join(out, "deflate_level0.npz"), "w", zipfile.ZIP_DEFLATED, compresslevel=0) as z:
        for name in ("train_images", "f4", "big_i2"):
            z.writestr(name + ".npy", npy_bytes(arrays[name]))
    # A comment after the end record, and a member with a data descriptor (written to a stream).
    with zipfile.ZipFile(os.path.join(out, "comment.npz"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.npy", npy_bytes(arrays["f4"]))
        z.comment = b"fuzz seed comment"
    stream = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            return stream.write(data)

    with zipfile.ZipFile(Unseekable(), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("descriptor.npy", npy_bytes(arrays["rgb"]))
    open(os.path.join(out, "data_descriptor.npz"), "wb").write(stream.getvalue())
    # Every ZIP64 structure on small members (zipfile decides by ZIP64_LIMIT, lowered here).
    saved = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 64
    try:
        with zipfile.ZipFile(os.path.join(out, "zip64.npz"), "w", allowZip64=True) as z:
            for index, name in enumerate(("train_images", "train_labels", "bool")):
                info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED if index % 2 else zipfile.ZIP_STORED
                with z.open(info, "w", force_zip64=True) as member:
                    member.write(npy_bytes(arrays[name]))
    finally:
        zipfile.ZIP64_LIMIT = saved
    # Standalone .npy files.
    for name, array in arrays.items():
        open(os.path.join(out, name + ".npy"), "wb").write(npy_bytes(array))
    open(os.path.join(out, "v2.npy"), "wb").write(npy_bytes(arrays["f4"], version=(2, 0)))
    open(os.path.join(out, "v3.npy"), "wb").write(npy_bytes(arrays["big_i2"], version=(3, 0)))


MANIFESTS = {
    "csv_basic.csv": "path,label,patient,site,split\na.png,benign,p1,h1,train\nb.jpg,malignant,p2,h2,val\n"
    "images/e.png,benign,p1,h1,test\nsub dir/f.png,malignant,,,\n",
    "csv_multilabel.csv": "path,label,hospital\na.png,x|y,A\nb.jpg,y,B\nc.jpeg,,A\nmissing.png,x,A\n../escape.png,x,B\n/etc/passwd,y,B\n",
    "csv_quoted_crlf.csv": '\ufeff"path","label","split"\r\n"a.png","a, ""quoted"" label",training\r\n'
    '"images/e.png","multi\nline",validation\r\nb.jpg,2,dev\r\n\r\nc.jpeg,10,bogus\r\nd.dcm,1,\r\nb.jpg,1,2,3\r\n',
    "csv_trailing_commas.csv": "path,label,\na.png,1,,\nb.jpg,0,\n./c.jpeg,1\n",
    "csv_onehot.csv": "path,MEL,NV,BCC\na.png,1,0,0\nb.jpg,0,1.0,true\nc.jpeg,0,0,0\nimages/e.png,yes,y,no\n",
    "csv_custom.csv": "file,dx,patient,split\na.png,nv;mel,p1,test\nb.jpg,bkl,p2,train\n",
    "dicom_labels.csv": "PatientID,label\nP1,0\nP2,1|2\n,3\nP1,1\n",
    "HAM10000_metadata.csv": "lesion_id,image_id,dx,dx_type,age,sex,localization,dataset\n"
    "HAM_0000118,ISIC_0027419,bkl,histo,80.0,male,scalp,vidir_modern\n"
    "HAM_0000118,ISIC_0024306,nv,histo,80.0,male,scalp,vidir_modern\n"
    "HAM_0002730,ISIC_0000000,mel,histo,,female,back,rosendahl\nHAM_0002730,isic_0000000,mel,histo,,female,back,\n",
    "ISIC_2019_Training_GroundTruth.csv": "image,MEL,NV,BCC,AK,BKL,DF,VASC,SCC,UNK\n"
    "ISIC_0000000,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\nISIC_0024306,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n"
    "ISIC_0000001,1.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n",
    "ISIC_2019_Training_Metadata.csv": "image,age_approx,anatom_site_general,lesion_id,sex\n"
    "ISIC_0000000,55,anterior torso,BCN_0000001,female\nISIC_0024306,30,,,male\n",
    "Data_Entry_2017.csv": "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position\n"
    "00000001_000.png,Cardiomegaly|Emphysema,0,1,58,M,PA\ne.png,No Finding,1,2,58,M,PA\n"
    "a.png,Hernia|Bogus,0,3,81,F,AP\n",
    "stage_2_train_labels.csv": "patientId,x,y,width,height,Target\nP1,,,,,0\nP2,264.0,152.0,213.0,379.0,1\nP2,562,152,256,453,1\n",
    "chexpert_train.csv": "Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,"
    "Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,"
    "Pleural Other,Fracture,Support Devices\n"
    "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,1.0,,,,,,,,,0.0,,,,1.0\n"
    "patient1/study1/view1_frontal.jpg,Male,87,Lateral,,,,-1.0,1.0,,-1.0,-1.0,,-1.0,,-1.0,,1.0,\n"
    "CheXpert-v1.0-small/train/patient00002/study1/view1_frontal.jpg,Male,87,Frontal,PA,,,,,,,,,,,,,,\n",
}


def write_manifest_seeds(out):
    for name, text in MANIFESTS.items():
        open(os.path.join(out, name), "wb").write(text.encode("utf-8"))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("npz", "manifest"):
        sys.exit(__doc__)
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    (write_npz_seeds if sys.argv[1] == "npz" else write_manifest_seeds)(out)


if __name__ == "__main__":
    main()
