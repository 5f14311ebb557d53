#!/bin/bash
# 18: VirtualDomain's start_resources, backingfile and stateless (issue 10),
# through the cluster on a real libvirtd.  Each node has a storage pool and
# a network (forward mode bridge over a bridge of the node: libvirt then
# needs no firewall rules, which the lab's namespaces cannot take) that are
# defined but not active; the guest uses a volume of the pool, an interface on the network,
# and a qcow2 overlay over a raw base image.
#   a. start: pool and network active on the node, overlay created over the
#      base (qemu-img info), guest up.
#   b. live migration (migrate_options=--unsafe: the overlay's cache mode
#      is not "none"): pool and network started on the target first.
#   c. disable + enable: stateless, so a fresh overlay (a new inode), over
#      the same base.
. "$(dirname "$0")/../lib.sh"

scenario_begin "18 start_resources and a stateless overlay"
if agent_is_vd; then
    skip "VirtualDomain's qemu-img create gives no backing format, which qemu 7 refuses"
    exit 0
fi
uses_vm vmres
POOL_DIR=$LAB_DIR/shared/pool
BASE=$LAB_DIR/shared/base.img
OVERLAY=$LAB_DIR/shared/vmres.qcow2

define_node_resources() {
    local n=$1
    vsh "$n" pool-define-as xvmpool dir --target "$POOL_DIR" >/dev/null
    lab exec "$n" ip link add xvmbr0 type bridge 2>/dev/null || true
    lab exec "$n" ip link set xvmbr0 up
    printf "<network><name>xvmnet</name><forward mode='bridge'/><bridge name='xvmbr0'/></network>\n" \
        >"$LAB_DIR/shared/xvmnet.xml"
    vsh "$n" net-define "$LAB_DIR/shared/xvmnet.xml" >/dev/null
}
undefine_node_resources() {
    local n=$1
    vsh "$n" pool-destroy xvmpool >/dev/null 2>&1 || true
    vsh "$n" pool-undefine xvmpool >/dev/null 2>&1 || true
    vsh "$n" net-destroy xvmnet >/dev/null 2>&1 || true
    vsh "$n" net-undefine xvmnet >/dev/null 2>&1 || true
    lab exec "$n" ip link del xvmbr0 >/dev/null 2>&1 || true
}
active_on() {  # active_on NODE: "pool=yes|no net=yes|no"
    local pool net
    pool=$(vsh "$1" pool-info xvmpool 2>/dev/null | awk '/^State:/ { print $2 }')
    net=$(vsh "$1" net-info xvmnet 2>/dev/null | awk '/^Active:/ { print $2 }')
    echo "pool=${pool:-none} net=${net:-none}"
}
overlay_inode() { stat -c %i "$OVERLAY"; }
overlay_backing() { qemu-img info --output=json -U "$OVERLAY" | sed -n 's/.*"backing-filename": "\([^"]*\)".*/\1/p'; }

mkdir -p "$POOL_DIR"
truncate -s 1M "$POOL_DIR/data.img" "$BASE"
rm -f "$OVERLAY"
for n in "${NODES[@]}"; do undefine_node_resources "$n"; define_node_resources "$n"; done
at_exit 'for n in "${NODES[@]}"; do undefine_node_resources "$n"; done; rm -rf "$POOL_DIR" "$BASE" "$OVERLAY" "$LAB_DIR/shared/xvmnet.xml"'
for n in "${NODES[@]}"; do
    assert_eq "$(active_on "$n")" "pool=inactive net=no" "before: pool and network defined, inactive on $n"
done

make_vm vmres
sed -i "s|<emulator>\(.*\)</emulator>|&\n    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$OVERLAY'/><target dev='vda' bus='virtio'/></disk>\n    <disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='xvmpool' volume='data.img'/><target dev='vdb' bus='virtio'/></disk>\n    <interface type='network'><source network='xvmnet'/><model type='virtio'/></interface>|" \
    "$(vm_config vmres)"

# a. start
start_rsc vmres start_resources=true backingfile="$BASE" stateless=true \
    migrate_options=--unsafe
node=$(rsc_nodes vmres)
assert_eq "$(active_on "$node")" "pool=running net=yes" "a. start: pool and network active on $node"
assert_eq "$(overlay_backing)" "$BASE" "a. start: $OVERLAY is an overlay of the base"
inode1=$(overlay_inode)

# b. live migration: the target's pool and network first.
to=$(other_node "$node")
live_move vmres "$to" "b. move $node -> $to"
assert_eq "$(active_on "$to")" "pool=running net=yes" "b. pool and network active on the target $to"
assert_eq "$(overlay_inode)" "$inode1" "b. a migration keeps the overlay (same inode)"

# c. stateless: a fresh overlay at the next start.
boot=$(last_boot_id vmres)
pcmk pcs resource disable vmres >/dev/null
wait_for 90 rsc_stopped vmres || not_ok "c. disable: Stopped"
settle
pcmk pcs resource enable vmres >/dev/null
if wait_for 90 rsc_started vmres && wait_for 60 eval '[[ $(last_boot_id vmres) != "$boot" ]]'; then
    ok "c. enable: Started, booted afresh"
else
    not_ok "c. enable: Started, booted afresh"
fi
settle
check "c. stateless: a new overlay (inode $(overlay_inode), was $inode1)" \
    test "$(overlay_inode)" != "$inode1"
assert_eq "$(overlay_backing)" "$BASE" "c. the new overlay is over the same base"
assert_no_cluster_problems "no failed actions"
remove_rsc vmres
