#!/usr/bin/env python3
"""Fault-injection tests of ocf:xvm:domain's safety promise.

The agent must never answer "not running" (monitor 7) or "stopped" (stop 0)
without having looked, and must never let a second copy run.  Each case runs
the real agent binary, with the real libvirt client library, against a fake
libvirtd (fakelibvirtd.py) and fake QEMU processes, breaks something, and
checks the exit codes and what the fakes saw.

Usage:
    run-fault-tests.py [--agent PATH] [--keep] [--verbose] [CASE ...]

The agent comes from --agent or $XVM_AGENT.  CASE selects cases by name
(F4a) or prefix (F3); --list prints them.  Output is TAP.  --keep keeps each
case's directory (printed as a diagnostic) for a look afterwards.
"""

import argparse
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_LIBVIRTD = os.path.join(HERE, "fakelibvirtd.py")
# The fake processes run a Python that user nobody can execute too.
FAKE_PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable

# UUIDs of this suite's own, so that a process-table scan by some other test
# on the same machine (the safety review's examples use 6695eb01-…) does not
# take our fake QEMUs for its own, nor the other way round.
UUID1 = "fa017e57-0001-4a11-8e57-000000000001"
UUID2 = "fa017e57-0002-4a11-8e57-000000000002"
UUID_VM2 = "fa017e57-0003-4a11-8e57-000000000003"
UUID_FOREIGN = "fa017e57-0004-4a11-8e57-000000000004"

QEMU_ARGV0 = "/usr/bin/qemu-system-x86_64"
LXC_ARGV0 = "/usr/lib/libvirt/libvirt_lxc"
NOBODY = "nobody"
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
# How far past its CRM_meta_timeout a run may end before it counts as an
# overrun (fork, exec and our own measuring; the agent aims to end 0.5 s early).
BUDGET_GRACE_S = 0.25

STOP_CALLS = ("domain_shutdown", "domain_shutdown_flags", "domain_destroy",
              "domain_destroy_flags")


class Skip(Exception):
    pass


def domain_xml(name="vm1", uuid=UUID1, dom_type="kvm"):
    """A small valid domain XML: no emulator and no disks, so that start's
    check for node files passes on any machine."""
    uuid_line = "  <uuid>%s</uuid>\n" % uuid if uuid else ""
    if dom_type == "lxc":
        os_part = "  <os>\n    <type>exe</type>\n    <init>/sbin/init</init>\n  </os>\n"
    else:
        os_part = "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n"
    return ("<domain type='%s'>\n  <name>%s</name>\n%s"
            "  <memory unit='MiB'>256</memory>\n  <vcpu>1</vcpu>\n%s"
            "</domain>\n" % (dom_type, name, uuid_line, os_part))


class Run:
    """One agent run."""

    def __init__(self, label, argv, rc, out, err, secs, budget_ms, timed_out):
        self.label, self.argv = label, argv
        self.rc, self.out, self.err = rc, out, err
        self.secs, self.budget_ms, self.timed_out = secs, budget_ms, timed_out

    @property
    def reason(self):
        for line in self.err.splitlines():
            if line.startswith("ocf-exit-reason:"):
                return line[len("ocf-exit-reason:"):]
        return None

    @property
    def died_by_signal(self):
        return self.rc is not None and (self.rc < 0 or self.rc >= 128)

    def summary(self):
        if self.timed_out:
            rc = "killed after %.1f s (budget %d ms)" % (self.secs, self.budget_ms)
        elif self.rc is not None and self.rc < 0:
            rc = "died by signal %d" % -self.rc
        else:
            rc = "rc=%s" % self.rc
        return "%s: %s in %.1f s" % (self.label, rc, self.secs)


