#!/bin/bash
# 13: never stopped without looking, never two copies (issue 9).
#
# a-c run in maintenance mode, so that only the agent run by hand acts (as
# in 11).  Unlike 11, libvirtd fails AFTER the agent has connected: a tiny
# LD_PRELOAD library holds the real agent right after its connection is
# made (in virConnectSetKeepAlive, called once virConnectOpen succeeded)
# until the scenario has broken libvirtd, and marks when stop's shutdown
# request has gone out.  (A monitor is connected for ~5 ms of its ~100 ms:
# a sleep before a SIGSTOP lands before the connect, which is 11's case.)
#   a. recurring monitor, libvirtd SIGSTOPped after the connect: 0, in time.
#   b. stop, libvirtd SIGSTOPped after the shutdown request: 0 in time, and
#      the QEMU process is gone.  The VM is started again by hand.
#   c. libvirtd restarted (SIGTERM, started again as lab.sh starts it):
#      c1. monitor, restarted between the connect and the first call;
#      c2. monitor, down at the first call and back 1 s later;
#      c3. stop, restarted while the guest takes its slow shutdown.
#      Monitors answer 0; the stop answers 0 with the VM really stopped.
# Maintenance ends; Pacemaker finds the VM where the agent left it.
#   d. the shared config gets a new <uuid> while the VM runs
#      (allow-migrate=false, migration-threshold=1): the next monitor
#      fails with a reason naming the UUID/config; the recovery stops the VM
#      and starts it on the other node; disable leaves no QEMU anywhere;
#      enable and a move (stop+start) leave exactly one copy with the new
#      UUID.  Sampled throughout: never two copies.
. "$(dirname "$0")/../lib.sh"

TIMEOUT_MS=20000
# The guest powers off this long after its power button: long enough for a
# stop to be in progress while libvirtd hangs or restarts.
SLOW_SHUTDOWN_S=5

scenario_begin "13 never stopped without looking, never two copies"
uses_vm vm
make_vm vm --slow-shutdown "$SLOW_SHUTDOWN_S"
start_rsc vm

node=$(rsc_nodes vm)
SYNC_BASE=$LAB_DIR/scenarios/13-sync
SHIM=$SYNC_BASE/pause-after-connect.so

# ------------------------------------------------------------- helpers

# The pause library.  XVM13_SYNC=DIR: touches DIR/connected when the agent
# has connected (each time it connects), DIR/shutdown-sent once libvirt
# accepted a shutdown request; with XVM13_PAUSE_AT=connected it then waits
# (at most 10 s) for DIR/go.  It changes nothing else.
build_shim() {
    rm -rf "$SYNC_BASE"
    mkdir -p "$SYNC_BASE"
    cat >"$SYNC_BASE/pause.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void mark(const char *what)
{
    const char *dir = getenv("XVM13_SYNC");
    char path[4096];
    int fd;

    if (dir == NULL)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, what);
    fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

static void wait_go(const char *where)
{
    const char *dir = getenv("XVM13_SYNC"), *at = getenv("XVM13_PAUSE_AT");
    char path[4096];

    if (dir == NULL || at == NULL || strcmp(at, where) != 0)
        return;
    snprintf(path, sizeof(path), "%s/go", dir);
    for (int i = 0; i < 1000 && access(path, F_OK) != 0; i++)
        usleep(10000);
}

int virConnectSetKeepAlive(void *conn, int interval, unsigned int count)
{
    int (*real)(void *, int, unsigned int) =
        (int (*)(void *, int, unsigned int)) dlsym(RTLD_NEXT, "virConnectSetKeepAlive");

    mark("connected");
    wait_go("connected");
    return real(conn, interval, count);
}

int virDomainShutdownFlags(void *dom, unsigned int flags)
{
    int (*real)(void *, unsigned int) =
        (int (*)(void *, unsigned int)) dlsym(RTLD_NEXT, "virDomainShutdownFlags");
    int rc = real(dom, flags);

    if (rc == 0)
        mark("shutdown-sent");
    return rc;
}
EOF
    cc -shared -fPIC -O2 -Wall -o "$SHIM" "$SYNC_BASE/pause.c" -ldl
}

