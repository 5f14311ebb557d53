#!/bin/bash
# 02: crm_resource --move live-migrates the VM: Started on the other node,
# gone from the first, same boot_id and no counter gap (the longest pause
# between heartbeat lines is reported as the downtime); then back again.
. "$(dirname "$0")/../lib.sh"

scenario_begin "02 live migration"
uses_vm vm
make_vm vm
start_rsc vm

# move_and_check FROM TO
move_and_check() {
    live_move vm "$2" "move $1 -> $2" 60 downtime
    assert_no_cluster_problems "move $1 -> $2: no failed actions"
}

src=$(rsc_nodes vm)
dst=$(other_node "$src")
move_and_check "$src" "$dst"
move_and_check "$dst" "$src"
