#!/bin/bash
# demo.sh: one VM's life, end to end, through Pacemaker, with AGENT
# (default ocf:xvm:domain).  Assumes tests/setup-host.sh has been run and,
# for ocf:xvm:domain, that the agent is built (LAB_AGENT, default
# /work/main/build/agent/domain).
#
#   build the guest -> lab up -> validate-all by hand -> pcs resource create
#   -> Started -> a monitor -> live migration to the other node and back
#   (same boot_id, no missing counter value) -> disable (graceful stop)
#   -> delete -> lab down (always, in a trap)
#
# Prints a short transcript with the time each step took; exits non-zero if
# a step failed.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# lib.sh brings the lab, Pacemaker and serial-log helpers.
# shellcheck source=lib.sh
. "$HERE/lib.sh"
set +E

VM=demo
T0=$(now)
FAILED=0

# step DESC CMD...: run CMD, print "[total] (step time) DESC: ok|FAILED".
step() {
    local desc=$1; shift
    local t rc=0 out
    t=$(now)
    out=$("$@" 2>&1) || rc=$?
    if ((rc == 0)); then
        printf '[%6ss] (%5ss) %s: ok\n' "$(since "$T0")" "$(since "$t")" "$desc"
    else
        printf '[%6ss] (%5ss) %s: FAILED (exit %d)\n' "$(since "$T0")" "$(since "$t")" "$desc" "$rc"
        [[ -z $out ]] || sed 's/^/        | /' <<<"$out" | tail -n 20
        FAILED=1
    fi
    [[ -z $out || $rc != 0 ]] || sed 's/^/        | /' <<<"$out" | tail -n 6
    return "$rc"
}

finish() {
    local rc=$?
    set +e
    serial_watch_stop
    if node_up node1 && pcmk crm_resource --resource "$VM" --query-xml >/dev/null 2>&1; then
        pcmk pcs resource delete "$VM" --force >/dev/null 2>&1
    fi
    local t
    t=$(now)
    "$LAB_SH" down >/dev/null 2>&1
    printf '[%6ss] (%5ss) lab down\n' "$(since "$T0")" "$(since "$t")"
    if ((rc || FAILED)); then echo "demo: FAILED"; exit 1; fi
    echo "demo: all steps passed"
}

validate_by_hand() {
    if agent_is_vd; then
        # VirtualDomain takes its parameters only from the environment;
        # crm_resource --validate sets that up.
        pcmk crm_resource --validate --class ocf --provider heartbeat --agent VirtualDomain \
            --option config="$(vm_config "$VM")" --option hypervisor=qemu:///system
    else
        # Our agent accepts key=value arguments after the action.
        lab exec node1 "$(agent_path)" validate-all config="$(vm_config "$VM")" hypervisor=qemu:///system
    fi
}

started_and_up() { wait_for 90 rsc_started "$VM" && wait_heartbeat "$VM" 60 && settle; }

monitor_once() {
    # --force-check runs the agent's monitor on the node where we call it.
    lab exec "$(rsc_nodes "$VM")" crm_resource --force-check -r "$VM"
}

# migrate TO: crm_resource --move, wait for Started there, prove it was live.
migrate() {
    local to=$1 r ms
    serial_watch_start "$VM"
    downtime_watch_start "$to" "$VM"
    sleep 1
    pcmk crm_resource --move -r "$VM" -N "$to"
    wait_for 60 rsc_started_on "$VM" "$to"
    settle
    sleep 1
    serial_watch_stop
    pcmk crm_resource --clear -r "$VM"
    r=$(counter_gap_check "$VM")
    ms=$(downtime_watch_stop "$VM")
    echo "libvirt: $(vm_copies "$VM"); heartbeat: $r"
    [[ $(vm_copies "$VM") == "$to:running" ]] || { echo "not running on $to only"; return 1; }
    [[ $(kv "$r" boot_ids) == 1 && $(kv "$r" counter_breaks) == 0 ]] || { echo "not live"; return 1; }
    awk -v g="$(kv "$r" max_gap)" -v m="$MAX_GAP_S" 'BEGIN { exit !(g <= m) }' \
        || { echo "downtime $(kv "$r" max_gap) s > $MAX_GAP_S s"; return 1; }
    echo "downtime: longest heartbeat pause $(kv "$r" max_gap) s${ms:+, QEMU $ms ms}; boot_id $(last_boot_id "$VM") unchanged"
}

disable_and_wait() {
    pcmk pcs resource disable "$VM"
    wait_for 90 rsc_stopped "$VM"
    [[ -z $(vm_copies "$VM") ]] || { echo "still running: $(vm_copies "$VM")"; return 1; }
    serial_has_poweroff "$VM" && echo "guest printed 'poweroff' (graceful ACPI shutdown)"
}

delete_rsc() {
    pcmk pcs resource delete "$VM"
    settle
}

main() {
    trap finish EXIT
    echo "demo: agent $AGENT, lab $LAB_DIR"
    step "build the guest" "$HERE/guest/build-guest.sh" "$LAB_DIR/guest"
    step "lab up (2 nodes, libvirtd, corosync, pacemaker)" "$LAB_SH" up
    step "write the domain XML ($(vm_config "$VM"))" make_vm "$VM"
    step "validate-all by hand" validate_by_hand
    step "pcs resource create $VM $AGENT" create_rsc "$VM"
    step "Started, guest booted" started_and_up
    local home other
    home=$(rsc_nodes "$VM")
    other=$(other_node "$home")
    printf '         %s runs on %s, boot_id %s\n' "$VM" "$home" "$(last_boot_id "$VM")"
    step "a monitor (crm_resource --force-check on $home)" monitor_once
    step "live migration $home -> $other" migrate "$other"
    step "live migration $other -> $home" migrate "$home"
    step "stop (pcs resource disable)" disable_and_wait
    step "pcs resource delete $VM" delete_rsc
}

main "$@"