libvirtd_alive() { lab exec "$node" sh -c 'kill -0 "$(cat /run/libvirtd.pid 2>/dev/null)" 2>/dev/null'; }
stop_libvirtd() { lab exec "$node" sh -c 'kill -STOP "$(cat /run/libvirtd.pid)"'; }
cont_libvirtd() { lab exec "$node" sh -c 'kill -CONT "$(cat /run/libvirtd.pid)"' 2>/dev/null || true; }
# As lab.sh starts it (start_libvirt: libvirtd -d --listen in the node).
start_libvirtd() {
    lab exec "$node" libvirtd -d --listen </dev/null >/dev/null 2>&1
    wait_for 20 vsh "$node" uri
}
# SIGTERM, as an init system or a package upgrade does; wait until it is gone.
kill_libvirtd() {
    lab exec "$node" sh -c 'p=$(cat /run/libvirtd.pid); kill -TERM "$p"
        for i in $(seq 100); do kill -0 "$p" 2>/dev/null || exit 0; sleep 0.1; done; exit 1'
}
ensure_libvirtd() {
    cont_libvirtd
    libvirtd_alive || start_libvirtd || true
    wait_for 20 vsh "$node" uri || true
}
at_exit "ensure_libvirtd; pcmk pcs property set maintenance-mode=false >/dev/null 2>&1 || true"

agent_env() {
    echo env OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=vm \
        OCF_RESKEY_CRM_meta_timeout=$TIMEOUT_MS OCF_RESKEY_CRM_meta_interval=0 \
        OCF_RESKEY_config="$(vm_config vm)" OCF_RESKEY_hypervisor=qemu:///system \
        HA_logfacility=none
}

# agent ACTION [KEY=VALUE...]: the agent by hand inside the node (as in 11),
# SIGKILLed at the timeout like Pacemaker does; prints "rc seconds".
agent() {
    local action=$1 t rc=0; shift
    t=$(now)
    # shellcheck disable=SC2046
    lab exec "$node" timeout -s KILL $((TIMEOUT_MS / 1000)) $(agent_env) "$@" \
        "$(agent_path)" "$action" >/dev/null 2>&1 || rc=$?
    echo "$rc $(since "$t")"
}

# agent_start TAG ACTION [KEY=VALUE...]: the same in the background, with
# the pause library and a fresh SYNC directory; agent_wait (not in a
# subshell: it waits for our child) sets R to "rc seconds"; the agent's
# stderr stays in $SYNC/log.
agent_start() {
    local tag=$1 action=$2; shift 2
    SYNC=$SYNC_BASE/$tag
    rm -rf "$SYNC"
    mkdir -p "$SYNC"
    (
        t=$(now) rc=0
        # shellcheck disable=SC2046
        lab exec "$node" timeout -s KILL $((TIMEOUT_MS / 1000)) $(agent_env) \
            LD_PRELOAD="$SHIM" XVM13_SYNC="$SYNC" "$@" "$(agent_path)" "$action" \
            >"$SYNC/log" 2>&1 || rc=$?
        echo "$rc $(since "$t")" >"$SYNC/result"
    ) &
    AGENT_BG=$!
}
agent_wait() {
    wait "$AGENT_BG" || true
    R=$(cat "$SYNC/result" 2>/dev/null) || R="none 0"
}
sync_mark() { wait_for "${2:-10}" test -e "$SYNC/$1"; }
agent_log() { diag "agent ($1): $(tr '\n' '|' <"$SYNC/log" 2>/dev/null | sed 's/|$//; s/|/\n/g')"; }

# census_start NAME: every ~0.3 s, the QEMU processes of NAME in the host's
# own /proc, each put on its node by its PID namespace: one scan sees both
# nodes at once.  (copies_watch asks one node's libvirtd, then the other's,
# about 1 s apart here: a stop on one node and the start on the other that
# follows within that second looks like two copies.)  QEMUs of other labs
# (other namespaces) are listed as "other:PID", not counted.
CENSUS_PID=""
census_start() {
    local name=$1 file=$LAB_DIR/scenarios/census-$1.log n ns
    local -A node_of=()
    for n in "${NODES[@]}"; do
        ns=$(lab exec "$n" readlink /proc/1/ns/pid) || return 1
        node_of[$ns]=$n
    done
    : >"$file"
    (
        trap 'exit 0' TERM
        while :; do
            seen=()
            for f in $(grep -lzx -- "guest=$name,.*" /proc/[0-9]*/cmdline 2>/dev/null || true); do
                p=${f#/proc/}
                p=${p%/cmdline}
                ns=$(readlink "/proc/$p/ns/pid" 2>/dev/null) || continue
                seen+=("${node_of[$ns]:-other}:$p")
            done
            printf '%s %s\n' "$EPOCHREALTIME" "${seen[*]}" >>"$file"
            sleep 0.2
        done
    ) &
    CENSUS_PID=$!
}
census_stop() {
    [[ -n $CENSUS_PID ]] || return 0
    kill "$CENSUS_PID" 2>/dev/null || true
    wait "$CENSUS_PID" 2>/dev/null || true
    CENSUS_PID=""
}
# assert_census NAME DESC: no sample saw QEMUs of NAME on two nodes.
assert_census() {
    local file=$LAB_DIR/scenarios/census-$1.log samples two spacing
    census_stop
    samples=$(wc -l <"$file")
    two=$(awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i !~ /^other:/) n++; if (n > 1) print }' "$file")
    spacing=$(awk 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } NR == 1 { a = $1 }
                   END { printf "%d samples in %.0f s, at most %.2f s apart", NR, p - a, g }' "$file")
    if ((samples == 0)); then
        not_ok "$2 (no sample was taken)"
    elif [[ -n $two ]]; then
        not_ok "$2 ($spacing)"
        diag "samples with a QEMU of $1 on two nodes:" "$(head -5 <<<"$two")"
    else
        ok "$2 ($spacing)"
    fi
}
at_exit census_stop

