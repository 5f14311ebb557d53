#!/bin/bash
# 04: pcs resource disable shuts the guest down gracefully (its serial log
# shows "poweroff").  A guest that ignores the ACPI power button is still
# stopped inside the stop timeout (by destroying it), with no failed action
# and nothing fenced.
. "$(dirname "$0")/../lib.sh"

STOP_TIMEOUT_S=${STOP_TIMEOUT_S:-30}

scenario_begin "04 stop"

# disable_and_check NAME DESC LIMIT_S
disable_and_check() {
    local name=$1 desc=$2 limit=$3 t d
    t=$(now)
    pcmk pcs resource disable "$name"
    if wait_for $((limit + 30)) rsc_stopped "$name"; then
        d=$(since "$t")
        ok "$desc: Stopped after $d s"
        assert_le "$d" "$limit" "$desc: stopped within ${limit} s"
    else
        not_ok "$desc: Stopped"
        diag "$(pcmk crm_mon -1 2>&1)"
    fi
    settle
    assert_eq "$(vm_copies "$name")" "" "$desc: libvirt has no copy of $name on any node"
}

# 1. A well-behaved guest.
uses_vm vm
make_vm vm
start_rsc vm
disable_and_check vm "disable (graceful)" 30
if serial_has_poweroff vm; then
    ok "the guest powered itself off (serial log shows 'poweroff')"
else
    not_ok "the guest powered itself off (serial log shows 'poweroff')"
    diag "$(tail -n 3 "$(serial_log vm)")"
fi
assert_no_cluster_problems "graceful stop: no failed actions, nothing fenced or blocked"

# 2. A guest that ignores the power button: the destroy fallback.
uses_vm vmnoacpi
make_vm vmnoacpi --ignore-acpi
start_rsc vmnoacpi op stop timeout="${STOP_TIMEOUT_S}s"
disable_and_check vmnoacpi "disable (guest ignores ACPI, op stop timeout=${STOP_TIMEOUT_S}s)" "$STOP_TIMEOUT_S"
if serial_has_poweroff vmnoacpi; then
    not_ok "the ACPI-ignoring guest did not power itself off"
else
    ok "the ACPI-ignoring guest did not power itself off (it was destroyed)"
fi
assert_no_cluster_problems "destroy fallback: no failed actions, nothing fenced or blocked"
