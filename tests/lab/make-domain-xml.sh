#!/bin/bash
# make-domain-xml.sh NAME OUTFILE [--ignore-acpi] [--slow-shutdown N]
#                    [--memory-mib M] [--dirty-mib N] [--disk]
#
# Writes a libvirt domain XML for the lab guest built by
# guest/build-guest.sh (kernel and initrd taken from $GUEST_DIR, default
# $LAB_DIR/guest).  Choices, and why:
# - type='qemu' (TCG): /dev/kvm on these machines is kvm_pvm, under which a
#   stock kernel does not boot (lab-notes §2).  XVM_DOMAIN_TYPE=kvm overrides.
# - <features><acpi/></features>: otherwise libvirt passes -no-acpi and
#   `virsh shutdown` has no power button to press.
# - serial type='file' append='on' under $LAB_DIR/serial/NAME.log: both nodes
#   write the same file, so a migration keeps one log, and a migration
#   target or a restart never truncates it.
# - a fixed UUID derived from the name (RFC 4122 version 5), so every run
#   and both nodes agree on the domain's identity.
# - no disk, no NIC, no USB, no balloon, no guest agent channel: nothing to
#   slow boot or migration, and `virsh shutdown` always means ACPI.
# - --disk: one 1 MiB raw disk, $LAB_DIR/shared/disks/NAME.img (created if
#   missing, never overwritten), writable and not shareable, so that a lock
#   manager takes an exclusive lease on it.  cache='none': the file is on
#   one filesystem every node sees, and with no host cache libvirt knows a
#   live migration cannot lose writes (it refuses one otherwise).
# - on_reboot/on_crash destroy: a guest that panics (panic=-1 reboots) shows
#   up as stopped instead of silently boot-looping.
set -euo pipefail
shopt -s inherit_errexit

usage() {
    echo "usage: $0 NAME OUTFILE [--ignore-acpi] [--slow-shutdown N] [--memory-mib M] [--dirty-mib N] [--disk]" >&2
    exit 2
}

die() { printf 'make-domain-xml: error: %s\n' "$*" >&2; exit 1; }

# uuid5 NAMESPACE-UUID NAME: RFC 4122 name-based (SHA-1) UUID, in pure
# bash + sha1sum (uuidgen is not installed here).
uuid5() {
    local ns=${1//-/} name=$2 hex i bytes=""
    for ((i = 0; i < 32; i += 2)); do bytes+="\\x${ns:i:2}"; done
    hex=$( { printf "$bytes"; printf '%s' "$name"; } | sha1sum | cut -c1-32)
    # version 5 in the high nibble of byte 6, variant 10xx in byte 8
    local v=$(( (0x${hex:16:2} & 0x3f) | 0x80 ))
    printf '%s-%s-5%s-%02x%s-%s\n' "${hex:0:8}" "${hex:8:4}" "${hex:13:3}" \
        "$v" "${hex:18:2}" "${hex:20:12}"
}

# The RFC 4122 DNS namespace; the name is qualified so that other tools
# deriving UUIDs from plain names never collide with ours.
domain_uuid() { uuid5 6ba7b810-9dad-11d1-80b4-00c04fd430c8 "$1.xvm-lab.invalid"; }

main() {
    [[ $# -ge 2 ]] || usage
    local name=$1 out=$2; shift 2
    local ignore_acpi=0 slow_shutdown=0 memory=128 dirty=0 disk=0
    while (($#)); do
        case $1 in
        --ignore-acpi) ignore_acpi=1 ;;
        --slow-shutdown) slow_shutdown=${2:?}; shift ;;
        --memory-mib) memory=${2:?}; shift ;;
        --dirty-mib) dirty=${2:?}; shift ;;
        --disk) disk=1 ;;
        *) usage ;;
        esac
        shift
    done
    [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || die "domain name must be [A-Za-z0-9_.-]+: $name"
    [[ $slow_shutdown =~ ^[0-9]+$ && $memory =~ ^[0-9]+$ && $dirty =~ ^[0-9]+$ ]] \
        || die "numeric options must be non-negative integers"
    # 64 MiB reset-loops silently (lab-notes §3); the dirtier needs room.
    ((memory >= 80)) || die "--memory-mib must be at least 80"

    local lab_dir=${LAB_DIR:-/tmp/xvm-lab}
    local guest_dir=${GUEST_DIR:-$lab_dir/guest}
    local type=${XVM_DOMAIN_TYPE:-qemu}
    [[ -r $guest_dir/vmlinuz && -r $guest_dir/initrd.img ]] \
        || die "no guest in $guest_dir (run guest/build-guest.sh $guest_dir)"
    guest_dir=$(cd "$guest_dir" && pwd)
    mkdir -p "$lab_dir/serial"
    local serial
    serial="$(cd "$lab_dir/serial" && pwd)/$name.log"

    local cmdline="console=ttyS0 quiet panic=-1 xvm.name=$name"
    ((ignore_acpi)) && cmdline+=" xvm.ignore_acpi=1"
    ((slow_shutdown)) && cmdline+=" xvm.slow_shutdown=$slow_shutdown"
    ((dirty)) && cmdline+=" xvm.dirty_mib=$dirty"

    local disk_xml=""
    if ((disk)); then
        local img
        mkdir -p "$lab_dir/shared/disks"
        img="$(cd "$lab_dir/shared/disks" && pwd)/$name.img"
        [[ -e $img ]] || truncate -s 1M "$img"
        disk_xml="    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source file='$img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
"
    fi

    local tmp
    tmp=$(mktemp "$out.XXXXXX")
    cat >"$tmp" <<EOF
<domain type='$type'>
  <name>$name</name>
  <uuid>$(domain_uuid "$name")</uuid>
  <memory unit='MiB'>$memory</memory>
  <currentMemory unit='MiB'>$memory</currentMemory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$guest_dir/vmlinuz</kernel>
    <initrd>$guest_dir/initrd.img</initrd>
    <cmdline>$cmdline</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
${disk_xml}    <serial type='file'>
      <source path='$serial' append='on'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
    chmod 644 "$tmp"
    mv -f "$tmp" "$out"
}

main "$@"
