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
pcmk pcs resource defaults update resource-stickiness=100 >/dev/null 2>&1
at_exit "pcmk pcs resource defaults update resource-stickiness= >/dev/null 2>&1 || true"
start_vms c "$COUNT"

# The victim carries at least two guests.
victim=node1
gather_on "$victim" c "$COUNT" 2
victims=$(on_node "$victim" c "$COUNT" | tr '\n' ' ')
others=$(off_node "$victim" c "$COUNT" | tr '\n' ' ')
diag "placement before the crash: $(placement c "$COUNT")"
declare -A boot
for vm in $(vm_list c "$COUNT"); do boot[$vm]=$(last_boot_id "$vm"); done
PCMK_NODE=$( [[ $victim == node1 ]] && echo node2 || echo node1 )
at_exit "node_up $victim || lab boot $victim >/dev/null 2>&1 || true"

census_watch_start
t=$(now)
quiet lab crash "$victim"
if recovered_off "$victim" $victims; then
    ok "$victim crashed: its guests ($victims) run again elsewhere $(since "$t") s after the crash"
    printf '# figure: crash to all %d guests running again: %s s\n' "$(wc -w <<<"$victims")" "$(since "$t")"
else
    not_ok "$victim crashed: its guests ($victims) run again elsewhere"
    diag "$(pcmk crm_mon -1 2>&1)"
fi

if fenced_only "$victim" "$t"; then
    ok "the survivors fenced $victim and nothing else ($(fence_log_since "$t" | wc -l) fence action(s))"
else
    not_ok "the survivors fenced $victim and nothing else"
fi

t=$(now)
if timed "lab.sh boot $victim" quiet lab boot "$victim" && wait_all_online 60; then
    ok "$victim, fenced off, booted again and rejoined in $(since "$t") s"
else
    not_ok "$victim, fenced off, booted again and rejoined"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
untouched=1
for vm in $others; do
    [[ $(last_boot_id "$vm") == "${boot[$vm]}" ]] || { untouched=0; diag "$vm restarted"; }
done
if ((untouched)); then ok "the guests not on $victim were not restarted (${others:-none})"; else not_ok "the guests not on $victim were not restarted"; fi
census_watch_stop "no guest ran on two nodes at any sample (crash, fencing, recovery, rejoin)"
each_runs_once c "$COUNT" "every guest runs exactly once, where Pacemaker says"
forget_fencing
assert_no_cluster_problems
