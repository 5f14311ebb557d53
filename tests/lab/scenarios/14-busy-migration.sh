#!/bin/bash
# 14 (ocf:xvm:domain only): a busy guest moves, or stays home (issue 11).
# The guest rewrites BUSY_MIB MiB of random data without pause (about
# 60 MiB/s under TCG), the migration is capped at CAP_MIBS MiB/s: plain
# pre-copy cannot converge (scenario 08 and the benchmark show it).
#   a. the agent's defaults (auto-converge): it moves, live, within the
#      migrate_to timeout;
#   b. migration_auto_converge=false migration_postcopy=true: it moves,
#      live, through post-copy;
#   c. both off, and the downtime ladder topped at 300 ms: the progress
#      watch gives up early, migrate_to fails by
#      itself before its timeout with the figures in the reason, and with
#      on-fail=block the guest keeps running on the source, unrebooted;
#   d. pre-flight: the target already runs a domain with the guest's UUID
#      (another name): migrate_to fails at once with the reason, before
#      any page moves, and the guest stays.
. "$(dirname "$0")/../lib.sh"

BUSY_MIB=${BUSY_MIB:-24}
CAP_MIBS=${CAP_MIBS:-16}
MT_TIMEOUT_S=${MT_TIMEOUT_S:-120}

scenario_begin "14 busy guest: converge in time, or stay home"
if agent_is_vd; then
    skip "auto-converge, post-copy and the progress watch are ocf:xvm:domain's"
    exit 0
fi
uses_vm vmbusy
make_vm vmbusy --dirty-mib "$BUSY_MIB"

# The reason the agent gave for the last failed migrate_to: Pacemaker's
# record when it kept one (Pacemaker 2.1.5 keeps none for migrate_to), else
# the agent's exit reason as the source's execd logged it.
migrate_reason() {
    local src=$1 r
    r=$(crm_xpath "string(//failures/failure[@task='migrate_to']/@exitreason)")
    [[ -n $r ]] || r=$(lab exec "$src" sh -c "grep -ho 'vmbusy_migrate_to_0.*ocf-exit-reason:[^]]*' /var/log/pacemaker/pacemaker.log | tail -n 1 | sed 's/.*ocf-exit-reason://'" 2>/dev/null)
    printf '%s\n' "$r"
}

mt_done() {  # mt_done SRC DST: migrate_to has a result, or it moved
    [[ $(crm_xpath "count(//node_history/node[@name='$1']/resource_history[@id='vmbusy']/operation_history[@task='migrate_to'][@rc!='193'] | //failures/failure[@task='migrate_to'])") -ge 1 ]] \
        || rsc_started_on vmbusy "$2"
}

# moves LABEL PARAMS...: create with PARAMS, move it, expect it to arrive live.
moves() {
    local label=$1 src dst t d; shift
    start_rsc vmbusy migration_speed="$CAP_MIBS" "$@" op migrate_to timeout="${MT_TIMEOUT_S}s"
    src=$(rsc_nodes vmbusy); dst=$(other_node "$src")
    PCMK_NODE=$src
    wait_for 30 guest_ready vmbusy || true
    serial_watch_start vmbusy
    sleep 2
    t=$(now)
    pcmk crm_resource --move -r vmbusy -N "$dst" >/dev/null
    if wait_for $((MT_TIMEOUT_S + 30)) mt_done "$src" "$dst" && rsc_started_on vmbusy "$dst"; then
        d=$(since "$t")
        ok "$label: moved $src -> $dst in $d s"
        assert_le "$d" "$MT_TIMEOUT_S" "$label: within the ${MT_TIMEOUT_S} s migrate_to timeout"
    else
        not_ok "$label: moved $src -> $dst"
        diag "$(pcmk crm_mon -1 2>&1 | sed -n '/Active Resources/,$p')"
        diag "$(migrate_reason "$src")"
    fi
    settle
    sleep 1
    serial_watch_stop
    diag "guest console, other than heartbeats: $(grep -v '^name=' "$(serial_log vmbusy)" | tail -n 5)"
    diag "$(lab exec "$src" sh -c "grep -h 'migrated vmbusy\|vmbusy migrated\|migrated to' /var/log/pacemaker/pacemaker.log | tail -n 1" 2>/dev/null || true)"
    assert_runs_only_on vmbusy "$dst" "$label: libvirt has vmbusy on $dst only"
    r=$(counter_gap_check vmbusy)
    diag "heartbeat: $r"
    assert_eq "$(kv "$r" boot_ids)" 1 "$label: same boot_id throughout"
    assert_eq "$(kv "$r" counter_breaks)" 0 "$label: no counter value missing"
    assert_no_cluster_problems "$label: no failed actions"
    PCMK_NODE=
    remove_rsc vmbusy
}

