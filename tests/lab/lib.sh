# lib.sh: a small test library for the lab's scenario scripts.  Source it.
#
# Output is TAP: "ok N - desc", "not ok N - desc", "ok N # SKIP why",
# diagnostics as "# ..." lines, the plan "1..N" at the end, and a
# "# duration: S s" line.  A scenario exits non-zero if anything failed.
#
# Environment:
#   LAB_DIR     the lab (default /tmp/xvm-lab)
#   AGENT       the resource agent under test (default ocf:xvm:domain);
#               ocf:heartbeat:VirtualDomain works where parameters overlap
#   PCMK_NODE   node to run Pacemaker commands on (default: first node up)
#   MAX_GAP_S   longest allowed pause between two heartbeat lines during a
#               live migration (default 1.5; measured 0.35-0.74 s here, up
#               to 1.24 s while the 2 cores also ran another lab's guests)
#   MAX_DOWNTIME_MS  longest allowed QEMU-measured migration downtime, as
#               libvirt reports it on the destination (default 1000: the
#               agent's ladder starts at 300 ms and may double it, and the
#               figure includes the target's resume; measured 29-178 ms
#               alone, 499 and 519 ms in a CI run with both cores busy).
#               The pause the guest sees is bounded by MAX_GAP_S.
#
# The VM under test is a lab guest (guest/build-guest.sh) whose serial log,
# $LAB_DIR/serial/NAME.log, carries "name=NAME boot_id=UUID n=COUNTER"
# every 0.2 s; the same boot_id with no missing counter value proves a live
# migration, a new boot_id proves a restart.

# Strict mode for the scenarios; errtrace so the ERR trap reports failures
# inside functions too.
set -Eeuo pipefail
shopt -s inherit_errexit

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_SH=$LIB_DIR/lab.sh
export LAB_DIR=${LAB_DIR:-/tmp/xvm-lab}
AGENT=${AGENT:-ocf:xvm:domain}
MAX_GAP_S=${MAX_GAP_S:-1.5}
MAX_DOWNTIME_MS=${MAX_DOWNTIME_MS:-1000}
# The lab's nodes, as lab.sh brought them up (two unless up --nodes N).
NODES=()
_lab_nodes=$(sed -n 's/^nodes=//p' "$LAB_DIR/run/state" 2>/dev/null || true)
for ((_i = 1; _i <= ${_lab_nodes:-2}; _i++)); do NODES+=("node$_i"); done
unset _i _lab_nodes

# ------------------------------------------------------------------ TAP

TAP_N=0
TAP_FAILED=0
TAP_SKIPPED=0

diag() {  # diag TEXT...: each line of each TEXT as a TAP comment
    local line
    while IFS= read -r line; do printf '# %s\n' "$line"; done < <(printf '%s\n' "$@")
}

# Observation errors.  A helper that cannot observe what it is asked (virsh,
# nsenter, crm_mon or xmllint failing, a log missing) never answers
# "absent", "" or 0: it calls observe_error and returns non-zero.  Helpers
# often run inside $(...), where a status is easily lost, so the message is
# also appended to OBS_ERRORS (set by scenario_begin): the next test point
# of the scenario then fails with it ("ok" turns into "not ok"), and one
# left over at the end fails the scenario.  Without OBS_ERRORS (demo.sh),
# the message goes to stderr.  wait_for polls with its own OBS_ERRORS: an
# error there means "not yet", and the last one is shown on a timeout.
OBS_ERRORS=${OBS_ERRORS:-}

# observe_error MESSAGE: record it.  Returns 0 (so that errexit does not
# end a caller before it returns its own non-zero status).
observe_error() {
    if [[ -n $OBS_ERRORS ]]; then
        printf '%s\n' "$*" >>"$OBS_ERRORS"
    else
        printf '# observation error: %s\n' "$*" >&2
    fi
    return 0
}

# The observation errors recorded since the last test point, forgotten.
_take_obs_errors() {
    [[ -n $OBS_ERRORS && -s $OBS_ERRORS ]] || return 1
    cat "$OBS_ERRORS"
    : >"$OBS_ERRORS"
}

_not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); printf 'not ok %d - %s\n' "$TAP_N" "$*"; }
ok() {
    local errs
    if errs=$(_take_obs_errors); then
        _not_ok "$*"
        diag "an observation failed since the last test point:" "$errs"
        return 0
    fi
    TAP_N=$((TAP_N + 1)); printf 'ok %d - %s\n' "$TAP_N" "$*"
}
not_ok() {
    local errs
    _not_ok "$*"
    if errs=$(_take_obs_errors); then diag "observation errors:" "$errs"; fi
    return 0
}
skip() {
    local errs
    if errs=$(_take_obs_errors); then
        _not_ok "$*"
        diag "an observation failed since the last test point:" "$errs"
        return 0
    fi
    TAP_N=$((TAP_N + 1)); TAP_SKIPPED=$((TAP_SKIPPED + 1)); printf 'ok %d # SKIP %s\n' "$TAP_N" "$*"
}

# check DESC CMD...: one test point from CMD's status; CMD's output goes to
# the diagnostics when it fails.
check() {
    local desc=$1; shift
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    if ((rc == 0)); then
        ok "$desc"
    else
        not_ok "$desc"
        diag "command: $* (exit $rc)"
        [[ -z $out ]] || diag "$out"
    fi
    return 0
}

