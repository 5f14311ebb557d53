#!/bin/bash
# 01: pcs resource create with the documented parameters succeeds without
# warnings, pcs resource describe works, and the VM is Started (and really
# running, asked of libvirt).
. "$(dirname "$0")/../lib.sh"

scenario_begin "01 create"
uses_vm vm
make_vm vm

check "pcs resource describe $AGENT" pcmk pcs resource describe "$AGENT"

t=$(now)
err=$LAB_DIR/scenarios/01-create.stderr
rc=0
create_rsc vm >/dev/null 2>"$err" || rc=$?
assert_eq "$rc" 0 "pcs resource create vm $AGENT $(agent_params vm) meta allow-migrate=true op monitor interval=10s"
assert_eq "$(cat "$err")" "" "pcs resource create printed nothing on stderr (no warnings)"

if wait_for 90 rsc_started vm; then
    node=$(rsc_nodes vm)
    ok "Pacemaker reports vm Started on $node ($(since "$t") s after create)"
else
    not_ok "Pacemaker reports vm Started"
    diag "$(pcmk crm_mon -1 2>&1)"
    exit 1
fi
check "crm_mon shows 'vm ($AGENT): Started $node'" \
    bash -c "'$LAB_SH' exec $node crm_mon -1 | grep -E '\\* vm[[:space:]]+\\($AGENT\\):[[:space:]]+Started $node'"
if wait_heartbeat vm 60; then
    ok "the guest prints its heartbeat ($(since "$t") s after create)"
else
    not_ok "the guest prints its heartbeat"
fi
assert_runs_only_on vm "$node"
assert_no_cluster_problems
