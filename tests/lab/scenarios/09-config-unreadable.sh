#!/bin/bash
# 09: the domain XML is unreadable on one node (an empty directory is
# bind-mounted over its directory inside that node only).  Probes and stops
# there must never claim "stopped" without looking: the VM must never run
# twice, and crm_resource --refresh on that node must not start a second
# copy.  Three steps:
#   a. hidden on the node NOT running the VM; refresh there.
#   b. hidden on the node running the VM; refresh there.
#   c. still hidden there: disable.  Pacemaker must not report Stopped while
#      the VM still runs.
. "$(dirname "$0")/../lib.sh"

scenario_begin "09 config unreadable on one node"
uses_vm vm
make_vm vm
start_rsc vm

shared=$LAB_DIR/shared
empty=$LAB_DIR/scenarios/empty-dir
mkdir -p "$empty"
hide_config() { lab exec "$1" mount --bind "$empty" "$shared"; }
show_config() { while lab exec "$1" mountpoint -q "$shared"; do lab exec "$1" umount "$shared" || break; done; }
at_exit "show_config node1; show_config node2"

# refresh_on NODE: re-probe vm on NODE and let the cluster act on it.
refresh_on() {
    pcmk crm_resource --refresh -r vm -N "$1" >/dev/null 2>&1 || true
    sleep 2
    settle 120 || diag "cluster did not settle after the refresh on $1"
}

a=$(rsc_nodes vm)
b=$(other_node "$a")
copies_watch_start vm

# a. Hidden where the VM does not run.
hide_config "$b"
check "the config is unreadable on $b" bash -c "! '$LAB_SH' exec $b test -r '$(vm_config vm)'"
t=$(now)
refresh_on "$b"
printf '# step: refresh on %s (config hidden there): %s s\n' "$b" "$(since "$t")"
diag "$(pcmk crm_mon -1 2>&1 | sed -n '/Active Resources/,$p')"
assert_runs_only_on vm "$a" "a. refresh on $b (config hidden there): vm still runs on $a only"
show_config "$b"
pcmk crm_resource --cleanup -r vm >/dev/null 2>&1 || true
settle

# b. Hidden where the VM runs.
a=$(vm_running_nodes vm)
if [[ $(wc -w <<<"$a") != 1 ]]; then
    not_ok "before step b the VM runs on exactly one node (libvirt: $(vm_copies vm))"
    exit 1
fi
b=$(other_node "$a")
hide_config "$a"
t=$(now)
refresh_on "$a"
printf '# step: refresh on %s (config hidden there, VM running there): %s s\n' "$a" "$(since "$t")"
diag "$(pcmk crm_mon -1 2>&1 | sed -n '/Active Resources/,$p')"
assert_at_most_one_copy vm "b. refresh on $a (config hidden where vm runs): no second copy"
assert_eq "$(domain_state "$a" vm)" running "b. vm still runs on $a"

# c. Stop while hidden where the VM runs.  (A guest still booting would
# lose its power button press and cost a whole stop timeout.)
wait_for 30 guest_ready vm || true
n=$(wc -w <<<"$(vm_active_copies vm)")
((n < 2)) || wait_for 30 eval '(($(recent_boots vm) >= '"$n"'))' || true
t=$(now)
pcmk pcs resource disable vm >/dev/null
sleep 2
settle 150 || diag "cluster did not settle after disable"
printf '# step: disable with the config hidden on %s: %s s\n' "$a" "$(since "$t")"
role=$(rsc_role vm)
copies=$(vm_copies vm)
diag "Pacemaker: role '${role}' on '$(rsc_nodes vm)'; libvirt: '${copies}'"
diag "$(pcmk crm_mon -1 2>&1 | sed -n '/Active Resources/,$p')"
if [[ $role == Stopped && -n $copies ]]; then
    not_ok "c. Pacemaker does not report Stopped while the VM still runs ($copies)"
else
    ok "c. Pacemaker does not report Stopped while the VM still runs (role ${role:-none}, libvirt: ${copies:-none})"
fi
show_config "$a"
copies_watch_stop vm