class FakeLibvirtd:
    def __init__(self, case, scenario, name="libvirt"):
        self.case = case
        self.sock = os.path.join(case.dir, name + ".sock")
        self.state_path = os.path.join(case.dir, name + "-state.json")
        self.log_path = os.path.join(case.dir, name + ".log")
        scenario_path = os.path.join(case.dir, name + "-scenario.json")
        with open(scenario_path, "w") as f:
            json.dump(scenario, f, indent=1)
        self.proc = subprocess.Popen(
            [sys.executable, FAKE_LIBVIRTD, "--socket", self.sock, "--scenario",
             scenario_path, "--state", self.state_path, "--log", self.log_path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(case.dir, name + ".stderr"), "w"),
            start_new_session=True)
        case.procs.append(self.proc)
        deadline = time.monotonic() + 5
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fake libvirtd did not start (see %s.stderr)" % name)
            time.sleep(0.02)

    @property
    def uri(self):
        return "qemu+unix:///system?socket=" + self.sock

    def state(self):
        with open(self.state_path) as f:
            return json.load(f)

    def domain(self, name):
        for d in self.state()["domains"]:
            if d["name"] == name:
                return d
        return None

    def is_off(self, name):
        d = self.domain(name)
        return d is None or d["state"] == "shutoff"

    def is_running(self, name):
        d = self.domain(name)
        return d is not None and d["state"] == "running"

    def stop_calls(self, name):
        return [c for c in self.state()["calls"]
                if c["proc"] in STOP_CALLS and c.get("name") == name and not c.get("fault")]

    def rearm(self):
        """Arms the faults again: libvirtd "restarted" once more."""
        self.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.1)

    def describe(self):
        try:
            st = self.state()
        except (OSError, ValueError) as e:
            return ["fake libvirtd state unreadable: %s" % e]
        lines = ["fake libvirtd: %d connection(s); domains: %s" % (
            st["connections"],
            ", ".join("%s %s marker=%s" % (d["name"], d["state"], d["marker"])
                      for d in st["domains"]) or "none")]
        quiet = ("auth_list", "connect_supports_feature", "connect_open", "connect_close",
                 "connect_domain_event_callback_register_any",
                 "connect_domain_event_callback_deregister_any")
        calls = [c for c in st["calls"] if c["proc"] not in quiet]
        tail = calls[-14:]
        lines.append("fake libvirtd calls%s: %s" % (
            " (last %d)" % len(tail) if len(calls) > len(tail) else "",
            "; ".join("%s %s%s%s" % ("c%s" % c["conn"] if c.get("conn") else "-", c["proc"],
                                      "(%s)" % c["name"] if c.get("name") else "",
                                      " -> " + c["fault"] if c.get("fault") else "")
                      for c in tail) or "none"))
        if st["faults_fired"]:
            lines.append("faults fired: %s" % "; ".join(
                "%s at %s on c%s" % (f["action"], f["proc"], f["conn"])
                for f in st["faults_fired"]))
        return lines


