#!/bin/bash
# 11: a sick libvirtd on the node running the VM, and an agent SIGKILLed in
# the middle of a start.  The cluster is in maintenance mode, so that only
# the agent run by hand acts:
#   a. libvirtd stopped (SIGSTOP, hung): a probe answers "running" from the
#      process table (name and UUID), well inside its timeout.
#   b. libvirtd slow (SIGSTOP for 2 s): monitor still answers 0 in time.
#   c. libvirtd stopped: stop kills exactly this domain's QEMU, answers 0
#      only once it is gone; a probe then answers 7.
#   d. an agent SIGKILLed during start leaves nothing that breaks the next
#      start (stale guard token, half-written note).
# Then maintenance ends and Pacemaker brings the VM back exactly once.
. "$(dirname "$0")/../lib.sh"

TIMEOUT_MS=20000

scenario_begin "11 sick libvirtd, agent killed mid-start"
uses_vm vm
make_vm vm
start_rsc vm

node=$(rsc_nodes vm)
libvirtd_pid() { lab exec "$node" cat /run/libvirtd.pid; }
cont_libvirtd() { lab exec "$node" sh -c 'kill -CONT "$(cat /run/libvirtd.pid)"' 2>/dev/null || true; }
at_exit "cont_libvirtd; pcmk pcs property set maintenance-mode=false >/dev/null 2>&1 || true"

# agent ACTION [KEY=VALUE...]: the installed agent by hand inside the node,
# with the environment Pacemaker gives a probe; prints "rc seconds".  Like
# Pacemaker, it is SIGKILLed at the timeout (rc 137 then).
agent() {
    local action=$1 t rc=0; shift
    t=$(now)
    lab exec "$node" timeout -s KILL $((TIMEOUT_MS / 1000)) \
        env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=vm \
        OCF_RESKEY_CRM_meta_timeout=$TIMEOUT_MS OCF_RESKEY_CRM_meta_interval=0 \
        OCF_RESKEY_config="$(vm_config vm)" OCF_RESKEY_hypervisor=qemu:///system \
        HA_logfacility=none "$@" "$(agent_path)" "$action" >/dev/null 2>&1 || rc=$?
    echo "$rc $(since "$t")"
}

pcmk pcs property set maintenance-mode=true >/dev/null
settle

# a. hung libvirtd
lab exec "$node" sh -c 'kill -STOP "$(cat /run/libvirtd.pid)"'
r=$(agent monitor)
diag "probe with libvirtd stopped: rc ${r% *}, ${r#* } s"
assert_eq "${r% *}" 0 "a. probe with a hung libvirtd: running (from the process table)"
assert_le "${r#* }" $((TIMEOUT_MS / 1000)) "a. ... answered inside the ${TIMEOUT_MS} ms timeout"
cont_libvirtd

# b. slow libvirtd: 2 s without an answer, then it recovers
lab exec "$node" sh -c 'p=$(cat /run/libvirtd.pid); kill -STOP $p; (sleep 2; kill -CONT $p) &'
r=$(agent monitor OCF_RESKEY_CRM_meta_interval=10000)
diag "monitor with libvirtd slow for 2 s: rc ${r% *}, ${r#* } s"
assert_eq "${r% *}" 0 "b. monitor with a slow libvirtd: running"
sleep 2
cont_libvirtd

# c. stop with libvirtd hung: kills exactly this QEMU
qemu_pid=$(lab exec "$node" cat /run/libvirt/qemu/vm.pid)
lab exec "$node" sh -c 'kill -STOP "$(cat /run/libvirtd.pid)"'
r=$(agent stop)
diag "stop with libvirtd stopped: rc ${r% *}, ${r#* } s"
assert_eq "${r% *}" 0 "c. stop with a hung libvirtd succeeds"
assert_le "${r#* }" $((TIMEOUT_MS / 1000)) "c. ... inside the ${TIMEOUT_MS} ms timeout"
if lab exec "$node" kill -0 "$qemu_pid" 2>/dev/null; then
    not_ok "c. ... and QEMU pid $qemu_pid is really gone"
else
    ok "c. ... and QEMU pid $qemu_pid is really gone"
fi
r=$(agent monitor)
assert_eq "${r% *}" 7 "c. probe afterwards (libvirtd still hung): not running"
cont_libvirtd
wait_for 20 vsh "$node" uri || true

# d. SIGKILL in the middle of a start, then start again
lab exec "$node" sh -c "env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=vm \
    OCF_RESKEY_CRM_meta_timeout=$TIMEOUT_MS OCF_RESKEY_config='$(vm_config vm)' \
    HA_logfacility=none $(agent_path) start >/dev/null 2>&1 & p=\$!; sleep 0.15; kill -9 \$p; wait \$p" || true
r=$(agent start)
assert_eq "${r% *}" 0 "d. start after an agent was SIGKILLed mid-start"
assert_eq "$(domain_state "$node" vm)" running "d. ... and the domain runs"
r=$(agent stop)
assert_eq "${r% *}" 0 "d. stop by hand"

# The cluster takes over again: it finds the VM stopped and starts it once.
pcmk pcs property set maintenance-mode=false >/dev/null
pcmk crm_resource --refresh -r vm >/dev/null 2>&1 || true
if wait_for 90 rsc_started vm && wait_heartbeat vm 60; then
    ok "after maintenance Pacemaker runs vm again on $(rsc_nodes vm)"
else
    not_ok "after maintenance Pacemaker runs vm again"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
assert_at_most_one_copy vm
