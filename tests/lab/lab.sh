#!/bin/bash
# lab.sh: a libvirt + corosync + Pacemaker lab of up to three nodes on one
# machine.
#
#   lab.sh up [--nodes 1|2|3] [--no-cluster] [--fencing] [--lockd]
#                                   build the nodes and wait for quorum
#   lab.sh down [--purge]           stop everything this lab started
#   lab.sh exec NODE CMD...         run CMD inside NODE
#   lab.sh virsh NODE ARGS...       virsh -c qemu:///system ARGS in NODE
#   lab.sh crash NODE               SIGKILL the node's PID 1
#   lab.sh boot [--no-wait] NODE    bring a crashed node back
#   lab.sh cut NODE / heal NODE     unplug / replug NODE's network cable
#   lab.sh fence-log                what the fence device did, one line each
#   lab.sh status
#
# --fencing: stonith-enabled=true with a real fence device, fence_xvmlab
# (tests/lab/fence_xvmlab), which asks a fence daemon on the host (it alone
# sees every node's PID namespace) to kill a node's namespace.  --lockd:
# virtlockd on every node, leases on $LAB_DIR/shared/lockspace, so that
# libvirt itself refuses a second start of a guest whose disk is in use.
#
# A node (lab-notes §4) is a network namespace (pinned by `ip netns add`,
# eth0 169.254.100.N/24, cabled to a bridge in a switch namespace) plus its
# own mount, UTS, IPC and
# PID namespaces whose PID 1 is a generated init script.  That init gives the
# node private /run, /dev/shm and /sys and bind-mounts per-node copies of the
# state libvirt, corosync and Pacemaker keep on disk, so two daemons of each
# kind can run side by side without seeing each other.  The daemons are then
# started from here with nsenter.  Nothing is mounted in the host's own mount
# namespace: when a node's PID 1 dies, the kernel kills everything in its PID
# namespace (QEMU included) and its mounts vanish with its mount namespace.
#
# Everything lives under LAB_DIR (default /tmp/xvm-lab):
#   cache/   kernel .deb (kept by `down --purge`)   guest/   built guest
#   shared/  domain XMLs, same path on both nodes    serial/  guest serial logs
#   run/     lock and state                          nodes/NODE/  per-node state
#
# The agent under test, LAB_AGENT (default /work/main/build/agent/domain), is
# visible in each node as /usr/lib/ocf/resource.d/xvm/domain.
set -euo pipefail
shopt -s inherit_errexit

SELF=$(readlink -f "${BASH_SOURCE[0]}")
LAB_DIR=${LAB_DIR:-/tmp/xvm-lab}
LAB_AGENT=${LAB_AGENT:-/work/main/build/agent/domain}
# Network namespace names are global: a lab in another LAB_DIR gets other
# names (and `down` kills whatever runs in *our* namespaces), so the default
# prefix depends on LAB_DIR.
default_netns_prefix() {
    if [[ $LAB_DIR == /tmp/xvm-lab ]]; then
        echo xvmlab-
    else
        echo "xvm$(cksum <<<"$LAB_DIR" | cut -d' ' -f1 | cut -c1-6)-"
    fi
}
readonly ALL_NODES=(node1 node2 node3)
readonly NODE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly SUBNET=169.254.100

# Per-node copies bind-mounted over these paths inside the node.  Format:
# name-under-nodes/NODE/fs:target.
readonly NODE_MOUNTS=(
    etc-libvirt:/etc/libvirt
    etc-corosync:/etc/corosync
    var-lib-libvirt:/var/lib/libvirt
    var-cache-libvirt:/var/cache/libvirt
    var-lib-pacemaker:/var/lib/pacemaker
    var-lib-corosync:/var/lib/corosync
    var-log:/var/log
    hosts:/etc/hosts
    hostname:/etc/hostname
    machine-id:/etc/machine-id
    ocf-resource.d:/usr/lib/ocf/resource.d
)

# ---------------------------------------------------------------- helpers

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

node_dir() { printf '%s/nodes/%s\n' "$LAB_DIR" "$1"; }
node_netns() { printf '%s%s\n' "$NETNS_PREFIX" "$1"; }
node_addr() { printf '%s.%s\n' "$SUBNET" "${1#node}"; }

valid_node() {
    local n
    for n in "${ALL_NODES[@]}"; do [[ $1 == "$n" ]] && return 0; done
    die "unknown node '$1' (expected one of ${ALL_NODES[*]})"
}

# wait_until TIMEOUT_S CMD...: poll CMD every 0.2 s; fail after TIMEOUT_S.
wait_until() {
    local timeout=$1; shift
    local deadline
    deadline=$(awk -v a="$EPOCHREALTIME" -v t="$timeout" 'BEGIN { printf "%.3f", a + t }')
    until "$@"; do
        awk -v a="$EPOCHREALTIME" -v d="$deadline" 'BEGIN { exit !(a < d) }' || return 1
        sleep 0.2
    done
}

