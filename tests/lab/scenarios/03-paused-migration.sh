#!/bin/bash
# 03: with migration_type=paused (ocf:xvm:domain only) a move still keeps the
# same boot_id and every counter value; the pause is reported, not limited.
. "$(dirname "$0")/../lib.sh"

scenario_begin "03 paused migration"
if agent_is_vd; then
    skip "migration_type=paused is a parameter of ocf:xvm:domain; $AGENT has no such mode"
    exit 0
fi
uses_vm vm
make_vm vm
start_rsc vm migration_type=paused

src=$(rsc_nodes vm)
dst=$(other_node "$src")
serial_watch_start vm
downtime_watch_start "$dst" vm
sleep 1
t=$(now)
pcmk crm_resource --move -r vm -N "$dst" >/dev/null
reaches 90 "$t" "paused move $src -> $dst: Started on $dst" rsc_started_on vm "$dst" || true
settle
sleep 1
serial_watch_stop
assert_runs_only_on vm "$dst"
r=$(counter_gap_check vm)
diag "heartbeat: $r"
ms=$(downtime_watch_stop vm)
printf '# downtime: %s s (paused migration; longest pause between heartbeat lines)%s\n' \
    "$(kv "$r" max_gap)" "${ms:+; libvirt/QEMU downtime: $ms ms}"
assert_eq "$(kv "$r" boot_ids)" 1 "paused move: same boot_id throughout"
assert_eq "$(kv "$r" counter_breaks)" 0 "paused move: no counter value missing"
assert_no_cluster_problems
pcmk crm_resource --clear -r vm >/dev/null
