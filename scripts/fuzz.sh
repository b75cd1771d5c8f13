#!/usr/bin/env bash
# Runs the libFuzzer target for one decoder (dicom, png or jpeg; default all three in turn) for a number
# of seconds each (default 60), starting from a seed corpus of MedSilo's own sample images.
#   scripts/fuzz.sh [dicom|png|jpeg|all] [SECONDS]
# Crashes are written to Fuzz/crash-* with the input that caused them.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
seconds=${2:-60}
[ "$target" = "all" ] && targets=(dicom png jpeg) || targets=("$target")

# Sanitizers and coverage for the Swift code and the C/C++ shims (the system libraries stay
# uninstrumented: their crashes are still caught, their branches are not steered towards).
swift build --package-path Fuzz -c debug \
    -Xswiftc -sanitize=fuzzer,address \
    -Xcc -fsanitize=fuzzer-no-link,address -Xcxx -fsanitize=fuzzer-no-link,address

seeds=Fuzz/.build/seeds
if [ ! -d "$seeds" ]; then
    swift build --product medsilo
    .build/debug/medsilo phantoms --out "$seeds/all" --size 32 >/dev/null
    mkdir -p "$seeds/dicom" "$seeds/png" "$seeds/jpeg"
    cp "$seeds"/all/*.dcm "$seeds/dicom/"
    cp "$seeds"/all/*.png "$seeds/png/"
    cp "$seeds"/all/*.jpg "$seeds/jpeg/"
fi

for t in "${targets[@]}"; do
    corpus=Fuzz/corpus-$t
    mkdir -p "$corpus"
    echo "fuzz-$t: ${seconds}s"
    (cd Fuzz && ".build/debug/fuzz-$t" "corpus-$t" "../$seeds/$t" \
        -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=262144 -print_final_stats=1 \
        -artifact_prefix=crash-$t-)
done
