#!/usr/bin/env bash
# Runs the libFuzzer target for one parser of untrusted input (default all in turn) for a number of
# seconds each (default 60), starting from a seed corpus built here:
#   dicom, png, jpeg  the image decoders; seeds: MedSilo's own phantom images (medsilo phantoms)
#   npz               the NPZ/NPY reader; seeds: small archives and arrays from NumPy (scripts/fuzz-seeds.py)
#   manifest          CSV manifests and the layouts that read them; seeds: sample manifests (same script)
#   scripts/fuzz.sh [dicom|png|jpeg|npz|manifest|all] [SECONDS]
# Crashes are written to Fuzz/crash-<target>-* with the input that caused them; the corpus grows in
# Fuzz/corpus-<target>/. Fuzz/dicts/<target>.dict, when present, is passed as libFuzzer's dictionary.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
seconds=${2:-60}
case "$target" in
    all) targets=(dicom png jpeg npz manifest) ;;
    dicom | png | jpeg | npz | manifest) targets=("$target") ;;
    *) echo "usage: scripts/fuzz.sh [dicom|png|jpeg|npz|manifest|all] [SECONDS]" >&2; exit 2 ;;
esac

# Sanitizers and coverage for the Swift code and the C/C++ shims (the system libraries stay
# uninstrumented: their crashes are still caught, their branches are not steered towards).
for t in "${targets[@]}"; do
    swift build --package-path Fuzz -c debug --product "fuzz-$t" \
        -Xswiftc -sanitize=fuzzer,address \
        -Xcc -fsanitize=fuzzer-no-link,address -Xcxx -fsanitize=fuzzer-no-link,address
done

# Swift's own crash backtracer would race libFuzzer's and ASan's handlers (it can hang on a failed
# precondition); libFuzzer prints the stack and saves the input.
export SWIFT_BACKTRACE=enable=no

seeds=Fuzz/.build/seeds
for t in "${targets[@]}"; do
    [ -d "$seeds/$t" ] && continue
    case "$t" in
        dicom | png | jpeg)
            if [ ! -d "$seeds/all" ]; then
                swift build --product medsilo
                .build/debug/medsilo phantoms --out "$seeds/all.tmp" --size 32 >/dev/null
                mv "$seeds/all.tmp" "$seeds/all"
            fi
            ext=$t; [ "$t" = dicom ] && ext=dcm; [ "$t" = jpeg ] && ext=jpg
            mkdir -p "$seeds/$t.tmp"
            cp "$seeds"/all/*."$ext" "$seeds/$t.tmp/"
            ;;
        npz | manifest)
            python3 scripts/fuzz-seeds.py "$t" "$seeds/$t.tmp"
            ;;
    esac
    mv "$seeds/$t.tmp" "$seeds/$t"
done

for t in "${targets[@]}"; do
    corpus=Fuzz/corpus-$t
    mkdir -p "$corpus"
    dict=()
    [ -f "Fuzz/dicts/$t.dict" ] && dict=(-dict="dicts/$t.dict")
    echo "fuzz-$t: ${seconds}s"
    (cd Fuzz && ".build/debug/fuzz-$t" "corpus-$t" "../$seeds/$t" "${dict[@]}" \
        -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=262144 -print_final_stats=1 \
        -artifact_prefix=crash-$t-)
done
