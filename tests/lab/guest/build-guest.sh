#!/bin/bash
# build-guest.sh OUTDIR: build the lab's tiny test guest from Debian packages.
#
# Produces OUTDIR/vmlinuz and OUTDIR/initrd.img (plus OUTDIR/SHA256SUMS).
# The kernel is the one linux-image-cloud-amd64 depends on (LZ4, boots ~2 s
# faster under TCG than the generic XZ kernel); it is downloaded with
# `apt-get download` and unpacked with dpkg-deb, never installed.  The .deb
# and the few files we take from it are cached under XVM_CACHE_DIR (default
# $LAB_DIR/cache), so a rebuild only re-packs the initramfs (< 1 s).
#
# The initramfs is busybox-static plus the button and evdev modules; it is
# packed with GNU cpio --reproducible, with sorted names, owner 0:0 and a
# fixed mtime, so two builds give identical bytes (busybox cpio writes inode
# numbers into the archive, so it cannot do this).
#
# Guest behaviour (see the /init below): prints
#   name=<dom> boot_id=<uuid> n=<counter>
# to /dev/ttyS0 every 0.2 s; powers off on the ACPI power button, printing a
# line "poweroff" first.  Kernel command-line flags:
#   xvm.name=NAME          the name printed in each line
#   xvm.ignore_acpi=1      ignore the power button (tests the destroy fallback)
#   xvm.slow_shutdown=N    sleep N s after the button before powering off
#   xvm.dirty_mib=N        keep rewriting N MiB of random data (a live
#                          migration at low bandwidth then cannot converge)
set -euo pipefail
shopt -s inherit_errexit

readonly KERNEL_META_PKG=linux-image-cloud-amd64
readonly MODULES=(button evdev)
# 2000-01-01T00:00:00Z: any fixed value makes the archive reproducible.
readonly FIXED_MTIME=946684800

log() { printf 'build-guest: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    echo "usage: $0 OUTDIR" >&2
    exit 2
}

# The concrete kernel package behind the meta package, e.g.
# linux-image-6.1.0-56-cloud-amd64.  Asking apt-cache keeps the build in
# step with the mirror without hard-coding an ABI number.
kernel_package() {
    local pkg
    pkg=$(apt-cache depends "$KERNEL_META_PKG" 2>/dev/null \
        | awk '/^ *Depends: linux-image-/ { print $2; exit }')
    [[ -n $pkg ]] || die "apt-cache knows no dependency of $KERNEL_META_PKG (run apt-get update?)"
    printf '%s\n' "$pkg"
}

