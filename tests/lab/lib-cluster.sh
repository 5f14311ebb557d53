# lib-cluster.sh: many VMs on the three-node lab with fencing (lab.sh up
# --nodes 3 --fencing --lockd).  Source it after lib.sh.
#
# The census: one sample asks every node which guests run there (one virsh
# list per node, not one virsh per guest and node), so that tens of guests
# can be watched every half second.  A guest seen running on two nodes in
# one sample is checked again at once, asking the nodes in the reverse
# order: a live migration that switched over between the two questions of
# the first sample (source asked first, destination second) shows the
# guest on one node only then, a real second copy on both.

# guests_stay_put: resource-stickiness 100 for this scenario, so that a
# guest stays where it was put or recovered (reset at the end).
guests_stay_put() {
    pcmk pcs resource defaults update resource-stickiness=100 >/dev/null 2>&1
    at_exit "pcmk pcs resource defaults update resource-stickiness= >/dev/null 2>&1 || true"
}

# vm_list PREFIX N: PREFIX1 ... PREFIXN
vm_list() { local i; for ((i = 1; i <= $2; i++)); do printf '%s%d\n' "$1" "$i"; done; }

# node_guests NODE STATE: the guests in STATE (running or paused) on NODE,
# one per line; none for a node that is down.  When libvirtd does not
# answer in 5 s, the QEMUs in the node's PID namespace count as running
# (they may well be); when those cannot be read either, an observation
# error: never "none".
node_guests() {
    local node=$1 state=$2 out rc=0 st names
    st=$(node_state "$node") || return 1
    [[ $st == up ]] || return 0
    out=$(lab exec "$node" timeout 5 virsh -q -c qemu:///system list --state-"$state" --name 2>&1) || rc=$?
    if ((rc == 0)); then
        sed '/^$/d' <<<"$out"
        return 0
    fi
    if names=$(node_qemu_names "$node"); then
        [[ $state == running ]] || return 0
        printf '%s' "$names"
        return 0
    fi
    st=$(node_state "$node") || return 1
    [[ $st == up ]] || return 0
    observe_error "cannot list guests on $node: virsh: exit $rc: ${out//$'\n'/ }"
    return 1
}

# node_qemu_names NODE: the guest names of the QEMUs in NODE's PID
# namespace, one per line, read from the host's process table: the node's
# own /proc may be what a scenario broke (23 mounts the host's over it, and
# a QEMU of another node would then seem to run here).
node_qemu_names() {
    local init ns pids p rc=0
    init=$(cat "$LAB_DIR/nodes/$1/init.pid" 2>/dev/null) && ns=$(readlink "/proc/$init/ns/pid") \
        || { observe_error "cannot tell $1's PID namespace"; return 1; }
    pids=$(pgrep -f -- '-name guest=') || rc=$?
    ((rc <= 1)) || { observe_error "pgrep: exit $rc"; return 1; }
    for p in $pids; do
        [[ $(readlink "/proc/$p/ns/pid" 2>/dev/null) == "$ns" ]] || continue
        tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n '/^-name$/{n;s/^guest=\([^,]*\).*/\1/p;}'
    done
    return 0
}

# census [reverse]: one line "node1:a,b node2: node3:c", or an observation
# error.
census() {
    local nodes=("${NODES[@]}") n g out=()
    [[ ${1:-} == reverse ]] && nodes=($(printf '%s\n' "${NODES[@]}" | tac))
    for n in "${nodes[@]}"; do
        g=$(node_guests "$n" running) || return 1
        out+=("$n:$(tr '\n' ',' <<<"$g" | sed 's/,$//')")
    done
    echo "${out[*]}"
}

# doubles CENSUS: the guests that CENSUS shows on more than one node.
doubles() {
    tr ' ' '\n' <<<"$1" | sed 's/^[^:]*://' | tr ',' '\n' | sed '/^$/d' | sort | uniq -d
}

# paused_count: how many guests are paused on all nodes together (the
# destinations of running live migrations, and their sources at the end).
paused_count() {
    local n total=0 g
    for n in "${NODES[@]}"; do
        g=$(node_guests "$n" paused) || return 1
        total=$((total + $(sed '/^$/d' <<<"$g" | wc -l)))
    done
    echo "$total"
}

CENSUS_PID=""
# census_watch_start [with-paused]: sample in the background into
# $LAB_DIR/scenarios/census.log: "EPOCH CENSUS [paused=N]", "EPOCH ERROR"
# or "EPOCH DOUBLE guest...".
census_watch_start() {
    local file=$LAB_DIR/scenarios/census.log paused=${1:-}
    : >"$file"
    : >"$file.errors"
    (
        trap 'exit 0' TERM
        OBS_ERRORS=$file.errors
        while :; do
            if c=$(census 2>>"$file.errors"); then
                d=$(doubles "$c")
                if [[ -n $d ]] && c2=$(census reverse 2>>"$file.errors"); then
                    d=$(comm -12 <(echo "$d") <(doubles "$c2"))
                fi
                p=""
                [[ -z $paused ]] || p=" paused=$(paused_count 2>>"$file.errors" || echo '?')"
                if [[ -n $d ]]; then
                    printf '%s DOUBLE %s | %s\n' "$EPOCHREALTIME" "$(tr '\n' ' ' <<<"$d")" "$c" >>"$file"
                else
                    printf '%s %s%s\n' "$EPOCHREALTIME" "$c" "$p" >>"$file"
                fi
            else
                printf '%s ERROR\n' "$EPOCHREALTIME" >>"$file"
            fi
            sleep 0.5
        done
    ) &
    CENSUS_PID=$!
    at_exit census_watch_kill
}

census_watch_kill() {
    [[ -n $CENSUS_PID ]] || return 0
    kill "$CENSUS_PID" 2>/dev/null || true
    wait "$CENSUS_PID" 2>/dev/null || true
    CENSUS_PID=""
}

# census_watch_stop DESC: stop sampling; not_ok if a guest ever ran on two
# nodes, if a sample could not be taken, or if there was no sample.
census_watch_stop() {
    local file=$LAB_DIR/scenarios/census.log desc=$1
    census_watch_kill
    watch_verdict "$file" "$desc" "$(grep ' DOUBLE ' "$file" | head -5 || true)" \
        "samples of every node" || true
}

# census_max_paused: the most guests seen paused at once while watching.
census_max_paused() {
    sed -n 's/.* paused=\([0-9]*\)$/\1/p' "$LAB_DIR/scenarios/census.log" | sort -n | tail -n1
}

# start_vms PREFIX N [pcs args...]: N guests with a disk each, as
# resources; wait until all are Started and print heartbeats.
start_vms() {
    local prefix=$1 count=$2 vm t out
    shift 2
    t=$(now)
    for vm in $(vm_list "$prefix" "$count"); do
        uses_vm "$vm"
        make_vm "$vm" --disk
        # --unsafe: libvirt calls a disk on a local filesystem unshared and
        # refuses to migrate it; here every node is one kernel on one
        # filesystem, so the disk is shared (a real cluster puts it on
        # storage libvirt recognises as shared).
        if ! out=$(create_rsc "$vm" migrate_options=--unsafe "$@" 2>&1); then
            not_ok "create resource $vm"
            diag "$out"
            exit 1
        fi
    done
    for vm in $(vm_list "$prefix" "$count"); do
        if ! wait_for 180 rsc_started "$vm" || ! wait_heartbeat "$vm" 90; then
            not_ok "resource $vm Started and its guest running"
            diag "$(pcmk crm_mon -1 2>&1)"
            exit 1
        fi
    done
    settle
    printf '# step: %d guests Started and printing heartbeats in %s s\n' "$count" "$(since "$t")"
}

# placement PREFIX N: "vm1=node1 vm2=node2 ..." as Pacemaker has them.
placement() {
    local vm out=()
    for vm in $(vm_list "$1" "$2"); do out+=("$vm=$(rsc_nodes "$vm")"); done
    echo "${out[*]}"
}

# on_node NODE PREFIX N: the guests Pacemaker has on NODE.
on_node() {
    local vm
    for vm in $(vm_list "$2" "$3"); do [[ $(rsc_nodes "$vm") == "$1" ]] && echo "$vm"; done
    return 0
}

# off_node NODE PREFIX N: the guests Pacemaker has elsewhere (or nowhere).
off_node() {
    local vm
    for vm in $(vm_list "$2" "$3"); do [[ $(rsc_nodes "$vm") == "$1" ]] || echo "$vm"; done
    return 0
}

# gather_on NODE PREFIX N MIN: move guests onto NODE (live) until it
# carries at least MIN of them; with stickiness they stay there.
gather_on() {
    local node=$1 prefix=$2 count=$3 min=$4 vm
    while (($(on_node "$node" "$prefix" "$count" | wc -l) < min)); do
        vm=$(off_node "$node" "$prefix" "$count" | sed -n 1p)
        pcmk crm_resource --move -r "$vm" -N "$node" >/dev/null 2>&1
        wait_for 90 rsc_started_on "$vm" "$node" || { not_ok "move $vm to $node"; exit 1; }
        pcmk crm_resource --clear -r "$vm" >/dev/null 2>&1
        settle
    done
}

# each_runs_once PREFIX N DESC: every guest Started on one node, and libvirt
# runs it there and nowhere else.
each_runs_once() {
    local vm bad=() where libvirt
    for vm in $(vm_list "$1" "$2"); do
        where=$(rsc_nodes "$vm") || where="?"
        libvirt=$(vm_running_nodes "$vm") || libvirt="?"
        rsc_started "$vm" && [[ $where == "$libvirt" && $where != *" "* ]] \
            || bad+=("$vm: pacemaker '$where', libvirt '$libvirt'")
    done
    if ((${#bad[@]} == 0)); then ok "$3"; else not_ok "$3"; diag "${bad[@]}"; fi
}

# Fencing.  fence_log_since EPOCH: the fence daemon's actions after EPOCH.
fence_log_since() { lab fence-log | awk -v t="$1" '$1 > t'; }

# forget_fencing: clear Pacemaker's fencing history, once a scenario has
# checked that what was fenced was expected (it would show as a problem).
forget_fencing() { pcmk stonith_admin --history '*' --cleanup >/dev/null 2>&1 || true; }

# wait_all_online TIMEOUT: every lab node online in Pacemaker.
wait_all_online() {
    _all_online() {
        local n
        for n in "${NODES[@]}"; do
            [[ $(crm_xpath "string(//nodes/node[@name='$n']/@online)") == true ]] || return 1
        done
    }
    wait_for "$1" _all_online
}

# counter_unbroken NAME BOOT_ID: the heartbeats of boot BOOT_ID in NAME's
# serial log count up by exactly one, line after line (the log is shared
# by every node, so a live migration shows as one unbroken run); prints
# "lines=N breaks=B".  Fails when the log cannot be read.
counter_unbroken() {
    local lines
    lines=$(heartbeats "$1") || return 1
    awk -v b="boot_id=$2" '$2 == b { n = substr($3, 3) + 0; if (c++ && n != p + 1) breaks++; p = n }
        END { printf "lines=%d breaks=%d\n", c, breaks }' <<<"$lines"
}

# recovered_off NODE VM...: wait until each VM is Started on a node other
# than NODE and has booted again (a boot other than boot[VM], the
# scenario's record of the boots before the fault); 1 if any is not.
recovered_off() {
    local node=$1 vm rc=0
    shift
    for vm in "$@"; do
        _moved() { rsc_started "$vm" && [[ $(rsc_nodes "$vm") != "$node" ]]; }
        if ! wait_for 120 _moved || ! wait_heartbeat "$vm" 90 "${boot[$vm]}"; then
            rc=1
            diag "$vm not recovered: $(rsc_nodes "$vm")"
        fi
    done
    return "$rc"
}

# fenced_only NODE SINCE: the fence log after SINCE turned NODE off and
# touched no other node (the log is shown when not).
fenced_only() {
    local log
    log=$(fence_log_since "$2")
    [[ -n $log ]] && ! grep -qv " $1 " <<<"$log" && grep -q "^[0-9.]* off $1 0$" <<<"$log" && return 0
    diag "fence log: ${log:-empty}"
    return 1
}

# assert_recovered_and_fenced NODE SINCE WHAT VM...: after what happened to
# NODE at SINCE (WHAT: "crashed", "cut off"...), each VM it carried runs
# again elsewhere with a new boot, and the fence log turned NODE off and
# nothing else.  Prints the recovery time as a figure.
assert_recovered_and_fenced() {
    local node=$1 t=$2 what=$3
    shift 3
    if recovered_off "$node" "$@"; then
        ok "$node $what: its guests ($*) run again elsewhere $(since "$t") s later"
        printf '# figure: %s %s, all %d of its guests running again after: %s s\n' \
            "$node" "$what" "$#" "$(since "$t")"
    else
        not_ok "$node $what: its guests ($*) run again elsewhere"
        diag "$(pcmk crm_mon -1 2>&1)"
    fi
    if fenced_only "$node" "$t"; then
        ok "the survivors fenced $node and nothing else"
    else
        not_ok "the survivors fenced $node and nothing else"
    fi
}

# assert_rejoins NODE: boot NODE, which fencing turned off, and wait until
# every node is online in Pacemaker again; then let the cluster settle.
assert_rejoins() {
    local t
    t=$(now)
    if timed "lab.sh boot $1" quiet lab boot "$1" && wait_all_online 60; then
        ok "$1, fenced off, booted again and rejoined in $(since "$t") s"
    else
        not_ok "$1, fenced off, booted again and rejoined"
        diag "$(pcmk crm_mon -1 2>&1)"
    fi
    settle
}

# assert_not_restarted VM...: each VM still runs the boot the scenario
# recorded in boot[VM] before the fault.
assert_not_restarted() {
    local vm restarted=()
    for vm in "$@"; do
        [[ $(last_boot_id "$vm") == "${boot[$vm]}" ]] || restarted+=("$vm")
    done
    if ((${#restarted[@]} == 0)); then
        ok "the guests elsewhere were not restarted (${*:-none})"
    else
        not_ok "the guests elsewhere were not restarted"
        diag "restarted: ${restarted[*]}"
    fi
}
