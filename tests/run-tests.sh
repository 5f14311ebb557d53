#!/bin/bash
# Runs every test of the project and ends with one line "N passed, N failed":
#   1. sets up this machine (Debian packages, users; tests/setup-host.sh)
#   2. builds, and runs the meson suites: unit, libvirt, schema, integration
#   3. the unit and libvirt suites again under valgrind, and under ASan+UBSan
#   4. the libFuzzer targets for XVM_FUZZ_SECONDS each (default 60)
#   5. the two-node Pacemaker + libvirt lab scenarios (tests/lab)
# Run as root on Debian 12.  It starts and stops its own daemons and leaves
# no daemon, namespace or mount behind.  XVM_SKIP_LAB=1 skips step 5 (and
# says so in the count).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${XVM_BUILD_DIR:-$top/build}
cd "$top"

passed=0 failed=0 skipped=0

log() { printf '\n=== %s\n' "$*"; }
bail() { echo "setup failed: $*"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

# Adds the results of the last "meson test" in build dir $1.
count_meson() {
    local counts
    counts=$(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
for line in lines:
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
    read -r p f s <<< "$counts"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    echo "--- $2: $p passed, $f failed, $s skipped"
}

# Adds TAP results from file $1 ("ok N", "not ok N", "# SKIP"); a runner
# that failed without a "not ok" line counts as one failure.
count_tap() {
    local file=$1 rc=$2 what=$3 p f s
    p=$(grep -cE '^ok [0-9]+' "$file"); s=$(grep -cE '^ok [0-9]+.*# SKIP' "$file")
    f=$(grep -cE '^not ok [0-9]+' "$file"); p=$((p - s))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    echo "--- $what: $p passed, $f failed, $s skipped"
}

setup_build() {   # setup_build DIR [meson options...]
    local dir=$1; shift
    if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
    else meson setup "$dir" "$@" >/dev/null; fi && meson compile -C "$dir" >/dev/null
}

log "setting up the host"
bash tests/setup-host.sh || bail "tests/setup-host.sh"

log "building in $build"
setup_build "$build" || bail "build"

log "meson suites: unit, libvirt, schema, integration"
meson test -C "$build" --no-rebuild --print-errorlogs
count_meson "$build" "meson suites"

log "unit and libvirt suites under valgrind"
meson test -C "$build" --no-rebuild --print-errorlogs --setup valgrind --suite unit --suite libvirt
count_meson "$build" "valgrind"

log "unit, libvirt and schema suites under ASan+UBSan"
asan_build="$build-asan"
if setup_build "$asan_build" -Db_sanitize=address,undefined -Dman=disabled; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C "$asan_build" --no-rebuild --print-errorlogs --suite unit --suite libvirt --suite schema --suite hardening
    count_meson "$asan_build" "ASan+UBSan"
else
    failed=$((failed + 1)); echo "--- ASan+UBSan build failed"
fi

log "fuzzing"
out=$(mktemp)
bash tests/fuzz/run-fuzzers.sh "$build-fuzz" 2>&1 | tee "$out"
count_tap "$out" "${PIPESTATUS[0]}" "fuzzing"

if [ "${XVM_SKIP_LAB:-0}" = 1 ]; then
    echo "--- lab: skipped (XVM_SKIP_LAB=1)"; skipped=$((skipped + 1))
else
    log "two-node lab scenarios"
    LAB_AGENT="$build/agent/domain" bash tests/lab/run-scenarios.sh 2>&1 | tee "$out"
    count_tap "$out" "${PIPESTATUS[0]}" "lab"
fi
rm -f "$out"

log "summary"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
