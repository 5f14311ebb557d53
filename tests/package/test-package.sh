#!/bin/bash
# The Debian package, end to end (TAP): builds xvm-domain from a clean copy
# of this tree with dpkg-buildpackage, runs lintian, installs it with apt,
# checks every installed file, runs the installed agent, Pacemaker's
# crm_resource, crmsh and pcs against it, and purges it again.
#
# Run as root on Debian 12 (tests/setup-host.sh installs what it needs).
# XVM_PACKAGE_KEEP=1 leaves the package installed at the end, so that the
# lab can run against the installed layout; by default the machine is left
# as found (a package that was installed before the run stays installed).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
keep=${XVM_PACKAGE_KEEP:-0}

agent=/usr/lib/ocf/resource.d/xvm/domain
helper=/usr/libexec/xvm-domain/domain-virt
guard_hook=/etc/libvirt/hooks/qemu.d/50-xvm-domain-guard
# The same parameters as README's pcs example.
vm_params=(config=/etc/xvm/vm1.xml migration_transport=ssh)

n=0 failures=0
work="" src="" deb="" installed_by_us=false

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - # SKIP $*"; }
# TAP comments, without crmsh's colours.
comment() { sed 's/\x1b\[[0-9;]*m//g; s/^/# /'; }
bail() { echo "Bail out! $*"; exit 1; }

# check WHAT CMD...: one test point, passed when CMD succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}

cleanup() {
    # Interrupted in check_installed_helper: put the helper back.
    if [ -n "$work" ] && [ -e "$work/domain-virt.saved" ] && [ ! -e "$helper" ]; then
        mv "$work/domain-virt.saved" "$helper"
    fi
    if $installed_by_us && [ "$keep" != 1 ]; then
        apt-get purge -y -q xvm-domain >/dev/null 2>&1
    fi
    [ -z "$work" ] || rm -rf "$work"
}

is_installed() {
    dpkg-query -W -f='${Status}' xvm-domain 2>/dev/null | grep -q 'ok installed'
}

preconditions() {
    local tool
    [ "$(id -u)" = 0 ] || bail "run as root (apt-get install)"
    for tool in git dpkg-buildpackage lintian apt-get crm crm_resource pcs xmllint cibadmin; do
        command -v "$tool" >/dev/null || bail "$tool is missing: run tests/setup-host.sh"
    done
    git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || bail "$top is not a git tree"
    # dpkg would silently take over (and purge would remove) an agent that
    # "meson install --prefix /usr" put there: refuse to clobber it.
    if [ -e "$agent" ] && ! dpkg -S "$agent" >/dev/null 2>&1; then
        bail "$agent exists and belongs to no package: remove it first"
    fi
}