qemu_pid() { lab exec "$node" cat /run/libvirt/qemu/vm.pid; }
qemu_alive() { lab exec "$node" kill -0 "$1" 2>/dev/null; }

# rc_ok_in_time LABEL WHAT: the agent run just waited for ($r) answered 0,
# inside its timeout.
rc_ok_in_time() {
    assert_eq "${r% *}" 0 "$1. $2"
    assert_le "${r#* }" $((TIMEOUT_MS / 1000)) "$1. ... inside the ${TIMEOUT_MS} ms timeout"
}

# qemu_gone LABEL PID
qemu_gone() {
    if qemu_alive "$2"; then
        not_ok "$1. ... and QEMU pid $2 is really gone"
        diag "$(lab exec "$node" ps -o pid,stat,etime,args -p "$2" 2>&1 | cut -c1-200)"
    else
        ok "$1. ... and QEMU pid $2 is really gone"
    fi
}

# by_hand_start: the VM back on $node by hand, its guest up.
by_hand_start() {
    local boot r
    boot=$(last_boot_id vm)
    r=$(agent start)
    assert_eq "${r% *}" 0 "$1: start by hand"
    wait_heartbeat vm 60 "$boot" || not_ok "$1: the guest boots again"
    wait_for 30 guest_ready vm || true
}

if ! out=$(build_shim 2>&1); then
    not_ok "build the pause library (cc)"
    diag "$out"
    exit 1
fi

census_start vm || not_ok "the QEMU census finds the lab's nodes"
pcmk pcs property set maintenance-mode=true >/dev/null
settle
wait_for 30 guest_ready vm || true

# ------------------------------------ a. monitor, libvirtd hung after connect
# The old agent (a88ed1b, on this lab): rc 1 after 4.4 s, "looking up
# domain vm: internal error: client socket is closed": a libvirt error, not
# "unreachable", so no process table; Pacemaker would recover a healthy VM
# (safety review 4).
pid=$(qemu_pid)
agent_start a monitor OCF_RESKEY_CRM_meta_interval=10000 XVM13_PAUSE_AT=connected
if sync_mark connected; then
    stop_libvirtd
    touch "$SYNC/go"
    agent_wait
    r=$R
    cont_libvirtd
    diag "a. monitor, libvirtd SIGSTOPped after the connect: rc ${r% *}, ${r#* } s"
    agent_log a
    rc_ok_in_time a "monitor, libvirtd hung after the agent connected: running (from the process table; never 7)"
else
    touch "$SYNC/go"
    agent_wait
    r=$R
    not_ok "a. the monitor connected to libvirtd (rc ${r% *})"
    agent_log a
fi
wait_for 20 vsh "$node" uri || true
if qemu_alive "$pid" && [[ $(domain_state "$node" vm) == running ]]; then
    ok "a. ... and vm still runs (QEMU pid $pid)"
else
    not_ok "a. ... and vm still runs (QEMU pid $pid)"
fi

# ------------------------------------ b. stop, libvirtd hung after connect
# The old agent (a88ed1b, on this lab): rc 1 after 4.2 s, "looking up
# domain vm: internal error: connection closed due to keepalive timeout",
# QEMU still running: the node is fenced (safety review 4).
wait_for 30 guest_ready vm || true
pid=$(qemu_pid)
agent_start b stop
if sync_mark shutdown-sent; then
    stop_libvirtd
    agent_wait
    r=$R
    diag "b. stop, libvirtd SIGSTOPped after the shutdown request: rc ${r% *}, ${r#* } s"
    agent_log b
    rc_ok_in_time b "stop, libvirtd hung after the shutdown request: succeeds"
    qemu_gone b "$pid"
