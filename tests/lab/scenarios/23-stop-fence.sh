#!/bin/bash
# 23: a stop that cannot succeed escalates to fencing.  On the node that
# runs a guest, libvirtd hangs (SIGSTOP) and the node's process table turns
# useless (the host's /proc is mounted over the node's, so no PID in it is
# the node's own).  The agent cannot see the guest any more: its monitor
# fails instead of saying "not running", and the stop Pacemaker then asks
# for fails instead of saying "stopped".  A failed stop with fencing on is
# Pacemaker's cue to fence: the survivors turn the node off, and the guest
# runs again elsewhere exactly once; the other guest is not touched.
# lab: --nodes 3 --fencing --lockd
. "$(dirname "$0")/../lib.sh"
. "$LIB_DIR/lib-cluster.sh"

scenario_begin "23 a stop that cannot succeed escalates to fencing (3 nodes)"
guests_stay_put
# A bounded stop: the agent gives up when its deadline nears, and this
# keeps the wait for the escalation short (the default is 90 s).
start_vms s 2 op stop timeout=30s

victim=node1
gather_on "$victim" s 2 1
sick=$(on_node "$victim" s 2 | sed -n 1p)
others=$(off_node "$victim" s 2)
diag "placement: $(placement s 2); $sick on $victim is the one that cannot be stopped"
declare -A boot
for vm in $(vm_list s 2); do boot[$vm]=$(last_boot_id "$vm"); done
PCMK_NODE=node2
init=$(cat "$LAB_DIR/nodes/$victim/init.pid")
log=$LAB_DIR/nodes/$victim/fs/var-log/pacemaker/pacemaker.log
at_exit "node_up $victim || lab boot $victim >/dev/null 2>&1 || true"
# Should the scenario end before the fencing, give the node back its own.
at_exit "nsenter -t $init -m -- umount /proc 2>/dev/null || true; lab exec $victim sh -c 'kill -CONT \$(cat /run/libvirtd.pid)' 2>/dev/null || true"

census_watch_start
t=$(now)
lab exec "$victim" sh -c 'kill -STOP "$(cat /run/libvirtd.pid)"'
# nsenter -m only: the mount is made from the host's PID namespace, so the
# new proc shows the host's processes (the agent checks /proc/self).
nsenter -t "$init" -m -- mount -t proc proc /proc
diag "$victim: libvirtd stopped, its /proc now the host's"

assert_recovered_and_fenced "$victim" "$t" "could neither see nor stop its guest" "$sick"

# What the agent said on the victim, from its pacemaker log (still on disk:
# fencing killed the node, not its files).
said=$(grep -a "$sick" "$log" 2>/dev/null | grep -a -E "_(monitor_10000|stop_0)|domain\($sick\)" | tail -n 12 || true)
diag "$victim's log about $sick: $said"
check "the monitor on $victim did not say 'not running' (it could not see)" \
    eval '! grep -a -q "${sick}_monitor_10000.*not running" "$log"'
check "the stop on $victim failed (never 'stopped' without having looked)" \
    eval 'grep -a -E -q "Result of stop operation for $sick on $victim: .*(error|Timed Out)|${sick}_stop_0.*(error|Timed Out|not_running)" "$log"'

assert_rejoins "$victim"
assert_not_restarted $others
census_watch_stop "no guest ran on two nodes at any sample (hang, failed stop, fencing, recovery)"
each_runs_once s 2 "every guest runs exactly once, where Pacemaker says"
forget_fencing
pcmk crm_resource --cleanup >/dev/null 2>&1 || true
settle
assert_no_cluster_problems