# The tracked files, and new ones not yet ignored, as they are in the
# working tree: what a commit of this tree would build, without build/.
copy_tree() {
    mkdir -p "$src"
    git -C "$top" ls-files -z --cached --others --exclude-standard \
        | (cd "$top" && xargs -0 -r sh -c '
              for f; do
                  if [ -e "$f" ] || [ -L "$f" ]; then cp -P --preserve=mode --parents -- "$f" "$0"; fi
              done' "$src")
}

# dpkg-buildpackage writes its .deb files into the parent of the tree it
# builds: $work, removed at the end.
build_package() {
    local status_before status_after
    status_before=$(git -C "$top" status --porcelain --ignored)
    copy_tree
    if (cd "$src" && dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1; then
        ok "dpkg-buildpackage -us -uc -b builds the package"
    else
        not_ok "dpkg-buildpackage -us -uc -b builds the package"
        tail -40 "$work/build.log" | comment
        bail "no package to test"
    fi
    deb=$(ls "$work"/xvm-domain_*.deb 2>/dev/null | head -1)
    check "the .deb is written beside the copy, not into the tree" test -f "$deb"
    status_after=$(git -C "$top" status --porcelain --ignored)
    check "the build left the tree as it was" test "$status_before" = "$status_after"
}

check_version() {
    local changelog meson_version
    changelog=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
    meson_version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$src/meson.build" | head -1)
    echo "# debian/changelog $changelog, meson.build $meson_version"
    check "debian/changelog has meson.build's version" test "$changelog" = "$meson_version"
}

run_lintian() {
    local out
    out=$(lintian "$work"/xvm-domain_*.changes 2>&1)
    echo "# lintian:"
    printf '%s\n' "${out:-(no output)}" | comment
    check "lintian reports no error" bash -c '! grep -q "^E:" <<< "$1"' _ "$out"
}

# dh adds maintainer scripts for services it finds; the package must start,
# stop or restart nothing.
check_maintainer_scripts() {
    local dir=$work/control script found=""
    dpkg-deb -e "$deb" "$dir"
    for script in preinst postinst prerm postrm config; do
        [ -e "$dir/$script" ] || continue
        found+=" $script"
        if grep -Eq 'systemctl|deb-systemd|invoke-rc\.d|service ' "$dir/$script"; then
            not_ok "$script does not touch a service"
            comment < "$dir/$script"
            return
        fi
    done
    echo "# maintainer scripts:${found:- none}"
    ok "no maintainer script starts, stops or restarts a service"
}

install_package() {
    local before after added
    before=$(dpkg-query -W -f='${Package}\n' | sort)
    is_installed || installed_by_us=true
    # --reinstall: a package of the same version may be installed already
    # (XVM_PACKAGE_KEEP=1 last time); without Recommends, no libvirtd or
    # Pacemaker is pulled in (and started) by the test.
    if (cd "$work" && apt-get install -y -q --no-install-recommends --reinstall \
            "./$(basename "$deb")") > "$work/install.log" 2>&1; then
        ok "apt-get install ./$(basename "$deb")"
    else
        not_ok "apt-get install ./$(basename "$deb")"
        comment < "$work/install.log"
        bail "not installed"
    fi
    after=$(dpkg-query -W -f='${Package}\n' | sort)
    added=$(comm -13 <(echo "$before") <(echo "$after") | grep -vx xvm-domain)
    check "the install pulled in no other package${added:+: $added}" test -z "$added"
}

check_files() {
    local unitdir f
    unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
    for f in "$agent" "$helper" /usr/sbin/xvm-domain-switch; do
        check "$f is installed and executable" test -x "$f"
    done
    for f in /usr/share/man/man7/ocf_xvm_domain.7.gz /usr/share/man/man8/xvm-domain-switch.8.gz \
             "$unitdir/resource-agents-deps.target.d/xvm-domain.conf" \
             /usr/share/doc/xvm-domain/copyright; do
        check "$f is installed" test -s "$f"
    done
}

# The guard is the agent's "hook" action: installed with the agent, enabled
# only by "domain install-guard" (doc/guard.md), never by the package.
check_guard() {
    local hooks=$work/hooks
    check "the package ships nothing under /etc (the guard is not enabled)" \
        bash -c '! dpkg -L xvm-domain | grep -q "^/etc/"'
    check "the guard hook is not enabled: $guard_hook $([ -e "$guard_hook" ] && echo was there before || echo is absent)" \
        test "$guard_before" = "$([ -e "$guard_hook" ] && echo yes || echo no)"
    "$agent" install-guard "$hooks" > /dev/null 2>&1
    check "the installed agent can write the guard hook (into a scratch directory)" \
        grep -q "$agent" "$hooks/50-xvm-domain-guard"
}

check_agent() {
    local dtd out rc=0
    dtd=$(pkg-config --variable=ra_api_dtd resource-agents 2>/dev/null)
    "$agent" meta-data > "$work/meta-data.xml"
    # xmllint also tries the DOCTYPE's relative "ra-api-1.dtd" and warns:
    # its words are shown only when the check fails.
    if [ -n "$dtd" ] && [ -f "$dtd" ]; then
        out=$(xmllint --noout --dtdvalid "$dtd" "$work/meta-data.xml" 2>&1) || rc=$?
        check "the installed agent's meta-data validates against $dtd" test "$rc" = 0
    else
        out=$(xmllint --noout "$work/meta-data.xml" 2>&1) || rc=$?
        check "the installed agent's meta-data is well-formed XML" test "$rc" = 0
    fi
    [ "$rc" = 0 ] || printf '%s\n' "$out" | comment
    rc=0
    out=$("$agent" --version 2>&1) || rc=$?
    printf '%s\n' "$out" | comment
    check "--version exits 0 and names the front's and the helper's version and path" \
        bash -c '[ "$1" = 0 ] && grep -q "^ocf:xvm:domain $2" <<< "$3" &&
                 grep -q "domain-virt $2 ($4)" <<< "$3"' _ "$rc" "$version" "$out" "$helper"
    out=$(crm_resource --show-metadata ocf:xvm:domain 2>&1) || rc=$?
    check "crm_resource --show-metadata ocf:xvm:domain" \
        bash -c '[ "$1" = 0 ] && grep -q "<resource-agent name=\"domain\"" <<< "$2"' _ "$rc" "$out"
}

# The installed pair acts (libvirt's test driver: no daemon needed); with
# its helper gone, the installed front says which file and how to repair
# it, and that advice works.
check_installed_helper() {
    local reason rc=0 data=$src/tests/data/integration
    HA_RSCTMP=$work "$agent" monitor config="$data/good.xml" hypervisor=test:///default \
        > /dev/null 2>&1 || rc=$?
    check "the installed front and helper run a monitor (7: not running)" test "$rc" = 7
    mv "$helper" "$work/domain-virt.saved"
    rc=0
    reason=$(OCF_RESKEY_CRM_meta_interval=0 HA_RSCTMP=$work "$agent" monitor \
                 config="$data/good.xml" 2>&1 >/dev/null) || rc=$?
    echo "# $reason"
    check "with the helper gone a probe exits 1 and names $helper and the fix" \
        bash -c '[ "$1" = 1 ] && grep -qF "$2 is missing: apt install --reinstall xvm-domain" <<< "$3"' \
        _ "$rc" "$helper" "$reason"
    (cd "$work" && apt-get install -y -q --no-install-recommends --reinstall \
        "./$(basename "$deb")") > "$work/reinstall.log" 2>&1
    rm -f "$work/domain-virt.saved"
    check "apt install --reinstall xvm-domain brings the helper back" test -x "$helper"
}

# crmsh reads the meta-data for "ra info" and to check a primitive's
# parameters and timeouts.
check_crm_info() {
    local out rc=0
    out=$(crm ra info ocf:xvm:domain 2>&1) || rc=$?
    check "crm ra info ocf:xvm:domain renders the parameters and the actions" \
        bash -c '[ "$1" = 0 ] && grep -q "(ocf:xvm:domain)" <<< "$2" && grep -q "^config\*" <<< "$2" &&
                 grep -Eq "^ +migrate_to +timeout=120s" <<< "$2"' _ "$rc" "$out"
    [ "$rc" = 0 ] || printf '%s\n' "$out" | head -20 | comment
}

# A CIB file of our own, as "pcs -f" uses: crmsh takes it from CIB_file.
# crmsh verifies the whole CIB on commit, so fencing is off in it.
new_cib() {
    cibadmin --empty > "$1" && CIB_file=$1 crm_attribute -t crm_config -n stonith-enabled -v false
}

cib_has() {   # cib_has FILE XPATH
    [ -n "$(xmllint --xpath "$2" "$1" 2>/dev/null)" ]
}

check_crm_configure() {
    local cib=$work/crm-cib.xml out rc=0 p='//primitive[@id="vm1"][@class="ocf"][@provider="xvm"][@type="domain"]'
    new_cib "$cib"
    # README's crmsh command: crmsh does not copy the meta-data's timeouts.
    out=$(CIB_file=$cib crm configure primitive vm1 ocf:xvm:domain params "${vm_params[@]}" \
              meta allow-migrate=true op monitor interval=10s timeout=30s \
              op start timeout=90s op stop timeout=90s \
              op migrate_to timeout=120s op migrate_from timeout=60s 2>&1) || rc=$?
    printf '%s\n' "$out" | comment
    check "crm configure primitive vm1 ocf:xvm:domain ... is accepted into a CIB file, unwarned" \
        bash -c '[ "$1" = 0 ] && ! grep -q "smaller than the advised" <<< "$4" && cib_has "$2" "$3/instance_attributes/nvpair[@name=\"config\"][@value=\"/etc/xvm/vm1.xml\"]" &&
                 cib_has "$2" "$3/meta_attributes/nvpair[@name=\"allow-migrate\"][@value=\"true\"]" &&
                 cib_has "$2" "$3/operations/op[@name=\"monitor\"][@interval=\"10s\"]"' \
        _ "$rc" "$cib" "$p" "$out"
    rc=0
    out=$(CIB_file=$cib crm configure primitive vm2 ocf:xvm:domain params config=/x.xml no_such_param=1 2>&1) || rc=$?
    check "crmsh refuses a parameter our meta-data does not have" \
        bash -c '[ "$1" != 0 ] && grep -q "no_such_param" <<< "$2"' _ "$rc" "$out"
    out=$(CIB_file=$cib crm configure primitive vm3 ocf:xvm:domain params config=/x.xml op start timeout=10s 2>&1)
    check "crmsh warns of a start timeout below the meta-data's 90s" \
        grep -q "smaller than the advised 90s" <<< "$out"
}

check_pcs() {
    local cib=$work/pcs-cib.xml out rc=0
    new_cib "$cib"
    out=$(pcs -f "$cib" resource create vm1 ocf:xvm:domain "${vm_params[@]}" \
              meta allow-migrate=true op monitor interval=10s 2>&1) || rc=$?
    printf '%s\n' "$out" | comment
    check "pcs -f resource create vm1 ocf:xvm:domain ... takes the meta-data's start timeout" \
        bash -c '[ "$1" = 0 ] && cib_has "$2" "//primitive[@id=\"vm1\"]/operations/op[@name=\"start\"][@timeout=\"90s\"]"' \
        _ "$rc" "$cib"
}

purge_package() {
    if [ "$keep" = 1 ]; then
        skip "purge (XVM_PACKAGE_KEEP=1: left installed for the lab)"
    elif ! $installed_by_us; then
        skip "purge (xvm-domain was installed before this test: left installed)"
    else
        apt-get purge -y -q xvm-domain > "$work/purge.log" 2>&1
        installed_by_us=false
        check "apt-get purge xvm-domain removes the agent and its helper" \
            bash -c '! [ -e "$1" ] && ! [ -e "$2" ]' _ "$agent" "$helper"
    fi
}

main() {
    preconditions
    work=$(mktemp -d /tmp/xvm-package.XXXXXX)
    src=$work/src
    trap cleanup EXIT
    trap 'exit 143' TERM HUP INT
    guard_before=$([ -e "$guard_hook" ] && echo yes || echo no)
    build_package
    check_version
    version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
    run_lintian
    check_maintainer_scripts
    install_package
    check_files
    check_guard
    check_agent
    check_installed_helper
    check_crm_info
    check_crm_configure
    check_pcs
    purge_package
    echo "1..$n"
    [ "$failures" = 0 ]
}

# The "bash -c" checks call it.
export -f cib_has

main "$@"