# Download the .deb into the cache once; print its path.
fetch_deb() {
    local pkg=$1 cache=$2 deb
    deb=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
    if [[ -z $deb ]]; then
        log "downloading $pkg"
        # apt-get download writes into the current directory.  As root it
        # warns that _apt cannot write there; that is harmless.
        (cd "$cache" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
        deb=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
        [[ -n $deb ]] || die "apt-get download $pkg produced no .deb"
    fi
    printf '%s\n' "$deb"
}

# Unpack only what the guest needs (vmlinuz, the wanted modules and their
# dependencies) into a cache directory named after the .deb, once.  The
# whole package is 106 MB unpacked; decompressing it costs ~2 s, so the
# result is kept.  Prints the unpack directory.
unpack_kernel() {
    local deb=$1 cache=$2 dir tmp
    dir="$cache/$(basename "$deb" .deb)"
    if [[ -f $dir/.complete ]]; then
        printf '%s\n' "$dir"
        return
    fi
    log "unpacking $(basename "$deb")"
    tmp=$(mktemp -d "$cache/unpack.XXXXXX")
    dpkg-deb -x "$deb" "$tmp/root"
    rm -rf "$dir"
    mkdir -p "$dir"
    local kver
    kver=$(ls "$tmp/root/lib/modules")
    [[ $(wc -w <<<"$kver") == 1 ]] || die "expected one kernel version in $deb, got: $kver"
    cp "$tmp/root/boot/vmlinuz-$kver" "$dir/vmlinuz"
    printf '%s\n' "$kver" >"$dir/kernel-version"
    # Keep the module tree for dependency lookups, but only the .ko files and
    # modules.builtin* (depmod wants them); drop the rest.
    (cd "$tmp/root" && find lib/modules -name '*.ko*' -o -name 'modules.builtin*' -o -name 'modules.order' \
        | tar -cf - --no-recursion -T -) | tar -xf - -C "$dir"
    rm -rf "$tmp"
    touch "$dir/.complete"
    printf '%s\n' "$dir"
}

# Print, one per line, the relative paths (under lib/modules/KVER) of the
# named modules and everything they depend on, dependencies first.
module_closure() {
    local moddir=$1; shift
    local -A seen=()
    local -a order=()
    visit() {
        local name=$1 path deps dep
        [[ -n ${seen[$name]:-} ]] && return
        seen[$name]=1
        path=$(cd "$moddir" && find kernel -name "$name.ko*" -print -quit)
        # A module built into the kernel needs no file.
        if [[ -z $path ]]; then
            grep -q "/$name.ko" "$moddir/modules.builtin" 2>/dev/null \
                || die "module $name is neither a .ko nor built in"
            return
        fi
        deps=$(/sbin/modinfo -F depends "$moddir/$path" | tr ',' ' ')
        for dep in $deps; do visit "$dep"; done
        order+=("$path")
    }
    local m
    for m in "$@"; do visit "$m"; done
    printf '%s\n' "${order[@]}"
}

# The guest's PID 1.  A busybox shell: it mounts the API filesystems, loads
# the input modules, starts acpid and then prints the heartbeat line forever.
write_init() {
    cat >"$1" <<'EOF'
#!/bin/sh
# PID 1 of the xvm lab guest (see tests/lab/guest/build-guest.sh).
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /run /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp

arg() {  # arg NAME DEFAULT: value of xvm.NAME= on the kernel command line
    v=$2
    for w in $(cat /proc/cmdline); do
        case $w in "xvm.$1="*) v=${w#*=} ;; esac
    done
    echo "$v"
}
name=$(arg name guest)
# Handed to the ACPI handler, which runs in another process.
arg ignore_acpi 0 >/run/ignore_acpi
arg slow_shutdown 0 >/run/slow_shutdown

# Without evdev busybox acpid sees no input device; without button the
# kernel drops the ACPI power button event.
modprobe evdev
modprobe button
# Foreground in the background (init reaps it), logging to /run: a
# daemonized acpid opens /var/log/acpid.log, which does not exist here, and
# dies silently.
acpid -f -c /etc/acpi -l /run/acpid.log &

dirty=$(arg dirty_mib 0)
if [ "$dirty" -gt 0 ]; then
    # Random (so neither zero pages nor compressible) data, rewritten every
    # 0.5 s: keeps the dirty rate well above a 1 MiB/s migration speed.
    mkdir -p /dirty
    mount -t tmpfs -o size=$((dirty * 2 + 1))m tmpfs /dirty
    dd if=/dev/urandom of=/dirty/src bs=1048576 count="$dirty" 2>/dev/null
    ( while :; do cp /dirty/src /dirty/copy; sleep 0.5; done ) &
fi

# boot_id is random per boot and survives a live migration; the counter
# has no gap across a live migration.
boot_id=$(cat /proc/sys/kernel/random/boot_id)
exec 3>/dev/ttyS0
n=0
while :; do
    echo "name=$name boot_id=$boot_id n=$n" >&3
    n=$((n + 1))
    sleep 0.2
done
EOF
    chmod 755 "$1"
}

# busybox acpid maps KEY_POWER to "PWRF/00000080" under its config dir and
# runs that file.  `poweroff -f` calls reboot(2) directly: plain poweroff
# would signal PID 1, a shell that ignores it.
write_acpi_handler() {
    cat >"$1" <<'EOF'
#!/bin/sh
[ "$(cat /run/ignore_acpi)" = 1 ] && exit 0
s=$(cat /run/slow_shutdown)
[ "$s" -gt 0 ] && sleep "$s"
echo poweroff >/dev/ttyS0
poweroff -f
EOF
    chmod 755 "$1"
}

# Populate the initramfs tree in $1 from busybox-static and the modules.
make_tree() {
    local root=$1 kdir=$2 kver=$3 applet rel
    mkdir -p "$root"/{bin,sbin,dev,proc,sys,etc/acpi/PWRF,lib/modules/"$kver"}
    cp /bin/busybox "$root/bin/busybox"
    # One symlink per applet: hard links would put link counts into the
    # archive and symlinks are what busybox --install -s makes too.
    for applet in $(/bin/busybox --list); do
        [[ $applet == busybox ]] && continue
        ln -s busybox "$root/bin/$applet"
    done
    write_init "$root/init"
    write_acpi_handler "$root/etc/acpi/PWRF/00000080"
    while read -r rel; do
        mkdir -p "$root/lib/modules/$kver/$(dirname "$rel")"
        cp "$kdir/lib/modules/$kver/$rel" "$root/lib/modules/$kver/$rel"
    done < <(module_closure "$kdir/lib/modules/$kver" "${MODULES[@]}")
    cp "$kdir/lib/modules/$kver"/modules.builtin "$root/lib/modules/$kver/" 2>/dev/null || true
    cp "$kdir/lib/modules/$kver"/modules.order "$root/lib/modules/$kver/" 2>/dev/null || true
    # busybox depmod writes modules.dep (and alias/symbols) for busybox
    # modprobe; the host's kmod depmod would write binary indexes too.
    /bin/busybox depmod -b "$root" "$kver"
}

# Pack $1 into the cpio archive $2 reproducibly.
pack_tree() {
    local root=$1 out=$2
    find "$root" -exec touch -h -d "@$FIXED_MTIME" {} +
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort \
        | cpio --quiet -o -H newc --reproducible -R 0:0) >"$out"
}

