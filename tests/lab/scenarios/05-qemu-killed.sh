#!/bin/bash
# 05: kill -9 of the QEMU process (inside the node): Pacemaker's monitor
# notices and the VM is restarted (a new boot_id) within RECOVERY_LIMIT_S.
. "$(dirname "$0")/../lib.sh"

RECOVERY_LIMIT_S=${RECOVERY_LIMIT_S:-25}

scenario_begin "05 QEMU killed"
uses_vm vm
make_vm vm
start_rsc vm

node=$(rsc_nodes vm)
boot1=$(last_boot_id vm)
# libvirt's pid file for the domain, read inside the node's PID namespace.
pid=$(lab exec "$node" cat /run/libvirt/qemu/vm.pid)
diag "killing QEMU pid $pid (in $node's PID namespace), boot_id $boot1"
t=$(now)
lab exec "$node" kill -9 "$pid"

if wait_heartbeat vm $((RECOVERY_LIMIT_S + 30)) "$boot1"; then
    d=$(since "$t")
    ok "the VM was restarted: new boot_id $(last_boot_id vm) after $d s"
    assert_le "$d" "$RECOVERY_LIMIT_S" "restart (kill -> new guest heartbeat) within ${RECOVERY_LIMIT_S} s"
else
    not_ok "the VM was restarted (a new boot_id)"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
if rsc_started vm; then ok "Pacemaker reports vm Started on $(rsc_nodes vm)"; else not_ok "Pacemaker reports vm Started"; fi
assert_eq "$(vm_running_nodes vm)" "$(rsc_nodes vm)" "libvirt runs vm exactly where Pacemaker says"
# The failed monitor is expected here; it must not have blocked anything.
fails=$(crm_xpath "count(//failures/failure[@task='monitor'])")
diag "failed monitor operations recorded: ${fails:-0}"
blocked=$(crm_xpath "count(//resources//resource[@blocked='true' or @managed='false'] | //nodes/node[@unclean='true'])")
assert_eq "${blocked:-0}" 0 "nothing blocked, nothing fenced"
