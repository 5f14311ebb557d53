#!/bin/bash
# 24: libvirt's lock manager as the second safety net.  Fencing is off on
# purpose and the hook guard is not installed, so nothing of Pacemaker's or
# ours stands in the way: a person runs `virsh create` of a clustered,
# running guest on another node.  libvirt must refuse it (virtlockd's lease
# on the shared disk, or, in this lab where all nodes share one kernel,
# QEMU's own image lock first), the agent's by-hand start there must exit 1
# with libvirt's reason (never 6), and the monitors on both nodes must stay
# truthful.  validate-all at level 10 reports the protection.
# lab: --nodes 3 --lockd
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib-cluster.sh"

scenario_begin "24 lock manager: a second start elsewhere fails at libvirt (3 nodes, no fencing)"
if agent_is_vd; then
    skip "runs ocf:xvm:domain by hand (its report, its exit codes)"
    exit 0
fi
for n in "${NODES[@]}"; do
    if lab exec "$n" sh -c 'ls /etc/libvirt/hooks/qemu.d/ 2>/dev/null | grep -q .'; then
        not_ok "no hook guard on $n (this scenario needs libvirt alone)"
        exit 1
    fi
done
assert_eq "$(pcmk crm_attribute -t crm_config -n stonith-enabled -G -q 2>/dev/null)" false \
    "fencing is off for this scenario"

start_vms l 1
vm=l1
node=$(rsc_nodes "$vm")
other=$(printf '%s\n' "${NODES[@]}" | grep -vx "$node" | sed -n 1p)
boot=$(last_boot_id "$vm")
config=$(vm_config "$vm")
PCMK_NODE=$node

# by_hand NODE ACTION [ENV...]: the installed agent run by a person on NODE,
# parameters as words (so it prints its report); prints the output, then
# "rc=N" on the last line.
by_hand() {
    local n=$1 action=$2 rc=0 out
    shift 2
    out=$(lab exec "$n" env OCF_ROOT=/usr/lib/ocf "$@" "$(agent_path)" "$action" \
        config="$config" hypervisor=qemu:///system 2>&1) || rc=$?
    printf '%s\nrc=%d\n' "$out" "$rc"
}

out=$(by_hand "$node" validate-all OCF_CHECK_LEVEL=10)
diag "$out"
check "validate-all at level 10 on $node exits 0" grep -qx 'rc=0' <<<"$out"
check "validate-all at level 10 reports that lockd leases the guest's disk" \
    grep -q 'lock manager lockd .* leases the 1 writable disk(s) of l1' <<<"$out"

census_watch_start
# A person starts the same guest on another node with virsh.
rc=0
err=$(lab exec "$other" virsh -c qemu:///system create "$config" 2>&1) || rc=$?
diag "virsh create $vm on $other: exit $rc: $err"
check "virsh create of the running $vm on $other fails" test "$rc" != 0
check "... refused for a held lock (libvirt's message)" \
    grep -qiE 'lock|resource busy' <<<"$err"

# The agent's own start there: refused by libvirt, exit 1 with the reason.
out=$(by_hand "$other" start OCF_RESOURCE_INSTANCE="$vm")
diag "by-hand start on $other: $out"
check "the agent's start of $vm on $other exits 1 (never 6: nothing is misconfigured)" \
    grep -qx 'rc=1' <<<"$out"
check "... with libvirt's reason" grep -qiE 'lock|resource busy' <<<"$out"
# Pacemaker keeps 127 bytes of an exit reason: the lock must be inside them.
reason=$(sed -n 's/^ocf-exit-reason://p' <<<"$out" | head -n 1)
diag "the first 127 bytes Pacemaker keeps: ${reason:0:127}"
check "... and the exit reason names the lock within Pacemaker's 127 bytes" \
    grep -q 'a disk is locked' <<<"${reason:0:127}"

# Monitors: running where it runs, not running where it does not.
r=$(by_hand "$node" monitor OCF_RESOURCE_INSTANCE="$vm" | sed -n '$p')
assert_eq "$r" rc=0 "the monitor on $node says running"
r=$(by_hand "$other" monitor OCF_RESOURCE_INSTANCE="$vm" | sed -n '$p')
assert_eq "$r" rc=7 "the monitor on $other says not running"
assert_runs_only_on "$vm" "$node" "$vm still runs on $node only"
assert_eq "$(last_boot_id "$vm")" "$boot" "$vm was not restarted"
census_watch_stop "no guest ran on two nodes at any sample"
assert_no_cluster_problems
