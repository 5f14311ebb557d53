#!/bin/bash
# bench.sh [--quick] [--repeat N] [--keep] [--no-build]: the benchmark of ocf:xvm:domain
# against resource-agents' ocf:heartbeat:VirtualDomain and against the floor
# (tests/bench/floor.c: connect, look the domain up, read its state).
#
# On one running lab (tests/lab/lab.sh, two nodes, no cluster) and the same
# tiny guest, it measures for both agents:
#   1. monitor of a running domain: instructions (callgrind), CPU, wall
#   2. meta-data and validate-all (level 0): wall
#   3. stop: how long after libvirt's "Stopped" event the agent exits
#   4. start to running; live migrate_to against a raw
#      `virsh migrate --live --p2p` of the same guest between the two nodes
#   5. CPU per node for N = 1, 4, 8 real guests monitored every 10 s, against
#      the extrapolation from 1; peak RSS per invocation
# and prints one table: median [min-max] over the repeats, the ratios, the
# target and PASS/FAIL; then a callgrind profile of where the agent's
# instructions go beyond the floor's, and of what VirtualDomain runs.
# Exits 1 when a target is missed, 2 on a setup error.
#
#   --quick     3 repeats (CI); about 2.5 minutes on 2 cores
#   --repeat N  N repeats (default 10: about 8 minutes on 2 cores)
#   --keep      leave the lab running afterwards (LAB_DIR=... lab.sh down)
#   --no-build  use the agent already built (do not run meson compile)
#
# Runs as root on a Debian 12 machine; installs what it needs through
# tests/setup-host.sh.  Its lab lives in LAB_DIR (default /tmp/xvm-bench)
# with its own network namespace names (XVM_LAB_NETNS_PREFIX, default
# xvmbench-), so it can run while another lab (the tests' /tmp/xvm-lab) is
# up; it is torn down on exit.  Wall times are sensitive to other load on the
# machine (the table's header shows the load average); instruction counts
# and CPU times much less so.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export LAB_DIR=${LAB_DIR:-/tmp/xvm-bench}
export XVM_LAB_NETNS_PREFIX=${XVM_LAB_NETNS_PREFIX:-xvmbench-}
BUILD_DIR=${BUILD_DIR:-$REPO/build}
export LAB_AGENT=${LAB_AGENT:-$BUILD_DIR/agent/domain}
LAB=$REPO/tests/lab/lab.sh

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 2; }

quick=0 keep=0 repeat=0 build=1
while (($#)); do
    case $1 in
    --quick) quick=1 ;;
    --repeat) repeat=${2:?--repeat needs a number}; shift ;;
    --keep) keep=1 ;;
    --no-build) build=0 ;;
    -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
[[ $repeat =~ ^[0-9]+$ ]] || die "--repeat needs a number"
[[ $(id -u) == 0 ]] || die "must run as root (it runs libvirtd and QEMU in namespaces)"

log "host setup and build"
"$REPO/tests/setup-host.sh" >&2
if ((build)); then
    [[ -d $BUILD_DIR ]] || meson setup "$BUILD_DIR" "$REPO" >&2
    meson compile -C "$BUILD_DIR" >&2
fi
[[ -x $LAB_AGENT ]] || die "no agent at $LAB_AGENT"

# The binary under test is a copy, so that a rebuild during the run (others
# work in the same tree) cannot mix two versions into one table.
mkdir -p "$LAB_DIR/agent"
# The front execs domain-virt from its own directory: copy both.
cp "$(dirname "$LAB_AGENT")/domain-virt" "$LAB_DIR/agent/domain-virt.new"
mv -f "$LAB_DIR/agent/domain-virt.new" "$LAB_DIR/agent/domain-virt"
cp "$LAB_AGENT" "$LAB_DIR/agent/domain.new"
mv -f "$LAB_DIR/agent/domain.new" "$LAB_DIR/agent/domain"
BENCH_AGENT_ID="$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown),"
BENCH_AGENT_ID+=" sha256 $(sha256sum "$LAB_DIR/agent/domain" | cut -c1-12)"
export LAB_AGENT=$LAB_DIR/agent/domain BENCH_AGENT_ID
# The floor program: from the build when meson built it, else by hand.
export BENCH_FLOOR=$BUILD_DIR/tests/bench/bench-floor
if [[ ! -x $BENCH_FLOOR ]]; then
    BENCH_FLOOR=$LAB_DIR/bench-floor
    # shellcheck disable=SC2046  # pkg-config prints several words
    cc -O2 -Wall -Wextra -o "$BENCH_FLOOR" "$HERE/floor.c" $(pkg-config --cflags --libs libvirt)
fi

log "guest"
"$REPO/tests/lab/guest/build-guest.sh" "$LAB_DIR/guest" >&2

# shellcheck disable=SC2317  # invoked by the EXIT trap
teardown() {
    local rc=$?
    if ((keep)); then
        log "lab left running: LAB_DIR=$LAB_DIR XVM_LAB_NETNS_PREFIX=$XVM_LAB_NETNS_PREFIX $LAB down"
    else
        "$LAB" down >&2 || true
    fi
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

log "lab (LAB_DIR=$LAB_DIR)"
# lab.sh up used to record a wrong PID 1 for a node now and then (it read
# /proc/$!/task/$!/children before the background shell had exec'd setsid,
# and that shell forks once for the $(node_netns ...) in its own arguments),
# and then failed with "nodeN is not running".  Should anything like it come
# back: bring the lab down and try again.
for attempt in 1 2 3; do
    "$LAB" down >&2 || true    # also a lab left behind by an interrupted run
    if "$LAB" up --no-cluster >&2 && "$LAB" exec node1 true && "$LAB" exec node2 true; then
        break
    fi
    ((attempt < 3)) || die "lab.sh up failed 3 times (see $LAB_DIR/nodes/*/*.log)"
    log "lab.sh up failed (attempt $attempt); retrying"
done

args=()
((quick)) && args+=(--quick)
((repeat > 0)) && args+=(--repeat "$repeat")
set +e
/usr/bin/python3 "$HERE/bench.py" main "${args[@]}"
rc=$?
set -e
exit "$rc"
