#!/bin/bash
# 20: three nodes, fencing on.  The node carrying most guests crashes (its
# namespace is killed); the survivors fence it through the fence device,
# then recover each of its guests exactly once; the fenced node (the lab
# turns Pacemaker's reboot into "off") is booted and rejoins, and nothing
# runs twice.
# lab: --nodes 3 --fencing --lockd
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib-cluster.sh"

scenario_begin "20 node crash with fencing (3 nodes)"
COUNT=${XVM_LAB_CRASH_VMS:-3}
# Recovered guests stay where they were recovered: the check below is about
# recovery, not about moving back.
guests_stay_put
start_vms c "$COUNT"

# The victim carries at least two guests.
victim=node1
gather_on "$victim" c "$COUNT" 2
victims=$(on_node "$victim" c "$COUNT")
others=$(off_node "$victim" c "$COUNT")
diag "placement before the crash: $(placement c "$COUNT")"
declare -A boot
for vm in $(vm_list c "$COUNT"); do boot[$vm]=$(last_boot_id "$vm"); done
PCMK_NODE=$( [[ $victim == node1 ]] && echo node2 || echo node1 )
at_exit "node_up $victim || lab boot $victim >/dev/null 2>&1 || true"

census_watch_start
t=$(now)
quiet lab crash "$victim"
assert_recovered_and_fenced "$victim" "$t" crashed $victims
assert_rejoins "$victim"
assert_not_restarted $others
census_watch_stop "no guest ran on two nodes at any sample (crash, fencing, recovery, rejoin)"
each_runs_once c "$COUNT" "every guest runs exactly once, where Pacemaker says"
forget_fencing
assert_no_cluster_problems