# Host PID of the node's PID 1, if that process is alive and really is our
# init for this node and this LAB_DIR (pids get reused after a crash).
node_pid() {
    local node=$1 pidfile pid
    pidfile="$(node_dir "$node")/init.pid"
    [[ -r $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    # Here-strings, not pipes, into grep -q: with pipefail, a writer killed
    # by SIGPIPE when grep exits early would turn a match into a failure.
    grep -qF "$(node_dir "$node")/init.sh $node" <<<"$(tr '\0' ' ' <"/proc/$pid/cmdline")" || return 1
    printf '%s\n' "$pid"
}

node_alive() { node_pid "$1" >/dev/null; }

# Run a command inside NODE with a clean environment.  The exit status is
# the command's.  No TERM, so tools never emit terminal control sequences.
node_exec() {
    local node=$1; shift
    local pid
    pid=$(node_pid "$node") || die "$node is not running"
    # 9>&-: never hand our lock to a command (a daemon would hold it forever).
    nsenter -t "$pid" -m -u -n -p -i -- \
        env -i PATH="$NODE_PATH" HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 "$@" 9>&-
}

# Like node_exec, but for daemons: their stdio goes to the node's daemon log,
# never to our caller's pipes (which would then never see EOF).
node_spawn() {
    local node=$1; shift
    node_exec "$node" "$@" </dev/null >>"$(node_dir "$node")/daemons.log" 2>&1
}

lock() {
    mkdir -p "$LAB_DIR/run"
    exec 9>"$LAB_DIR/run/lock"
    flock -w 600 9 || die "another lab.sh holds $LAB_DIR/run/lock"
}

state_get() {  # state_get KEY: value from run/state, empty if none
    [[ -r $LAB_DIR/run/state ]] || return 0
    sed -n "s/^$1=//p" "$LAB_DIR/run/state"
}

lab_nodes() {  # the nodes this lab was brought up with
    local n
    n=$(state_get nodes)
    printf '%s\n' "${ALL_NODES[@]:0:${n:-2}}"
}

# ------------------------------------------------------ per-node filesystem

# 32 hex digits, as /etc/machine-id wants.
random_hex32() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

as_uuid() { local h=$1; printf '%s-%s-%s-%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:12:4}" "${h:16:4}" "${h:20:12}"; }

write_libvirt_conf() {
    local dir=$1 machine_id=$2 lockd=$3
    # TCP without auth on the namespaces' link-local addresses only.  A
    # distinct host_uuid per node, or libvirt refuses "migration to the same
    # host".  Warnings and errors go to the node's own /var/log.
    cat >"$dir/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
host_uuid = "$(as_uuid "$machine_id")"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    # No systemd, no cgroups, no SELinux/AppArmor here.  remember_owner and
    # dynamic_ownership off: the guest files and serial logs are shared by
    # both nodes, and libvirt's xattr bookkeeping on them would clash.
    cat >"$dir/qemu.conf" <<EOF
user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
remember_owner = 0
cgroup_controllers = [ ]
EOF
    ((lockd)) || return 0
    # Leases through virtlockd, kept as files in one lockspace that every
    # node sees at the same path (one kernel, so fcntl locks taken by one
    # node's virtlockd hold against every other node's).
    echo 'lock_manager = "lockd"' >>"$dir/qemu.conf"
    cat >"$dir/qemu-lockd.conf" <<EOF
auto_disk_leases = 1
require_lease_for_disks = 1
file_lockspace_dir = "$LAB_DIR/shared/lockspace"
EOF
}

write_corosync_conf() {
    local file=$1 count=$2 i
    {
        cat <<EOF
# Generated by tests/lab/lab.sh.
totem {
    version: 2
    cluster_name: xvmlab
    transport: knet
    crypto_cipher: none
    crypto_hash: none
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: on
}
quorum {
    provider: corosync_votequorum
EOF
        # two_node (which implies wait_for_all) keeps the survivor of a
        # node crash quorate.
        ((count == 2)) && echo "    two_node: 1"
        echo "}"
        echo "nodelist {"
        for ((i = 1; i <= count; i++)); do
            printf '    node {\n        ring0_addr: %s.%d\n        name: node%d\n        nodeid: %d\n    }\n' \
                "$SUBNET" "$i" "$i" "$i"
        done
        echo "}"
    } >"$file"
}

# A CIB seeded before Pacemaker's first start: no fencing devices here, and
# a 5 s dc-deadtime brings the cluster up in ~10 s instead of ~25 s.
seed_cib() {
    local dir=$1
    rm -f "$dir"/cib*
    cibadmin --empty >"$dir/cib.xml"
    CIB_file="$dir/cib.xml" crm_attribute -t crm_config -n stonith-enabled -v false
    CIB_file="$dir/cib.xml" crm_attribute -t crm_config -n dc-deadtime -v 5s
    chown hacluster:haclient "$dir/cib.xml"
    chmod 600 "$dir/cib.xml"
}

# Expose the agent under test as ocf:xvm:domain.  A symlink, not a bind
# mount of the binary: a bind mount pins the inode, and the linker replaces
# the file with a new inode on every rebuild, so the node would keep running
# the old binary.  The node's mount namespace is a copy of the host's, so the
# absolute path resolves there too.
install_agent_link() {
    local ocf=$1 agent=$LAB_AGENT
    [[ $agent == /* ]] || agent=$PWD/$agent
    # The installed package (CI): the node's copy of the host's OCF tree
    # already holds it, and a link to its own path would point at itself.
    if [[ $agent == /usr/lib/ocf/resource.d/* ]]; then
        [[ -x $ocf/${agent#/usr/lib/ocf/resource.d/} ]] \
            || log "warning: LAB_AGENT $agent is not installed; ocf:xvm:domain will fail"
        return 0
    fi
    mkdir -p "$ocf/xvm"
    ln -sfn "$agent" "$ocf/xvm/domain"
    [[ -x $agent ]] || log "warning: LAB_AGENT $agent does not exist (yet); ocf:xvm:domain will fail until it is built"
}

# Fresh per-node state: copies of the host's directories, our configs.
prepare_node_fs() {
    local node=$1 count=$2 lockd=$3 fencing=$4
    local fs machine_id
    fs="$(node_dir "$node")/fs"
    rm -rf "$fs"
    mkdir -p "$fs"
    machine_id=$(random_hex32)

    cp -a /etc/libvirt "$fs/etc-libvirt"
    write_libvirt_conf "$fs/etc-libvirt" "$machine_id" "$lockd"
    cp -a /etc/corosync "$fs/etc-corosync"
    write_corosync_conf "$fs/etc-corosync/corosync.conf" "$count"
    mkdir -p "$fs/var-lib-libvirt" "$fs/var-cache-libvirt" "$fs/var-lib-corosync"
    cp -a /var/lib/pacemaker "$fs/var-lib-pacemaker"
    find "$fs/var-lib-pacemaker" -mindepth 2 -delete
    seed_cib "$fs/var-lib-pacemaker/cib"
    [[ -d /var/lib/corosync ]] && cp -a /var/lib/corosync/. "$fs/var-lib-corosync/"

    # The directory tree of the host's /var/log (owners and modes matter to
    # pacemaker and corosync), without the host's log files.
    mkdir -p "$fs/var-log"
    (cd /var/log && find . -type d -print0 | tar --null --no-recursion -cf - -T -) \
        | tar -xf - -C "$fs/var-log"
    mkdir -p "$fs/var-log/libvirt/qemu" "$fs/var-log/corosync" "$fs/var-log/pacemaker"
    chown hacluster:haclient "$fs/var-log/pacemaker"

    {
        echo "127.0.0.1 localhost"
        local n
        for n in "${ALL_NODES[@]}"; do echo "$(node_addr "$n") $n"; done
    } >"$fs/hosts"
    echo "$node" >"$fs/hostname"
    echo "$machine_id" >"$fs/machine-id"
    chmod 644 "$fs/hosts" "$fs/hostname" "$fs/machine-id"

    cp -a /usr/lib/ocf/resource.d "$fs/ocf-resource.d"

    # The fence agent must be in /usr/sbin, where the fencer looks; the
    # node's init lays this directory over the host's /usr/sbin.
    if ((fencing)); then
        mkdir -p "$fs/sbin-extra"
        install -m 755 "$(dirname "$SELF")/fence_xvmlab" "$fs/sbin-extra/fence_xvmlab"
    fi
}

# ------------------------------------------------------------- node init

# The node's PID 1, generated per start so that editing lab.sh while a lab
# runs cannot change the script a running init is reading.
write_init() {
    local node=$1 dir
    dir=$(node_dir "$node")
    {
        cat <<EOF
#!/bin/bash
# PID 1 of lab node $node; generated by $SELF.
set -euo pipefail
node=$node
fs=$dir/fs
ready=$dir/ready
mounts=(${NODE_MOUNTS[*]})
EOF
        cat <<'EOF'
echo "init: starting $node as pid $$"
# /run: drop what we inherited from the host (e.g. /run/netns/*), then a
# private tmpfs: daemons keep pid files and sockets there.
findmnt -rn -o TARGET | grep '^/run/' | sort -r | while read -r m; do
    umount -l "$(printf '%b' "$m")" || true
done
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
mkdir -m 1777 /run/lock
mkdir -p /run/xvm-lab
# libqb names its ring buffers by pid, and both nodes have the same pids.
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
# A sysfs of this network namespace (and no host cgroup tree).
umount -l /sys
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
for m in "${mounts[@]}"; do
    mkdir -p "${m#*:}" 2>/dev/null || true
    mount --bind "$fs/${m%%:*}" "${m#*:}"
done
# Extra programs (the fence agent) over /usr/sbin, read-only, this node only.
if [[ -d $fs/sbin-extra ]]; then
    mount -t overlay overlay -o "lowerdir=$fs/sbin-extra:/usr/sbin" /usr/sbin
fi
hostname "$node"
touch "$ready"
echo "init: ready"
# Reap orphans (daemons, QEMU) until told to stop.
trap 'echo "init: TERM"; exit 0' TERM
while :; do
    sleep 3600 &
    wait $! || true
done
EOF
    } >"$dir/init.sh"
    chmod 755 "$dir/init.sh"
}

# The switch: a namespace holding one bridge; each node's eth0 is a veth
# whose other end, port pN, is plugged into it.  Unplugging a port (cut)
# is a network partition that a node sees as carrier loss.
switch_netns() { printf '%sswitch\n' "$NETNS_PREFIX"; }
switch_port() { printf 'p%s\n' "${1#node}"; }

ensure_netns() {
    local n ns sw
    sw=$(switch_netns)
    [[ -e /run/netns/$sw ]] || ip netns add "$sw"
    if ! ip -n "$sw" link show br0 >/dev/null 2>&1; then
        # No STP, no forward delay: a port forwards as soon as it is up.
        ip -n "$sw" link add br0 type bridge stp_state 0 forward_delay 0
    fi
    ip -n "$sw" link set br0 up
    for n in "${ALL_NODES[@]}"; do
        ns=$(node_netns "$n")
        [[ -e /run/netns/$ns ]] || ip netns add "$ns"
        # A new cable is plugged in; an existing one keeps its state, so
        # that a node booted while cut off stays cut off.
        if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
            ip link add eth0 netns "$ns" type veth peer name "$(switch_port "$n")" netns "$sw"
            ip -n "$sw" link set "$(switch_port "$n")" master br0
            ip -n "$sw" link set "$(switch_port "$n")" up
        fi
        ip -n "$ns" addr replace "$(node_addr "$n")/24" dev eth0
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
    done
}

# Start the node's PID 1 in fresh namespaces; record its host PID.
start_init() {
    local node=$1 dir upid pid=""
    dir=$(node_dir "$node")
    node_alive "$node" && die "$node is already running"
    rm -f "$dir/ready" "$dir/init.pid"
    write_init "$node"
    # setsid: its own session, no controlling terminal.  unshare --fork
    # makes the child PID 1 of the new PID namespace; the unshare process
    # itself stays outside and just waits for it.
    setsid nsenter --net="/run/netns/$(node_netns "$node")" -- \
        unshare --mount --uts --ipc --pid --fork --mount-proc --propagation private -- \
        "$dir/init.sh" "$node" "$LAB_DIR" </dev/null >>"$dir/init.log" 2>&1 9>&- &
    upid=$!
    echo "$upid" >"$dir/unshare.pid"
    # The init is the child of unshare that runs init.sh.  unshare may have
    # other, short-lived children first, so match the command line.
    local i c
    for ((i = 0; i < 200; i++)); do
        for c in $(cat "/proc/$upid/task/$upid/children" 2>/dev/null || true); do
            if grep -qF "$dir/init.sh $node" <<<"$(tr '\0' ' ' 2>/dev/null <"/proc/$c/cmdline" || true)"; then
                pid=$c
                break
            fi
        done
        [[ -n $pid ]] && break
        sleep 0.05
    done
    [[ -n $pid ]] || die "$node: init did not start (see $dir/init.log)"
    echo "$pid" >"$dir/init.pid"
    wait_until 10 test -e "$dir/ready" \
        || die "$node: init did not get ready (see $dir/init.log)"
    node_alive "$node" || die "$node: init $pid died (see $dir/init.log)"
}

# ----------------------------------------------------------------- daemons

start_libvirt() {
    local node=$1
    node_spawn "$node" virtlogd -d
    [[ $(state_get lockd) == 1 ]] && node_spawn "$node" virtlockd -d
    node_spawn "$node" libvirtd -d --listen
}

libvirt_ready() { node_exec "$1" virsh -q -c qemu:///system uri >/dev/null 2>&1; }

start_cluster_daemons() {
    local node=$1
    node_spawn "$node" corosync
    # pacemakerd never daemonizes: run it in its own session and keep its
    # pid (setsid does not fork here, so $! is pacemakerd).
    node_exec "$node" sh -c 'setsid pacemakerd </dev/null >/dev/null 2>&1 & echo $! >/run/xvm-lab/pacemakerd.pid'
}

# crm_mon's XML as seen from NODE, or nothing.
crm_mon_xml() { node_exec "$1" crm_mon -1 --output-as=xml 2>/dev/null || true; }

# True when NODE sees a DC with quorum and all of the given nodes online.
cluster_has() {
    local from=$1; shift
    local xml n
    xml=$(crm_mon_xml "$from")
    [[ -n $xml ]] || return 1
    [[ $(xmllint --xpath 'string(//current_dc/@with_quorum)' - <<<"$xml" 2>/dev/null) == true ]] || return 1
    for n in "$@"; do
        [[ $(xmllint --xpath "string(//nodes/node[@name='$n']/@online)" - <<<"$xml" 2>/dev/null) == true ]] || return 1
    done
}

# Block until every node of the lab agrees that all of them are online.
wait_cluster() {
    local timeout=$1; shift
    local n
    for n in "$@"; do
        wait_until "$timeout" cluster_has "$n" "$@" \
            || die "cluster not quorate with $* online after ${timeout}s (see $LAB_DIR/nodes/*/fs/var-log/pacemaker/pacemaker.log)"
    done
}

# Read a pid file inside the node; print the pid if that process lives.
node_daemon_pid() {
    local node=$1 file=$2
    node_exec "$node" sh -c "p=\$(cat $file 2>/dev/null) && [ -n \"\$p\" ] && kill -0 \"\$p\" 2>/dev/null && echo \$p" 2>/dev/null || true
}

# stop_daemon_everywhere PIDFILE TIMEOUT NODE...: SIGTERM the daemon named by
# PIDFILE in all nodes at once, wait up to TIMEOUT s, then SIGKILL.
stop_daemon_everywhere() {
    local file=$1 timeout=$2; shift 2
    local node pid
    local -A pids=()
    for node in "$@"; do
        pid=$(node_daemon_pid "$node" "$file")
        [[ -n $pid ]] || continue
        pids[$node]=$pid
        node_exec "$node" kill -TERM "$pid" 2>/dev/null || true
    done
    for node in "${!pids[@]}"; do
        pid=${pids[$node]}
        if ! node_exec "$node" timeout "$timeout" sh -c "while kill -0 $pid 2>/dev/null; do sleep 0.1; done"; then
            log "$node: $file ($pid) still alive after ${timeout}s, killing it"
            node_exec "$node" kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}

destroy_all_domains() {
    local node=$1 d
    for d in $(node_exec "$node" virsh -q -c qemu:///system list --name 2>/dev/null); do
        node_exec "$node" virsh -q -c qemu:///system destroy "$d" >/dev/null 2>&1 || true
    done
}

# Graceful stop of the daemons of the given (running) nodes, in the order
# pacemaker, corosync, libvirtd, virtlogd: stopping corosync first would be a
# crash of the cluster stack.  Maintenance mode first, so that stopping one
# node's Pacemaker does not make the other migrate or stop VMs.
stop_daemons() {
    local nodes=("$@") node
    ((${#nodes[@]})) || return 0
    for node in "${nodes[@]}"; do
        if [[ -n $(node_daemon_pid "$node" /run/xvm-lab/pacemakerd.pid) ]]; then
            node_exec "$node" timeout 10 crm_attribute -t crm_config -n maintenance-mode -v true \
                >/dev/null 2>&1 || true
            break
        fi
    done
    stop_daemon_everywhere /run/xvm-lab/pacemakerd.pid 30 "${nodes[@]}"
    stop_daemon_everywhere /run/corosync.pid 15 "${nodes[@]}"
    for node in "${nodes[@]}"; do destroy_all_domains "$node" & done
    wait
    stop_daemon_everywhere /run/libvirtd.pid 15 "${nodes[@]}"
    stop_daemon_everywhere /run/virtlockd.pid 10 "${nodes[@]}"
    stop_daemon_everywhere /run/virtlogd.pid 10 "${nodes[@]}"
}

# SIGKILL the node's PID 1 (the kernel then kills its whole PID namespace,
# QEMU included) and wait until the namespace is empty.
kill_init() {
    local node=$1 pid upid dir
    dir=$(node_dir "$node")
    if pid=$(node_pid "$node"); then
        kill -KILL "$pid" 2>/dev/null || true
        wait_until 10 test ! -e "/proc/$pid" || log "$node: init $pid did not die"
    fi
    # The unshare process outside exits when its child does.
    if [[ -r $dir/unshare.pid ]]; then
        upid=$(<"$dir/unshare.pid")
        if [[ $upid =~ ^[0-9]+$ ]] && grep -qF "$dir/init.sh" <<<"$(tr '\0' ' ' <"/proc/$upid/cmdline" 2>/dev/null)"; then
            wait_until 5 test ! -e "/proc/$upid" || kill -KILL "$upid" 2>/dev/null || true
        fi
    fi
    rm -f "$dir/init.pid" "$dir/unshare.pid" "$dir/ready"
}

# Whatever still runs in our network namespaces (a half-started lab, a
# process someone entered with nsenter --net only) is ours: kill it by pid.
kill_netns_leftovers() {
    local n ns pid
    for n in "${ALL_NODES[@]}"; do
        ns=$(node_netns "$n")
        [[ -e /run/netns/$ns ]] || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
    for n in "${ALL_NODES[@]}"; do
        ns=$(node_netns "$n")
        [[ -e /run/netns/$ns ]] || continue
        wait_until 10 test -z "$(ip netns pids "$ns" 2>/dev/null)" || log "processes left in $ns: $(ip netns pids "$ns" | tr '\n' ' ')"
    done
}

delete_netns() {
    local n ns
    for n in "${ALL_NODES[@]}"; do
        ns=$(node_netns "$n")
        [[ -e /run/netns/$ns ]] && ip netns del "$ns"
    done
    ns=$(switch_netns)
    [[ -e /run/netns/$ns ]] && ip netns del "$ns"
    return 0
}

# Mounts of LAB_DIR in the host namespace should never exist; a scenario
# that bind-mounted something in the wrong namespace would leave one.
unmount_leftovers() {
    local m
    awk -v d="$LAB_DIR" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
        log "unmounting leftover $(printf '%b' "$m")"
        umount -l "$(printf '%b' "$m")" || true
    done
}

# ----------------------------------------------------------- fencing

# The fence daemon: the host side of fence_xvmlab.  A node cannot see, let
# alone kill, another node's PID namespace; the host can.  fence_xvmlab
# drops a request file "ACTION NODE" into run/fence/ and waits for the
# answer file "RC TEXT"; the daemon polls that directory.  Every action that
# changes a node is logged to run/fence/log ("EPOCH ACTION NODE RC").
fence_dir() { printf '%s/run/fence\n' "$LAB_DIR"; }

# fence_action ACTION NODE: do it; print "RC TEXT" (fence-agents codes:
# 0 done / on, 2 off for status, 1 failed).
fence_action() {
    local action=$1 node=$2 n known=0
    for n in $(lab_nodes); do [[ $n == "$node" ]] && known=1; done
    ((known)) || { echo "1 unknown node '$node'"; return 0; }
    case $action in
    status)
        if node_alive "$node"; then echo "0 $node is on"; else echo "2 $node is off"; fi ;;
    off)
        kill_init "$node"
        echo "0 $node is off (its namespace was killed)" ;;
    on | reboot)
        [[ $action == reboot ]] && kill_init "$node"
        # Booting takes seconds and the fencer needs only "off" to be sure;
        # the node boots in the background and rejoins when it can.
        node_alive "$node" || setsid "$SELF" boot --no-wait "$node" \
            </dev/null >>"$(fence_dir)/boot.log" 2>&1 9>&- &
        echo "0 $node was turned off and is booting" ;;
    *) echo "1 unsupported action '$action'" ;;
    esac
}

cmd_fenced() {
    local dir f id action node answer
    dir=$(fence_dir)
    mkdir -p "$dir"
    echo $$ >"$LAB_DIR/run/fenced.pid"
    trap 'exit 0' TERM
    while :; do
        for f in "$dir"/req.*; do
            [[ -e $f ]] || continue
            id=${f##*/req.}
            read -r action node <"$f" || true
            rm -f "$f"
            answer=$(fence_action "$action" "$node")
            [[ $action == status ]] || printf '%s %s %s %s\n' "$EPOCHREALTIME" "$action" "$node" "${answer%% *}" >>"$dir/log"
            printf '%s\n' "$answer" >"$dir/.done.$id"
            mv -f "$dir/.done.$id" "$dir/done.$id"
        done
        sleep 0.1
    done
}

start_fenced() {
    mkdir -p "$(fence_dir)"
    : >>"$(fence_dir)/log"
    setsid "$SELF" fenced </dev/null >>"$(fence_dir)/daemon.log" 2>&1 9>&- &
    wait_until 5 test -s "$LAB_DIR/run/fenced.pid" || die "the fence daemon did not start"
}

stop_fenced() {
    local pid
    [[ -r $LAB_DIR/run/fenced.pid ]] || return 0
    pid=$(<"$LAB_DIR/run/fenced.pid")
    if [[ $pid =~ ^[0-9]+$ ]] && grep -qF "$SELF fenced" <<<"$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"; then
        kill -TERM "$pid" 2>/dev/null || true
        wait_until 5 test ! -e "/proc/$pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$LAB_DIR/run/fenced.pid"
}

# The cluster's fence device and stonith-enabled=true; then wait until the
# device runs, so that a scenario never meets a cluster that cannot fence.
# Pacemaker's reboots become "off": a fenced node stays down until the
# scenario boots it, so where its guests are recovered does not depend on
# how fast it comes back.
configure_fencing() {
    local node=$1 hosts
    hosts=$(lab_nodes | tr '\n' ' ')
    node_exec "$node" pcs stonith create fence-lab fence_xvmlab lab_dir="$LAB_DIR" \
        pcmk_host_list="${hosts% }" pcmk_reboot_action=off op monitor interval=60s >/dev/null \
        || die "pcs stonith create fence-lab failed"
    node_exec "$node" pcs property set stonith-enabled=true >/dev/null \
        || die "cannot set stonith-enabled=true"
    wait_until 60 fence_device_started "$node" || die "fence device fence-lab did not start"
}

fence_device_started() {
    [[ $(xmllint --xpath "string(//resources/resource[@id='fence-lab']/@role)" - <<<"$(crm_mon_xml "$1")" 2>/dev/null) == Started ]]
}

# ------------------------------------------------------------ subcommands

check_host() {
    [[ $(id -u) == 0 ]] || die "must run as root"
    local c
    for c in ip nsenter unshare setsid findmnt flock virsh libvirtd virtlogd xmllint; do
        command -v "$c" >/dev/null || die "missing command $c (run tests/setup-host.sh)"
    done
    if [[ $(state_get cluster) != 0 ]]; then
        for c in corosync pacemakerd cibadmin crm_attribute crm_mon; do
            command -v "$c" >/dev/null || die "missing command $c (run tests/setup-host.sh)"
        done
    fi
    getent passwd libvirt-qemu >/dev/null || die "user libvirt-qemu missing (run tests/setup-host.sh)"
    # Mount points for per-node copies that the host does not have.
    mkdir -p /var/lib/libvirt /var/cache/libvirt /var/lib/corosync
}

lab_is_up() {
    [[ -r $LAB_DIR/run/state ]] || return 1
    local n
    for n in $(lab_nodes); do node_alive "$n" || return 1; done
}

# Bring NODE from nothing (or from a crash) to running daemons.
boot_node() {
    local node=$1
    start_init "$node"
    start_libvirt "$node"
}

cmd_up() {
    local count=2 cluster=1 fencing=0 lockd=0
    while (($#)); do
        case $1 in
        --nodes) count=${2:?}; shift ;;
        --no-cluster) cluster=0 ;;
        --fencing) fencing=1 ;;
        --lockd) lockd=1 ;;
        *) die "usage: lab.sh up [--nodes 1|2|3] [--no-cluster] [--fencing] [--lockd]" ;;
        esac
        shift
    done
    [[ $count == 1 || $count == 2 || $count == 3 ]] || die "--nodes must be 1, 2 or 3"
    ((cluster || !fencing)) || die "--fencing needs the cluster"
    lock
    if lab_is_up; then
        [[ $(state_get nodes) == "$count" && $(state_get cluster) == "$cluster" &&
            $(state_get fencing) == "$fencing" && $(state_get lockd) == "$lockd" ]] \
            || die "the lab is up with $(tr '\n' ' ' <"$LAB_DIR/run/state"); 'lab.sh down' first"
        log "already up ($(lab_nodes | tr '\n' ' ')); 'lab.sh down' first to rebuild"
        return 0
    fi
    local start node
    start=$(now)
    cleanup_all quiet
    mkdir -p "$LAB_DIR"/{run,shared,serial,nodes}
    printf 'nodes=%s\ncluster=%s\nfencing=%s\nlockd=%s\n' "$count" "$cluster" "$fencing" "$lockd" \
        >"$LAB_DIR/run/state"
    ((lockd)) && mkdir -p "$LAB_DIR/shared/lockspace"
    check_host
    local nodes=("${ALL_NODES[@]:0:count}")

    ensure_netns
    for node in "${nodes[@]}"; do
        mkdir -p "$(node_dir "$node")"
        : >"$(node_dir "$node")/init.log"
        : >"$(node_dir "$node")/daemons.log"
        prepare_node_fs "$node" "$count" "$lockd" "$fencing"
        install_agent_link "$(node_dir "$node")/fs/ocf-resource.d"
    done
    for node in "${nodes[@]}"; do start_init "$node"; done
    for node in "${nodes[@]}"; do start_libvirt "$node"; done
    for node in "${nodes[@]}"; do
        wait_until 20 libvirt_ready "$node" || die "$node: libvirtd not answering (see $(node_dir "$node")/fs/var-log/libvirt/)"
    done
    log "libvirtd up on ${nodes[*]} after $(elapsed "$start") s"
    if ((cluster)); then
        for node in "${nodes[@]}"; do start_cluster_daemons "$node"; done
        wait_cluster 60 "${nodes[@]}"
        log "cluster quorate with ${nodes[*]} online"
    fi
    if ((fencing)); then
        start_fenced
        configure_fencing node1
        log "fencing on: fence-lab (fence_xvmlab) started"
    fi
    log "agent under test: $LAB_AGENT ($("$LAB_AGENT" --version 2>&1 | tr '\n' ' '))"
    log "up in $(elapsed "$start") s"
}

cmd_boot() {
    local wait=1
    [[ ${1:-} == --no-wait ]] && { wait=0; shift; }
    local node=${1:?usage: lab.sh boot [--no-wait] NODE}
    valid_node "$node"
    lock
    [[ -r $LAB_DIR/run/state ]] || die "the lab is not up"
    grep -qx "$node" <<<"$(lab_nodes)" || die "$node is not part of this lab"
    node_alive "$node" && die "$node is already running"
    local start
    start=$(now)
    kill_init "$node"
    ensure_netns
    install_agent_link "$(node_dir "$node")/fs/ocf-resource.d"
    boot_node "$node"
    wait_until 20 libvirt_ready "$node" || die "$node: libvirtd not answering"
    if [[ $(state_get cluster) == 1 ]]; then
        start_cluster_daemons "$node"
        ((wait)) || { log "$node booting (not waiting for the cluster)"; return 0; }
        local alive=() n
        for n in $(lab_nodes); do node_alive "$n" && alive+=("$n"); done
        wait_cluster 60 "${alive[@]}"
    fi
    log "$node booted in $(elapsed "$start") s"
}

cmd_crash() {
    local node=${1:?usage: lab.sh crash NODE}
    valid_node "$node"
    lock
    node_alive "$node" || die "$node is not running"
    kill_init "$node"
    log "$node crashed (PID 1 killed)"
}

# Tear down everything this lab started; safe when nothing runs and after a
# half-started lab.  Leaves LAB_DIR.  The fence daemon goes first: a node
# stopped on purpose must not be fenced and rebooted behind our back.
cleanup_all() {
    local quiet=${1:-} node alive=()
    stop_fenced
    for node in "${ALL_NODES[@]}"; do node_alive "$node" && alive+=("$node"); done
    ((${#alive[@]})) && stop_daemons "${alive[@]}"
    for node in "${ALL_NODES[@]}"; do kill_init "$node"; done
    kill_netns_leftovers
    delete_netns
    unmount_leftovers
    rm -f "$LAB_DIR/run/state"
    [[ -n $quiet ]] || log "down"
}

cmd_down() {
    local purge=0
    case ${1:-} in
    --purge) purge=1 ;;
    "") ;;
    *) die "usage: lab.sh down [--purge]" ;;
    esac
    [[ -d $LAB_DIR ]] || { log "nothing to do ($LAB_DIR does not exist)"; delete_netns; return 0; }
    lock
    local start
    start=$(now)
    cleanup_all
    if ((purge)); then
        # Runtime parts only: the kernel .deb cache and the built guest stay.
        rm -rf "$LAB_DIR"/{nodes,shared,serial,scenarios}
    fi
    log "down in $(elapsed "$start") s"
}

cmd_status() {
    local node pid
    if [[ ! -r $LAB_DIR/run/state ]]; then
        echo "lab: down"
    else
        echo "lab: nodes=$(state_get nodes) cluster=$(state_get cluster) fencing=$(state_get fencing) lockd=$(state_get lockd) dir=$LAB_DIR"
    fi
    for node in "${ALL_NODES[@]}"; do
        if pid=$(node_pid "$node"); then
            printf '%s: up (init pid %s, netns %s)\n' "$node" "$pid" "$(node_netns "$node")"
            node_exec "$node" sh -c 'for d in virtlogd libvirtd corosync pacemakerd; do
                    printf "  %-11s %s\n" "$d" "$(pidof $d || echo -)"; done
                printf "  %-11s %s\n" domains "$(virsh -q -c qemu:///system list --name | tr "\n" " ")"' || true
        else
            printf '%s: down\n' "$node"
        fi
    done
    for node in "${ALL_NODES[@]}"; do
        if node_alive "$node" && [[ $(state_get cluster) == 1 ]]; then
            node_exec "$node" crm_mon -1 2>&1 || true
            break
        fi
    done
}

# cut NODE / heal NODE: unplug or replug NODE's cable at the switch.
cmd_cable() {
    local state=$1 node=${2:?usage: lab.sh cut|heal NODE}
    valid_node "$node"
    ip -n "$(switch_netns)" link set "$(switch_port "$node")" "$state"
    log "$node's cable is $state"
}

cmd_fence_log() { cat "$(fence_dir)/log" 2>/dev/null || true; }

cmd_exec() {
    local node=${1:?usage: lab.sh exec NODE CMD...}; shift
    valid_node "$node"
    (($#)) || die "usage: lab.sh exec NODE CMD..."
    node_exec "$node" "$@"
}

cmd_virsh() {
    local node=${1:?usage: lab.sh virsh NODE ARGS...}; shift
    valid_node "$node"
    node_exec "$node" virsh -c qemu:///system "$@"
}

main() {
    [[ $LAB_DIR == /* ]] || LAB_DIR=$PWD/$LAB_DIR
    LAB_DIR=${LAB_DIR%/}
    # The fence daemon runs this script again (boot): same lab, same agent.
    export LAB_DIR LAB_AGENT
    NETNS_PREFIX=${XVM_LAB_NETNS_PREFIX:-$(default_netns_prefix)}
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    boot) cmd_boot "$@" ;;
    crash) cmd_crash "$@" ;;
    exec) cmd_exec "$@" ;;
    virsh) cmd_virsh "$@" ;;
    status) cmd_status "$@" ;;
    cut) cmd_cable down "$@" ;;
    heal) cmd_cable up "$@" ;;
    fence-log) cmd_fence_log ;;
    fenced) cmd_fenced ;;
    *) sed -n '2,16s/^# \{0,1\}//p' "$SELF" >&2; exit 2 ;;
    esac
}

main "$@"
