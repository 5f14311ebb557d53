#!/bin/bash
# cluster.sh [--sizes "4 8"] [--agents "AGENT..."] [--no-build]: the cluster table of the
# benchmark.  On one three-node lab with fencing and a lock manager
# (tests/lab/lab.sh up --nodes 3 --fencing --lockd), the same tiny guests,
# one run each for ocf:xvm:domain and ocf:heartbeat:VirtualDomain and each
# number of guests N (tests/bench/cluster-run.sh): the agents' CPU on a node
# running N guests monitored every 10 s, the time to drain a node of N
# guests (standby, live migration, migration-limit 2), and the time from a
# node's crash to all N running again.  Prints one table with the growth
# from the smallest N.  About 4 minutes per agent and N on 2 cores, so it
# is run by hand, not in CI (the lab scenarios 20-23 cover the behaviour).
#
# Runs as root; LAB_DIR defaults to /tmp/xvm-bench-cluster, with network
# namespace names of its own; the lab is taken down on exit.  Exit 1 when
# a run failed (its figures are then not shown), 2 on a setup error.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export LAB_DIR=${LAB_DIR:-/tmp/xvm-bench-cluster}
export XVM_LAB_NETNS_PREFIX=${XVM_LAB_NETNS_PREFIX:-xvmbc-}
BUILD_DIR=${BUILD_DIR:-$REPO/build}
export LAB_AGENT=${LAB_AGENT:-$BUILD_DIR/agent/domain}
LAB=$REPO/tests/lab/lab.sh

log() { printf 'cluster-bench: %s\n' "$*" >&2; }
die() { printf 'cluster-bench: error: %s\n' "$*" >&2; exit 2; }

sizes="4 8" build=1 agents="ocf:xvm:domain ocf:heartbeat:VirtualDomain"
while (($#)); do
    case $1 in
    --sizes) sizes=${2:?--sizes needs a list}; shift ;;
    --agents) agents=${2:?--agents needs a list}; shift ;;
    --no-build) build=0 ;;
    -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
[[ $(id -u) == 0 ]] || die "must run as root (it runs libvirtd and QEMU in namespaces)"
((build == 0)) || meson compile -C "$BUILD_DIR" >/dev/null || die "build failed"
[[ -x $LAB_AGENT ]] || die "no agent at $LAB_AGENT"

trap '"$LAB" down >/dev/null 2>&1 || true' EXIT
"$REPO/tests/lab/guest/build-guest.sh" "$LAB_DIR/guest" >&2
"$LAB" up --nodes 3 --fencing --lockd >&2 || die "the lab did not come up"

declare -A fig
failed=0
for agent in $agents; do
    for n in $sizes; do
        log "$agent, $n guests"
        out=$LAB_DIR/bench-$n-${agent##*:}.tap
        if AGENT=$agent bash "$HERE/cluster-run.sh" "$n" >"$out" 2>&1; then
            for k in cpu drain crash; do
                fig[$agent,$n,$k]=$(sed -n "s/^# figure: $k //p" "$out")
            done
        else
            failed=1
            log "$agent with $n guests failed; its TAP:"
            grep -E '^(not ok|# )' "$out" | tail -n 20 >&2
        fi
    done
done

first=${sizes%% *}
# growth A B: B/A as "x1.9", or "-" without both figures.
growth() { [[ -n $1 && -n $2 && $1 != 0 ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "x%.1f", b / a }' || echo -; }
printf '\n# Cluster table (%s; load %s)\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %4s %14s %8s %10s %8s %10s %8s\n' agent N "cpu ms/min" growth "drain s" growth "crash s" growth
for agent in $agents; do
    for n in $sizes; do
        c=${fig[$agent,$n,cpu]:-} d=${fig[$agent,$n,drain]:-} r=${fig[$agent,$n,crash]:-}
        printf '%-28s %4s %14s %8s %10s %8s %10s %8s\n' "$agent" "$n" "${c:--}" \
            "$(growth "${fig[$agent,$first,cpu]:-}" "$c")" "${d:--}" \
            "$(growth "${fig[$agent,$first,drain]:-}" "$d")" "${r:--}" \
            "$(growth "${fig[$agent,$first,crash]:-}" "$r")"
    done
done
exit "$failed"
