#!/bin/bash
# The front (domain) and its libvirt helper (domain-virt) must come from one
# build.  A helper that is missing, or of another version, must fail every
# libvirt action with an exit reason that names the file and what to
# reinstall, and with a code that is safe for Pacemaker: 5 (this node lacks
# something) only where that bans the node (start, validate-all); 1 for
# probe, monitor, stop and migrations, which must never claim "not running"
# or "stopped" while the VM may run under libvirt.
#
# Usage: helper-version.sh FRONT HELPER OTHER_HELPER DATA_DIR
# OTHER_HELPER is agent/virt-main.c built with another XVM_VERSION.
set -uo pipefail
front=$1 helper=$2 other=$3 data=$(readlink -f "$4")
version=$("$front" --version | sed -n 's/^ocf:xvm:domain //p')
tmp=$(mktemp -d /tmp/xvm-helper-version.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
hint="apt install --reinstall xvm-domain"

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# A front of its own in DIR: it looks for domain-virt beside itself.
make_front() {   # make_front DIR [HELPER]
    mkdir -p "$1"
    cp "$front" "$1/domain"
    [ -z "${2:-}" ] || cp "$2" "$1/domain-virt"
}

# run_action FRONT ACTION [ENV...]: prints the exit reason, returns the rc.
run_action() {
    local f=$1 action=$2
    shift 2
    env HA_RSCTMP="$tmp/rsctmp" XVM_GUARD_ROOT="$tmp/guard" "$@" \
        "$f" "$action" config="$data/good.xml" hypervisor=test:///default 2>&1 >/dev/null \
        | sed -n 's/^ocf-exit-reason://p'
    return "${PIPESTATUS[0]}"
}

# check_actions WHAT FRONT TEXT...: every libvirt action fails with the
# safe code, and its reason holds every TEXT.
check_actions() {
    local what=$1 f=$2 spec name action want envvar rc reason t missing
    shift 2
    for spec in "probe:monitor:1:OCF_RESKEY_CRM_meta_interval=0" \
                "monitor:monitor:1:OCF_RESKEY_CRM_meta_interval=10000" \
                "stop:stop:1:" "start:start:5:" "validate-all:validate-all:5:OCF_CHECK_LEVEL=10" \
                "migrate_to:migrate_to:1:OCF_RESKEY_CRM_meta_migrate_target=node2"; do
        IFS=: read -r name action want envvar <<< "$spec"
        reason=$(run_action "$f" "$action" ${envvar:+"$envvar"})
        rc=$?
        missing=""
        for t in "$@"; do [[ $reason == *"$t"* ]] || missing+=" '$t'"; done
        if [[ $rc == "$want" && -z $missing ]]; then
            ok "$what: $name exits $want with the reason"
        else
            not_ok "$what: $name exits $rc (want $want)${missing:+, reason lacks$missing}"
            echo "# reason: $reason"
        fi
    done
}

# check_version WHAT FRONT WANT_RC TEXT...: --version's rc and output.
check_version() {
    local what=$1 f=$2 want=$3 out rc t missing=""
    shift 3
    out=$("$f" --version 2>&1)
    rc=$?
    for t in "$@"; do [[ $out == *"$t"* ]] || missing+=" '$t'"; done
    if [[ $rc == "$want" && -z $missing ]]; then
        ok "$what: --version exits $want and says so"
    else
        not_ok "$what: --version exits $rc (want $want)${missing:+, output lacks$missing}"
        printf '%s\n' "$out" | sed 's/^/# /'
    fi
}

make_front "$tmp/missing"
check_actions "missing helper" "$tmp/missing/domain" "$tmp/missing/domain-virt" "$hint"
check_version "missing helper" "$tmp/missing/domain" 5 "$tmp/missing/domain-virt" "$hint"

make_front "$tmp/other" "$other"
other_version=$("$other" --version 2>/dev/null | sed -n 's/^domain-virt //p')
check_actions "helper of another version" "$tmp/other/domain" \
    "$tmp/other/domain-virt" "${other_version:-?}" "$version" "$hint"
check_version "helper of another version" "$tmp/other/domain" 5 \
    "ocf:xvm:domain $version" "domain-virt ${other_version:-?} ($tmp/other/domain-virt)" "$hint"

make_front "$tmp/same" "$helper"
check_version "the same build" "$tmp/same/domain" 0 \
    "ocf:xvm:domain $version" "domain-virt $version ($tmp/same/domain-virt)"
run_action "$tmp/same/domain" monitor > "$tmp/reason"
rc=$?
if [ "$rc" = 7 ]; then ok "the same build: monitor runs (7, not running)"
else not_ok "the same build: monitor exits $rc (want 7): $(cat "$tmp/reason")"; fi

# domain-virt run without its front (by hand, or by a front too old to
# say its version) does not act either.
reason=$(run_action "$helper" monitor)
rc=$?
if [[ $rc == 1 && $reason == *"$hint"* ]]; then ok "helper run without the front: monitor exits 1"
else not_ok "helper run without the front: monitor exits $rc (want 1): $reason"; fi

echo "1..$n"
[ "$failed" = 0 ]