moves "a. defaults"
moves "b. post-copy" migration_auto_converge=false migration_postcopy=true

# c. Both off: it must give up in time and leave the guest where it is.
start_rsc vmbusy migration_speed="$CAP_MIBS" migration_auto_converge=false \
    migration_postcopy=false migration_progress_timeout=8 migration_downtime=300 \
    op migrate_to timeout="${MT_TIMEOUT_S}s" on-fail=block
src=$(rsc_nodes vmbusy); dst=$(other_node "$src")
PCMK_NODE=$src
wait_for 30 guest_ready vmbusy || true
boot=$(last_boot_id vmbusy)
serial_watch_start vmbusy
sleep 2
t=$(now)
pcmk crm_resource --move -r vmbusy -N "$dst" >/dev/null
if wait_for $((MT_TIMEOUT_S + 30)) mt_done "$src" "$dst"; then
    d=$(since "$t")
    st=$(crm_xpath "string(//failures/failure[@task='migrate_to']/@status)")
    if [[ -n $st && ${st,,} != *"timed out"* ]] && ! rsc_started_on vmbusy "$dst"; then
        ok "c. both off: migrate_to failed by itself after $d s (status: $st)"
    else
        not_ok "c. both off: migrate_to failed by itself (status: ${st:-none}, after $d s)"
    fi
    assert_le "$d" "$MT_TIMEOUT_S" "c. before the ${MT_TIMEOUT_S} s timeout"
    reason=$(migrate_reason "$src")
    diag "reason: $reason"
    check "c. the reason says it was aborted, with the figures" \
        grep -qiE 'abort.*(MiB|progress)' <<<"$reason"
else
    not_ok "c. both off: migrate_to finished"
fi
wait_for 10 eval '[[ $(vm_copies vmbusy) == "$src:running" ]]' || true
assert_eq "$(vm_copies vmbusy)" "$src:running" "c. the guest runs on $src only"
sleep 1
serial_watch_stop
r=$(counter_gap_check vmbusy)
diag "heartbeat: $r"
assert_eq "$(kv "$r" boot_ids)" 1 "c. not rebooted (same boot_id)"
assert_eq "$(kv "$r" counter_breaks)" 0 "c. no counter value missing"
pcmk crm_resource --clear -r vmbusy >/dev/null
pcmk crm_resource --cleanup -r vmbusy >/dev/null 2>&1 || true
settle 120 || true
assert_eq "$(last_boot_id vmbusy)" "$boot" "c. after clear + cleanup: still the same boot"
PCMK_NODE=
remove_rsc vmbusy

# d. Pre-flight: a domain with the guest's UUID already runs on the target.
make_vm vmbusy
start_rsc vmbusy
src=$(rsc_nodes vmbusy); dst=$(other_node "$src")
sed -e "s|<name>vmbusy</name>|<name>vmtwin</name>|" -e "s|vmbusy.log|vmtwin.log|" \
    "$(vm_config vmbusy)" >"$LAB_DIR/shared/vmtwin.xml"
at_exit 'vsh "$dst" destroy vmtwin >/dev/null 2>&1 || true; rm -f "$LAB_DIR/shared/vmtwin.xml"'
vsh "$dst" create "$LAB_DIR/shared/vmtwin.xml" >/dev/null
boot=$(last_boot_id vmbusy)
pcmk pcs resource update vmbusy op migrate_to timeout=60s on-fail=block >/dev/null 2>&1 || true
settle
PCMK_NODE=$src
t=$(now)
pcmk crm_resource --move -r vmbusy -N "$dst" >/dev/null
if wait_for 60 mt_done "$src" "$dst"; then
    d=$(crm_xpath "string(//failures/failure[@task='migrate_to']/@exec)")
    reason=$(migrate_reason "$src")
    diag "reason: $reason (exec_time ${d:-?} ms, seen after $(since "$t") s)"
    check "d. migrate_to refused by the pre-flight, naming the UUID" \
        grep -qiE 'runs|already|UUID' <<<"$reason"
    [[ -n $d ]] && assert_le "$d" 1000 "d. refused in under a second (${d} ms)"
else
    not_ok "d. migrate_to refused by the pre-flight"
fi
assert_eq "$(vm_copies vmbusy)" "$src:running" "d. the guest still runs on $src only"
assert_eq "$(last_boot_id vmbusy)" "$boot" "d. not restarted"
vsh "$dst" destroy vmtwin >/dev/null 2>&1 || true
pcmk crm_resource --clear -r vmbusy >/dev/null
pcmk crm_resource --cleanup -r vmbusy >/dev/null 2>&1 || true
settle 60 || true
PCMK_NODE=
remove_rsc vmbusy
