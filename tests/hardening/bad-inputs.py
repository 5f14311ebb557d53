#!/usr/bin/env python3
"""Hostile and malformed inputs, each with the exit code it must give and
words its exit reason must contain.  Runs the built agent binary; needs no
libvirtd (every case fails, or is answered, before the agent connects).

Usage: bad-inputs.py AGENT     (prints TAP)
"""
import os
import stat
import subprocess
import sys
import tempfile
import time

AGENT = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="xvm-bad-")
GOOD = """<domain type='qemu'>
  <name>bad1</name>
  <uuid>9d5a5b0c-3c0e-4b59-8d1a-1f2e3d4c5b6a</uuid>
  <memory unit='MiB'>96</memory>
  <os><type arch='x86_64'>hvm</type></os>
</domain>
"""


def write(name, data, mode=0o644):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, mode)
    return path


def files():
    """The fixture files the cases name, by key."""
    f = {"good": write("good.xml", GOOD)}
    f["dir"] = os.path.join(WORK, "adir")
    os.mkdir(f["dir"])
    f["fifo"] = os.path.join(WORK, "fifo")
    os.mkfifo(f["fifo"])
    f["notwf"] = write("notwf.xml", "<domain><name>x</name>")
    f["nodomain"] = write("nodomain.xml", "<network><name>x</name></network>")
    f["noname"] = write("noname.xml", "<domain type='qemu'><memory>1</memory></domain>")
    f["twonames"] = write("twonames.xml", "<domain><name>a</name><name>b</name></domain>")
    f["emptyname"] = write("emptyname.xml", "<domain><name>  </name></domain>")
    f["baduuid"] = write("baduuid.xml", "<domain><name>a</name><uuid>123</uuid></domain>")
    f["bomb"] = write("bomb.xml", BOMB)
    f["xxe"] = write("xxe.xml", """<?xml version="1.0"?>
<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<domain><name>&x;</name></domain>
""")
    f["huge"] = write("huge.xml", "<domain><name>a</name><description>"
                      + "x" * (2 * 1024 * 1024) + "</description></domain>")
    f["junk"] = write("junk.xml", bytes(range(256)) * 64)
    f["latin1"] = write("latin1.xml", b"<domain><name>caf\xe9</name></domain>")
    f["empty"] = write("empty.xml", b"")
    return f


BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
        + "".join('<!ENTITY lol%d "%s">\n' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10)
                  for i in range(1, 10))
        + ']>\n<domain><name>&lol9;</name></domain>\n')


