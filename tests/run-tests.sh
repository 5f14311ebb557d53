#!/bin/bash
# Runs every test of the project and ends with one line
# "N passed, N failed, N skipped":
#   1. sets up this machine (Debian packages, users; tests/setup-host.sh)
#   2. builds with gcc and -Werror, and runs the meson suites: unit, libvirt,
#      schema, integration, hardening, fault (a fake libvirtd that hangs,
#      restarts, drops); builds again with clang and -Werror, and runs the
#      unit suite there (a build that fails counts as one failure)
#   3. the unit and libvirt suites again under valgrind, and those with the
#      schema, hardening and fault suites under ASan+UBSan
#   4. the Debian package: built, linted, installed, used through
#      crm_resource, crmsh and pcs (tests/package), and kept installed
#   5. the libFuzzer targets for XVM_FUZZ_SECONDS each (default 60)
#   6. the Pacemaker + libvirt lab scenarios, two nodes then three with
#      fencing (tests/lab), running the installed package's agent; then the
#      package is purged (unless it was installed before the run)
# Run as root on Debian 12.  It starts and stops its own daemons and leaves
# no daemon, namespace or mount behind.  XVM_SKIP_LAB=1 skips step 6 (and
# says so in the count).
#
# What is counted: every TAP test point ("ok" passed, "not ok" failed,
# "# SKIP" skipped) of every TAP program, and every other program as one
# test.  A program that failed without a "not ok" line counts as one
# failure; a "meson test" that fails, leaves no fresh log or does not run
# every program it lists counts as (at least) one failure.  Exit status is
# non-zero on any failure.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${XVM_BUILD_DIR:-$top/build}

passed=0 failed=0 skipped=0

log() { printf '\n=== %s\n' "$*"; }
bail() { echo "setup failed: $*"; echo "$passed passed, $((failed + 1)) failed, $skipped skipped"; exit 1; }

# count_meson DIR LOG RC WHAT [meson test options...]: adds the results of
# the "meson test" that just ran in build dir DIR, exited with RC and should
# have written LOG (meson-logs/testlog*.json, removed before the run).  The
# options are the run's, to list the programs it should have run.
count_meson() {
    local dir=$1 logfile=$2 rc=$3 what=$4 counts listed p f s n
    shift 4
    listed=$(mktemp)
    # The programs this run should have run (none if meson cannot say).
    meson test -C "$dir" --no-rebuild --list "$@" > "$listed" 2>/dev/null || : > "$listed"
    counts=$(python3 - "$logfile" "$dir/meson-info/intro-tests.json" "$rc" "$listed" <<'PY'
import json, re, sys

logfile, intro, rc, listed = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
p = f = s = 0
def note(msg):
    print("#   " + msg, file=sys.stderr)

# Which programs speak TAP: testlog.json does not say, meson's introspection
# does.  A log entry is named "project:suite / name" (or just "name").
protocol = {}
try:
    for t in json.load(open(intro)):
        protocol[t["name"]] = t["protocol"]
        if t["suite"]:
            proj = t["suite"][0].split(":", 1)[0]
            subs = "+".join(x.split(":", 1)[-1] for x in t["suite"])
            protocol[f"{proj}:{subs} / {t['name']}"] = t["protocol"]
except (OSError, ValueError, KeyError) as e:
    note(f"cannot read {intro}: {e}")

try:
    lines = open(logfile).read().splitlines()
except OSError as e:
    lines = None
    note(f"no fresh log from meson test ({e}): counted as 1 failure")
    f += 1

point = re.compile(r"(not )?ok\b(.*)")
directive = re.compile(r"(?<!\\)#\s*(skip|todo)\b", re.I)
seen = set()
for line in lines or []:
    try:
        r = json.loads(line)
        name, result, out = r["name"], r["result"], r.get("stdout") or ""
    except (ValueError, KeyError, TypeError) as e:
        note(f"unreadable line in {logfile} ({e}): counted as 1 failure")
        f += 1
        continue
    seen.add(name)
    tp = tf = ts = 0
    proto = protocol.get(name)
    if proto is None:
        note(f"{name}: not in meson's test list, protocol unknown: counted as 1 failure")
        f += 1
        continue
    if proto == "tap":
        for l in out.splitlines():
            m = point.match(l)
            if not m:
                continue
            d = directive.search(m.group(2))
            d = d.group(1).lower() if d else None
            if m.group(1):                  # not ok
                if d == "todo": ts += 1     # an expected failure: not a pass
                else: tf += 1
            elif d == "skip": ts += 1
            elif d == "todo":               # an unexpected pass: meson fails it
                tf += 1
            else: tp += 1
    elif result in ("OK", "EXPECTEDFAIL"):
        tp = 1
    elif result == "SKIP":
        ts = 1
    if result not in ("OK", "EXPECTEDFAIL", "SKIP") and tf == 0:
        note(f"{name}: {result} (exit {r.get('returncode')}) without a 'not ok' line: counted as 1 failure")
        tf = 1
    if tp + tf + ts == 0:
        note(f"{name}: {result} with no test point: counted as 1 skipped")
        ts = 1
    p, f, s = p + tp, f + tf, s + ts

try:
    for name in filter(None, open(listed).read().splitlines()):
        if lines is not None and name not in seen:
            note(f"{name}: listed but not in the log: counted as 1 failure")
            f += 1
except OSError:
    pass
if rc != 0 and f == 0:
    note(f"meson test exited {rc} but its log shows no failure: counted as 1 failure")
    f = 1
print(p, f, s, len(seen))
PY
)
    rm -f "$listed"
    read -r p f s n <<< "$counts"
    if [ -z "${n:-}" ]; then   # the counter itself broke
        p=0 f=1 s=0 n=0
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    echo "--- $what: $p passed, $f failed, $s skipped ($n programs)"
}

