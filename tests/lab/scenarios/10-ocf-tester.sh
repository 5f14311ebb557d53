#!/bin/bash
# 10: resource-agents' ocf-tester against the agent inside node1, with the
# real guest and no Pacemaker resource for that VM, bounded by timeout 300
# (OT_TIMEOUT_S).  VirtualDomain hangs in migrate_from on a stopped resource
# (an unbounded wait), so with it this fails after the whole timeout.
. "$(dirname "$0")/../lib.sh"

OT_TIMEOUT_S=${OT_TIMEOUT_S:-300}

scenario_begin "10 ocf-tester"
uses_vm vmtest
make_vm vmtest
path=$(agent_path)
out=$LAB_DIR/scenarios/10-ocf-tester.log
t=$(now)
rc=0
lab exec node1 timeout "$OT_TIMEOUT_S" ocf-tester -n t -o config="$(vm_config vmtest)" \
    -o hypervisor=qemu:///system "$path" >"$out" 2>&1 || rc=$?
printf '# step: ocf-tester: %s s\n' "$(since "$t")"
if ((rc == 0)); then
    ok "ocf-tester -n t -o config=$(vm_config vmtest) -o hypervisor=qemu:///system $path"
else
    not_ok "ocf-tester -n t -o config=$(vm_config vmtest) -o hypervisor=qemu:///system $path (exit $rc$( ((rc == 124)) && echo ", timed out after $OT_TIMEOUT_S s"))"
    diag "$(tail -n 30 "$out")"
fi
grep -q "passed all tests" "$out" && ok "ocf-tester: '$(grep 'passed all tests' "$out")'" || not_ok "ocf-tester reports all tests passed"
assert_eq "$(vm_copies vmtest)" "" "ocf-tester left no copy of the domain running"
