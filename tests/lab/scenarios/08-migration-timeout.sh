#!/bin/bash
# 08 (ocf:xvm:domain only): a live migration that cannot finish in time.
# migration_speed=1 (MiB/s), a guest that keeps dirtying memory, and
# op migrate_to timeout=20s: the agent aborts the migration job itself
# before the op timeout, so migrate_to fails (not times out), and the VM
# keeps running on the source: same boot_id, every counter value, no
# half-migrated domain left on the target.
#
# Pacemaker recovers from any failed migrate_to by stop + start (contract
# §2.3), which would restart the VM at once and hide what the abort left
# behind.  So migrate_to gets on-fail=block: the cluster freezes the
# resource where the agent left it, the scenario looks, and then clears the
# move and cleans up; the re-probe must find the VM still running on the
# source, never restarted.  MT_TIMEOUT_S overrides the 20 s.
. "$(dirname "$0")/../lib.sh"

MT_TIMEOUT_S=${MT_TIMEOUT_S:-20}

scenario_begin "08 migration that cannot finish in time"
if agent_is_vd; then
    skip "migration_speed + self-aborted migrate_to is ocf:xvm:domain behaviour; $AGENT has no job abort"
    exit 0
fi
uses_vm vm
make_vm vm --dirty-mib 16
start_rsc vm migration_speed=1 op migrate_to timeout="${MT_TIMEOUT_S}s" on-fail=block

src=$(rsc_nodes vm)
dst=$(other_node "$src")
PCMK_NODE=$src
boot1=$(last_boot_id vm)
serial_watch_start vm
copies_watch_start vm
sleep 1
t=$(now)
pcmk crm_resource --move -r vm -N "$dst" >/dev/null
# A pending migrate_to (record-pending) is listed too, with rc 193: wait for
# its result (or for a migration that unexpectedly succeeded).
mt_done() {
    [[ $(crm_xpath "count(//node_history/node[@name='$src']/resource_history[@id='vm']/operation_history[@task='migrate_to'][@rc!='193'] | //failures/failure[@task='migrate_to'])") -ge 1 ]] \
        || rsc_started_on vm "$dst"
}
if wait_for $((MT_TIMEOUT_S + 30)) mt_done; then
    d=$(since "$t")
    f=$(crm_xml | xmllint --xpath "//failures/failure[@task='migrate_to']" - 2>/dev/null || true)
    diag "${f:-no migrate_to failure recorded}"
    st=$(xmllint --xpath 'string(//failure/@status)' - <<<"$f" 2>/dev/null || true)
    if [[ -n $f && ${st,,} != *"timed out"* ]]; then
        ok "migrate_to failed by itself after $d s (status: $st), before its ${MT_TIMEOUT_S} s timeout"
    else
        not_ok "migrate_to failed by itself before its ${MT_TIMEOUT_S} s timeout (status: ${st:-none}, after $d s)"
    fi
    assert_le "$d" "$MT_TIMEOUT_S" "migrate_to ended within ${MT_TIMEOUT_S} s"
else
    not_ok "migrate_to finished"
    diag "$(pcmk crm_mon -1 2>&1)"
fi

# What the abort left: the resource is blocked, nothing acts on it now.
# libvirt may take a moment to tear down the target's incoming QEMU.
at_source_only() { [[ $(vm_copies vm) == "$src:running" ]]; }
if wait_for 5 at_source_only; then
    ok "after the abort the VM runs on $src only, nothing left on $dst (libvirt: $(vm_copies vm))"
else
    not_ok "after the abort the VM runs on $src only, nothing left on $dst"
    diag "libvirt: $(vm_copies vm)"
fi
sleep 1
serial_watch_stop
r=$(counter_gap_check vm)
diag "heartbeat from before the move until after the abort: $r"
assert_eq "$(kv "$r" boot_ids)" 1 "same boot_id while the migration was tried and aborted"
assert_eq "$(kv "$r" counter_breaks)" 0 "no counter value missing while the migration was tried and aborted"
assert_le "$(kv "$r" max_gap)" 1.0 "the guest never paused for more than 1 s (the aborted job did not stop it)"

# Let go: drop the move, clean up (which unblocks and re-probes).  The VM
# must be found where it is, not restarted.
pcmk crm_resource --clear -r vm >/dev/null
pcmk crm_resource --cleanup -r vm >/dev/null 2>&1 || true
sleep 2
settle 120 || diag "cluster did not settle within 120 s"
copies_watch_stop vm
diag "$(pcmk crm_mon -1 2>&1 | sed -n '/Active Resources/,$p')"
if rsc_started_on vm "$src"; then
    ok "after clear + cleanup Pacemaker reports vm Started on $src"
else
    not_ok "after clear + cleanup Pacemaker reports vm Started on $src"
    diag "role $(rsc_role vm) on '$(rsc_nodes vm)'"
fi
assert_runs_only_on vm "$src" "after clear + cleanup: libvirt has vm on $src only"
assert_eq "$(last_boot_id vm)" "$boot1" "the VM was never restarted (boot_id unchanged)"
bad=$(crm_xpath "count(//resources//resource[@blocked='true' or @managed='false'] | //nodes/node[@unclean='true'] | //fence_history/fence_event)")
assert_eq "${bad:-0}" 0 "nothing fenced, nothing blocked or unmanaged after the cleanup"