# Scratch directory of this build; global so the EXIT trap can see it.
tmp=""
trap '[[ -z $tmp ]] || rm -rf "$tmp"' EXIT

main() {
    [[ $# == 1 ]] || usage
    local out=$1
    local lab_dir=${LAB_DIR:-/tmp/xvm-lab}
    local cache=${XVM_CACHE_DIR:-$lab_dir/cache}
    local start=$EPOCHREALTIME
    mkdir -p "$out" "$cache"
    out=$(cd "$out" && pwd)

    local pkg deb kdir kver
    pkg=$(kernel_package)
    deb=$(fetch_deb "$pkg" "$cache")
    kdir=$(unpack_kernel "$deb" "$cache")
    kver=$(cat "$kdir/kernel-version")

    tmp=$(mktemp -d "${TMPDIR:-/tmp}/xvm-guest.XXXXXX")
    make_tree "$tmp/root" "$kdir" "$kver"
    pack_tree "$tmp/root" "$tmp/initrd.img"

    # Replace atomically so a running guest's files never change under it
    # (QEMU reads them only at start, but a half-written file would break
    # the next one).
    cp "$kdir/vmlinuz" "$tmp/vmlinuz"
    mv -f "$tmp/vmlinuz" "$out/vmlinuz"
    mv -f "$tmp/initrd.img" "$out/initrd.img"
    (cd "$out" && sha256sum vmlinuz initrd.img >SHA256SUMS)
    printf '%s\n' "$kver" >"$out/kernel-version"
    log "kernel $kver, initrd $(stat -c %s "$out/initrd.img") bytes," \
        "sha256 $(cut -c1-16 <<<"$(sha256sum <"$out/initrd.img")")," \
        "built in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
}

main "$@"
