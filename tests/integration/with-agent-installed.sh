#!/bin/bash
# Runs a command in a private mount namespace where the agent under test is
# visible as /usr/lib/ocf/resource.d/xvm/domain, so that Pacemaker's tools
# (whose agent path is compiled in) find it without anything written to the
# host's /usr.  Usage: with-agent-installed.sh AGENT CMD [ARGS...]
#
# The front (domain) execs domain-virt for every action that talks to
# libvirt (validate-all at OCF_CHECK_LEVEL 10 among them), looking for it
# first beside itself (agent/main.c, virt_agent_path): so the domain-virt
# built beside AGENT is installed beside it too.  Without it those actions
# fail with "cannot run .../domain-virt" (5), whatever they were asked.
#
# Nothing is written to the host but an empty temporary directory, the
# mount point of the view (a tmpfs inside the namespace), removed on exit.
set -euo pipefail
agent=$(readlink -f "$1"); shift
virt=$(dirname "$agent")/domain-virt
if [ ! -x "$virt" ]; then
    echo "with-agent-installed: no executable $virt beside $agent" >&2
    exit 99
fi
ocf_root=$(pkg-config --variable=ocfrootdir resource-agents 2>/dev/null || echo /usr/lib/ocf)
view=$(mktemp -d)
trap 'rm -rf "$view"' EXIT
trap 'exit 143' TERM HUP INT
rc=0
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private -- /bin/bash -euo pipefail -c '
    agent=$1 virt=$2 ocf_root=$3 view=$4; shift 4
    mount -t tmpfs -o mode=0755 xvm-agent-view "$view"
    cp -a "$ocf_root/resource.d/." "$view/" 2>/dev/null || true
    mkdir -p "$view/xvm"
    cp "$agent" "$view/xvm/domain"
    cp "$virt" "$view/xvm/domain-virt"
    mount --bind "$view" "$ocf_root/resource.d"
    exec "$@"
' with-agent "$agent" "$virt" "$ocf_root" "$view" "$@" || rc=$?
exit "$rc"
