#!/usr/bin/env bash
# Runs fuzz targets under libFuzzer on the stable toolchain, no cargo-fuzz:
# the same coverage instrumentation cargo-fuzz passes, minus the address
# sanitizer (nightly only; the importers are safe Rust), plus debug
# assertions and overflow checks. Seeds come from the importers' test data
# and the public samples kept beside it (tests/data/public).
#
#   fuzz/run.sh [SECONDS] [TARGET ...]     default: 60 s each, every importer
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(whatsapp telegram discord_json discord_csv wechat_csv)

triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps the flags off build scripts and proc macros.
cargo build --release --target "$triple" --bins

data=../crates/pond-import/tests/data
fixtures=$data/public
seed() { # target, then the files that seed it
    local t="$1"
    shift
    mkdir -p "corpus/$t" "artifacts/$t"
    for f in "$@"; do [ -f "$f" ] && cp "$f" "corpus/$t/"; done
    return 0
}
for t in "${targets[@]}"; do
    case "$t" in
    whatsapp) seed "$t" "$data"/whatsapp/* "$fixtures"/whatsapp/* ;;
    telegram) seed "$t" "$data"/telegram/* "$fixtures"/telegram/* ;;
    discord_json) seed "$t" "$data"/discord/*.json ;;
    discord_csv) seed "$t" "$data"/discord/*.csv ;;
    wechat_csv) seed "$t" "$data"/wechat/* ;;
    *) seed "$t" ;;
    esac
    echo "==> $t for ${seconds} s"
    "target/$triple/release/$t" -max_total_time="$seconds" -max_len=65536 \
        -artifact_prefix="artifacts/$t/" "corpus/$t" 2>&1 | grep -E "DONE|ERROR|panicked|SUMMARY" || true
    if [ -n "$(ls -A "artifacts/$t")" ]; then
        echo "$t: crash inputs in fuzz/artifacts/$t/" >&2
        exit 1
    fi
done
