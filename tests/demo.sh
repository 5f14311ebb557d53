#!/bin/bash
# README's first command: installs what is needed, builds the agent, and runs
# a real VM's life under it on a two-node Pacemaker + libvirt lab on this
# machine (validate, create, start, monitor, live migration both ways, stop),
# printing the time each step took.  Run as root on Debian 12.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${XVM_BUILD_DIR:-$top/build}
cd "$top"

echo "=== setting up the host (Debian packages, users)"
bash tests/setup-host.sh
echo "=== building the agent in $build"
if [ -d "$build" ]; then meson setup --reconfigure "$build" >/dev/null
else meson setup "$build" >/dev/null; fi
meson compile -C "$build" >/dev/null
echo "=== a VM's life under ocf:xvm:domain"
LAB_AGENT="$build/agent/domain" exec bash tests/lab/demo.sh
