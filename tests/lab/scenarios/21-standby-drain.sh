#!/bin/bash
# 21: draining a node.  Several guests run on node1; `pcs node standby
# node1` live-migrates every one of them off, no more at once than
# Pacemaker's migration-limit, each keeping its boot (same boot_id, counter
# unbroken); nothing runs twice; unstandby brings node1 back empty.  Then
# node1 takes several guests back and crashes while carrying them: the
# survivors fence it and every guest it carried runs again elsewhere once.
# lab: --nodes 3 --fencing --lockd
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib-cluster.sh"

scenario_begin "21 node drain (standby) with live migration (3 nodes)"
COUNT=${XVM_LAB_DRAIN_VMS:-4}
LIMIT=2
# Everything starts on node1 (the others in standby), and stays where it
# is put until the drain moves it.
guests_stay_put
pcmk pcs property set migration-limit=$LIMIT >/dev/null
at_exit "pcmk pcs property set migration-limit= >/dev/null 2>&1 || true"
at_exit "pcmk pcs node unstandby --all >/dev/null 2>&1 || true"
pcmk pcs node standby node2 node3 >/dev/null
start_vms d "$COUNT"
pcmk pcs node unstandby node2 node3 >/dev/null
settle
assert_eq "$(on_node node1 d "$COUNT" | wc -l)" "$COUNT" "all $COUNT guests run on node1 before the drain"
declare -A boot
for vm in $(vm_list d "$COUNT"); do boot[$vm]=$(last_boot_id "$vm"); done
PCMK_NODE=node2

census_watch_start with-paused
t=$(now)
pcmk pcs node standby node1 >/dev/null
_drained() { [[ -z $(on_node node1 d "$COUNT") ]] && settle 5; }
if wait_for 300 _drained; then
    ok "standby node1: all $COUNT guests moved off in $(since "$t") s"
    printf '# figure: drain of %d guests (migration-limit %d): %s s\n' "$COUNT" "$LIMIT" "$(since "$t")"
else
    not_ok "standby node1: all $COUNT guests moved off"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
census_watch_stop "no guest ran on two nodes at any sample during the drain"
max=$(census_max_paused)
diag "most guests paused at one sample (migration destinations): ${max:-?}"
assert_le "${max:-999}" "$((2 * LIMIT))" "at most migration-limit ($LIMIT) migrations at once (paused ends seen: ${max:-?})"

live=1
for vm in $(vm_list d "$COUNT"); do
    b=$(last_boot_id "$vm")
    c=$(counter_unbroken "$vm" "$b")
    [[ $b == "${boot[$vm]}" && $c == *" breaks=0" ]] || { live=0; diag "$vm: boot ${boot[$vm]} -> $b, $c"; }
done
if ((live)); then ok "every guest kept its boot and an unbroken counter (live migrations)"; else not_ok "every guest kept its boot and an unbroken counter"; fi
each_runs_once d "$COUNT" "every guest runs exactly once, where Pacemaker says, none on node1"

pcmk pcs node unstandby node1 >/dev/null
settle
assert_eq "$(on_node node1 d "$COUNT" | wc -l)" 0 "after unstandby node1 is back and empty (stickiness keeps the guests)"

# The crash half: node1 carries all but one guest again, then dies.
gather_on node1 d "$COUNT" $((COUNT - 1))
victims=$(on_node node1 d "$COUNT")
others=$(off_node node1 d "$COUNT")
diag "placement before the crash: $(placement d "$COUNT")"
for vm in $(vm_list d "$COUNT"); do boot[$vm]=$(last_boot_id "$vm"); done
at_exit "node_up node1 || lab boot node1 >/dev/null 2>&1 || true"
census_watch_start
t=$(now)
quiet lab crash node1
assert_recovered_and_fenced node1 "$t" crashed $victims
assert_rejoins node1
assert_not_restarted $others
census_watch_stop "no guest ran on two nodes at any sample (crash, fencing, recovery, rejoin)"
each_runs_once d "$COUNT" "after the crash every guest runs exactly once, where Pacemaker says"
forget_fencing
assert_no_cluster_problems