def cases(f):
    """(description, action, params, extra env, expected rc, reason words)."""
    good = {"config": f["good"]}
    c = [
        ("config missing", "validate-all", {}, {}, 6, "config is required"),
        ("config empty", "validate-all", {"config": ""}, {}, 6, "config is required"),
        ("config relative", "validate-all", {"config": "vm.xml"}, {}, 6, "absolute"),
        ("config nonexistent, level 10", "validate-all", {"config": "/nonexistent/vm.xml"},
         {"OCF_CHECK_LEVEL": "10"}, 5, "cannot be read"),
        ("config a directory", "validate-all", {"config": f["dir"]}, {}, 6, "not a regular file"),
        ("config a FIFO (must not hang)", "validate-all", {"config": f["fifo"]}, {}, 6,
         "not a regular file"),
        ("XML not well-formed", "validate-all", {"config": f["notwf"]}, {}, 5, "well-formed"),
        ("XML without <domain>", "validate-all", {"config": f["nodomain"]}, {}, 6, "<domain>"),
        ("XML without <name>", "validate-all", {"config": f["noname"]}, {}, 6, "no <name>"),
        ("XML with two <name>s", "validate-all", {"config": f["twonames"]}, {}, 6, "2 <name>"),
        ("XML with an empty name", "validate-all", {"config": f["emptyname"]}, {}, 6, "empty"),
        ("XML with a bad UUID", "validate-all", {"config": f["baduuid"]}, {}, 6, "uuid"),
        ("billion laughs", "validate-all", {"config": f["bomb"]}, {}, 5, ""),
        ("external entity (XXE)", "validate-all", {"config": f["xxe"]}, {}, 6, "DOCTYPE"),
        ("huge file", "validate-all", {"config": f["huge"]}, {}, 6, "larger than"),
        ("binary junk", "validate-all", {"config": f["junk"]}, {}, 5, "well-formed"),
        ("non-UTF-8 bytes", "validate-all", {"config": f["latin1"]}, {}, 5, "well-formed"),
        ("empty file", "validate-all", {"config": f["empty"]}, {}, 5, "well-formed"),
        ("unknown migration_type", "validate-all", dict(good, migration_type="teleport"), {}, 6,
         "migration_type"),
        ("unknown shutdown_mode", "validate-all", dict(good, shutdown_mode="acpi,magic"), {}, 6,
         "shutdown_mode"),
        ("%x in migrateuri", "validate-all", dict(good, migrateuri="tcp://%n:%x"), {}, 6,
         "migrateuri"),
        ("%s in remoteuri", "validate-all", dict(good, remoteuri="qemu+ssh://%s/system"), {}, 6,
         "remoteuri"),
        ("%% and %n in migrateuri are fine", "validate-all",
         dict(good, migrateuri="tcp://%n:1%%"), {}, 0, ""),
        ("hypervisor not a URI", "validate-all", dict(good, hypervisor="localhost"), {}, 6,
         "hypervisor"),
        ("migration_user with a space", "validate-all", dict(good, migration_user="a b"), {}, 6,
         "migration_user"),
        ("boolean junk", "validate-all", dict(good, force_stop="maybe"), {}, 6, "force_stop"),
        # Only what no reading makes safe stops start; a value VirtualDomain
        # would have read (persistent="2" as false) is warned about instead.
        ("start refuses a hypervisor that is not a URI before libvirt", "start",
         dict(good, hypervisor="qemu-system"), {}, 6, "hypervisor"),
        ("start on a node without the config", "start", {"config": "/nonexistent/vm.xml"}, {}, 5,
         "cannot be read"),
        ("migrate_to without a target", "migrate_to", good, {}, 1, "migrate_target"),
        ("migrate_to with shell metacharacters in the target", "migrate_to", good,
         {"OCF_RESKEY_CRM_meta_migrate_target": "node2;reboot"}, 1, "not a valid node name"),
        ("migrate_to with a space in the target", "migrate_to", good,
         {"OCF_RESKEY_CRM_meta_migrate_target": "node 2"}, 1, "not a valid node name"),
        ("migrate_to with $() in the target", "migrate_to", good,
         {"OCF_RESKEY_CRM_meta_migrate_target": "$(touch /tmp/pwned)"}, 1, "not a valid"),
        ("migrate_from without a source", "migrate_from", good, {}, 1, "migrate_source"),
        ("unknown action", "frobnicate", good, {}, 3, "unknown action"),
        ("promote is not ours", "promote", good, {}, 3, "unknown action"),
        ("hundreds of unknown OCF_RESKEY_ variables", "validate-all", good,
         {"OCF_RESKEY_junk%d" % i: "x" * 100 for i in range(500)}, 0, ""),
    ]
    for value in ["-1", "1.5", "ten", "10s", "99999999999999999999", "-0"]:
        c.append(("shutdown_timeout=%s" % value, "validate-all",
                  dict(good, shutdown_timeout=value), {}, 6, "shutdown_timeout"))
    for name in ["migration_speed", "migration_downtime", "migrateport"]:
        for value in ["-5", "abc", "1e3", "18446744073709551616"]:
            c.append(("%s=%s" % (name, value), "validate-all", dict(good, **{name: value}), {}, 6,
                      name))
    c.append(("migrateport=70000 out of range", "validate-all", dict(good, migrateport="70000"),
              {}, 6, "migrateport"))
    for value in ["0", "-1", "99999999999999999999999", "abc", "", "20s"]:
        c.append(("CRM_meta_timeout=%r still validates" % value, "validate-all", good,
                  {"OCF_RESKEY_CRM_meta_timeout": value}, 0, ""))
    return c


def run(action, params, extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HA_logfacility": "none",
           "OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "bad",
           "HA_RSCTMP": WORK, "PCMK_service": "bad-inputs"}
    env.update({"OCF_RESKEY_" + k: v for k, v in params.items()})
    env.update(extra)
    started = time.monotonic()
    p = subprocess.run([AGENT, action], env=env, capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stderr.decode(errors="replace"), time.monotonic() - started


def exit_reason(stderr):
    lines = [l for l in stderr.splitlines() if l.startswith("ocf-exit-reason:")]
    return lines[-1][len("ocf-exit-reason:"):] if lines else ""


def main():
    f = files()
    table = cases(f)
    print("1..%d" % len(table))
    failed = 0
    for n, (what, action, params, extra, want_rc, words) in enumerate(table, 1):
        try:
            rc, stderr, took = run(action, params, extra)
        except subprocess.TimeoutExpired:
            rc, stderr, took = "hang", "", 30.0
        reason = exit_reason(stderr)
        problems = []
        if rc != want_rc:
            problems.append("rc %s, expected %s" % (rc, want_rc))
        if want_rc not in (0, 7) and not reason:
            problems.append("no exit reason")
        if words and words.lower() not in reason.lower():
            problems.append("reason %r lacks %r" % (reason, words))
        if len(reason.encode()) > 127:
            problems.append("reason longer than 127 bytes")
        if "root:" in stderr:
            problems.append("file contents leaked into the output")
        if took > 5:
            problems.append("took %.1f s" % took)
        if problems:
            failed += 1
            print("not ok %d - %s: %s" % (n, what, "; ".join(problems)))
            for line in stderr.splitlines()[-5:]:
                print("# " + line)
        else:
            print("ok %d - %s (rc %s)" % (n, what, rc))
    subprocess.run(["rm", "-rf", WORK])
    if os.path.exists("/tmp/pwned"):
        print("not ok - a target name ran a shell command")
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
