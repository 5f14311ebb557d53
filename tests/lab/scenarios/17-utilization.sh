#!/bin/bash
# 17: the resource's utilization (issue 10, VirtualDomain's
# autoset_utilization_*), in a real cluster.
#   a. After start, utilization cpu, host_memory and hv_memory are what
#      virsh dominfo shows on the VM's node (CPU(s), Max memory / 1024).
#   b. Three recurring monitors, then a probe (crm_resource --force-check,
#      which reads the CIB at once), leave the CIB's epoch as it was; the
#      monitors did not even query the CIB (the node's note keeps its time).
#   c. A value changed by hand (the epoch moves) is put back by the next
#      probe.
#   d. autoset_utilization_cpu=false unset_utilization_cpu=true: once the
#      resource has restarted with them, cpu is gone and the memory stays.
. "$(dirname "$0")/../lib.sh"

scenario_begin "17 utilization"
uses_vm vm
make_vm vm
start_rsc vm
node=$(rsc_nodes vm)

# util NAME: the resource's utilization NAME, or "" when it has none.
util() { pcmk crm_resource --resource vm --utilization --get-parameter "$1" 2>/dev/null || true; }

# "admin_epoch.epoch" of the CIB: any change to the configuration bumps it.
cib_epoch() {
    local head
    head=$(pcmk cibadmin --query --xpath /cib --no-children)
    printf '%s.%s\n' "$(sed -n 's/.* admin_epoch="\([0-9]*\)".*/\1/p' <<<"$head")" \
        "$(sed -n 's/.* epoch="\([0-9]*\)".*/\1/p' <<<"$head")"
}

# When the VM's node last checked the CIB (its note, xvm-utilization.c).
note_checked() {
    lab exec "$node" sed -n 's/^checked=//p' /run/resource-agents/xvm-domain-vm.utilization
}

# A probe on the VM's node: the agent's monitor with no interval.
probe() { lab exec "$node" crm_resource --resource vm --force-check >/dev/null 2>&1; }

info=$(vsh "$node" dominfo vm)
cpus=$(awk -F: '/^CPU\(s\)/ { gsub(/ /, "", $2); print $2 }' <<<"$info")
mib=$(awk -F: '/^Max memory/ { split($2, a, " "); printf "%d", a[1] / 1024 }' <<<"$info")
diag "virsh dominfo on $node: CPU(s) $cpus, Max memory $mib MiB"

# a. ----------------------------------------------------------------------
assert_eq "$(util cpu)" "$cpus" "a: utilization cpu = virsh dominfo CPU(s)"
assert_eq "$(util host_memory)" "$mib" "a: utilization host_memory = Max memory in MiB"
assert_eq "$(util hv_memory)" "$mib" "a: utilization hv_memory = Max memory in MiB"

# b. ----------------------------------------------------------------------
before=$(cib_epoch)
checked=$(note_checked)
sleep 32    # three 10 s monitors
after=$(cib_epoch)
assert_eq "$after" "$before" "b: the CIB epoch stays over three recurring monitors"
assert_eq "$(note_checked)" "$checked" "b: those monitors did not query the CIB (note checked=$checked)"
if probe; then ok "b: a probe on $node answers 0"; else not_ok "b: a probe on $node answers 0"; fi
assert_eq "$(cib_epoch)" "$before" "b: the probe (which reads the CIB) leaves the epoch too"

# c. ----------------------------------------------------------------------
pcmk crm_resource --resource vm --utilization --set-parameter cpu --parameter-value 99 >/dev/null
assert_eq "$(util cpu)" "99" "c: cpu set to 99 by hand"
if [[ $(cib_epoch) != "$before" ]]; then
    ok "c: that moved the epoch ($before -> $(cib_epoch))"
else
    not_ok "c: that moved the epoch (still $before)"
fi
probe || true
assert_eq "$(util cpu)" "$cpus" "c: the next probe puts cpu back to $cpus"

# d. ----------------------------------------------------------------------
t=$(now)
pcmk pcs resource update vm autoset_utilization_cpu=false unset_utilization_cpu=true >/dev/null
settle 180 || true
reaches 90 "$t" "d: vm Started again once updated" rsc_started vm || true
node=$(rsc_nodes vm)
cpu_gone() { [[ -z $(util cpu) ]]; }
wait_for 30 cpu_gone || true
assert_eq "$(util cpu)" "" "d: unset_utilization_cpu removed cpu"
assert_eq "$(util host_memory)" "$mib" "d: host_memory stays"
assert_no_cluster_problems
