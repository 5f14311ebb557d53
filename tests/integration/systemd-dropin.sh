#!/bin/bash
# The node-shutdown drop-in (lib/systemd/, doc/node-shutdown.md) loads
# cleanly with systemd's own checker, with monolithic and with modular
# libvirt, and orders resource-agents-deps.target (and so pacemaker.service)
# after every libvirt daemon and socket and libvirt-guests.
#   systemd-dropin.sh DROPIN
# An offline root per layout (systemd-analyze verify --root): nothing of
# this host's systemd is read or changed.  TAP on stdout.
set -uo pipefail
dropin=$(readlink -f "$1")
tmp=$(mktemp -d /tmp/xvm-unit-systemd.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
result() {  # result OK|FAIL DESCRIPTION [DETAIL]
    n=$((n + 1))
    if [[ $1 == OK ]]; then echo "ok $n - $2"; else
        failed=$((failed + 1)); echo "not ok $n - $2"; [[ -z ${3:-} ]] || sed 's/^/# /' <<<"$3"; fi
}

stub() {  # stub ROOT UNIT [LINES...]: a minimal unit file
    local root=$1 unit=$2; shift 2
    {
        # No default dependencies: the root has no sysinit.target & co.
        echo "[Unit]"; echo "Description=stub $unit"; echo "DefaultDependencies=no"
        printf '%s\n' "$@"
        case $unit in
        *.service) printf '[Service]\nExecStart=/bin/true\n' ;;
        *.socket) printf '[Socket]\nListenStream=/run/%s\n' "$unit" ;;
        esac
    } >"$root/etc/systemd/system/$unit"
}

# make_root NAME UNITS...: an offline root with pacemaker.service as
# Debian ships its ordering, resource-agents-deps.target, our drop-in and
# stubs of the given libvirt units.
make_root() {
    local root=$tmp/$1 u; shift
    mkdir -p "$root/etc/systemd/system/resource-agents-deps.target.d" "$root/bin"
    cp /bin/true "$root/bin/true"
    cp "$dropin" "$root/etc/systemd/system/resource-agents-deps.target.d/xvm-domain.conf"
    stub "$root" resource-agents-deps.target
    stub "$root" corosync.service
    stub "$root" pacemaker.service After=resource-agents-deps.target \
        Wants=resource-agents-deps.target After=corosync.service Requires=corosync.service
    for u in "$@"; do stub "$root" "$u"; done
    echo "$root"
}

verify() {  # verify LAYOUT ROOT: no error and not one warning
    local out rc=0
    out=$(systemd-analyze verify --root="$2" --man=no pacemaker.service \
          resource-agents-deps.target 2>&1) || rc=$?
    if ((rc == 0)) && [[ -z $out ]]; then
        result OK "$1 libvirt: systemd-analyze verify, no error, no warning"
    else
        result FAIL "$1 libvirt: systemd-analyze verify, no error, no warning" "rc $rc: $out"
    fi
}

monolithic=$(make_root monolithic libvirtd.service libvirtd.socket libvirtd-ro.socket \
             libvirtd-admin.socket virtlogd.service virtlogd.socket virtlockd.service \
             virtlockd.socket libvirt-guests.service virt-guest-shutdown.target)
modular=$(make_root modular virtqemud.service virtqemud.socket virtqemud-ro.socket \
          virtqemud-admin.socket virtnetworkd.service virtnetworkd.socket virtstoraged.service \
          virtstoraged.socket virtproxyd.service virtproxyd.socket virtlogd.service \
          virtlogd.socket virtlockd.service virtlockd.socket libvirt-guests.service)
bare=$(make_root no-libvirt)
verify monolithic "$monolithic"
verify modular "$modular"
verify "no" "$bare"

# What the drop-in orders after: every daemon and socket of both layouts.
after=$(sed -n 's/^After=//p' "$dropin" | tr ' ' '\n')
for u in libvirtd.service libvirtd.socket virtqemud.service virtqemud.socket \
         virtqemud-ro.socket virtlogd.service virtlockd.service virtnetworkd.service \
         virtstoraged.service virtproxyd.service libvirt-guests.service; do
    if grep -qx "$u" <<<"$after"; then
        result OK "resource-agents-deps.target is After=$u"
    else
        result FAIL "resource-agents-deps.target is After=$u"
    fi
done
if grep -q '^Requires=' "$dropin"; then
    result FAIL "no Requires= on a unit that may be absent"
else
    result OK "no Requires= on a unit that may be absent"
fi
echo "1..$n"
((failed == 0))
