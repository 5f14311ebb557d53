#!/bin/bash
# run-scenarios.sh [N...]: build the guest, bring the lab up (if it is not
# up), run the chosen scenarios (default: all, in order), tear the lab down
# (always, in a trap), and summarise.
#
#   N        scenario numbers: 2, 02 or 02-live-migration all select
#            scenarios/02-*.sh
# Environment: LAB_DIR, AGENT (default ocf:xvm:domain), LAB_AGENT (the
# binary behind ocf:xvm:domain), KEEP_LAB=1 to leave the lab up afterwards.
#
# A scenario names the lab it needs in a line "# lab: OPTIONS" (lab.sh up
# options; default --nodes 2); the lab is rebuilt when the next scenario
# needs another one, so scenarios run in number order, two-node ones first.
#
# Output: each scenario's TAP, then one line per scenario with its duration
# and counts, then the plain line "N passed, N failed" (a SKIP counts as
# neither and is listed separately).  Exit status 1 if anything failed.
# A scenario that cannot run here (no namespaces, lab does not come up)
# fails; nothing is skipped silently.  So does one whose TAP has no plan or
# a plan that does not match its test points (it died half-way), one whose
# output cannot be read, and a lab that does not come down.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export LAB_DIR=${LAB_DIR:-/tmp/xvm-lab}
export AGENT=${AGENT:-ocf:xvm:domain}
LAB_SH=$HERE/lab.sh
RESULTS=$LAB_DIR/results

now() { printf '%s\n' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

passed=0 failed=0
skipped=()
summary=()
lab_is_down=1
lab_opts=""

# lab_down [rebuild]: take the lab down (unless KEEP_LAB=1 and this is the
# end, not a rebuild for other options); a lab.sh down that fails
# leaves daemons or namespaces behind, and is a failure.
lab_down() {
    local t out rc=0
    ((lab_is_down == 0)) || return 0
    lab_is_down=1
    if [[ ${KEEP_LAB:-0} == 1 && ${1:-} != rebuild ]]; then
        echo "# KEEP_LAB=1: leaving the lab up ($LAB_SH down to stop it)"
        return 0
    fi
    t=$(now)
    out=$("$LAB_SH" down 2>&1) || rc=$?
    if ((rc)); then
        echo "not ok - lab.sh down (exit $rc)"
        printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
        failed=$((failed + 1))
        return 1
    fi
    echo "# lab down: $(since "$t") s"
}

teardown() {
    local rc=$?
    lab_down || rc=1
    exit "$rc"
}

# select_scenarios [N...]: print the scenario files to run, in order.
select_scenarios() {
    local all=("$HERE"/scenarios/[0-9][0-9]-*.sh) want f n
    if (($# == 0)); then
        printf '%s\n' "${all[@]}"
        return
    fi
    for want in "$@"; do
        n=${want%%-*}
        [[ $n =~ ^[0-9]+$ ]] || { echo "unknown scenario '$want'" >&2; return 1; }
        n=$(printf '%02d' "$((10#$n))")
        f=$(printf '%s\n' "${all[@]}" | grep "/$n-" || true)
        [[ -n $f ]] || { echo "no scenario $n in $HERE/scenarios" >&2; return 1; }
        printf '%s\n' "$f"
    done
}

# lab_for FILE: the lab.sh up options scenario FILE asks for.
lab_for() {
    local o
    o=$(sed -n 's/^# lab: //p' "$1" | head -n1)
    echo "${o:---nodes 2}"
}

# lab_up OPTIONS: bring the lab up with OPTIONS, taking down first a lab
# that is up with other ones.
lab_up() {
    local t
    [[ $lab_is_down == 1 || $lab_opts != "$1" ]] || return 0
    lab_down rebuild || setup_failed "take the lab down to rebuild it with $1"
    t=$(now)
    # shellcheck disable=SC2086 # options, split on purpose
    "$LAB_SH" up $1 2>&1 | sed 's/^/# /' || setup_failed "bring the lab up (lab.sh up $1)"
    lab_is_down=0
    lab_opts=$1
    echo "# lab up ($1): $(since "$t") s"
}

# A setup step that fails counts as a failed test, loudly.  (The lab goes
# down first, so that a failing lab.sh down is counted too.)
setup_failed() {
    echo "not ok - $1"
    failed=$((failed + 1))
    lab_down || true
    echo "$passed passed, $failed failed"
    exit 1
}

run_one() {
    local file=$1 name out t rc=0 p f s n plan
    name=$(basename "$file" .sh)
    out=$RESULTS/$name.tap
    echo "# ---- $name"
    t=$(now)
    bash "$file" 2>&1 | tee "$out" || rc=$?
    if [[ ! -r $out ]]; then
        echo "not ok - $name: its output $out cannot be read"
        failed=$((failed + 1))
        summary+=("$(printf '%-28s %7s s  output unreadable' "$name" "$(since "$t")")")
        return 0
    fi
    p=$(grep -c '^ok [0-9]* - ' "$out" || true)
    f=$(grep -c '^not ok ' "$out" || true)
    s=$(grep -c '^ok [0-9]* # SKIP' "$out" || true)
    n=$(grep -cE '^(not )?ok [0-9]+' "$out" || true)
    plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | tail -n1)
    if [[ -z $plan ]]; then
        echo "not ok - $name printed no TAP plan (it died before its end)"
        f=$((f + 1))
    elif ((plan != n)); then
        echo "not ok - $name planned $plan test points but printed $n"
        f=$((f + 1))
    fi
    if ((rc != 0 && f == 0)); then
        echo "not ok - $name exited with status $rc without reporting a failure"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if ((s)); then
        while IFS= read -r line; do skipped+=("$name: ${line#*# SKIP }"); done \
            < <(grep '^ok [0-9]* # SKIP' "$out")
    fi
    summary+=("$(printf '%-28s %7s s  %3d ok  %3d failed  %d skipped' "$name" "$(since "$t")" "$p" "$f" "$s")")
}

main() {
    local files start t
    files=$(select_scenarios "$@")
    start=$(now)
    mkdir -p "$RESULTS"
    trap teardown EXIT

    echo "# agent: $AGENT; lab: $LAB_DIR"
    if [[ $AGENT == ocf:xvm:domain ]]; then
        local bin=${LAB_AGENT:-/work/main/build/agent/domain}
        [[ -x $bin ]] || echo "# warning: LAB_AGENT $bin is not built; ocf:xvm:domain scenarios will fail"
    fi

    t=$(now)
    "$HERE/guest/build-guest.sh" "$LAB_DIR/guest" 2>&1 | sed 's/^/# /' \
        || setup_failed "build the guest (guest/build-guest.sh)"
    echo "# guest build: $(since "$t") s"

    local file
    while IFS= read -r file; do
        lab_up "$(lab_for "$file")"
        run_one "$file"
    done <<<"$files"
    lab_down || true

    echo "# ---- summary (agent $AGENT)"
    printf '# %s\n' "${summary[@]}"
    if ((${#skipped[@]})); then
        echo "# skipped:"
        printf '#   %s\n' "${skipped[@]}"
    fi
    echo "# total: $(since "$start") s"
    echo "$passed passed, $failed failed"
    ((failed == 0))
}

main "$@"
