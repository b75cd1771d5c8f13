#!/usr/bin/env bash
# Installs the Debian 12 packages MedSilo needs to build, test and run.
# Idempotent: prints what it installs, and does nothing when everything is present.
set -euo pipefail

packages=(
    libdcmtk-dev        # DCMTK 3.6.7 headers and libraries: DICOM parsing, JPEG/JPEG-LS/RLE codecs
    dcmtk               # DCMTK command-line tools: tests transcode fixtures with them (dcmcjpeg, dcmconv, ...)
    libpng-dev          # libpng 1.6: PNG decode and encode
    libturbojpeg0-dev   # TurboJPEG API of libjpeg-turbo 2.1
    libjpeg62-turbo-dev # libjpeg-turbo headers
    libopenjp2-7-dev    # OpenJPEG 2.5: JPEG 2000 inside DICOM
    zlib1g-dev          # zlib: inflates the deflated members of NumPy .npz archives
    libssl-dev          # OpenSSL 3 libcrypto: SHA-256 and HMAC-SHA256 (store fingerprints, pseudonyms)
    libopenblas0-pthread # OpenBLAS 0.3.21: the engine's sgemm, loaded at run time with dlopen (docs/engine.md)
    pkg-config          # SwiftPM reads the libraries' .pc files through it
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo_cmd=(sudo)
    else
        echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
