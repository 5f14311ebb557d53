#!/bin/bash
# crm_resource --validate runs the agent the way pcs does (no cluster needed):
# 0 for a good config, 6 for one that can never work, and the reason shown.
set -uo pipefail
agent=$1 data=$(readlink -f "$2")
here=$(dirname "$(readlink -f "$0")")
n=0 failed=0

expect() {   # expect RC DESCRIPTION ARGS...
    local want=$1 what=$2; shift 2
    local out rc
    out=$("$here/with-agent-installed.sh" "$agent" crm_resource --validate \
          --class ocf --provider xvm --agent domain "$@" 2>&1)
    rc=$?
    n=$((n + 1))
    if [ "$rc" = "$want" ]; then
        echo "ok $n - $what (rc $rc)"
    else
        failed=$((failed + 1))
        echo "not ok $n - $what: rc $rc, expected $want"
        printf '%s\n' "$out" | sed 's/^/# /'
    fi
    LAST_OUT=$out
}

echo "1..6"
expect 0 "good config validates" --option config="$data/good.xml"
# pcs turns any stderr of a successful validation into a warning.
case $LAST_OUT in *"domain("*|*exit-reason*) echo "# agent wrote on stderr"; failed=$((failed + 1)) ;; esac
expect 6 "XML without <name> is not configured" --option config="$data/no-name.xml"
case $LAST_OUT in *"no <name>"*) ;; *) echo "# reason missing from output"; failed=$((failed + 1)) ;; esac
expect 6 "unknown migration_type is not configured" \
    --option config="$data/good.xml" --option migration_type=teleport
expect 6 "missing config is not configured" --option hypervisor=qemu:///system
# Level 0 (what pcs runs) judges the configuration, not the node it runs on.
expect 0 "config absent on this node passes level 0, with a warning" \
    --option config=/nonexistent/vm.xml
case $LAST_OUT in *"not checked"*) ;; *) echo "# no warning"; failed=$((failed + 1)) ;; esac
expect 5 "config absent on this node is not installed at level 10" \
    --validate=10 --option config=/nonexistent/vm.xml
[ "$failed" = 0 ]
