#!/bin/bash
# 22: network partition.  node1's cable is pulled while it runs guests: the
# majority (node2, node3) keeps quorum, fences node1 and recovers its
# guests once.  node1, booted while still cut off, has no quorum and must
# neither keep nor start a copy (no-quorum-policy as pcs ships it: stop).
# Then the cable is plugged back, node1 rejoins, and nothing runs twice.
# lab: --nodes 3 --fencing --lockd
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib-cluster.sh"

scenario_begin "22 network partition (3 nodes)"
COUNT=${XVM_LAB_PARTITION_VMS:-3}
guests_stay_put
at_exit "lab heal node1 >/dev/null 2>&1 || true"
at_exit "node_up node1 || lab boot node1 >/dev/null 2>&1 || true"
start_vms p "$COUNT"
gather_on node1 p "$COUNT" 1
cut_off=$(on_node node1 p "$COUNT" | tr '\n' ' ')
diag "placement before the partition: $(placement p "$COUNT")"
declare -A boot
for vm in $(vm_list p "$COUNT"); do boot[$vm]=$(last_boot_id "$vm"); done
PCMK_NODE=node2

census_watch_start
t=$(now)
lab cut node1 2>/dev/null
assert_recovered_and_fenced node1 "$t" "cut off" $cut_off

# node1 comes back while still cut off: alone, without quorum.
quiet lab boot --no-wait node1
_alone_up() { lab exec node1 crm_mon -1 >/dev/null 2>&1; }
wait_for 60 _alone_up || true
sleep 15
q=$(lab exec node1 crm_mon -1 --output-as=xml 2>/dev/null | xmllint --xpath 'string(//current_dc/@with_quorum)' - 2>/dev/null || true)
assert_eq "$q" false "node1, booted while cut off, has no quorum"
g=$(node_guests node1 running | tr '\n' ' ')
assert_eq "$g" "" "node1 without quorum runs no guest"

t=$(now)
lab heal node1 2>/dev/null
if wait_all_online 90; then ok "the cable is back: node1 rejoined in $(since "$t") s"; else not_ok "the cable is back: node1 rejoined"; diag "$(pcmk crm_mon -1 2>&1)"; fi
settle
census_watch_stop "no guest ran on two nodes at any sample (partition, fencing, recovery, heal)"
each_runs_once p "$COUNT" "every guest runs exactly once, where Pacemaker says"
forget_fencing
assert_no_cluster_problems
