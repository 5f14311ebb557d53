#!/bin/bash
# Checks the agent's meta-data output against one validator.
#   check-metadata.sh AGENT dtd|pcs|ra-rng|nobody|text-format|instant
# Exit 0 pass, 1 fail, 77 skip (the validator is not installed here).
set -euo pipefail
agent=$1 check=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

need() { [ -e "$1" ] || { echo "skip: $1 is not installed"; exit 77; }; }

"$agent" meta-data > "$tmp/md.xml"

case $check in
dtd)
    # ocf-tester's check: the DOCTYPE names ra-api-1.dtd, relative.
    dtd=$(pkg-config --variable=ra_api_dtd resource-agents 2>/dev/null || true)
    dtd=${dtd:-/usr/share/resource-agents/ra-api-1.dtd}
    need "$dtd"
    (cd "$(dirname "$dtd")" && xmllint --noout --valid - < "$tmp/md.xml")
    ;;
pcs)
    need /usr/share/pcs/data/ocf-1.1.rng
    grep -q '<version>1.1</version>' "$tmp/md.xml" || { echo "version is not 1.1"; exit 1; }
    xmllint --noout --relaxng /usr/share/pcs/data/ocf-1.1.rng "$tmp/md.xml"
    ;;
ra-rng)
    need /usr/share/resource-agents/metadata.rng
    # Read from stdin in the schema's directory, as resource-agents' CI does,
    # so that the DOCTYPE's relative DTD resolves.
    (cd /usr/share/resource-agents && xmllint --noout --relaxng metadata.rng - < "$tmp/md.xml")
    ;;
nobody)
    # Pacemaker may fetch meta-data as any user; ocf-tester checks nobody.
    [ "$(id -u)" = 0 ] || { echo "skip: needs root to become nobody"; exit 77; }
    cp "$agent" "$tmp/agent"; chmod 755 "$tmp" "$tmp/agent"
    out=$(su nobody -s /bin/sh -c "$tmp/agent meta-data")
    [ "$out" = "$(cat "$tmp/md.xml")" ]
    ;;
text-format)
    # crm_resource and pcs export OCF_OUTPUT_FORMAT=text: still XML.
    OCF_OUTPUT_FORMAT=text "$agent" meta-data | cmp - "$tmp/md.xml"
    ;;
dtd-rejects-reload-agent)
    # The DTD check itself can fail: reload-agent is not in its action list.
    dtd=$(pkg-config --variable=ra_api_dtd resource-agents 2>/dev/null || true)
    dtd=${dtd:-/usr/share/resource-agents/ra-api-1.dtd}
    need "$dtd"
    sed -i 's#</actions>#<action name="reload-agent" timeout="5s"/></actions>#' "$tmp/md.xml"
    if (cd "$(dirname "$dtd")" && xmllint --noout --valid - < "$tmp/md.xml") 2>/dev/null; then
        echo "the DTD accepted reload-agent"; exit 1
    fi
    ;;
same-as-source)
    # The binary embeds metadata/domain.xml unchanged.
    cmp "$tmp/md.xml" "$3"
    ;;
*)
    echo "unknown check $check"; exit 2 ;;
esac
echo "ok: $check"