# assert_ok [-m DESC] CMD...
assert_ok() {
    local desc=""
    if [[ ${1:-} == -m ]]; then desc=$2; shift 2; fi
    check "${desc:-$*}" "$@"
}

# assert_eq ACTUAL EXPECTED [DESC]
assert_eq() {
    local actual=$1 expected=$2 desc=${3:-"'$1' = '$2'"}
    if [[ $actual == "$expected" ]]; then
        ok "$desc"
    else
        not_ok "$desc"
        diag "expected: '$expected'" "actual:   '$actual'"
    fi
    return 0
}

# assert_le A B DESC: numeric A <= B (decimals allowed)
assert_le() {
    if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; then
        ok "$3"
    else
        not_ok "$3"
        diag "expected $1 <= $2"
    fi
    return 0
}

# ------------------------------------------------------------- timing

now() { printf '%s\n' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

# timed DESC CMD...: run CMD, print how long it took; returns CMD's status.
timed() {
    local desc=$1; shift
    local t rc=0
    t=$(now)
    "$@" || rc=$?
    printf '# step: %s: %s s%s\n' "$desc" "$(since "$t")" "$( ((rc)) && echo " (exit $rc)")"
    return "$rc"
}

quiet() { "$@" >/dev/null 2>&1; }

# wait_for TIMEOUT_S CMD...: poll CMD every 0.2 s until it succeeds; fails
# after TIMEOUT_S.  Its output is discarded.  An observation error inside
# CMD counts as "not yet" (so CMD must never succeed on one); on a timeout
# the last one is printed as a diagnostic on stderr.
wait_for() {
    local timeout=$1; shift
    local deadline err last=""
    local OBS_ERRORS=""   # observe_error writes to stderr, captured here
    deadline=$(awk -v a="$EPOCHREALTIME" -v t="$timeout" 'BEGIN { printf "%.3f", a + t }')
    until err=$("$@" 2>&1 >/dev/null); do
        [[ $err != *"# observation error: "* ]] || last=${err##*# observation error: }
        if ! awk -v a="$EPOCHREALTIME" -v d="$deadline" 'BEGIN { exit !(a < d) }'; then
            [[ -z $last ]] || printf '# %s: last observation error while waiting: %s\n' "$*" "$last" >&2
            return 1
        fi
        sleep 0.2
    done
}

# ------------------------------------------------------------- the lab

lab() { "$LAB_SH" "$@"; }
other_node() { [[ $1 == node1 ]] && echo node2 || echo node1; }

# node_state NODE: "up" (a command runs inside it) or "down" (lab.sh finds
# no init for it: never booted, or crashed); an observation error when
# lab.sh or nsenter fails otherwise.
node_state() {
    local out rc try
    for try in 1 2; do   # twice: a node that crashes just now fails nsenter once
        rc=0
        out=$(lab exec "$1" true 2>&1) || rc=$?
        if ((rc == 0)); then
            echo up
            return 0
        elif [[ $out == *"error: $1 is not running"* ]]; then
            echo down
            return 0
        fi
        ((try == 2)) || sleep 0.2
    done
    observe_error "cannot tell whether $1 is up: lab.sh exec $1 true: exit $rc: ${out//$'\n'/ }"
    return 1
}

# node_up NODE: 0 up, 1 down, 2 cannot tell (an observation error).
node_up() {
    local s
    s=$(node_state "$1") || return 2
    [[ $s == up ]]
}

# The node Pacemaker commands go to: PCMK_NODE, else the first node up.
pcmk_node() {
    local n
    # "return 0", not "return": in a trap handler (_scenario_exit) a bare
    # return gives the status the trap interrupted.
    if [[ -n ${PCMK_NODE:-} ]] && node_up "$PCMK_NODE"; then echo "$PCMK_NODE"; return 0; fi
    for n in "${NODES[@]}"; do node_up "$n" && { echo "$n"; return 0; }; done
    echo "no lab node is up" >&2
    return 1
}

pcmk() { local n; n=$(pcmk_node) || return 1; lab exec "$n" "$@"; }
vsh() { local n=$1; shift; lab exec "$n" virsh -q -c qemu:///system "$@"; }

# Let the cluster settle (all actions done), bounded.
settle() { pcmk crm_resource --wait --timeout="${1:-120}s" >/dev/null 2>&1; }

# reaches SECS SINCE LABEL CONDITION...: one TAP line for a state the cluster
# should reach: ok "LABEL after N s" (N counted from SINCE, a now()) when
# CONDITION holds within SECS seconds, else not ok with crm_mon's view.
# Returns whether it was reached, for scenarios that cannot go on without.
reaches() {
    local secs=$1 t=$2 label=$3
    shift 3
    if wait_for "$secs" "$@"; then
        ok "$label after $(since "$t") s"
        return 0
    fi
    not_ok "$label"
    diag "$(pcmk crm_mon -1 2>&1)"
    return 1
}

# crm_xml: crm_mon's XML; an observation error unless crm_mon answered and
# said OK (status code 0).
crm_xml() {
    local out rc=0 code=""
    out=$(pcmk crm_mon -1 --output-as=xml 2>&1) || rc=$?
    if ((rc == 0)); then
        code=$(xmllint --xpath 'string(/pacemaker-result/status/@code)' - <<<"$out" 2>/dev/null) || code=""
        if [[ $code == 0 ]]; then
            printf '%s\n' "$out"
            return 0
        fi
    fi
    out=${out//$'\n'/ }
    observe_error "crm_mon -1 --output-as=xml failed (exit $rc, status code '${code}'): ${out:0:400}"
    return 1
}

# xpath_of XML XPATH: XPATH evaluated on XML; a node set that matches
# nothing gives "", any other xmllint failure is an observation error.
xpath_of() {
    local out rc=0
    out=$(xmllint --xpath "$2" - <<<"$1" 2>&1) || rc=$?
    if ((rc == 0)); then
        printf '%s\n' "$out"
    elif ((rc == 10)) && [[ $out == "XPath set is empty" ]]; then
        return 0
    else
        observe_error "xmllint --xpath \"$2\" failed (exit $rc): ${out//$'\n'/ }"
        return 1
    fi
}

# crm_xpath XPATH: evaluate on crm_mon's XML.
crm_xpath() {
    local xml
    xml=$(crm_xml) || return 1
    xpath_of "$xml" "$1"
}

# Nodes where Pacemaker says RSC is active, space-separated, sorted.
rsc_nodes() {
    local attrs
    attrs=$(crm_xpath "//resources/resource[@id='$1']/node/@name") || return 1
    sed -n 's/.*name="\([^"]*\)".*/\1/p' <<<"$attrs" | sort | tr '\n' ' ' | sed 's/ $//'
}

rsc_role() { crm_xpath "string(//resources/resource[@id='$1']/@role)"; }

# rsc_started_on RSC NODE: Pacemaker has RSC Started (not failed) on NODE only.
rsc_started_on() {
    local nodes
    rsc_started "$1" || return $?
    nodes=$(rsc_nodes "$1") || return 2
    [[ $nodes == "$2" ]]
}

# rsc_started RSC: Started on exactly one node (1 if not, 2 if crm_mon
# cannot be asked).
rsc_started() {
    local r
    r=$(crm_xpath "concat(string(//resources/resource[@id='$1']/@role), ' ',
                          string(//resources/resource[@id='$1']/@failed), ' ',
                          string(//resources/resource[@id='$1']/@blocked), ' ',
                          count(//resources/resource[@id='$1']/node))") || return 2
    [[ $r == "Started false false 1" ]]
}

# rsc_stopped RSC: Stopped and active nowhere (1 if not, 2 if crm_mon
# cannot be asked).
rsc_stopped() {
    local r
    r=$(crm_xpath "concat(string(//resources/resource[@id='$1']/@role), ' ',
                          count(//resources/resource[@id='$1']/node))") || return 2
    [[ $r == "Stopped 0" ]]
}

# Problems visible in crm_mon: failed actions, unclean (to-be-fenced)
# nodes, blocked/failed/unmanaged resources, fencing history.  Prints them;
# 0 if there is any, 1 if there is none, 2 if crm_mon cannot be asked.
cluster_problems() {
    local xml out="" q r
    xml=$(crm_xml) || return 2
    for q in '//failures/failure' "//nodes/node[@unclean='true']" \
        "//resources//resource[@failed='true' or @blocked='true' or @managed='false']" \
        '//fence_history/fence_event'; do
        r=$(xpath_of "$xml" "$q") || return 2
        out+=$r
    done
    [[ -n $out ]] && { printf '%s\n' "$out"; return 0; }
    return 1
}

assert_no_cluster_problems() {
    local p rc=0 desc=${1:-no failed actions, nothing fenced or blocked}
    p=$(cluster_problems) || rc=$?
    case $rc in
    0) not_ok "$desc"; diag "$p" ;;
    1) ok "$desc" ;;
    *) not_ok "$desc (crm_mon could not be asked)" ;;
    esac
}

# ------------------------------------------------- asking libvirt directly

# domain_state_reason NODE NAME: libvirt's state of NAME on NODE with its
# reason ("running (booted)", "paused (migrating)", "shut off (destroyed)"),
# "absent", or, when that node's libvirtd does not answer (down, or hung:
# 5 s), "qemu-process" / "absent" from the node's own process table, or
# "node-down" (lab.sh finds no init for the node).  When neither libvirt
# nor the process table can be read on a node that is up, an observation
# error: never "absent".
domain_state_reason() {
    local node=$1 name=$2 out rc=0 procs st
    st=$(node_state "$node") || return 1
    [[ $st == up ]] || { echo node-down; return 0; }
    out=$(lab exec "$node" timeout 5 virsh -q -c qemu:///system domstate --reason "$name" 2>&1) || rc=$?
    if ((rc == 0)) && [[ -n $out ]]; then
        echo "${out%%$'\n'*}"
        return 0
    fi
    if ((rc != 0)) && grep -qi 'failed to get domain\|domain not found' <<<"$out"; then
        echo absent
        return 0
    fi
    # libvirtd does not answer: a QEMU for NAME in the node's process table?
    if procs=$(lab exec "$node" sh -c \
            'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline 2>/dev/null; echo; done' 2>&1) \
        && [[ -n $procs ]]; then
        if grep -q -- "-name guest=$name," <<<"$procs"; then echo qemu-process; else echo absent; fi
        return 0
    fi
    # The node may have crashed meanwhile: then it has no copy.
    st=$(node_state "$node") || return 1
    [[ $st == up ]] || { echo node-down; return 0; }
    observe_error "cannot tell whether $name exists on $node: virsh domstate: exit $rc: ${out//$'\n'/ }; and its process table cannot be read: ${procs//$'\n'/ }"
    return 1
}

# domain_state NODE NAME: the same without the reason ("running", "paused",
# "shut off", "absent", "qemu-process", "node-down").
domain_state() {
    local s
    s=$(domain_state_reason "$1" "$2") || return 1
    echo "${s% (*)}"
}

# vm_copies NAME: "node:state" for every node where a QEMU for NAME exists
# (any state but shut off/absent: a paused copy is still a copy).  State is
# "running" for any running reason, else e.g. "paused(migrating)".  Fails
# (an observation error) if any node cannot be asked.
vm_copies() {
    local n s r out=()
    for n in "${NODES[@]}"; do
        s=$(domain_state_reason "$n" "$1") || return 1
        case $s in
        absent | "shut off"* | node-down) ;;
        running*) out+=("$n:running") ;;
        *" ("*")") r=${s#*\(}; out+=("$n:${s%% *}(${r// /_}") ;;
        *) out+=("$n:${s// /_}") ;;
        esac
    done
    echo "${out[*]}"
}

# vm_active_copies NAME: vm_copies without domains paused for a migration
# (the paused destination of a live migration, or both ends of a paused
# one): while a migration runs, only one of the two QEMUs runs guest code.
# For checks during transitions; a settled cluster must have none of those.
vm_active_copies() {
    local c copies out=()
    copies=$(vm_copies "$1") || return 1
    for c in $copies; do
        [[ $c == *":paused(migrating)" ]] || out+=("$c")
    done
    echo "${out[*]}"
}

# vm_running_nodes NAME: the nodes where NAME exists, asking both nodes'
# libvirtds directly (not Pacemaker).
vm_running_nodes() {
    local c copies out=()
    copies=$(vm_copies "$1") || return 1
    for c in $copies; do out+=("${c%%:*}"); done
    echo "${out[*]}"
}

assert_at_most_one_copy() {
    local copies desc=${2:-$1 runs on at most one node}
    if ! copies=$(vm_copies "$1"); then
        not_ok "$desc (libvirt could not be asked on every node)"
    elif (($(wc -w <<<"$copies") <= 1)); then
        ok "$desc (libvirt: ${copies:-none})"
    else
        not_ok "$desc"
        diag "copies found by asking each node's libvirtd: $copies"
    fi
}

# assert_runs_only_on NAME NODE [DESC]: libvirt has NAME running on NODE and
# nowhere else.
assert_runs_only_on() {
    local copies desc=${3:-$1 runs on $2 only (asking both libvirtds)}
    if ! copies=$(vm_copies "$1"); then
        not_ok "$desc (libvirt could not be asked on every node)"
        return 0
    fi
    assert_eq "$copies" "$2:running" "$desc"
}

# Background sampler of vm_active_copies, to catch a second copy that
# exists only for a moment (during a failover or a refresh).  The paused
# destination of a running migration is not counted.  A sample that could
# not be taken is logged as "ERROR", its reason in copies-NAME.errors.
COPIES_WATCH_PID=""
copies_watch_start() {
    local name=$1 file=$LAB_DIR/scenarios/copies-$1.log
    : >"$file"
    : >"$file.errors"
    (
        trap 'exit 0' TERM
        OBS_ERRORS=$file.errors
        while :; do
            if c=$(vm_active_copies "$name" 2>>"$file.errors"); then
                printf '%s %s\n' "$EPOCHREALTIME" "$c" >>"$file"
            else
                printf '%s ERROR\n' "$EPOCHREALTIME" >>"$file"
            fi
            sleep 0.3
        done
    ) &
    COPIES_WATCH_PID=$!
}

# copies_watch_stop NAME: stop sampling; not_ok if two copies were ever
# seen, if a sample could not be taken, or if there is no sample.
copies_watch_stop() {
    local file=$LAB_DIR/scenarios/copies-$1.log desc=${2:-$1 never ran on two nodes at once}
    local max bad=""
    if [[ -n $COPIES_WATCH_PID ]]; then
        kill "$COPIES_WATCH_PID" 2>/dev/null || true
        wait "$COPIES_WATCH_PID" 2>/dev/null || true
        COPIES_WATCH_PID=""
    fi
    if [[ ! -r $file ]]; then
        not_ok "$desc (no sample log $file)"
        return 0
    fi
    # Two *running* copies at once is the failure.  A paused QEMU beside a
    # running one is what every live migration shows on its destination,
    # and what an aborted migration leaves there for a moment: it never ran
    # guest code.  Those moments are listed, not failed.
    max=$(awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i ~ /:running$/) n++; if (n > m) m = n }
               END { print m + 0 }' "$file")
    ((max <= 1)) || bad=$(awk 'NF > 2' "$file" | head -5)
    if watch_verdict "$file" "$desc" "$bad" samples; then
        awk 'NF > 2' "$file" | head -3 | sed 's/^/paused beside running: /' | while IFS= read -r l; do diag "$l"; done
    fi
}

# watch_verdict FILE DESC BAD NOTE: the test point of a background watch
# whose samples are the lines of FILE (" ERROR" ending one that could not be
# taken; FILE.errors says why).  not_ok when BAD (the offending samples,
# shown) is not empty, when there was no sample, or when a sample could not
# be taken; else ok, with the number of samples and NOTE.
watch_verdict() {
    local file=$1 desc=$2 bad=$3 note=$4 samples errors
    samples=$(wc -l <"$file")
    errors=$(grep -c ' ERROR$' "$file" || true)
    if [[ -n $bad ]]; then
        not_ok "$desc"
        diag "$bad"
    elif ((samples == 0)); then
        not_ok "$desc (no sample was taken)"
    elif ((errors > 0)); then
        not_ok "$desc ($errors of $samples samples could not be taken)"
        diag "$(sort -u "$file.errors" | head -5)"
    else
        ok "$desc ($samples $note)"
        return 0
    fi
    return 1
}

# -------------------------------------------------------- serial console

serial_log() { echo "$LAB_DIR/serial/$1.log"; }
serial_reset() { mkdir -p "$LAB_DIR/serial"; : >"$(serial_log "$1")"; }

# heartbeats NAME: the heartbeat lines of NAME's serial log (none yet is
# fine); a missing or unreadable log is an observation error.
heartbeats() {
    local log size rc=0
    log=$(serial_log "$1")
    [[ -r $log ]] || { observe_error "serial log $log of $1 is missing or unreadable"; return 1; }
    # QEMU writes the serial log as the guest's UART sends it, so the newest
    # line may be half written ("name=vm boot_id=" with no id yet, or n=1 of
    # n=12).  Read a fixed prefix and keep only the lines it ends with a
    # newline: awk counts the bytes it has read, and a last line without its
    # newline makes the count pass the prefix's size.
    size=$(stat -c %s "$log") || { observe_error "cannot stat serial log $log"; return 1; }
    head -c "$size" "$log" | LC_ALL=C awk -v size="$size" -v head="name=$1 boot_id=" '
        { read += length($0) + 1 }
        read <= size && index($0, head) == 1' || rc=$?
    ((rc == 0)) || { observe_error "cannot read serial log $log (exit $rc)"; return 1; }
}

# last_boot_id NAME: the boot_id of the newest heartbeat line ("" if none).
last_boot_id() {
    local lines
    lines=$(heartbeats "$1") || return 1
    tail -n1 <<<"$lines" | sed -n 's/.* boot_id=\([^ ]*\) .*/\1/p'
}

last_counter() {
    local lines
    lines=$(heartbeats "$1") || return 1
    tail -n1 <<<"$lines" | sed -n 's/.* n=\([0-9]*\).*/\1/p'
}

# wait_heartbeat NAME TIMEOUT [NOT_BOOT_ID]: wait for a heartbeat line (from
# a boot other than NOT_BOOT_ID, if given).
wait_heartbeat() {
    local name=$1 timeout=$2 not=${3:-}
    _has_heartbeat() { local b; b=$(last_boot_id "$name"); [[ -n $b && $b != "$not" ]]; }
    wait_for "$timeout" _has_heartbeat
}

# guest_ready NAME: the newest line of the serial log is a heartbeat written
# in the last second, i.e. a guest is up and its acpid listens.  (A power
# button pressed while a guest still boots is lost, and the stop then waits
# for its timeout.)
guest_ready() {
    local log last mtime
    log=$(serial_log "$1")
    if ! last=$(tail -n1 "$log" 2>&1) || ! mtime=$(stat -c %Y "$log" 2>&1); then
        observe_error "cannot read serial log $log: ${last//$'\n'/ } ${mtime:-}"
        return 2
    fi
    [[ $last == "name=$1 "* ]] || return 1
    awk -v m="$mtime" -v now="$EPOCHREALTIME" 'BEGIN { exit !(now - m < 1.5) }'
}

# recent_boots NAME: how many different boots printed the last 30 lines of
# the (shared) serial log: with two copies running, both must have booted
# before a stop can expect their power buttons to work.
recent_boots() {
    local lines
    lines=$(heartbeats "$1") || return 1
    [[ -n $lines ]] || { echo 0; return 0; }
    tail -n 30 <<<"$lines" | sed -n 's/.* boot_id=\([^ ]*\) .*/\1/p' | sort -u | wc -l
}

# serial_has_poweroff NAME: 0 if the guest printed "poweroff", 1 if not, 2
# (an observation error) if its serial log cannot be read.
serial_has_poweroff() {
    local log rc=0
    log=$(serial_log "$1")
    [[ -r $log ]] || { observe_error "serial log $log of $1 is missing or unreadable"; return 2; }
    grep -aq '^poweroff' "$log" || rc=$?
    ((rc <= 1)) || { observe_error "cannot read serial log $log (grep exit $rc)"; return 2; }
    return "$rc"
}

# Timestamp every serial line as it arrives (host clock), so the pause a
# live migration causes can be measured.  tail -F follows the one log that
# both nodes' QEMUs append to.
SERIAL_WATCH_PID=""
serial_watch_start() {
    local name=$1 ts=$LAB_DIR/scenarios/serial-$1.ts
    mkdir -p "$LAB_DIR/scenarios"
    : >"$ts"
    # The reader redirects all its output, so it never holds our caller's
    # stdout (a $(...) around us would wait for it).
    tail -n0 -F "$(serial_log "$name")" 2>/dev/null > >(
        exec >>"$ts" 2>/dev/null
        while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"; done
    ) &
    SERIAL_WATCH_PID=$!
}

serial_watch_stop() {
    if [[ -n $SERIAL_WATCH_PID ]]; then
        kill "$SERIAL_WATCH_PID" 2>/dev/null || true
        wait "$SERIAL_WATCH_PID" 2>/dev/null || true
        SERIAL_WATCH_PID=""
        sleep 0.1  # let the reader drain the pipe
    fi
}

# counter_gap_check NAME: parse the timestamped heartbeat lines captured by
# serial_watch_start and print
#   lines=N max_gap=S boot_ids=K counter_breaks=B first_n=A last_n=Z
# max_gap: the longest time between two consecutive lines; boot_ids: how
# many different boot_ids appeared (1 = no restart); counter_breaks: how
# often n did not go up by exactly 1 within one boot.
counter_gap_check() {
    local ts=$LAB_DIR/scenarios/serial-$1.ts
    [[ -r $ts ]] || { observe_error "no timestamped serial log $ts (serial_watch_start $1)"; return 1; }
    awk -v name="$1" '
        $2 == "name=" name && $3 ~ /^boot_id=/ && $4 ~ /^n=/ {
            t = $1; b = substr($3, 9); n = substr($4, 3) + 0
            if (lines++) {
                if (t - pt > gap) gap = t - pt
                if (b == pb && n != pn + 1) breaks++
            } else first = n
            if (!(b in seen)) { seen[b] = 1; ids++ }
            pt = t; pb = b; pn = n
        }
        END { printf "lines=%d max_gap=%.3f boot_ids=%d counter_breaks=%d first_n=%d last_n=%d\n",
              lines, gap, ids, breaks, first, pn }
    ' "$ts"
}

# migration_downtime_ms NODE NAME: the downtime QEMU measured for the last
# completed (incoming) migration of NAME, as libvirt reports it on the
# destination NODE; empty if libvirt has no such statistics; an observation
# error if virsh fails (no such domain there included).
migration_downtime_ms() {
    local out rc=0
    out=$(vsh "$1" domjobinfo "$2" --completed 2>&1) || rc=$?
    if ((rc)); then
        observe_error "virsh domjobinfo $2 --completed on $1: exit $rc: ${out//$'\n'/ }"
        return 1
    fi
    sed -n 's/^Total downtime: *\([0-9]*\) *ms.*/\1/p' <<<"$out"
}

# libvirt drops those statistics soon after (the next job on the domain
# clears them), so poll the destination while a migration runs.  Failed
# polls are expected (the domain is not there yet); the last failure is
# kept in downtime-NAME.err, and downtime-NAME.asked marks that one poll
# got an answer.
DOWNTIME_WATCH_PID=""
DOWNTIME_WATCH_NAME=""
downtime_watch_start() {
    local node=$1 name=$2 file=$LAB_DIR/scenarios/downtime-$2
    rm -f "$file" "$file.asked" "$file.err"
    (
        trap 'exit 0' TERM
        # shellcheck disable=SC2030 # this subshell's own: errors to stderr
        OBS_ERRORS=""
        while :; do
            if v=$(migration_downtime_ms "$node" "$name" 2>"$file.err.new"); then
                : >"$file.asked"
                [[ -z $v ]] || echo "$v" >"$file"
            else
                mv -f "$file.err.new" "$file.err"
            fi
            sleep 0.2
        done
    ) &
    DOWNTIME_WATCH_PID=$!
    DOWNTIME_WATCH_NAME=$name
}

# downtime_watch_stop NAME: print the last figure seen, or nothing if
# libvirt never had one; an observation error if libvirt on the destination
# could never be asked.
downtime_watch_stop() {
    local file=$LAB_DIR/scenarios/downtime-$1
    if [[ -n $DOWNTIME_WATCH_PID ]]; then
        kill "$DOWNTIME_WATCH_PID" 2>/dev/null || true
        wait "$DOWNTIME_WATCH_PID" 2>/dev/null || true
        DOWNTIME_WATCH_PID=""
    fi
    [[ $1 == "$DOWNTIME_WATCH_NAME" ]] || return 0
    DOWNTIME_WATCH_NAME=""
    if [[ -s $file ]]; then
        cat "$file"
    elif [[ ! -e $file.asked ]]; then
        observe_error "the destination's libvirt never answered for $1's migration statistics: $(sed 's/^# observation error: //' "$file.err" 2>/dev/null | tail -n1)"
    fi
    rm -f "$file.err.new"
    return 0
}

# assert_live NAME DESC [QEMU_DOWNTIME_MS]: the watched window shows one
# boot, no missing counter value and no pause between heartbeat lines
# longer than MAX_GAP_S.  The longest pause is printed as the "downtime"; it
# is what the guest saw, so it also holds the 0.2 s period, host CPU
# contention and the destination's cold TCG translation cache.  QEMU's own
# figure (downtime_watch_*), if given, is printed and must not exceed
# MAX_DOWNTIME_MS.
assert_live() {
    local name=$1 desc=$2 ms=${3:-} r lines gap ids breaks
    r=$(counter_gap_check "$name")
    lines=$(kv "$r" lines); gap=$(kv "$r" max_gap)
    ids=$(kv "$r" boot_ids); breaks=$(kv "$r" counter_breaks)
    diag "heartbeat: $r"
    printf '# downtime: %s s (longest pause between heartbeat lines, nominal 0.2 s)%s\n' \
        "$gap" "${ms:+; QEMU-measured downtime: $ms ms}"
    assert_eq "$ids" 1 "$desc: same boot_id throughout"
    assert_eq "$breaks" 0 "$desc: no counter value missing"
    assert_le "$gap" "$MAX_GAP_S" "$desc: longest pause ${gap} s <= ${MAX_GAP_S} s"
    [[ -z $ms ]] || assert_le "$ms" "$MAX_DOWNTIME_MS" "$desc: QEMU downtime ${ms} ms <= ${MAX_DOWNTIME_MS} ms"
    ((lines >= 5)) || not_ok "$desc: enough heartbeat lines captured ($lines)"
    return 0
}

# live_move NAME TO DESC [TIMEOUT_S] [downtime]: move NAME to TO with
# crm_resource --move while its heartbeats are watched (and, with
# "downtime", QEMU's downtime figure on TO): ok when Pacemaker has it
# Started on TO within TIMEOUT_S (default 90); libvirt must then run it on
# TO only, and the guest must have stayed live (assert_live).  The move's
# constraint is cleared at the end.
live_move() {
    local name=$1 to=$2 desc=$3 timeout=${4:-90} downtime=${5:-} t ms=""
    wait_for 30 guest_ready "$name" || true
    serial_watch_start "$name"
    [[ -z $downtime ]] || { downtime_watch_start "$to" "$name"; sleep 1; }
    t=$(now)
    pcmk crm_resource --move -r "$name" -N "$to" >/dev/null
    if wait_for "$timeout" rsc_started_on "$name" "$to"; then
        ok "$desc: Started on $to after $(since "$t") s"
    else
        not_ok "$desc: Started on $to"
        diag "$(pcmk crm_mon -1 2>&1)"
    fi
    settle
    printf '# step: %s settled after %s s\n' "$desc" "$(since "$t")"
    sleep 1
    serial_watch_stop
    [[ -z $downtime ]] || ms=$(downtime_watch_stop "$name")
    assert_runs_only_on "$name" "$to" "$desc: libvirt has $name on $to only"
    assert_live "$name" "$desc" "$ms"
    pcmk crm_resource --clear -r "$name" >/dev/null 2>&1 || true
    settle
}

# kv "k1=v1 k2=v2" KEY: the value of KEY
kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# ---------------------------------------------------------- resources

# restart_libvirtd NODE: stop the node's libvirtd and start it again (it
# reads its hooks only at start).
restart_libvirtd() {
    lab exec "$1" sh -c 'kill -TERM "$(cat /run/libvirtd.pid)"; for i in $(seq 50); do
        kill -0 "$(cat /run/libvirtd.pid 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done'
    lab exec "$1" libvirtd -d --listen </dev/null >/dev/null 2>&1
    wait_for 20 vsh "$1" uri
}
guard() { lab exec "$1" "$(agent_path)" "$2-guard" >/dev/null; }

# guard_on_every_node: install the hook guard on every node for this
# scenario, and take it away again at its end.
guard_on_every_node() {
    local n
    for n in "${NODES[@]}"; do
        guard "$n" install
        restart_libvirtd "$n"
    done
    at_exit 'for n in "${NODES[@]}"; do guard "$n" uninstall || true; restart_libvirtd "$n" || true; done'
}

agent_is_vd() { [[ $AGENT == ocf:heartbeat:VirtualDomain ]]; }

# The agent's path inside a node.
agent_path() {
    local rest=${AGENT#ocf:}
    echo "/usr/lib/ocf/resource.d/${rest%%:*}/${rest#*:}"
}

vm_config() { echo "$LAB_DIR/shared/$1.xml"; }

# make_vm NAME [make-domain-xml options]: write the domain XML (shared by
# both nodes, like a file on a cluster filesystem) and empty its serial log.
make_vm() {
    local name=$1; shift
    mkdir -p "$LAB_DIR/shared"
    "$LIB_DIR/make-domain-xml.sh" "$name" "$(vm_config "$name")" "$@"
    serial_reset "$name"
}

# The parameters both ocf:xvm:domain and VirtualDomain take.
agent_params() {
    echo "config=$(vm_config "$1") hypervisor=qemu:///system migration_transport=tcp"
}

# create_rsc NAME [extra pcs args...]: pcs resource create NAME with the
# common parameters, allow-migrate and a 10 s monitor.  Extra instance
# attributes go before "meta"; pass "op ..." pieces at the end.
create_rsc() {
    local name=$1; shift
    local params=() ops=() a in_ops=0
    for a in "$@"; do
        [[ $a == op ]] && in_ops=1
        if ((in_ops)); then ops+=("$a"); else params+=("$a"); fi
    done
    # shellcheck disable=SC2046
    pcmk pcs resource create "$name" "$AGENT" $(agent_params "$name") "${params[@]}" \
        meta allow-migrate=true op monitor interval=10s "${ops[@]}"
}

# start_rsc NAME [create_rsc args...]: create the resource, wait until it
# is Started and the guest prints its heartbeat, let the cluster settle.
# Not being able to is a failure that ends the scenario.
start_rsc() {
    local name=$1 t out rc=0
    t=$(now)
    out=$(create_rsc "$@" 2>&1) || rc=$?
    if ((rc)); then
        not_ok "create resource $name"
        diag "$out"
        exit 1
    fi
    if ! wait_for 90 rsc_started "$name" || ! wait_heartbeat "$name" 60; then
        not_ok "resource $name Started and its guest running"
        diag "$(pcmk crm_mon -1 2>&1)"
        exit 1
    fi
    settle
    printf '# step: create %s -> Started on %s, guest up: %s s\n' "$name" "$(rsc_nodes "$name")" "$(since "$t")"
}

# rsc_exists NAME: 0 if the CIB has resource NAME, 1 if it has not; 2 (an
# observation error) if crm_resource cannot tell.
rsc_exists() {
    local out rc=0
    out=$(pcmk crm_resource --resource "$1" --query-xml 2>&1) || rc=$?
    case $rc in
    0) return 0 ;;
    105) return 1 ;;  # CRM_EX_NOSUCH: "Resource '$1' not found"
    *)
        observe_error "cannot tell whether resource $1 exists: crm_resource --query-xml: exit $rc: $(tail -n2 <<<"$out" | tr '\n' ' ')"
        return 2
        ;;
    esac
}

# remove_rsc NAME: the end of every scenario.  Clear move constraints,
# delete the resource (pcs stops it first), clean its history, then make
# sure no copy of the domain is left; destroy any left-over copy so the
# next scenario starts clean (and say so).  A resource that may exist
# (crm_resource cannot tell) is deleted too.
remove_rsc() {
    local name=$1 n copies rc=0
    rsc_exists "$name" || rc=$?
    if ((rc != 1)); then
        copies=$(vm_copies "$name") || copies=""
        [[ -z $copies ]] || wait_for 30 guest_ready "$name" || true
        pcmk crm_resource --clear -r "$name" >/dev/null 2>&1 || true
        timed "pcs resource delete $name" quiet pcmk pcs resource delete "$name" \
            || timed "pcs resource delete --force $name" quiet pcmk pcs resource delete "$name" --force || true
        settle 120 || true
    fi
    pcmk crm_resource --cleanup >/dev/null 2>&1 || true
    settle 60 || true
    if ! copies=$(vm_copies "$name"); then
        not_ok "no copy of $name left after deleting the resource (libvirt could not be asked on every node)"
        diag "destroying $name on every node, in case"
        for n in "${NODES[@]}"; do vsh "$n" destroy "$name" >/dev/null 2>&1 || true; done
    elif [[ -z $copies ]]; then
        ok "no copy of $name left after deleting the resource"
    else
        not_ok "no copy of $name left after deleting the resource"
        diag "left: $copies (destroying them)"
        for n in "${NODES[@]}"; do vsh "$n" destroy "$name" >/dev/null 2>&1 || true; done
    fi
}

# -------------------------------------------------------- scenario frame

SCENARIO_START=""
SCENARIO_VMS=()
SCENARIO_CLEANUPS=()

_scenario_err() {
    # Only the scenario's own shell counts; a failing command substitution
    # is reported by whoever used its result.
    ((BASH_SUBSHELL == 0)) || return 0
    not_ok "unexpected failure: line $1: $2"
}

_scenario_exit() {
    local rc=$1 f vm errs
    set +e
    trap - ERR
    serial_watch_stop
    [[ -z $DOWNTIME_WATCH_PID ]] || downtime_watch_stop none >/dev/null
    [[ -z $COPIES_WATCH_PID ]] || { kill "$COPIES_WATCH_PID" 2>/dev/null; wait "$COPIES_WATCH_PID" 2>/dev/null; }
    for vm in "${SCENARIO_VMS[@]}"; do
        assert_at_most_one_copy "$vm" "at the end: $vm runs on at most one node"
    done
    for f in "${SCENARIO_CLEANUPS[@]}"; do eval "$f"; done
    for vm in "${SCENARIO_VMS[@]}"; do remove_rsc "$vm"; done
    if errs=$(_take_obs_errors); then
        _not_ok "no observation failed after the last test point"
        diag "$errs"
    fi
    # shellcheck disable=SC2031 # the scenario's own, not a watcher's
    [[ -z $OBS_ERRORS ]] || rm -f "$OBS_ERRORS"
    echo "1..$TAP_N"
    printf '# duration: %s s\n' "$(since "$SCENARIO_START")"
    ((rc == 0 && TAP_FAILED == 0)) || exit 1
    exit 0
}

# scenario_begin TITLE: print the header, check the lab, and arrange for
# the final checks, cleanup, plan and duration on any exit.
scenario_begin() {
    SCENARIO_START=$(now)
    mkdir -p "$LAB_DIR/scenarios"
    OBS_ERRORS=$LAB_DIR/scenarios/observation-errors.$$
    : >"$OBS_ERRORS"
    printf '# scenario: %s (agent %s)\n' "$1" "$AGENT"
    trap '_scenario_err "$LINENO" "$BASH_COMMAND"' ERR
    trap '_scenario_exit $?' EXIT
    # Cannot run is a failure, never a silent skip.
    local n
    for n in "${NODES[@]}"; do
        if ! node_up "$n"; then
            not_ok "lab node $n is up (run: tests/lab/lab.sh up)"
            exit 1
        fi
    done
    if ! pcmk crm_mon -1 >/dev/null 2>&1; then
        not_ok "Pacemaker answers on $(pcmk_node)"
        exit 1
    fi
}

# uses_vm NAME: the scenario owns resource + domain NAME; any leftover from
# an earlier run is removed first, and it is checked/removed at the end.
uses_vm() {
    local rc=0
    SCENARIO_VMS+=("$1")
    rsc_exists "$1" || rc=$?
    if ((rc != 1)); then   # it exists, or crm_resource cannot tell
        diag "removing leftover resource $1"
        pcmk pcs resource delete "$1" --force >/dev/null 2>&1 || true
        settle 60 || true
    fi
    local n
    for n in "${NODES[@]}"; do vsh "$n" destroy "$1" >/dev/null 2>&1 || true; done
}

# at_exit CMD: run CMD (a string) during cleanup, before the resources go.
at_exit() { SCENARIO_CLEANUPS+=("$1"); }
