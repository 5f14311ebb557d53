#!/usr/bin/env python3
"""A VirtualDomain resource changed only in type keeps working: every
parameter of ocf:heartbeat:VirtualDomain's own meta-data is in ours, with
the same type and the same default (as ocf_is_true reads a boolean), and
pcs creates realistic VirtualDomain resources as ocf:xvm:domain offline
(pcs -f against a CIB file) with no error and no warning.

    virtualdomain-parity.py AGENT WITH_AGENT_INSTALLED
TAP on stdout."""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

VD = "/usr/lib/ocf/resource.d/heartbeat/VirtualDomain"

# Where our declared default differs in text but not in meaning, or on
# purpose: name -> why.
DELIBERATE = {
    "migrateport": "VD draws a random port at run time; we let libvirt pick one from the same range",
}

# Realistic VirtualDomain resources (from its users' configurations and the
# parity review), created as ocf:xvm:domain exactly as written.
RESOURCES = [
    ["config=/shared/vm1.xml", "migration_transport=ssh", "meta", "allow-migrate=true"],
    ["config=/shared/vm2.xml", "hypervisor=qemu:///system", "force_stop=0",
     "autoset_utilization_cpu=true", "autoset_utilization_hv_memory=true",
     "autoset_utilization_host_memory=false", "unset_utilization_host_memory=true"],
    ["config=/shared/vm3.xml", "snapshot=/shared/snap", "save_config_on_stop=true",
     "sync_config_on_stop=1"],
    ["config=/shared/vm4.xml", "migration_network_suffix=-mig", "migrateport=49152",
     "migration_user=root", "migration_speed=500", "migration_downtime=300"],
    ["config=/shared/vm5.xml", "migrate_options=--tls --auto-converge --compressed",
     "remoteuri=qemu+tls://%n.example.com/system", "migrateuri=tcp://%n-data:49200"],
    ["config=/shared/vm6.xml", "start_resources=true", "monitor_scripts=/usr/local/bin/ping-vm6",
     "shutdown_mode=acpi"],
    ["config=/shared/vm7.xml", "backingfile=/shared/base.qcow2", "stateless=true",
     "copyindirs=/srv/overlay /etc/vm7"],
]

n = 0
failed = 0


def result(ok, what, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    if not ok:
        for line in detail.splitlines():
            print("# " + line)


def params(xml_text):
    out = {}
    for p in ET.fromstring(xml_text).find("parameters"):
        c = p.find("content")
        out[p.get("name")] = (c.get("type") if c is not None else None,
                              c.get("default") if c is not None else None)
    return out


def ocf_is_true(text):
    return text in ("yes", "true", "1", "YES", "TRUE", "True", "ja", "on", "ON")


def same_default(kind, a, b):
    if kind == "boolean":
        return ocf_is_true(a or "") == ocf_is_true(b or "")
    return (a or "") == (b or "")


def main():
    agent, with_agent = sys.argv[1], sys.argv[2]
    env = dict(os.environ, OCF_ROOT="/usr/lib/ocf")
    vd = params(subprocess.run([VD, "meta-data"], env=env, capture_output=True, text=True,
                               check=True).stdout)
    ours = params(subprocess.run([agent, "meta-data"], capture_output=True, text=True,
                                 check=True).stdout)
    print("1..%d" % (len(vd) + 2 * len(RESOURCES) + 2))
    for name, (kind, default) in sorted(vd.items()):
        if name not in ours:
            result(False, "VirtualDomain's %s is ours too" % name, "missing from our meta-data")
            continue
        okind, odefault = ours[name]
        if name in DELIBERATE:
            result(okind == kind, "%s: same type (%s); default differs on purpose: %s"
                   % (name, kind, DELIBERATE[name]))
            continue
        result(okind == kind and same_default(kind, default, odefault),
               "%s: same type and default as VirtualDomain's" % name,
               "VD %s default %r, ours %s default %r" % (kind, default, okind, odefault))

    with tempfile.TemporaryDirectory() as tmp:
        cib = os.path.join(tmp, "cib.xml")
        with open(cib, "w") as f:
            f.write(subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True,
                                   check=True).stdout)

        def pcs(*args):
            return subprocess.run([with_agent, agent, "pcs", "-f", cib] + list(args),
                                  capture_output=True, text=True)

        for i, words in enumerate(RESOURCES, 1):
            for agent_type in ("ocf:heartbeat:VirtualDomain", "ocf:xvm:domain"):
                rsc = "vm%d-%s" % (i, agent_type.split(":")[1])
                r = pcs("resource", "create", rsc, agent_type, *words)
                result(r.returncode == 0 and r.stderr.strip() == "",
                       "pcs -f resource create %s %s %s: no error, no warning"
                       % (rsc, agent_type, " ".join(words)),
                       "rc %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
        r = pcs("resource", "update", "vm3-xvm", "snapshot=/shared/snap2", "stateless=false")
        result(r.returncode == 0 and r.stderr.strip() == "",
               "pcs -f resource update of a switched resource: no error, no warning",
               "rc %d\n%s" % (r.returncode, r.stderr))
        # The check can fail: a misspelt option is refused by pcs.
        r = pcs("resource", "create", "typo", "ocf:xvm:domain", "config=/x.xml", "snapshott=/s")
        result(r.returncode != 0 and "snapshott" in r.stderr,
               "pcs -f refuses a misspelt option (snapshott)", r.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
