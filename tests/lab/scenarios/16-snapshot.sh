#!/bin/bash
# 16: snapshot=DIR (issue 10), with the hook guard installed and a raw disk
# attached to the guest.
#   a. pcs resource disable saves the guest: DIR/NAME.state exists, libvirt
#      has no copy, the guest never powered off.  A "virsh restore" of that
#      file by hand is refused by the guard.
#   b. pcs resource enable restores it through the guard: the same boot,
#      the heartbeat counter goes on without a break, the state file is
#      gone, nothing failed.  (The disk QEMU had open was not written after
#      the save: no false "older than its disks".)
#   c. disable again, then the disk is written (touched) after the save:
#      enable is refused with a reason naming the disk, and the state file
#      is kept.
. "$(dirname "$0")/../lib.sh"

scenario_begin "16 snapshot"
if agent_is_vd; then skip "the checks on restore belong to ocf:xvm:domain"; exit 0; fi
uses_vm vmsnap

SNAP=$LAB_DIR/shared/snap
STATE=$SNAP/vmsnap.state
DISK=$LAB_DIR/shared/vmsnap.img

guard_on_every_node
at_exit 'rm -f "$STATE" "$DISK"'

mkdir -p "$SNAP"
rm -f "$STATE"
truncate -s 1M "$DISK"
make_vm vmsnap
# A raw disk QEMU holds open (the guest does not use it).
sed -i "s|<emulator>\(.*\)</emulator>|&\n    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$DISK'/><target dev='vda' bus='virtio'/></disk>|" \
    "$(vm_config vmsnap)"
start_rsc vmsnap snapshot="$SNAP"
wait_for 30 guest_ready vmsnap || true
boot=$(last_boot_id vmsnap)
serial_watch_start vmsnap

# a. disable: saved, not shut down.
t=$(now)
pcmk pcs resource disable vmsnap
reaches 60 "$t" "a. disable: Stopped" rsc_stopped vmsnap || true
settle
check "a. the state file $STATE exists" test -s "$STATE"
assert_eq "$(vm_copies vmsnap)" "" "a. libvirt has no copy of vmsnap on any node"
if serial_has_poweroff vmsnap; then
    not_ok "a. the guest did not power off (it was saved)"
else
    ok "a. the guest did not power off (it was saved)"
fi
n=node1
if out=$(vsh "$n" restore "$STATE" 2>&1); then
    not_ok "a. a restore by hand on $n is refused by the guard"
    vsh "$n" destroy vmsnap >/dev/null 2>&1 || true
elif [[ $out == *"xvm guard: refused"* ]]; then
    ok "a. a restore by hand on $n is refused by the guard"
else
    not_ok "a. a restore by hand on $n is refused by the guard"
fi
diag "a. virsh restore by hand: ${out//$'\n'/ }"
check "a. the refused restore left the state file" test -s "$STATE"

# b. enable: resumed.
t=$(now)
pcmk pcs resource enable vmsnap
reaches 90 "$t" "b. enable: Started" rsc_started vmsnap || true
before=$(last_counter vmsnap)
_counter_moved() { local c; c=$(last_counter vmsnap); [[ -n $c && $c -gt $before ]]; }
wait_for 30 _counter_moved || true
serial_watch_stop
assert_eq "$(last_boot_id vmsnap)" "$boot" "b. the guest resumed: same boot id"
gaps=$(counter_gap_check vmsnap)
diag "b. heartbeats across disable/enable: $gaps"
assert_eq "$(kv "$gaps" boot_ids) $(kv "$gaps" counter_breaks)" "1 0" \
    "b. one boot, the counter never broke"
if [[ -e $STATE ]]; then not_ok "b. the state file was removed"; else ok "b. the state file was removed"; fi
settle
assert_no_cluster_problems "b. no failed actions, nothing fenced or blocked"

# c. the disk written after the save: refused, file kept.
pcmk pcs resource disable vmsnap
wait_for 60 rsc_stopped vmsnap || not_ok "c. disable: Stopped"
settle
check "c. the state file exists again" test -s "$STATE"
touch -d "60 seconds" "$DISK"
pcmk pcs resource enable vmsnap
start_failed() { [[ -n $(crm_xpath "string(//failures/failure[@op_key='vmsnap_start_0'][1]/@op_key)") ]]; }
if wait_for 60 start_failed; then
    reason=$(crm_xpath "string(//failures/failure[@op_key='vmsnap_start_0'][1]/@exitreason)")
    code=$(crm_xpath "string(//failures/failure[@op_key='vmsnap_start_0'][1]/@exitcode)")
    diag "c. start: exit code $code, reason: $reason"
    assert_eq "$code" 1 "c. start refused with exit code 1"
    if [[ $reason == *"disk $DISK was written"* ]]; then
        ok "c. the reason names the disk"
    else
        not_ok "c. the reason names the disk"
    fi
else
    not_ok "c. start refused"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
check "c. the state file is kept" test -s "$STATE"
assert_eq "$(vm_copies vmsnap)" "" "c. libvirt has no copy of vmsnap on any node"
