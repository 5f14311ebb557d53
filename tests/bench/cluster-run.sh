#!/bin/bash
# cluster-run.sh N: one row of the cluster benchmark (tests/bench/cluster.sh)
# for the agent in AGENT, on a three-node lab with fencing that is up.  With
# N guests, each with a disk on the shared directory, all on node1:
#   cpu    the CPU the agent used on node1 over CPU_WINDOW_S seconds (default
#          60) of monitors every 10 s: the growth of pacemaker-execd's reaped
#          children's CPU time (cutime + cstime: the agents and everything
#          they ran), in ms per minute
#   drain  `pcs node standby node1`, migration-limit 2: seconds until no
#          guest is left there (live migrations; the boot ids are checked)
#   crash  all back on node1 (the others stood by), node1 crashed: seconds
#          until every guest runs again elsewhere, fenced exactly once
# and prints them as "# figure: NAME VALUE" lines among its TAP; the guests
# are removed at the end.  Exit 1 when anything was not as it should be
# (a figure measured on a broken run is not a figure).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lab/lib.sh"
. "$LIB_DIR/lib-cluster.sh"

COUNT=${1:?usage: cluster-run.sh N}
WINDOW=${CPU_WINDOW_S:-60}
LIMIT=2

scenario_begin "cluster benchmark, $COUNT guests"
guests_stay_put
pcmk pcs property set migration-limit=$LIMIT >/dev/null
at_exit "pcmk pcs property set migration-limit= >/dev/null 2>&1 || true"
at_exit "pcmk pcs node unstandby --all >/dev/null 2>&1 || true"
at_exit "node_up node1 || lab boot node1 >/dev/null 2>&1 || true"
PCMK_NODE=node2

# stand_by_all_but NODE: the other nodes in standby, until every guest
# runs on NODE; then they come back (stickiness keeps the guests).
gather_all_on() {
    local others=() n
    for n in "${NODES[@]}"; do [[ $n == "$1" ]] || others+=("$n"); done
    pcmk pcs node standby "${others[@]}" >/dev/null
    _all_there() { (($(on_node "$1" b "$COUNT" | wc -l) == COUNT)); }
    wait_for 300 _all_there "$1" || { not_ok "all $COUNT guests on $1"; exit 1; }
    pcmk pcs node unstandby "${others[@]}" >/dev/null
    settle
}

# execd_child_cpu_ms NODE: CPU time of pacemaker-execd's reaped children.
execd_child_cpu_ms() {
    local stat hz
    stat=$(lab exec "$1" sh -c 'cat /proc/$(pgrep -xo pacemaker-execd)/stat') \
        || { observe_error "cannot read pacemaker-execd's stat on $1"; return 1; }
    hz=$(getconf CLK_TCK)
    # Fields after the ")" of the command name: cutime is the 14th, cstime the 15th.
    awk -v hz="$hz" '{ sub(/.*\) /, ""); printf "%d\n", ($14 + $15) * 1000 / hz }' <<<"$stat"
}

pcmk pcs node standby node2 node3 >/dev/null
start_vms b "$COUNT"
pcmk pcs node unstandby node2 node3 >/dev/null
settle
assert_eq "$(on_node node1 b "$COUNT" | wc -l)" "$COUNT" "all $COUNT guests on node1"

a=$(execd_child_cpu_ms node1)
sleep "$WINDOW"
b=$(execd_child_cpu_ms node1)
printf '# figure: cpu %s\n' "$(( (b - a) * 60 / WINDOW ))"
ok "node1's agents used $((b - a)) ms of CPU in ${WINDOW} s with $COUNT guests"

declare -A boot
for vm in $(vm_list b "$COUNT"); do boot[$vm]=$(last_boot_id "$vm"); done
census_watch_start
t=$(now)
pcmk pcs node standby node1 >/dev/null
_drained() { [[ -z $(on_node node1 b "$COUNT") ]] && settle 5; }
if wait_for 600 _drained; then
    printf '# figure: drain %s\n' "$(since "$t")"
    ok "standby node1: $COUNT guests moved off in $(since "$t") s"
else
    not_ok "standby node1: $COUNT guests moved off"
fi
settle
kept=0
for vm in $(vm_list b "$COUNT"); do [[ $(last_boot_id "$vm") == "${boot[$vm]}" ]] && kept=$((kept + 1)); done
assert_eq "$kept" "$COUNT" "drained by live migration: every guest kept its boot"
pcmk pcs node unstandby node1 >/dev/null
settle

gather_all_on node1
for vm in $(vm_list b "$COUNT"); do boot[$vm]=$(last_boot_id "$vm"); done
t=$(now)
quiet lab crash node1
if recovered_off node1 $(vm_list b "$COUNT"); then
    printf '# figure: crash %s\n' "$(since "$t")"
    ok "node1 crashed carrying $COUNT guests: all run again elsewhere after $(since "$t") s"
else
    not_ok "node1 crashed: all $COUNT guests run again elsewhere"
fi
if fenced_only node1 "$t"; then ok "node1 fenced, nothing else"; else not_ok "node1 fenced, nothing else"; fi
census_watch_stop "no guest on two nodes at any sample"
timed "lab.sh boot node1" quiet lab boot node1
wait_all_online 60 || not_ok "node1 rejoined"
forget_fencing
settle
each_runs_once b "$COUNT" "every guest runs exactly once"
