#!/bin/bash
# Runs a command in a private mount namespace where the agent under test is
# visible as /usr/lib/ocf/resource.d/xvm/domain, so that Pacemaker's tools
# (whose agent path is compiled in) find it without anything written to the
# host's /usr.  Usage: with-agent-installed.sh AGENT CMD [ARGS...]
set -euo pipefail
agent=$(readlink -f "$1"); shift
ocf_root=$(pkg-config --variable=ocfrootdir resource-agents 2>/dev/null || echo /usr/lib/ocf)
exec unshare --mount --propagation private -- /bin/bash -euo pipefail -c '
    agent=$1 ocf_root=$2; shift 2
    view=$(mktemp -d)
    trap "rm -rf $view" EXIT
    cp -a "$ocf_root/resource.d/." "$view/" 2>/dev/null || true
    mkdir -p "$view/xvm"
    cp "$agent" "$view/xvm/domain"
    mount --bind "$view" "$ocf_root/resource.d"
    "$@"
' with-agent "$agent" "$ocf_root" "$@"
