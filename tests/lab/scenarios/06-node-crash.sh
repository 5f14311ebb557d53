#!/bin/bash
# 06: the node running the VM crashes (its PID 1 is SIGKILLed): the VM is
# Started on the survivor; the crashed node boots, rejoins, and the VM runs
# exactly once.
. "$(dirname "$0")/../lib.sh"

scenario_begin "06 node crash"
uses_vm vm
make_vm vm
start_rsc vm

victim=$(rsc_nodes vm)
survivor=$(other_node "$victim")
PCMK_NODE=$survivor
boot1=$(last_boot_id vm)
# Make sure the crashed node comes back even if this scenario fails.
at_exit "node_up $victim || lab boot $victim >/dev/null 2>&1 || true"
copies_watch_start vm

t=$(now)
quiet lab crash "$victim"
reaches 90 "$t" "$victim crashed: vm Started on $survivor" rsc_started_on vm "$survivor" || true
if wait_heartbeat vm 60 "$boot1"; then
    ok "the guest booted again on $survivor (new boot_id) $(since "$t") s after the crash"
else
    not_ok "the guest booted again on $survivor"
fi
assert_runs_only_on vm "$survivor"

t=$(now)
if timed "lab.sh boot $victim" quiet lab boot "$victim"; then
    ok "$victim booted and rejoined the cluster after $(since "$t") s"
else
    not_ok "$victim booted and rejoined the cluster"
fi
settle
sleep 2
settle
copies_watch_stop vm "vm never ran on two nodes at once (crash, failover, rejoin)"
if rsc_started vm; then ok "vm Started on $(rsc_nodes vm) after the rejoin"; else not_ok "vm Started after the rejoin"; fi
assert_eq "$(vm_running_nodes vm)" "$(rsc_nodes vm)" "libvirt runs vm exactly once, where Pacemaker says"
assert_no_cluster_problems
