#!/bin/bash
# 12: the hook guard installed on both nodes.
#   - the cluster's own start, live migration both ways and recovery after
#     kill -9 still work;
#   - a "virsh create" by hand of the cluster's VM on the other node is
#     refused, and says where the cluster runs it;
#   - an unrelated domain starts freely;
#   - a libvirtd restart (the reconnect hook) leaves the running VM alone;
#   - the hook's own time per start (prepare + start + started) is measured,
#     against a hook that only runs /bin/true.
. "$(dirname "$0")/../lib.sh"

HOOK_LIMIT_MS=${HOOK_LIMIT_MS:-10}

scenario_begin "12 hook guard"
if agent_is_vd; then skip "the guard belongs to ocf:xvm:domain"; exit 0; fi
uses_vm vm

guard_on_every_node
check "the guard is installed on both nodes" \
    lab exec node2 test -x /etc/libvirt/hooks/qemu.d/50-xvm-domain-guard

make_vm vm
start_rsc vm
a=$(rsc_nodes vm)
b=$(other_node "$a")
ok "the cluster started vm on $a through the guard"

# A start by hand on the other node is refused.
out=$(vsh "$b" create "$(vm_config vm)" 2>&1) && rc=0 || rc=$?
diag "virsh create on $b: $out"
if ((rc != 0)) && grep -q "refused to start vm here" <<<"$out"; then
    ok "virsh create of the cluster's VM on $b is refused"
else
    not_ok "virsh create of the cluster's VM on $b is refused (exit $rc)"
fi
if grep -q "the cluster runs it on $a" <<<"$out"; then
    ok "the refusal says the cluster runs it on $a"
else
    not_ok "the refusal says the cluster runs it on $a"
fi
assert_runs_only_on vm "$a" "after the refused start vm still runs on $a only"

# An unrelated domain is not the guard's business.
make_vm free
out=$(vsh "$b" create "$(vm_config free)" 2>&1) && rc=0 || rc=$?
assert_eq "$rc" 0 "an unrelated domain starts freely on $b"
vsh "$b" destroy free >/dev/null 2>&1 || true

# The hook's own cost per start: prepare, start and started for a domain it
# lets through, beyond what any hook that runs one program for prepare costs
# on this machine at this moment (process start-up alone has been seen from
# 1.6 to 6 ms here: an absolute bound would measure the machine).  The two
# are timed in turns, round by round, so that a busy moment weighs on both
# alike; the cost is the median of the 11 rounds' differences.
hook_rounds() {   # hook_rounds GUARD FLOOR: per round "GUARD_US FLOOR_US DIFF_US"
    lab exec "$b" sh -c '
        xml=$3
        run3() {
            t0=$(date +%s%N)
            for op in prepare start started; do "$1" free $op begin - < "$xml"; done
            t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 ))
        }
        for i in 1 2 3 4 5 6 7 8 9 10 11; do
            g=$(run3 "$1"); f=$(run3 "$2"); echo "$g $f $((g - f))"
        done' sh "$1" "$2" "$(vm_config free)"
}
floor_hook=$LAB_DIR/floor-hook.sh
printf '#!/bin/sh\ncase "$2" in prepare) exec /bin/true ;; esac\nexit 0\n' > "$floor_hook"
chmod 755 "$floor_hook"
rounds=$(hook_rounds /etc/libvirt/hooks/qemu.d/50-xvm-domain-guard "$floor_hook")
median_us() { cut -d' ' -f"$1" <<<"$rounds" | sort -n | sed -n 6p; }
hook_ms=$(awk -v d="$(median_us 3)" 'BEGIN { printf "%.2f", d / 1000 }')
printf '# hook time per start (prepare+start+started, medians of 11 rounds in turns): guard %s ms, a hook running /bin/true %s ms\n' \
    "$(awk -v u="$(median_us 1)" 'BEGIN { printf "%.2f", u / 1000 }')" \
    "$(awk -v u="$(median_us 2)" 'BEGIN { printf "%.2f", u / 1000 }')"
# Eleven rounds of three numbers, or the median would be a blank read as 0.
if [[ $(grep -cE '^-?[0-9]+ -?[0-9]+ -?[0-9]+$' <<<"$rounds") -ne 11 ]]; then
    not_ok "the guard's cost was timed in 11 rounds"
    diag "rounds: ${rounds//$'\n'/ | }"
else
    assert_le "$hook_ms" "$HOOK_LIMIT_MS" "the guard adds ${hook_ms} ms to a start beyond any hook (<= ${HOOK_LIMIT_MS} ms)"
fi

# Live migration both ways goes through the destination's guard.
for dst in "$b" "$a"; do
    live_move vm "$dst" "live migration to $dst with the guard"
done
assert_runs_only_on vm "$a"

# libvirtd restarted under a running VM: the reconnect hook must pass.
boot=$(last_boot_id vm)
restart_libvirtd "$a"
sleep 2
assert_eq "$(domain_state "$a" vm)" running "after a libvirtd restart on $a, vm still runs"
assert_eq "$(last_boot_id vm)" "$boot" "... with the same boot_id"

# Recovery after kill -9 is a cluster start, which the guard lets through.
pid=$(lab exec "$a" cat /run/libvirt/qemu/vm.pid)
lab exec "$a" kill -9 "$pid"
if wait_heartbeat vm 60 "$boot"; then
    ok "after kill -9 the cluster restarted vm through the guard"
else
    not_ok "after kill -9 the cluster restarted vm through the guard"
    diag "$(pcmk crm_mon -1 2>&1)"
fi
settle
assert_at_most_one_copy vm