# run_meson WHAT DIR [meson test options...]: "meson test" in build dir DIR,
# counted.  The log this run writes (meson-logs/testlog.json, or
# testlog-SETUP.json under --setup SETUP) goes first, so a run that writes
# none (meson cannot start, unknown setup) is never counted from an old one.
run_meson() {
    local what=$1 dir=$2 rc=0 setup="" prev="" a logfile
    shift 2
    for a in "$@"; do
        case $a in --setup=*) setup=${a#--setup=} ;; esac
        [ "$prev" != --setup ] || setup=$a
        prev=$a
    done
    setup=${setup//:/_}
    logfile=$dir/meson-logs/testlog${setup:+-${setup// /_}}.json
    rm -f "$logfile"
    meson test -C "$dir" --no-rebuild --print-errorlogs "$@" || rc=$?
    count_meson "$dir" "$logfile" "$rc" "$what" "$@"
}

# count_tap FILE RC WHAT: adds TAP results from FILE ("ok", "not ok",
# "# SKIP"); a runner that failed without a "not ok" line counts as one
# failure.
count_tap() {
    local file=$1 rc=$2 what=$3 p f s
    p=$(grep -cE '^ok\b' "$file"); s=$(grep -ciE '^ok\b.*#[[:space:]]*skip' "$file")
    f=$(grep -cE '^not ok\b' "$file"); p=$((p - s))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        echo "#   exit $rc without a 'not ok' line: counted as 1 failure"; f=1
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    echo "--- $what: $p passed, $f failed, $s skipped"
}

# The Debian package, installed by its own test step and kept for the lab.
INSTALLED_AGENT=/usr/lib/ocf/resource.d/xvm/domain
package_installed() {
    dpkg-query -W -f='${Status}' xvm-domain 2>/dev/null | grep -q 'ok installed'
}

# lab_agent BUILD: the agent the lab runs: the installed package's; when the
# package step left none, the build tree's, said loudly and failing the run
# (the lab must prove the installed layout).
lab_agent() {
    if package_installed && [ -x "$INSTALLED_AGENT" ]; then
        echo "$INSTALLED_AGENT"
        return 0
    fi
    echo "--- lab: the package is not installed (see its step): running the build tree's agent" >&2
    echo "$1/agent/domain"
    return 1
}

# purge_package: leave the machine as found, and count that it was.
purge_package() {
    package_installed || return 0
    if apt-get purge -y -q xvm-domain >/dev/null 2>&1 && [ ! -e "$INSTALLED_AGENT" ]; then
        passed=$((passed + 1)); echo "--- package purged after the lab"
    else
        failed=$((failed + 1)); echo "--- package: apt-get purge xvm-domain failed"
    fi
}

# setup_build DIR [meson options...]: configures (or reconfigures) and
# builds DIR.  Quiet when it works; when not, shows the end of meson's and
# ninja's output, where the compiler's errors are (ninja prints them on
# stdout).
setup_build() {
    local dir=$1 out rc=0; shift
    out=$(mktemp)
    if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "$@" > "$out" || rc=$?
    else meson setup "$dir" "$@" > "$out" || rc=$?; fi
    if [ "$rc" = 0 ]; then meson compile -C "$dir" > "$out" || rc=$?; fi
    if [ "$rc" != 0 ]; then tail -n 60 "$out" | sed 's/^/# /'; fi
    rm -f "$out"
    return "$rc"
}

main() {
    local out asan_build
    cd "$top" || bail "cd $top"

    log "setting up the host"
    bash tests/setup-host.sh || bail "tests/setup-host.sh"

    # -Werror in CI (not in meson.build, so that a newer compiler's new
    # warning does not break a user's build): a warning fails the build.
    log "building in $build (gcc, -Werror)"
    setup_build "$build" -Dwerror=true || bail "build"

    log "meson suites: unit, libvirt, schema, integration, hardening, fault"
    run_meson "meson suites" "$build"

    # clang warns where gcc does not (and the other way round): build every
    # target with it too, and run the quick unit suite on what it built.
    log "building with clang (-Werror), unit suite"
    if CC=clang setup_build "$build-clang" -Dwerror=true -Dman=disabled; then
        run_meson "clang unit" "$build-clang" --suite unit
    else
        failed=$((failed + 1)); echo "--- clang build failed"
    fi

    log "unit and libvirt suites under valgrind"
    run_meson "valgrind" "$build" --setup valgrind --suite unit --suite libvirt

    log "unit, libvirt, schema, hardening and fault suites under ASan+UBSan"
    asan_build="$build-asan"
    if setup_build "$asan_build" -Db_sanitize=address,undefined -Dman=disabled; then
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            run_meson "ASan+UBSan" "$asan_build" --suite unit --suite libvirt --suite schema --suite hardening \
                --suite fault
    else
        failed=$((failed + 1)); echo "--- ASan+UBSan build failed"
    fi

    out=$(mktemp)
    log "Debian package"
    # Kept installed for the lab, which runs the installed layout (a
    # package installed before this run is left as it was found).
    package_was_installed=0
    package_installed && package_was_installed=1
    XVM_PACKAGE_KEEP=1 bash tests/package/test-package.sh 2>&1 | tee "$out"
    count_tap "$out" "${PIPESTATUS[0]}" "package"
    ((package_was_installed)) || trap purge_package EXIT

    log "fuzzing"
    bash tests/fuzz/run-fuzzers.sh "$build-fuzz" 2>&1 | tee "$out"
    count_tap "$out" "${PIPESTATUS[0]}" "fuzzing"

    if [ "${XVM_SKIP_LAB:-0}" = 1 ]; then
        echo "--- lab: skipped (XVM_SKIP_LAB=1)"; skipped=$((skipped + 1))
    else
        log "lab scenarios (two nodes, then three with fencing)"
        LAB_AGENT=$(lab_agent "$build") || failed=$((failed + 1))
        LAB_AGENT=$LAB_AGENT bash tests/lab/run-scenarios.sh 2>&1 | tee "$out"
        count_tap "$out" "${PIPESTATUS[0]}" "lab"
    fi
    rm -f "$out"
    ((package_was_installed)) || { trap - EXIT; purge_package; }

    log "summary"
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" = 0 ]
}

# Sourcing this file defines the counting functions without running anything.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
