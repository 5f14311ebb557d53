#!/bin/bash
# Installs everything the agent's build, tests and lab need on a Debian 12
# machine, idempotently.  Run as root.  Services are NOT started here: the
# tests start (and stop) their own libvirtd/virtlogd/corosync/pacemaker.
set -euo pipefail

packages=(
    # build
    meson ninja-build gcc pkg-config libvirt-dev libxml2-dev libglib2.0-dev
    libqb-dev libxml2-utils xsltproc docbook-xsl
    # a real hypervisor stack
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
    # backingfile overlays (qemu-img)
    qemu-utils
    # a real cluster stack and the peer agent
    pacemaker pacemaker-cli-utils corosync pcs resource-agents
    # the lab: guest image, namespaces
    busybox-static cpio iproute2 util-linux procps kmod psmisc
    # the Debian package (tests/package): dpkg-buildpackage, dh, lintian,
    # and crmsh beside pcs
    build-essential dpkg-dev debhelper fakeroot lintian crmsh
    # tests, the clang -Werror build, sanitizers, fuzzing, benchmark
    valgrind clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
        || missing+=("$p")
done

if ((${#missing[@]})); then
    # Keep package scripts from starting daemons: the tests own them.
    policy_rc_created=false
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_rc_created=true
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
    $policy_rc_created && rm -f /usr/sbin/policy-rc.d
fi

# libvirtd 9.0 resolves its default QEMU user before reading qemu.conf.
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null \
    || useradd -r -M -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
exit 0
