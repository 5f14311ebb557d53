#!/usr/bin/env python3
"""A VirtualDomain resource changed only in type keeps working: every
parameter of ocf:heartbeat:VirtualDomain's own meta-data is in ours, with
the same type and the same default (as ocf_is_true reads a boolean), and
pcs creates realistic VirtualDomain resources as ocf:xvm:domain offline
(pcs -f against a CIB file) with no error and no warning.

VirtualDomain's meta-data leaves several defaults out (migrate_options,
save_config_on_stop, ...) and computes two at run time (hypervisor,
migrateport), so the default compared is the one it runs with: its
OCF_RESKEY_<name>_default line, else the meta-data's, else unset.  A
computed default cannot be compared and must be listed in DELIBERATE with
the reason ours differs; an entry there that no longer differs fails too,
so that the list stays true.

    virtualdomain-parity.py AGENT WITH_AGENT_INSTALLED
TAP on stdout."""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

VD = "/usr/lib/ocf/resource.d/heartbeat/VirtualDomain"

# Where our declared default differs in text but not in meaning, or on
# purpose: name -> why.
DELIBERATE = {
    "hypervisor": "VD runs 'virsh --quiet uri' at run time; ours is empty, which makes"
                  " libvirt resolve the same default URI itself",
    "migrateport": "VD draws a random port from 49152-49215 at run time; ours is empty,"
                   " and libvirt picks a free port from that range",
}

# VirtualDomain declares 27 parameters (resource-agents 4.12); fewer read
# means the extraction broke, and the checks below would pass on nothing.
VD_PARAMETERS_AT_LEAST = 27

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


COMPUTED = object()   # a default VirtualDomain computes when it runs


def vd_runtime_defaults(script):
    """name -> the default VirtualDomain's script assigns (COMPUTED when it
    runs a command for it), from its OCF_RESKEY_<name>_default=... lines and
    its ': ${OCF_RESKEY_<name>=$(...)}' lines."""
    out = {}
    for line in script.splitlines():
        m = re.match(r"OCF_RESKEY_(\w+)_default=(.*)$", line)
        if m:
            value = m.group(2).strip()
            out[m.group(1)] = COMPUTED if "$(" in value else value.strip("\"'")
            continue
        m = re.match(r":\s*\$\{OCF_RESKEY_(\w+)=\$\(", line.strip())
        if m:
            out[m.group(1)] = COMPUTED
    return out


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
    with open(VD) as f:
        runtime = vd_runtime_defaults(f.read())
    print("1..%d" % (1 + len(vd) + len(set(DELIBERATE) - set(vd)) + 2 * len(RESOURCES) + 2))
    result(len(vd) >= VD_PARAMETERS_AT_LEAST,
           "VirtualDomain's meta-data lists %d parameters (at least %d)"
           % (len(vd), VD_PARAMETERS_AT_LEAST))
    for name, (kind, declared) in sorted(vd.items()):
        if name not in ours:
            result(False, "VirtualDomain's %s is ours too" % name, "missing from our meta-data")
            continue
        okind, odefault = ours[name]
        default = runtime.get(name, declared)
        if name in DELIBERATE:
            differs = default is COMPUTED or not same_default(kind, default, odefault)
            result(okind == kind and differs,
                   "%s: same type (%s); default differs on purpose: %s"
                   % (name, kind, DELIBERATE[name]),
                   "VD %s default %s, ours %s default %r%s"
                   % (kind, "computed at run time" if default is COMPUTED else repr(default),
                      okind, odefault, "" if differs else ": no longer differs, drop it"))
            continue
        result(okind == kind and default is not COMPUTED
               and same_default(kind, default, odefault),
               "%s: same type and default (%r) as VirtualDomain's" % (name, odefault),
               "VD %s default %s, ours %s default %r"
               % (kind, "computed at run time (list it in DELIBERATE?)" if default is COMPUTED
                  else repr(default), okind, odefault))
    for name in sorted(set(DELIBERATE) - set(vd)):
        result(False, "DELIBERATE names %s, a VirtualDomain parameter" % name,
               "VirtualDomain has no parameter %s: drop it from DELIBERATE" % name)

    with tempfile.TemporaryDirectory() as tmp:
        cib = os.path.join(tmp, "cib.xml")
        with open(cib, "w") as f:
            f.write(subprocess.run(["cibadmin", "--empty"], capture_output=True, text=True,
                                   check=True).stdout)

        def pcs(*args):
            return subprocess.run([with_agent, agent, "pcs", "-f", cib] + list(args),
                                  capture_output=True, text=True)

        def clean(r):   # pcs prints its warnings on stderr; look at stdout too
            return (r.returncode == 0 and r.stderr.strip() == ""
                    and not re.search(r"^(Warning|Error)", r.stdout, re.M))

        for i, words in enumerate(RESOURCES, 1):
            for agent_type in ("ocf:heartbeat:VirtualDomain", "ocf:xvm:domain"):
                rsc = "vm%d-%s" % (i, agent_type.split(":")[1])
                r = pcs("resource", "create", rsc, agent_type, *words)
                result(clean(r),
                       "pcs -f resource create %s %s %s: no error, no warning"
                       % (rsc, agent_type, " ".join(words)),
                       "rc %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
        r = pcs("resource", "update", "vm3-xvm", "snapshot=/shared/snap2", "stateless=false")
        result(clean(r),
               "pcs -f resource update of a switched resource: no error, no warning",
               "rc %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
        # The check can fail: a misspelt option is refused by pcs.
        r = pcs("resource", "create", "typo", "ocf:xvm:domain", "config=/x.xml", "snapshott=/s")
        result(r.returncode != 0 and "snapshott" in r.stderr,
               "pcs -f refuses a misspelt option (snapshott)", r.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
