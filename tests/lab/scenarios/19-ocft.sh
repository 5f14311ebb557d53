#!/bin/bash
# 19: resource-agents' own ocft cases for VirtualDomain
# (/usr/share/resource-agents/ocft/configs/VirtualDomain), pointed at
# ocf:xvm:domain as the parity review says (Agent, AgentRoot, a config
# outside libvirt's directory), run on node1 against its real libvirtd and
# the lab guest: all 9 cases must pass.  ocft writes its scripts under
# /var/lib/resource-agents/ocft/cases; they are removed afterwards.
. "$(dirname "$0")/../lib.sh"

scenario_begin "19 ocft's VirtualDomain cases"
if agent_is_vd; then skip "the cases are VirtualDomain's own; this runs them on ocf:xvm:domain"; exit 0; fi
SRC=/usr/share/resource-agents/ocft/configs/VirtualDomain
if [[ ! -r $SRC ]]; then
    not_ok "ocft's VirtualDomain cases at $SRC (package resource-agents)"
    exit 1
fi
uses_vm vmocft
make_vm vmocft
cfgdir=$LAB_DIR/scenarios/ocft
mkdir -p "$cfgdir"
at_exit 'lab exec node1 ocft clean domain >/dev/null 2>&1 || true; rm -rf "$cfgdir"; rm -f /var/lib/resource-agents/ocft/cases/logs/domain.log'
at_exit 'vsh node1 destroy vmocft >/dev/null 2>&1 || true'
# The three changes §6 of the parity review lists, nothing else.
sed -e 's|^\(\s*\)Agent VirtualDomain|\1Agent domain|' \
    -e 's|^\(\s*\)AgentRoot .*|\1AgentRoot /usr/lib/ocf/resource.d/xvm|' \
    -e "s|^\(\s*\)OCFT_config=.*|\1OCFT_config=$(vm_config vmocft)|" "$SRC" >"$cfgdir/domain"
check "the adapted case file names ocf:xvm:domain" grep -q 'Agent domain' "$cfgdir/domain"

out=$(lab exec node1 ocft make -d "$cfgdir" domain 2>&1) || { not_ok "ocft make"; diag "$out"; exit 1; }
t=$(now)
out=$(lab exec node1 ocft test domain 2>&1) || true
diag "ocft test domain: $(since "$t") s"
diag "$out"
# ocft prints "domain: CASE - OK." per case (OK in colour); anything else
# after the dash is a failure, with ocft's reason.  One test point per case,
# named after the case file's CASE line, so that a case ocft did not run
# fails too.
plain=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out")
mapfile -t cases < <(sed -n 's/^CASE "\(.*\)"$/\1/p' "$cfgdir/domain")
assert_eq "${#cases[@]}" 9 "the case file holds VirtualDomain's 9 cases"
for c in "${cases[@]}"; do
    line=$(grep -F "domain: $c - " <<<"$plain" | head -n1 || true)
    if [[ $line == "domain: $c - OK." ]]; then
        ok "ocft: $c"
    else
        not_ok "ocft: $c"
        diag "${line:-ocft printed no result for this case}"
    fi
done
assert_eq "$(vm_copies vmocft)" "" "no copy of vmocft left"