class Case:
    """A case's directory, environment, processes and verdicts."""

    def __init__(self, name, agent, keep):
        self.name, self.agent_path, self.keep = name, agent, keep
        self.dir = tempfile.mkdtemp(prefix="xvmf-%s-" % name)
        os.chmod(self.dir, 0o755)
        self.rsctmp = os.path.join(self.dir, "rsctmp")
        self.guard = os.path.join(self.dir, "guard")
        self.run_dir = os.path.join(self.dir, "qemu-run")
        for d in (self.rsctmp, self.guard, self.run_dir):
            os.mkdir(d, 0o755)
        self.config = os.path.join(self.dir, "vm1.xml")
        self.absent_sock = os.path.join(self.dir, "absent.sock")
        self.procs = []
        self.fakes = []
        self.steps = []
        self.failures = []
        self.trace = []

    # -- set-up helpers
    def write(self, path, text, mode=0o644):
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def write_config(self, text):
        return self.write(self.config, text)

    def fake_libvirtd(self, scenario, name="libvirt"):
        fake = FakeLibvirtd(self, scenario, name)
        self.fakes.append(fake)
        return fake

    def fake_process(self, argv0, args, user=None, ignore_term=False, pidfile=None):
        """A process with the command line argv0 args (a Python pause loop
        started under another argv[0]).  With pidfile, it writes and locks
        libvirt's pidfile the way a libvirt-started QEMU has it: libvirt's
        virPidFileAcquirePath (O_CREAT 0644, fcntl write lock on byte 0,
        the bare pid, no newline), with the locked fd kept across the exec
        of QEMU, so QEMU holds the lock as long as it lives."""
        code = "import fcntl, os, signal\n"
        if pidfile:
            code += ("fd = os.open(os.environ['FAKE_PIDFILE'], os.O_WRONLY | os.O_CREAT, 0o644)\n"
                     "os.fchmod(fd, 0o644)\n"
                     "fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)\n"
                     "os.ftruncate(fd, 0)\n"
                     "os.write(fd, str(os.getpid()).encode())\n")
        if ignore_term:
            code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        code += "while True: signal.pause()\n"
        kw = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": [], "cwd": "/"}
        env = {"PATH": "/usr/bin:/bin"}
        if pidfile:
            env["FAKE_PIDFILE"] = pidfile
        p = subprocess.Popen([argv0, "-c", code] + args, executable=FAKE_PYTHON, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, **kw)
        self.procs.append(p)
        # Reap it the moment it dies, as init or libvirtd would: a zombie
        # still answers kill(pid, 0).
        threading.Thread(target=p.wait, daemon=True).start()
        # Wait until it runs under its final command line, has its pidfile
        # written, and sits in pause().
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/cmdline" % p.pid, "rb") as f:
                    ready = f.read().split(b"\0")[0] == argv0.encode()
                if ready and pidfile:
                    with open(pidfile) as f:
                        ready = f.read() == str(p.pid)
                if ready:
                    break
            except OSError:
                pass
            time.sleep(0.01)
        else:
            raise RuntimeError("fake process %s did not come up" % argv0)
        time.sleep(0.1)
        return p

    def fake_qemu(self, name="vm1", uuid=UUID1, pidfile=True, user=None, ignore_term=False):
        """A process whose /proc/PID/cmdline is a libvirt QEMU command line,
        holding libvirt's pidfile RUN_DIR/NAME.pid (see fake_process)."""
        args = ["-name", "guest=%s,debug-threads=on" % name.replace(",", ",,"), "-S"]
        if uuid:
            args += ["-uuid", uuid]
        args += ["-no-user-config", "-nodefaults"]
        path = os.path.join(self.run_dir, name + ".pid") if pidfile else None
        return self.fake_process(QEMU_ARGV0, args, user=user, ignore_term=ignore_term,
                                 pidfile=path)

    def fake_lxc(self, name="vm1"):
        return self.fake_process(LXC_ARGV0, ["--name", name, "--console", "25",
                                             "--security=none", "--handshake", "28"])

    # -- running the agent
    def env(self, timeout_ms, interval=None, config=None, hypervisor=None, by_hand=False):
        env = {
            "PATH": "/usr/bin:/bin",
            "LC_ALL": "C",
            "HA_RSCTMP": self.rsctmp,
            "XVM_GUARD_ROOT": self.guard,
            "XVM_QEMU_RUN_DIR": self.run_dir,
            "OCF_RESKEY_CRM_meta_timeout": str(timeout_ms),
            "PCMK_service": "x",
            "HA_logfacility": "none",
        }
        if not by_hand:
            env["OCF_RESOURCE_INSTANCE"] = "vm1"
            env["OCF_RESKEY_config"] = config or self.config
            env["OCF_RESKEY_hypervisor"] = hypervisor or self.absent_uri()
        if interval is not None:
            env["OCF_RESKEY_CRM_meta_interval"] = str(interval)
        return env

    def absent_uri(self):
        return "qemu+unix:///system?socket=" + self.absent_sock

    def agent(self, action, timeout_ms, interval=None, config=None, hypervisor=None,
              words=None, by_hand=False, wrap=None, label=None):
        """Runs `domain ACTION [words]` as Pacemaker would (or by hand with
        words), optionally wrapped: wrap(argv, env) -> (argv, env)."""
        env = self.env(timeout_ms, interval, config, hypervisor, by_hand)
        argv = [self.agent_path, action] + list(words or [])
        if wrap:
            argv, env = wrap(argv, env)
        label = label or (action if action != "monitor" else
                          ("probe" if interval in (None, 0) else "monitor"))
        start = time.monotonic()
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        self.procs.append(p)
        timed_out = False
        try:
            out, err = p.communicate(timeout=timeout_ms / 1000 + 3)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(p)
            out, err = p.communicate()
        secs = time.monotonic() - start
        run = Run(label, argv, None if timed_out else p.returncode,
                  out.decode(errors="replace"), err.decode(errors="replace"),
                  secs, timeout_ms, timed_out)
        self.steps.append(run)
        # Implicit in every run: it ends within its budget (Pacemaker would
        # kill it at the timeout, and a stop killed so is a fence).
        if timed_out or secs > timeout_ms / 1000 + BUDGET_GRACE_S:
            self.fail("%s overran its %d ms budget (%.1f s)" % (label, timeout_ms, secs))
        return run

    # -- verdicts
    def expect(self, ok, what, run=None):
        if not ok:
            self.fail(what + (" [%s]" % run.summary() if run else ""))
        return ok

    def expect_rc(self, run, wanted, what=None):
        wanted = (wanted,) if isinstance(wanted, int) else tuple(wanted)
        ok = run.rc in wanted
        want = " or ".join(str(w) for w in wanted)
        self.expect(ok, "%s -> expected %s, got %s" % (
            what or run.label, want,
            "killed (overran)" if run.timed_out else run.rc), None)
        return ok

    def fail(self, what):
        self.failures.append(what)

    def diagnostics(self):
        lines = []
        for what in self.failures:
            lines.append("FAILED: " + what)
        for run in self.steps:
            lines.append(run.summary())
            if run.reason is not None:
                lines.append("    exit reason: " + run.reason)
            for line in run.err.splitlines()[-6:]:
                if not line.startswith("ocf-exit-reason:"):
                    lines.append("    stderr: " + line)
            for line in run.out.splitlines()[-3:]:
                lines.append("    stdout: " + line)
        for fake in self.fakes:
            lines.extend(fake.describe())
        if self.keep:
            lines.append("kept: " + self.dir)
        return lines

    def cleanup(self):
        for p in self.procs:
            kill_group(p)
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def kill_group(p):
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            p.kill()
        except ProcessLookupError:
            pass


