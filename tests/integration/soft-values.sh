#!/bin/bash
# A value nobody can interpret (a boolean ocf_is_true reads as false, an
# unknown migration_type) is refused by validate-all, and every other
# action reads it as VirtualDomain would and says so: each monitor warns,
# so a user learns of it long before a failover's start relies on it.
# libvirt's test driver stands in for the hypervisor (no daemon needed).
set -uo pipefail
agent=$1 data=$(readlink -f "$2")
rsctmp=$(mktemp -d /tmp/xvm-unit-soft.XXXXXX)
trap 'rm -rf "$rsctmp"' EXIT
n=0 failed=0

# check DESCRIPTION WANT_RC WANT_STDERR_TEXT ACTION ARGS...
check() {
    local what=$1 want=$2 text=$3 action=$4; shift 4
    local out rc
    out=$(HA_RSCTMP=$rsctmp XVM_GUARD_ROOT=$rsctmp/guard "$agent" "$action" \
          config="$data/good.xml" hypervisor=test:///default "$@" 2>&1 >/dev/null)
    rc=$?
    n=$((n + 1))
    if [[ $rc == "$want" && $out == *"$text"* ]]; then
        echo "ok $n - $what (rc $rc)"
    else
        failed=$((failed + 1))
        echo "not ok $n - $what: rc $rc (want $want), stderr lacks '$text'"
        printf '%s\n' "$out" | sed 's/^/# /'
    fi
}

echo "1..3"
check "monitor warns about a boolean read as false" 7 \
    'warning: force_stop="Yes" is not a boolean; read as false' monitor force_stop=Yes
check "monitor warns about an unknown migration_type and goes on" 7 \
    'warning: migration_type="fast" unknown (use live or paused); live is used' \
    monitor migration_type=fast
check "validate-all refuses the same value" 6 \
    'ocf-exit-reason:force_stop="Yes" is not a boolean' validate-all force_stop=Yes
[ "$failed" = 0 ]