else
    agent_wait
    r=$R
    not_ok "b. the stop asked the guest to shut down (rc ${r% *})"
    agent_log b
fi
cont_libvirtd
wait_for 20 vsh "$node" uri || true
s=$(domain_state "$node" vm)
check "b. libvirtd, running again, does not see vm running (it says '$s')" \
    test "$s" = absent -o "$s" = "shut off"
by_hand_start b

# ------------------------------------ c. libvirtd restarted
# The old agent (a88ed1b, on this lab): "client socket is closed" was a
# libvirt error: c1 and c2 monitor 1, c3 stop 1 after 1.2 s with the VM
# still running (safety review 4).
pid=$(qemu_pid)
agent_start c1 monitor OCF_RESKEY_CRM_meta_interval=10000 XVM13_PAUSE_AT=connected
if sync_mark connected; then
    kill_libvirtd || diag "c1. libvirtd did not exit on SIGTERM within 10 s"
    start_libvirtd || diag "c1. libvirtd does not answer after its restart"
    touch "$SYNC/go"
    agent_wait
    r=$R
    diag "c1. monitor, libvirtd restarted between connect and first call: rc ${r% *}, ${r#* } s"
    agent_log c1
    rc_ok_in_time c1 "monitor, libvirtd restarted after the agent connected: running"
else
    touch "$SYNC/go"
    agent_wait
    r=$R
    not_ok "c1. the monitor connected to libvirtd (rc ${r% *})"
    agent_log c1
fi
ensure_libvirtd

agent_start c2 monitor OCF_RESKEY_CRM_meta_interval=10000 XVM13_PAUSE_AT=connected
if sync_mark connected; then
    kill_libvirtd || diag "c2. libvirtd did not exit on SIGTERM within 10 s"
    touch "$SYNC/go"
    sleep 1
    start_libvirtd || diag "c2. libvirtd does not answer after its restart"
    agent_wait
    r=$R
    diag "c2. monitor, libvirtd down at the first call, back 1 s later: rc ${r% *}, ${r#* } s"
    agent_log c2
    rc_ok_in_time c2 "monitor, libvirtd gone after the agent connected: running"
else
    touch "$SYNC/go"
    agent_wait
    r=$R
    not_ok "c2. the monitor connected to libvirtd (rc ${r% *})"
    agent_log c2
fi
ensure_libvirtd
if qemu_alive "$pid" && [[ $(domain_state "$node" vm) == running ]]; then
    ok "c. after two libvirtd restarts vm still runs (QEMU pid $pid)"
else
    not_ok "c. after two libvirtd restarts vm still runs (QEMU pid $pid)"
fi

wait_for 30 guest_ready vm || true
agent_start c3 stop
if sync_mark shutdown-sent; then
    t=$(now)
    kill_libvirtd || diag "c3. libvirtd did not exit on SIGTERM within 10 s"
    start_libvirtd || diag "c3. libvirtd does not answer after its restart"
    diag "c3. libvirtd restarted in $(since "$t") s, while the guest shuts down (${SLOW_SHUTDOWN_S} s)"
    agent_wait
    r=$R
    diag "c3. stop, libvirtd restarted during the graceful shutdown: rc ${r% *}, ${r#* } s"
    agent_log c3
    rc_ok_in_time c3 "stop, libvirtd restarted while the stop is in progress: succeeds"
    qemu_gone c3 "$pid"
    s=$(domain_state "$node" vm)
    check "c3. ... and libvirt does not see vm running (it says '$s')" \
        test "$s" = absent -o "$s" = "shut off"
else
    agent_wait
    r=$R
    not_ok "c3. the stop asked the guest to shut down (rc ${r% *})"
    agent_log c3
fi
ensure_libvirtd
by_hand_start c

# The cluster takes over again and finds the VM where the agent left it.
pcmk pcs property set maintenance-mode=false >/dev/null
pcmk crm_resource --refresh -r vm >/dev/null 2>&1 || true
if wait_for 90 rsc_started_on vm "$node"; then
    ok "after maintenance Pacemaker finds vm running on $node"
else
    not_ok "after maintenance Pacemaker finds vm running on $node"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
assert_runs_only_on vm "$node"