def alive(p):
    """The fake process runs (a zombie does not count)."""
    if p.poll() is not None:
        return False
    try:
        with open("/proc/%d/stat" % p.pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(p, secs=1.0):
    deadline = time.monotonic() + secs
    while alive(p) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(p)


def tool(name):
    """A system command by absolute path: the agent's PATH lacks sbin."""
    found = shutil.which(name, path=SYSTEM_PATH)
    if found is None:
        raise Skip("%s is not installed" % name)
    return found


def need_root(what):
    if os.geteuid() != 0:
        raise Skip("needs root (%s)" % what)


def need_command(*argv, what):
    try:
        r = subprocess.run(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Skip("%s: %s" % (what, e))
    if r.returncode != 0:
        raise Skip("%s: %s" % (what, r.stderr.decode(errors="replace").strip()[:120]))


def stopped_vm1(c, fake, run):
    """stop said 0: then the fake must show vm1 off, through libvirt."""
    c.expect(fake.is_off("vm1"), "after stop rc=%s the fake still runs vm1" % run.rc)
    c.expect(fake.stop_calls("vm1"), "no shutdown or destroy reached the fake for vm1")


# ---- the cases ---------------------------------------------------------------

def c1(c):
    """Control: the harness works (a healthy fake libvirtd)."""
    fake = c.fake_libvirtd({"domains": [], "shutdown_delay": 0.2})
    c.write_config(domain_xml())
    c.expect_rc(c.agent("start", 6000, hypervisor=fake.uri), 0)
    c.expect(fake.is_running("vm1"), "vm1 does not run in the fake after start")
    c.expect_rc(c.agent("monitor", 6000, interval=0, hypervisor=fake.uri), 0)
    c.expect_rc(c.agent("monitor", 6000, interval=10000, hypervisor=fake.uri), 0)
    r = c.agent("stop", 6000, hypervisor=fake.uri)
    c.expect_rc(r, 0)
    stopped_vm1(c, fake, r)
    c.expect_rc(c.agent("monitor", 6000, interval=0, hypervisor=fake.uri,
                        label="probe after stop"), 7)


def c2(c):
    """Control: libvirtd absent from the start, the process table decides."""
    c.write_config(domain_xml())
    qemu = c.fake_qemu()
    c.expect_rc(c.agent("monitor", 6000, interval=0), 0)
    r = c.agent("stop", 6000)
    c.expect_rc(r, 0)
    c.expect(wait_gone(qemu), "stop rc=%s but the fake QEMU of vm1 still runs" % r.rc)


def c3(c):
    """Control: a guest that ignores the power button is destroyed in time."""
    fake = c.fake_libvirtd({"domains": [
        {"name": "vm1", "uuid": UUID1, "state": "running", "marker": "vm1"}],
        "shutdown_delay": None})
    c.write_config(domain_xml())
    r = c.agent("stop", 6000, hypervisor=fake.uri)
    c.expect_rc(r, 0)
    stopped_vm1(c, fake, r)
    c.expect([x for x in fake.stop_calls("vm1") if "destroy" in x["proc"]],
             "stop did not destroy the guest that ignores the power button")


def f1(c, variant):
    """The config's identity changes while vm1 runs."""
    fake = c.fake_libvirtd({"domains": [], "shutdown_delay": 0.2})
    hv = fake.uri
    c.write_config(domain_xml(uuid=None if variant == "c" else UUID1))
    r = c.agent("start", 6000, hypervisor=hv)
    c.expect_rc(r, 0, "start with the original config")
    d = fake.domain("vm1")
    if not (d and d["state"] == "running" and d["marker"] == "vm1"):
        c.fail("set-up: vm1 does not run with marker vm1 after the start: %s" % d)
        return
    if variant == "a":
        c.write_config(domain_xml(uuid=UUID2))
    elif variant == "b":
        c.write_config(domain_xml(name="vm1-new"))
    else:
        c.write_config(domain_xml(uuid=UUID2))
    r = c.agent("monitor", 6000, interval=10000, hypervisor=hv)
    if variant == "c":
        c.expect_rc(r, (0, 1), "monitor after a UUID was added to the config")
    else:
        c.expect_rc(r, 1, "monitor after the config's %s changed"
                    % ("UUID" if variant == "a" else "name"))
    if variant == "a":
        reason = (r.reason or "").lower()
        c.expect("uuid" in reason or "config" in reason,
                 "the monitor's exit reason does not mention the UUID or the config: %r"
                 % r.reason)
    r = c.agent("stop", 6000, hypervisor=hv)
    c.expect_rc(r, 0)
    stopped_vm1(c, fake, r)


def f1a(c):
    f1(c, "a")


def f1b(c):
    f1(c, "b")


def f1c(c):
    f1(c, "c")


def f2_by_hand(c, marker):
    """vm1 was started outside this resource; the config later vanishes."""
    fake = c.fake_libvirtd({"domains": [
        {"name": "vm1", "uuid": UUID1, "state": "running", "marker": marker}]})
    c.write_config(domain_xml())
    r = c.agent("monitor", 6000, interval=0, hypervisor=fake.uri, label="probe (config readable)")
    c.expect_rc(r, 0)
    os.unlink(c.config)
    r = c.agent("monitor", 6000, interval=0, hypervisor=fake.uri, label="probe (config missing)")
    c.expect_rc(r, 0)
    r = c.agent("stop", 6000, hypervisor=fake.uri, label="stop (config missing)")
    c.expect_rc(r, 0)
    stopped_vm1(c, fake, r)


def f2a(c):
    f2_by_hand(c, "by-hand:" + c.config)


def f2b(c):
    f2_by_hand(c, None)


def f2c(c):
    """Config missing, no note, one running domain without a marker."""
    fake = c.fake_libvirtd({"domains": [
        {"name": "vm1", "uuid": UUID1, "state": "running", "marker": None}]})
    r = c.agent("monitor", 6000, interval=0, hypervisor=fake.uri)
    c.expect_rc(r, 1)
    r = c.agent("stop", 3000, hypervisor=fake.uri)
    c.expect_rc(r, 1)
    c.expect(fake.is_running("vm1") and not fake.stop_calls("vm1"),
             "stop touched vm1, which it cannot know to be its own")


def f2d(c):
    """By-hand runs must not share one note."""
    fake = c.fake_libvirtd({"domains": [], "shutdown_delay": 0.2})
    vm2 = c.write(os.path.join(c.dir, "vm2.xml"), domain_xml("vm2", UUID_VM2))
    r = c.agent("start", 6000, words=["config=" + vm2, "hypervisor=" + fake.uri],
                by_hand=True, label="by hand: start config=vm2.xml")
    c.expect_rc(r, 0)
    if not fake.is_running("vm2"):
        c.fail("set-up: vm2 does not run after the by-hand start")
        return
    r = c.agent("stop", 6000, words=["config=" + c.config, "hypervisor=" + fake.uri],
                by_hand=True, label="by hand: stop config=<missing vm1.xml>")
    c.expect_rc(r, (0, 1))
    c.expect(fake.is_running("vm2") and not fake.stop_calls("vm2"),
             "a by-hand stop of the missing vm1.xml stopped vm2")


def f3a_lxc(c):
    """A non-QEMU driver: the QEMU process table proves nothing."""
    c.write_config(domain_xml(dom_type="lxc"))
    ct = c.fake_lxc("vm1")
    hv = "lxc+unix:///system?socket=" + c.absent_sock
    r = c.agent("monitor", 6000, interval=0, hypervisor=hv)
    c.expect_rc(r, 1)
    r = c.agent("stop", 3000, hypervisor=hv)
    c.expect_rc(r, 1)
    c.expect(alive(ct), "the libvirt_lxc process of vm1 is gone")


def f3a_xen(c):
    """xen:///system: no driver here, and a PV guest has no process at all."""
    for sock in ("/run/libvirt/libvirt-sock", "/run/libvirt/virtxend-sock",
                 "/var/run/libvirt/libvirt-sock"):
        if os.path.exists(sock):
            raise Skip("a real libvirtd listens here (%s): not touching it" % sock)
    c.write_config(domain_xml(dom_type="xen"))
    r = c.agent("monitor", 6000, interval=0, hypervisor="xen:///system")
    c.expect_rc(r, 1)
    r = c.agent("stop", 3000, hypervisor="xen:///system")
    c.expect_rc(r, 1)


def f3b(c):
    """The agent in its own PID namespace cannot see QEMU."""
    need_root("unshare --pid")
    need_command(tool("unshare"), "--pid", "--fork", "--mount-proc", "--kill-child", "true",
                 what="unshare --pid not permitted here")
    c.write_config(domain_xml())
    qemu = c.fake_qemu()

    def in_pidns(argv, env):
        unshare = [tool("unshare"), "--pid", "--fork", "--mount-proc", "--kill-child", "--"]
        return unshare + argv, env
    # libvirt's pidfile, locked by a QEMU this namespace cannot see, is
    # evidence that it runs: 0 is as honest as 1; 7 is the lie.
    r = c.agent("monitor", 6000, interval=0, wrap=in_pidns)
    c.expect_rc(r, (0, 1))
    r = c.agent("stop", 3000, wrap=in_pidns)
    c.expect_rc(r, 1)
    c.expect(alive(qemu), "the fake QEMU of vm1 is gone")


def f3c(c):
    """/proc with hidepid=invisible, agent run as nobody."""
    need_root("mount namespaces, runuser")
    if tuple(int(x) for x in os.uname().release.split(".")[:2] if x.isdigit()) < (5, 8):
        raise Skip("kernel < 5.8: a new proc mount would share the host's options")
    need_command(tool("runuser"), "-u", NOBODY, "--", "test", "-x", c.agent_path,
                 what="user nobody cannot run the agent")
    c.write_config(domain_xml())
    for d in (c.rsctmp, c.guard):
        pw = pwd.getpwnam(NOBODY)
        os.chown(d, pw.pw_uid, pw.pw_gid)
    qemu = c.fake_qemu()
    script = '%s -t proc -o hidepid=invisible proc /proc && exec "$@"' % tool("mount")

    def hidden(argv, env):
        envv = ["%s=%s" % kv for kv in sorted(env.items())]
        return ([tool("unshare"), "--mount", "--propagation", "private", "--", "/bin/sh",
                 "-c", script, "sh", tool("runuser"), "-u", NOBODY, "--", tool("env"), "-i"]
                + envv + argv, env)
    # The set-up itself: under that /proc, nobody must not see root's QEMU.
    probe_argv, _ = hidden(["/bin/sh", "-c", "test -e /proc/%d" % qemu.pid], {})
    seen = subprocess.run(probe_argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
    if seen.returncode == 0:
        raise Skip("hidepid=invisible did not hide root's processes here")
    if b"mount" in seen.stderr:
        raise Skip("cannot mount proc with hidepid here: %s"
                   % seen.stderr.decode(errors="replace").strip()[:120])
    r = c.agent("monitor", 6000, interval=0, wrap=hidden)
    c.expect_rc(r, 1)
    c.expect(alive(qemu), "the fake QEMU of vm1 is gone")


def f3d(c):
    """No <uuid>: another user's QEMU named vm1 is not ours."""
    need_root("a process of user nobody")
    c.write_config(domain_xml(uuid=None))
    foreign = c.fake_qemu(uuid=UUID_FOREIGN, pidfile=False, user=NOBODY)
    r = c.agent("monitor", 6000, interval=0)
    c.expect_rc(r, 1)
    r = c.agent("stop", 3000)
    c.expect_rc(r, 1)
    c.expect(alive(foreign), "stop killed nobody's QEMU, which is not vm1's")


def f3e(c):
    """libvirt says "no such domain" while vm1's QEMU runs here."""
    fake = c.fake_libvirtd({"domains": []})
    c.write_config(domain_xml())
    qemu = c.fake_qemu(pidfile=False)
    r = c.agent("monitor", 6000, interval=0, hypervisor=fake.uri)
    c.expect_rc(r, 1)
    c.expect(alive(qemu), "the fake QEMU of vm1 is gone")


def f4_scenario(action, every):
    return {"domains": [{"name": "vm1", "uuid": UUID1, "state": "running", "marker": "vm1"}],
            "shutdown_delay": 0.2,
            "faults": [{"proc": "domain", "nth": 1, "action": action, "every": every}]}


def f4_table(c, action):
    """libvirtd breaks after the connect; the process table must decide."""
    fake = c.fake_libvirtd(f4_scenario(action, True))
    c.write_config(domain_xml())
    qemu = c.fake_qemu()
    r = c.agent("monitor", 8000, interval=10000, hypervisor=fake.uri)
    c.expect_rc(r, 0)
    r = c.agent("stop", 8000, hypervisor=fake.uri)
    c.expect_rc(r, 0)
    c.expect(wait_gone(qemu), "stop rc=%s but the fake QEMU of vm1 still runs" % r.rc)
    c.expect(fake.state()["faults_fired"], "set-up: the fault never fired")


def f4a(c):
    f4_table(c, "hang")


def f4b(c):
    f4_table(c, "eof")


def f4c(c):
    """libvirtd restarted once after the connect: reconnect and use it."""
    fake = c.fake_libvirtd(f4_scenario("eof", False))
    c.write_config(domain_xml())
    c.fake_qemu()
    r = c.agent("monitor", 8000, interval=10000, hypervisor=fake.uri)
    c.expect_rc(r, 0)
    fake.rearm()
    r = c.agent("stop", 8000, hypervisor=fake.uri)
    c.expect_rc(r, 0)
    stopped_vm1(c, fake, r)
    c.expect(len(fake.state()["faults_fired"]) == 2, "set-up: the faults did not both fire")


def f5(c):
    """The connection drops during the marker scan."""
    fake = c.fake_libvirtd({
        "domains": [{"name": "vm1", "uuid": UUID1, "state": "running", "marker": "vm1"}],
        "faults": [{"proc": "domain_get_metadata", "action": "eof", "every": True}]})
    r = c.agent("monitor", 6000, interval=0, hypervisor=fake.uri)
    c.expect_rc(r, 1)
    r = c.agent("stop", 3000, hypervisor=fake.uri)
    c.expect_rc(r, 1)
    c.expect(fake.is_running("vm1"), "vm1 was stopped")
    c.expect(fake.state()["faults_fired"], "set-up: the agent never read the metadata")


def f9(c):
    """An empty or half-written config at start is this node's problem."""
    fake = c.fake_libvirtd({"domains": []})
    empty = c.write(os.path.join(c.dir, "vm1-empty.xml"), "")
    full = domain_xml()
    cut = c.write(os.path.join(c.dir, "vm1-cut.xml"), full[:len(full) // 2])
    r = c.agent("start", 6000, config=empty, hypervisor=fake.uri, label="start (empty config)")
    c.expect_rc(r, (5, 1))
    r = c.agent("start", 6000, config=cut, hypervisor=fake.uri,
                label="start (truncated config)")
    c.expect_rc(r, (5, 1))
    r = c.agent("validate-all", 6000, config=empty, hypervisor=fake.uri,
                label="validate-all (empty config)")
    c.expect(r.rc not in (0, None), "validate-all of an empty config -> expected not 0, got %s"
             % r.rc)
    c.expect(fake.domain("vm1") is None, "a domain was created from a broken config")


def f10(c):
    """A failing get-state right after a failed create must not crash."""
    fake = c.fake_libvirtd({
        "domains": [{"name": "vm1", "uuid": UUID1, "state": "shutoff", "persistent": True}],
        "faults": [
            {"proc": "domain_create_xml", "action": "error", "code": 1, "domain": 10,
             "message": "internal error: injected: qemu unexpectedly closed the monitor"},
            {"proc": "domain_get_state", "action": "error", "after": "domain_create_xml",
             "code": 1, "domain": 10,
             "message": "internal error: injected: cannot read the domain's state"}]})
    c.write_config(domain_xml())
    r = c.agent("start", 6000, hypervisor=fake.uri)
    c.expect(not r.died_by_signal, "start died by a signal (rc %s)" % r.rc)
    c.expect_rc(r, 1)
    c.expect(len(fake.state()["faults_fired"]) == 2,
             "set-up: the agent did not read the state after the failed create")


CASES = [
    ("C1", "control: healthy fake libvirtd: start, probe, monitor, stop through libvirt", c1),
    ("C2", "control: no libvirtd from the start: probe 0, stop kills QEMU (process table)",
     c2),
    ("C3", "control: guest ignores ACPI: stop 0 by destroy within its budget", c3),
    ("F1a", "config UUID changed while vm1 runs: monitor 1 with a reason, stop stops vm1", f1a),
    ("F1b", "config <name> changed while vm1 runs: monitor 1, stop stops vm1", f1b),
    ("F1c", "UUID added to the config while vm1 runs: monitor not 7, stop stops vm1", f1c),
    ("F2a", "started by hand (marker by-hand:PATH), config gone: probe 0, stop stops vm1", f2a),
    ("F2b", "started without a marker (VirtualDomain), config gone: probe 0, stop stops vm1",
     f2b),
    ("F2c", "config gone, no note, unmarked domain: probe 1, stop 1 and vm1 untouched", f2c),
    ("F2d", "by-hand stop of a missing vm1.xml leaves a by-hand vm2 running", f2d),
    ("F3a-lxc", "lxc driver, libvirtd unreachable: probe 1, stop 1", f3a_lxc),
    ("F3a-xen", "xen:///system without a driver: probe 1, stop 1", f3a_xen),
    ("F3b", "agent in another PID namespace: probe 1, stop 1, QEMU alive", f3b),
    ("F3c", "hidepid=invisible, agent as nobody: probe 1", f3c),
    ("F3d", "no <uuid>, another user's QEMU named vm1: probe 1, stop 1, it lives", f3d),
    ("F3e", "libvirt says no such domain while vm1's QEMU runs: probe 1", f3e),
    ("F4a", "libvirtd hangs after the connect: monitor 0, stop 0 kills QEMU in budget", f4a),
    ("F4b", "libvirtd drops every connection after the connect: monitor 0, stop 0", f4b),
    ("F4c", "libvirtd restarts once after the connect: monitor 0, stop 0 through libvirt",
     f4c),
    ("F5", "connection drops while reading metadata: probe 1, stop 1", f5),
    ("F9", "empty or truncated config: start 5 or 1 (never 6), validate-all not 0", f9),
    ("F10", "get-state fails after a failed create: start 1, no crash", f10),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agent", default=os.environ.get("XVM_AGENT"))
    ap.add_argument("--keep", action="store_true", help="keep each case's directory")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="diagnostics for passing cases too")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("cases", nargs="*")
    opts = ap.parse_args()

    selected = [c for c in CASES
                if not opts.cases or any(c[0] == s or c[0].startswith(s) for s in opts.cases)]
    if opts.list:
        for name, desc, _ in selected:
            print("%-8s %s" % (name, desc))
        return 0
    if not opts.agent or not os.access(opts.agent, os.X_OK):
        print("Bail out! no agent: give --agent or set XVM_AGENT (got %r)" % opts.agent)
        return 1
    opts.agent = os.path.abspath(opts.agent)

    print("1..%d" % len(selected), flush=True)
    failed = 0
    suite_start = time.monotonic()
    for n, (name, desc, func) in enumerate(selected, 1):
        case = Case(name, opts.agent, opts.keep)
        skip = None
        start = time.monotonic()
        try:
            func(case)
        except Skip as e:
            skip = str(e)
        except Exception:
            case.fail("harness error: " + traceback.format_exc().strip().splitlines()[-1])
            case.trace = traceback.format_exc().rstrip().splitlines()
        finally:
            diag = case.diagnostics() + case.trace
            case.cleanup()
        secs = time.monotonic() - start
        title = "%s - %s (%.1f s)" % (name, desc, secs)
        if skip is not None:
            print("ok %d - %s # SKIP %s" % (n, name + " - " + desc, skip))
        elif case.failures:
            failed += 1
            print("not ok %d - %s" % (n, title))
            for line in diag:
                print("#   " + line)
        else:
            print("ok %d - %s" % (n, title))
            if opts.verbose:
                for line in diag:
                    print("#   " + line)
        sys.stdout.flush()
    print("# %d of %d failed in %.1f s" % (failed, len(selected),
                                           time.monotonic() - suite_start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
