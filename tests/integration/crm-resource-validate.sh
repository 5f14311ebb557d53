#!/bin/bash
# crm_resource --validate runs the agent the way pcs does (no cluster needed):
# 0 for a good config, 6 for one that can never work, and the reason shown.
# Every case checks the reason too, so that an answer given for another
# reason (say 5 because domain-virt could not be run) fails.
set -uo pipefail
agent=$1 data=$(readlink -f "$2")
here=$(dirname "$(readlink -f "$0")")
n=0 failed=0

# expect RC REASON DESCRIPTION ARGS...: crm_resource --validate ARGS answers
# RC, and
#   RC != 0: the agent's exit reason is exactly REASON (its
#            "ocf-exit-reason:" line, which pcs shows);
#   RC == 0, REASON empty: the agent wrote nothing on stderr (pcs turns any
#            stderr of a successful validation into a warning);
#   RC == 0, REASON set: the agent warned exactly "warning: REASON".
# Never "cannot run ... domain-virt": the front must have found it.
expect() {
    local want=$1 reason=$2 what=$3; shift 3
    local out rc why=""
    out=$("$here/with-agent-installed.sh" "$agent" crm_resource --validate \
          --class ocf --provider xvm --agent domain "$@" 2>&1)
    rc=$?
    n=$((n + 1))
    if [ "$rc" != "$want" ]; then
        why="rc $rc, expected $want"
    elif [[ $out == *"cannot run"* ]]; then
        why="the front could not run domain-virt"
    elif [ "$want" != 0 ]; then
        grep -qFx "ocf-exit-reason:$reason" <<< "$out" || why="exit reason is not '$reason'"
    elif [ -z "$reason" ]; then
        case $out in *"domain("*|*exit-reason*) why="agent wrote on stderr" ;; esac
    else
        grep -qF "warning: $reason" <<< "$out" || why="no warning '$reason'"
    fi
    if [ -z "$why" ]; then
        echo "ok $n - $what (rc $rc)"
    else
        failed=$((failed + 1))
        echo "not ok $n - $what: $why"
        printf '%s\n' "$out" | sed 's/^/# /'
    fi
}

echo "1..10"
expect 0 "" "good config validates, silently" --option config="$data/good.xml"
expect 6 "the domain XML has no <name> (in $data/no-name.xml)" \
    "XML without <name> is not configured" --option config="$data/no-name.xml"
expect 6 'migration_type="teleport" unknown (use live or paused); live is used' \
    "unknown migration_type is not configured" \
    --option config="$data/good.xml" --option migration_type=teleport
expect 6 "parameter config is required" \
    "missing config is not configured" --option hypervisor=qemu:///system
# A typo of a parameter name: a warning (pcs shows it), not a failure.
expect 0 "unknown parameter snapshott is ignored (a typo? see meta-data for the names)" \
    "unknown parameter warned about" --option config="$data/good.xml" --option snapshott=/srv
# ocf_is_true's reading: "ja" is true, "Yes" is not (refused here, read as
# false by the other actions, as VirtualDomain reads it).
expect 0 "" "ocf_is_true spelling accepted" --option config="$data/good.xml" \
    --option force_stop=ja --option autoset_utilization_cpu=nein
expect 6 'force_stop="Yes" is not a boolean; read as false, as VirtualDomain reads it (write true or false)' \
    "a boolean ocf_is_true does not read as true is refused" \
    --option config="$data/good.xml" --option force_stop=Yes
# Level 0 (what pcs runs) judges the configuration, not the node it runs on.
expect 0 "config /nonexistent/vm.xml cannot be read on this node: No such file or directory; its content was not checked" \
    "config absent on this node passes level 0, with a warning" \
    --option config=/nonexistent/vm.xml
# Level 10 is answered by domain-virt.
expect 5 "config /nonexistent/vm.xml cannot be read on this node: No such file or directory" \
    "config absent on this node is not installed at level 10" \
    --validate=10 --option config=/nonexistent/vm.xml
expect 6 "the domain XML has no <name> (in $data/no-name.xml)" \
    "XML without <name> is not configured at level 10 either" \
    --validate=10 --option config="$data/no-name.xml"
[ "$failed" = 0 ]