# ------------------------------------ d. config given a new UUID
# The old agent (a88ed1b, on this lab): monitor 1 ("a different domain
# named vm (UUID old) exists here; config has UUID new"), then the recovery
# stop answered 0 WITHOUT stopping it, and the start on the other node
# succeeded: two copies from then on; disable left the old one running
# (safety review 1).
pcmk pcs resource meta vm allow-migrate=false migration-threshold=1 >/dev/null
settle
a=$(rsc_nodes vm)
b=$(other_node "$a")
cfg=$(vm_config vm)
cp -p "$cfg" "$cfg.13-orig"
at_exit "cp -p '$cfg.13-orig' '$cfg' && rm -f '$cfg.13-orig'"
old_uuid=$(vsh "$a" domuuid vm)
new_uuid=$(cat /proc/sys/kernel/random/uuid)
wait_for 30 guest_ready vm || true
boot=$(last_boot_id vm)
t=$(now)
sed "s|<uuid>[^<]*</uuid>|<uuid>$new_uuid</uuid>|" "$cfg.13-orig" >"$cfg.13-new"
mv -f "$cfg.13-new" "$cfg"
diag "d. config of vm: UUID $old_uuid -> $new_uuid while vm runs on $a"

failure_attr() {
    crm_xpath "string(//failures/failure[starts-with(@op_key,'vm_monitor_')][1]/@$1)"
}
monitor_failed() { [[ -n $(failure_attr op_key) ]]; }
if wait_for 40 monitor_failed; then
    printf '# step: config edited -> failed monitor: %s s\n' "$(since "$t")"
    code=$(failure_attr exitcode)
    reason=$(failure_attr exitreason)
    diag "d. failed monitor on $(failure_attr node): exit code ${code}, status $(failure_attr exitstatus), reason: ${reason}"
    # Pacemaker 2.1.5 keeps 128 characters of it (ocf-contract.md).
    ((${#reason} < 127)) || diag "d. note: the exit reason shown is ${#reason} characters: Pacemaker cut it"
    check "d. the monitor fails without claiming 'not running' (exit code '$code')" \
        test -n "$code" -a "$code" != 0 -a "$code" != 7
    if grep -qi 'uuid\|config' <<<"$reason"; then
        ok "d. its exit reason names the UUID/config"
    else
        not_ok "d. its exit reason names the UUID/config"
        diag "exit reason: '$reason'"
    fi
else
    not_ok "d. the next monitor fails after the UUID changed in the config"
    diag "$(pcmk crm_mon -1 2>&1)"
fi

# migration-threshold=1: the recovery is a stop on $a and a start on $b.
if wait_for 120 rsc_started_on vm "$b" && wait_heartbeat vm 60 "$boot"; then
    printf '# step: recovered on %s: %s s after the edit\n' "$b" "$(since "$t")"
    ok "d. Pacemaker recovers vm on $b (stop on $a, start on $b)"
else
    not_ok "d. Pacemaker recovers vm on $b (stop on $a, start on $b)"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
assert_eq "$(domain_state "$a" vm)" absent "d. the recovery stop really stopped the old vm on $a"

wait_for 30 guest_ready vm || true
t=$(now)
pcmk pcs resource disable vm >/dev/null
if wait_for 120 rsc_stopped vm; then
    printf '# step: disable -> Stopped: %s s\n' "$(since "$t")"
    ok "d. pcs resource disable: Stopped"
else
    not_ok "d. pcs resource disable: Stopped"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
assert_eq "$(vm_copies vm)" "" "d. disabled: no copy of vm on either node"

pcmk crm_resource --cleanup -r vm >/dev/null 2>&1 || true
settle
boot=$(last_boot_id vm)
pcmk pcs resource enable vm >/dev/null
if wait_for 90 rsc_started vm && wait_heartbeat vm 60 "$boot"; then
    ok "d. enabled with the new config: Started on $(rsc_nodes vm)"
else
    not_ok "d. enabled with the new config: Started"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
from=$(rsc_nodes vm)
to=$(other_node "$from")
boot=$(last_boot_id vm)
wait_for 30 guest_ready vm || true
t=$(now)
pcmk crm_resource --move -r vm -N "$to" >/dev/null 2>&1
if wait_for 120 rsc_started_on vm "$to" && wait_heartbeat vm 60 "$boot"; then
    printf '# step: move %s -> %s (stop+start): %s s\n' "$from" "$to" "$(since "$t")"
    ok "d. moved to $to by a stop and a start (new boot_id)"
else
    not_ok "d. moved to $to by a stop and a start (new boot_id)"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
pcmk crm_resource --clear -r vm >/dev/null 2>&1 || true
settle
assert_census vm "a-d. at every sample, at most one copy of vm (a QEMU of it, in any state) across both nodes"
assert_runs_only_on vm "$to" "d. at the end exactly one copy runs, on $to"
assert_eq "$(vsh "$to" domuuid vm 2>&1)" "$new_uuid" "d. ... with the new UUID"
assert_no_cluster_problems
