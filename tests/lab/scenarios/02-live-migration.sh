#!/bin/bash
# 02: crm_resource --move live-migrates the VM: Started on the other node,
# gone from the first, same boot_id and no counter gap (the longest pause
# between heartbeat lines is reported as the downtime); then back again.
. "$(dirname "$0")/../lib.sh"

scenario_begin "02 live migration"
uses_vm vm
make_vm vm
start_rsc vm

# move_and_check FROM TO
move_and_check() {
    local from=$1 to=$2 t ms
    serial_watch_start vm
    downtime_watch_start "$to" vm
    sleep 1
    t=$(now)
    pcmk crm_resource --move -r vm -N "$to" >/dev/null
    if wait_for 60 rsc_started_on vm "$to"; then
        ok "move $from -> $to: Started on $to after $(since "$t") s"
    else
        not_ok "move $from -> $to: Started on $to"
        diag "$(pcmk crm_mon -1 2>&1)"
    fi
    settle
    printf '# step: move %s -> %s settled after %s s\n' "$from" "$to" "$(since "$t")"
    sleep 1
    serial_watch_stop
    ms=$(downtime_watch_stop vm)
    assert_runs_only_on vm "$to" "move $from -> $to: libvirt has vm on $to only"
    assert_live vm "move $from -> $to" "$ms"
    assert_no_cluster_problems "move $from -> $to: no failed actions"
    pcmk crm_resource --clear -r vm >/dev/null 2>&1
    settle
}

src=$(rsc_nodes vm)
dst=$(other_node "$src")
move_and_check "$src" "$dst"
move_and_check "$dst" "$src"
