#!/bin/bash
# 08 (ocf:xvm:domain only): a live migration that cannot finish in time.
# migration_speed=1 (MiB/s), a guest that keeps dirtying memory, and
# op migrate_to timeout=20s: the agent aborts the migration job itself
# before the op timeout, so migrate_to fails (not times out) and, at that
# moment, the VM still runs on the source with the same boot_id and every
# counter value.  What Pacemaker does next (recovery by stop + start,
# contract §2.3) only has to end with exactly one copy.
. "$(dirname "$0")/../lib.sh"

MT_TIMEOUT_S=${MT_TIMEOUT_S:-20}

scenario_begin "08 migration that cannot finish in time"
if agent_is_vd; then
    skip "migration_speed + self-aborted migrate_to is ocf:xvm:domain behaviour; $AGENT has no job abort"
    exit 0
fi
uses_vm vm
make_vm vm --dirty-mib 16
start_rsc vm migration_speed=1 op migrate_to timeout="${MT_TIMEOUT_S}s"

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
# its result.
mt_done() { [[ $(crm_xpath "count(//node_history/node[@name='$src']/resource_history[@id='vm']/operation_history[@task='migrate_to'][@rc!='193'] | //failures/failure[@task='migrate_to'])") -ge 1 ]]; }
if wait_for $((MT_TIMEOUT_S + 30)) mt_done; then
    d=$(since "$t")
    # Right now, before Pacemaker's recovery: where is the VM?
    copies=$(vm_copies vm)
    f=$(crm_xml | xmllint --xpath "//failures/failure[@task='migrate_to']" - 2>/dev/null || true)
    diag "${f:-no migrate_to failure recorded}"
    st=$(xmllint --xpath 'string(//failure/@status)' - <<<"$f" 2>/dev/null || true)
    if [[ -n $f && ${st,,} != *"timed out"* ]]; then
        ok "migrate_to failed by itself after $d s (status: $st), before its ${MT_TIMEOUT_S} s timeout"
    else
        not_ok "migrate_to failed by itself before its ${MT_TIMEOUT_S} s timeout (status: ${st:-none}, after $d s)"
    fi
    assert_le "$d" "$MT_TIMEOUT_S" "migrate_to ended within ${MT_TIMEOUT_S} s"
    # Pacemaker's recovery (stop here, start there) begins at once, so the
    # VM's place at the moment of the failure is told by the agent's own
    # answer (it checks libvirt after the abort) and by the heartbeat below.
    if grep -q "migrate_to operation for vm on $src: error (aborted migration of vm to $dst; it still runs here" \
        "$LAB_DIR/nodes/$src/fs/var-log/pacemaker/pacemaker.log"; then
        ok "the agent aborted the job itself and found the VM still running on $src"
    else
        not_ok "the agent aborted the job itself and found the VM still running on $src"
        diag "$(grep 'migrate_to operation for vm' "$LAB_DIR/nodes/$src/fs/var-log/pacemaker/pacemaker.log" | tail -2)"
    fi
else
    not_ok "migrate_to finished"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
sleep 1
serial_watch_stop
r=$(counter_gap_check vm)
diag "heartbeat until the failure: $r"
assert_eq "$(kv "$r" boot_ids)" 1 "same boot_id while the migration was tried and aborted"
assert_eq "$(kv "$r" counter_breaks)" 0 "no counter value missing while the migration was tried and aborted"
assert_le "$(kv "$r" max_gap)" 1.0 "the guest never paused for more than 1 s (the aborted job did not stop it)"

pcmk crm_resource --clear -r vm >/dev/null
settle 180 || diag "cluster did not settle within 180 s"
copies_watch_stop vm
diag "$(pcmk crm_mon -1 2>&1 | sed -n '/Active Resources/,$p')"
assert_eq "$(wc -w <<<"$(vm_copies vm)")" 1 "after recovery: exactly one copy ($(vm_copies vm))"
bad=$(crm_xpath "count(//resources//resource[@blocked='true' or @managed='false'] | //nodes/node[@unclean='true'] | //fence_history/fence_event)")
assert_eq "${bad:-0}" 0 "nothing fenced, nothing blocked or unmanaged"
pcmk crm_resource --cleanup -r vm >/dev/null 2>&1 || true
