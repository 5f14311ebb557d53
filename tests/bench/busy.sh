#!/bin/bash
# busy.sh: the busy-guest migration table (issue 11), by hand.
#
# One lab (two nodes, no cluster), one guest that rewrites BUSY_MIB MiB of
# random data without pause, every migration capped at CAP_MIBS MiB/s,
# node1 -> node2, one run each of:
#   virsh migrate --live (plain pre-copy), --auto-converge, --postcopy
#   (switched with migrate-postcopy after POSTCOPY_AFTER_S s);
#   ocf:heartbeat:VirtualDomain migrate_to (migration_speed=CAP);
#   ocf:xvm:domain migrate_to with its defaults, and with
#   migration_auto_converge=false migration_postcopy=true.
# Each gets TIMEOUT_S (the default migrate_to timeout); a run that does not
# finish is reported as such (virsh and VirtualDomain are then aborted with
# domjobabort, as their own timeouts would not).  Per run: the result,
# seconds to migrate, the guest's pause (libvirt's "Total downtime" on the
# target) and the peak auto-converge throttle seen on the source (sampled
# every 0.5 s).  Prints a Markdown table.
#
#   BUSY_MIB (24) CAP_MIBS (16) TIMEOUT_S (120) POSTCOPY_AFTER_S (5)
#   LAB_DIR (/tmp/xvm-busy), LAB_AGENT (build/agent/domain)
set -uo pipefail   # not -e: a run that fails is a row of the table, not the end
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export LAB_DIR=${LAB_DIR:-/tmp/xvm-busy}
export XVM_LAB_NETNS_PREFIX=${XVM_LAB_NETNS_PREFIX:-xvmbusy-}
export LAB_AGENT=${LAB_AGENT:-$REPO/build/agent/domain}
BUSY_MIB=${BUSY_MIB:-24}
CAP_MIBS=${CAP_MIBS:-16}
TIMEOUT_S=${TIMEOUT_S:-120}
POSTCOPY_AFTER_S=${POSTCOPY_AFTER_S:-5}
VM=vmbusy
LAB_SH=$REPO/tests/lab/lab.sh
lab() { "$LAB_SH" "$@"; }
vsh() { local n=$1; shift; lab exec "$n" virsh -q -c qemu:///system "$@"; }
now() { printf '%s\n' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf 'busy: %s\n' "$*" >&2; }

"$REPO/tests/lab/guest/build-guest.sh" "$LAB_DIR/guest" >/dev/null || exit 2
lab up --no-cluster >/dev/null || exit 2
trap 'lab down >/dev/null 2>&1 || true' EXIT
mkdir -p "$LAB_DIR/shared"
CONFIG=$LAB_DIR/shared/$VM.xml
"$REPO/tests/lab/make-domain-xml.sh" "$VM" "$CONFIG" --dirty-mib "$BUSY_MIB"

fresh_guest() {  # on node1 only, booted and busy
    local n
    for n in node1 node2; do vsh "$n" destroy "$VM" >/dev/null 2>&1 || true; done
    vsh node1 create "$CONFIG" >/dev/null
    sleep 15     # boot, and let the dirtier get going
}

# watch_throttle: peak "Auto converge throttle" on node1, into $LAB_DIR/throttle
watch_throttle() {
    local peak=0 v
    while :; do
        v=$(vsh node1 domjobinfo "$VM" 2>/dev/null | sed -n 's/^Auto converge throttle: *\([0-9]*\).*/\1/p')
        [[ -n $v ]] && ((v > peak)) && peak=$v
        echo "$peak" >"$LAB_DIR/throttle"
        sleep 0.5
    done
}

downtime() { { vsh node2 domjobinfo "$VM" --completed 2>/dev/null || true; } | sed -n 's/^Total downtime: *\([0-9]*\).*/\1/p'; }
where() { if vsh node2 domstate "$VM" 2>/dev/null | grep -q running; then echo node2; else echo node1; fi; }

ROWS=()
# run LABEL CMD...: CMD migrates $VM node1 -> node2 in the background of node1
run() {
    local label=$1 t pid done=0 rc=0 secs dt peak result; shift
    fresh_guest
    echo 0 >"$LAB_DIR/throttle"
    watch_throttle & local wpid=$!
    t=$(now)
    "$@" & pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if (( $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { print (b - a > '"$TIMEOUT_S"') }') )); then
            vsh node1 domjobabort "$VM" >/dev/null 2>&1 || true
            break
        fi
        sleep 0.5
    done
    wait "$pid" || rc=$?
    secs=$(since "$t")
    kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null || true
    peak=$(cat "$LAB_DIR/throttle")
    if [[ $(where) == node2 ]]; then
        result="moved"; dt=$(downtime); dt=${dt:-?}
    elif (( ${secs%.*} >= TIMEOUT_S )); then
        result="did not finish in $TIMEOUT_S s"; dt="-"
    else
        result="failed (rc $rc), stays on node1"; dt="-"
    fi
    log "$label: $result in $secs s, downtime $dt ms, peak throttle $peak %"
    ROWS+=("| $label | $result | $secs | $dt | $peak |")
}

URI=qemu+tcp://node2/system
virsh_migrate() { lab exec node1 virsh -q -c qemu:///system migrate --live --p2p --bandwidth "$CAP_MIBS" "$@" "$VM" "$URI"; }
virsh_postcopy() {
    virsh_migrate --postcopy &
    local p=$!
    sleep "$POSTCOPY_AFTER_S"
    vsh node1 migrate-postcopy "$VM" >/dev/null 2>&1 || true
    wait "$p"
}
agent_migrate() {  # agent_migrate AGENT_PATH PARAMS...
    local agent=$1; shift
    lab exec node1 env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=$VM \
        OCF_RESKEY_config="$CONFIG" OCF_RESKEY_hypervisor=qemu:///system \
        OCF_RESKEY_migration_transport=tcp OCF_RESKEY_migration_speed="$CAP_MIBS" \
        OCF_RESKEY_CRM_meta_timeout=$((TIMEOUT_S * 1000)) \
        OCF_RESKEY_CRM_meta_migrate_target=node2 OCF_RESKEY_CRM_meta_migrate_source=node1 \
        "$@" "$agent" migrate_to >/dev/null 2>&1
}

run "virsh migrate --live (pre-copy)" virsh_migrate
run "virsh migrate --live --auto-converge" virsh_migrate --auto-converge
run "virsh migrate --live --postcopy, switched after ${POSTCOPY_AFTER_S} s" virsh_postcopy
run "ocf:heartbeat:VirtualDomain" agent_migrate /usr/lib/ocf/resource.d/heartbeat/VirtualDomain \
    OCF_RESKEY_autoset_utilization_cpu=false OCF_RESKEY_autoset_utilization_hv_memory=false \
    OCF_RESKEY_autoset_utilization_host_memory=false
run "ocf:xvm:domain (defaults)" agent_migrate /usr/lib/ocf/resource.d/xvm/domain
run "ocf:xvm:domain (migration_postcopy=true, auto-converge off)" agent_migrate \
    /usr/lib/ocf/resource.d/xvm/domain OCF_RESKEY_migration_auto_converge=false \
    OCF_RESKEY_migration_postcopy=true

echo
echo "Busy guest: ${BUSY_MIB} MiB rewritten without pause, migration capped at ${CAP_MIBS} MiB/s, ${TIMEOUT_S} s each ($(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| migration | result | seconds | guest pause (ms) | peak throttle (%) |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
