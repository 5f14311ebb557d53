#!/bin/bash
# Builds the libFuzzer targets with clang, ASan and UBSan, and runs each for
# XVM_FUZZ_SECONDS (default 60) from the seed corpus in the tree.  Prints one
# TAP line per target; a crash, leak or sanitizer report fails it.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-fuzz}
seconds=${XVM_FUZZ_SECONDS:-60}

if [ ! -d "$build" ]; then
    CC=clang meson setup "$build" "$top" -Dfuzzing=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dman=disabled >/dev/null || exit 1
fi
meson compile -C "$build" tests/fuzz/fuzz-domxml tests/fuzz/fuzz-env >/dev/null || exit 1

n=0 failed=0
echo "1..2"
for target in domxml env; do
    n=$((n + 1))
    work=$(mktemp -d)
    cp -r "$top/tests/fuzz/corpus/$target" "$work/seeds"
    mkdir "$work/found"
    if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       "$build/tests/fuzz/fuzz-$target" -max_total_time="$seconds" -max_len=65536 \
           -artifact_prefix="$work/" "$work/found" "$work/seeds" > "$work/log" 2>&1; then
        runs=$(grep -oE 'Done [0-9]+ runs' "$work/log" | grep -oE '[0-9]+')
        echo "ok $n - fuzz-$target: ${runs:-?} runs in ${seconds} s, no finding"
    else
        failed=$((failed + 1))
        echo "not ok $n - fuzz-$target found a problem"
        grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$work/log" | head -30 | sed 's/^/# /'
        ls "$work"/crash-* "$work"/leak-* 2>/dev/null | sed 's/^/# artifact: /'
    fi
    rm -rf "$work"
done
[ "$failed" = 0 ]
