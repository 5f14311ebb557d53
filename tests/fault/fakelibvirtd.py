#!/usr/bin/env python3
"""A fake libvirtd for fault injection.

It listens on a unix socket and speaks enough of libvirt's RPC protocol
(src/rpc/virnetprotocol.x, src/remote/remote_protocol.x: XDR, program
0x20008086 version 1, plus the keepalive program) for the real libvirt client
library to open qemu+unix:///system?socket=PATH and manage domains through
it.  The domains live in this process, across any number of connections, and
every change is written to a JSON state file that the tests read.

Usage:
    fakelibvirtd.py --socket PATH --scenario FILE --state FILE [--log FILE]

The scenario (JSON):
    {
      "domains": [
        {"name": "vm1", "uuid": "fa017e57-...", "state": "running",
         "reason": 1, "marker": "vm1", "persistent": false}
      ],
      "shutdown_delay": 0.2,    # seconds until a shutdown takes effect;
                                # null: the guest ignores ACPI for ever
      "events": true,           # send lifecycle events to subscribers
      "faults": [
        {"proc": "domain",      # a procedure name (see PROCS), a number,
                                # "domain" (any call but the connection's
                                # own: auth, features, open, close, URI,
                                # event (de)registration) or "any"
         "nth": 1,              # at the nth matching call
         "action": "eof",       # eof | hang | error
         "after": "domain_create_xml",  # optional: count only the calls
                                # made after this procedure was first called
         "every": false,        # false: fires once in the daemon's life
                                # (counting calls on all connections), the
                                # connections after it work (a restarted
                                # libvirtd); true: fires on every connection
                                # (counting per connection)
         "code": 1, "domain": 10, "message": "..."}   # for "error"
      ]
    }

The "marker" is the instance attribute of the agent's
<xvm:resource xmlns:xvm="urn:xvm:domain:resource:1"/> metadata element, or
null for a domain without one.  SIGUSR1 re-arms every fault (as if libvirtd
restarted again); SIGTERM stops the daemon.

The state file:
    {"pid": ..., "connections": N,
     "domains": [{"name", "uuid", "id", "state", "reason", "marker",
                  "persistent", "autostart", "active"}],
     "calls": [{"t", "conn", "proc", "name", "flags", "fault"}],
     "faults_fired": [...]}
"""

import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import uuid as uuidlib
import xml.etree.ElementTree as ET

REMOTE_PROGRAM = 0x20008086
REMOTE_VERSION = 1
KEEPALIVE_PROGRAM = 0x6B656570
KEEPALIVE_PING = 1
KEEPALIVE_PONG = 2

# virNetMessageType, virNetMessageStatus
CALL, REPLY, MESSAGE, STREAM, CALL_WITH_FDS, REPLY_WITH_FDS = 0, 1, 2, 3, 4, 5
OK, ERROR = 0, 1

# virterror.h
VIR_ERR_ERROR = 2
VIR_FROM_RPC = 7
VIR_FROM_QEMU = 10
VIR_FROM_DOMAIN = 20
VIR_ERR_INTERNAL_ERROR = 1
VIR_ERR_NO_SUPPORT = 3
VIR_ERR_OPERATION_FAILED = 9
VIR_ERR_XML_ERROR = 27
VIR_ERR_NO_DOMAIN = 42
VIR_ERR_OPERATION_INVALID = 55
VIR_ERR_NO_DOMAIN_METADATA = 80

XVM_NS = "urn:xvm:domain:resource:1"
VIR_DOMAIN_METADATA_ELEMENT = 2

STATES = {0: "nostate", 1: "running", 2: "blocked", 3: "paused", 4: "shutdown",
          5: "shutoff", 6: "crashed", 7: "pmsuspended"}
STATE_NUMBERS = {v: k for k, v in STATES.items()}
RUNNING, PAUSED, SHUTOFF = 1, 3, 5
# Reasons: running/booted, shutoff/shutdown, shutoff/destroyed
RUNNING_BOOTED, SHUTOFF_SHUTDOWN, SHUTOFF_DESTROYED = 1, 1, 2
# Lifecycle events (virDomainEventType and details)
EV_DEFINED, EV_STARTED, EV_STOPPED = 0, 2, 5
EV_STARTED_BOOTED, EV_STOPPED_SHUTDOWN, EV_STOPPED_DESTROYED = 0, 0, 1

# remote_procedure numbers (remote_protocol.x)
PROCS = {
    "connect_open": 1,
    "connect_close": 2,
    "connect_get_type": 3,
    "connect_get_version": 4,
    "domain_create": 9,
    "domain_create_xml": 10,
    "domain_define_xml": 11,
    "domain_destroy": 12,
    "domain_get_xml_desc": 14,
    "domain_get_autostart": 15,
    "domain_lookup_by_id": 22,
    "domain_lookup_by_name": 23,
    "domain_lookup_by_uuid": 24,
    "domain_set_autostart": 29,
    "domain_shutdown": 33,
    "domain_undefine": 35,
    "connect_supports_feature": 60,
    "auth_list": 66,
    "connect_domain_event_register": 105,
    "connect_domain_event_deregister": 106,
    "domain_event_lifecycle": 107,
    "connect_get_uri": 110,
    "connect_is_secure": 149,
    "domain_is_active": 150,
    "domain_is_persistent": 151,
    "connect_get_lib_version": 157,
    "domain_get_job_info": 163,
    "domain_abort_job": 164,
    "connect_domain_event_register_any": 167,
    "connect_domain_event_deregister_any": 168,
    "domain_create_with_flags": 196,
    "domain_get_state": 212,
    "domain_undefine_flags": 231,
    "domain_destroy_flags": 234,
    "domain_shutdown_flags": 258,
    "domain_get_metadata": 265,
    "connect_list_all_domains": 273,
    "connect_domain_event_callback_register_any": 316,
    "connect_domain_event_callback_deregister_any": 317,
    "domain_event_callback_lifecycle": 318,
    "domain_define_xml_flags": 350,
    "connect_register_close_callback": 360,
    "connect_unregister_close_callback": 361,
}
PROC_NAMES = {v: k for k, v in PROCS.items()}
# Calls that belong to the connection itself, not to any domain: the
# "domain" fault selector skips them.
CONNECTION_PROCS = {1, 2, 3, 4, 60, 66, 105, 106, 110, 149, 157, 167, 168, 316, 317,
                    360, 361}


class Eof(Exception):
    pass


class LibvirtError(Exception):
    def __init__(self, code, domain, message):
        super().__init__(message)
        self.code, self.domain, self.message = code, domain, message


# ---- XDR -------------------------------------------------------------------

def pad(n):
    return (4 - n % 4) % 4


def x_int(v):
    return struct.pack(">i", v)


def x_uint(v):
    return struct.pack(">I", v)


def x_uhyper(v):
    return struct.pack(">Q", v)


def x_string(s):
    b = s.encode() if isinstance(s, str) else s
    return x_uint(len(b)) + b + b"\0" * pad(len(b))


def x_opt_string(s):
    return x_uint(0) if s is None else x_uint(1) + x_string(s)


def x_domain(d):
    return x_string(d.name) + d.uuid_bytes() + x_int(d.id)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("short message")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int(self):
        return struct.unpack(">i", self.take(4))[0]

    def uint(self):
        return struct.unpack(">I", self.take(4))[0]

    def string(self):
        n = self.uint()
        b = self.take(n)
        self.take(pad(n))
        return b.decode(errors="replace")

    def opt_string(self):
        return self.string() if self.uint() else None

    def uuid(self):
        return self.take(16)

    def domain(self):
        name = self.string()
        raw = self.uuid()
        self.int()
        return name, raw


# ---- domains ---------------------------------------------------------------

class Domain:
    def __init__(self, name, uuid, state=SHUTOFF, reason=0, marker=None,
                 persistent=False, xml=None, dom_type="kvm"):
        self.name = name
        self.uuid = str(uuidlib.UUID(uuid))
        self.state = state
        self.reason = reason
        self.marker = marker
        self.persistent = persistent
        self.autostart = False
        self.xml = xml
        self.type = dom_type
        self.id = -1
        self.generation = 0     # bumped by every state change

    def uuid_bytes(self):
        return uuidlib.UUID(self.uuid).bytes

    def active(self):
        return self.state != SHUTOFF

    def to_json(self):
        return {"name": self.name, "uuid": self.uuid, "id": self.id,
                "state": STATES.get(self.state, str(self.state)),
                "reason": self.reason, "marker": self.marker,
                "persistent": self.persistent, "autostart": self.autostart,
                "active": self.active()}

    def describe(self):
        if self.xml:
            return self.xml
        md = ""
        if self.marker is not None:
            md = ("<metadata><xvm:resource xmlns:xvm=\"%s\" instance=\"%s\"/></metadata>"
                  % (XVM_NS, xml_escape(self.marker)))
        return ("<domain type='%s'%s><name>%s</name><uuid>%s</uuid>%s"
                "<memory unit='KiB'>524288</memory><vcpu>1</vcpu>"
                "<os><type arch='x86_64'>hvm</type></os></domain>\n"
                % (self.type, "" if self.id < 0 else " id='%d'" % self.id,
                   xml_escape(self.name), self.uuid, md))


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def parse_domain_xml(text):
    """Name, UUID (or None), marker instance (or None), type of a domain XML."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise LibvirtError(VIR_ERR_XML_ERROR, VIR_FROM_DOMAIN,
                           "XML error: %s" % e)
    if root.tag != "domain":
        raise LibvirtError(VIR_ERR_XML_ERROR, VIR_FROM_DOMAIN,
                           "XML error: unexpected root element <%s>" % root.tag)
    name = (root.findtext("name") or "").strip()
    if not name:
        raise LibvirtError(VIR_ERR_XML_ERROR, VIR_FROM_DOMAIN,
                           "XML error: missing domain name information")
    uuid = (root.findtext("uuid") or "").strip() or None
    marker = None
    for md in root.findall("metadata"):
        for el in md:
            if el.tag == "{%s}resource" % XVM_NS:
                marker = el.get("instance")
    return name, uuid, marker, root.get("type", "kvm")


# ---- the daemon ------------------------------------------------------------

class Fault:
    def __init__(self, spec):
        self.spec = spec
        p = spec.get("proc", "domain")
        self.proc = PROCS.get(p, p) if isinstance(p, str) else int(p)
        self.nth = int(spec.get("nth", 1))
        self.action = spec.get("action", "eof")
        self.every = bool(spec.get("every", False))
        after = spec.get("after")
        self.after = PROCS.get(after, after) if isinstance(after, str) else after
        self.count = 0
        self.fired = False

    def matches(self, proc):
        if self.proc == "any":
            return True
        if self.proc == "domain":
            return proc not in CONNECTION_PROCS
        return proc == self.proc


class Daemon:
    def __init__(self, scenario, state_path, log):
        self.lock = threading.RLock()
        self.state_path = state_path
        self.log = log
        self.domains = []
        self.next_id = 1
        for d in scenario.get("domains", []):
            dom = Domain(d["name"], d.get("uuid") or str(uuidlib.uuid4()),
                         STATE_NUMBERS.get(d.get("state", "running"), RUNNING),
                         d.get("reason", 0), d.get("marker"),
                         d.get("persistent", False), d.get("xml"),
                         d.get("type", "kvm"))
            if dom.active():
                dom.id = d.get("id", self.next_id)
                self.next_id = max(self.next_id, dom.id + 1)
                if not dom.reason:
                    dom.reason = RUNNING_BOOTED
            self.domains.append(dom)
        self.shutdown_delay = scenario.get("shutdown_delay", 0.2)
        self.events = scenario.get("events", True)
        self.faults = [Fault(f) for f in scenario.get("faults", [])]
        self.calls = []
        self.seen = set()       # procedures called so far, for "after"
        self.fired = []
        self.connections = 0
        self.conns = set()
        self.write_state()

    # -- state file
    def write_state(self):
        with self.lock:
            data = {"pid": os.getpid(), "connections": self.connections,
                    "domains": [d.to_json() for d in self.domains],
                    "calls": self.calls, "faults_fired": self.fired}
            tmp = self.state_path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(data, f, indent=1)
            os.replace(tmp, self.state_path)

    def rearm(self):
        with self.lock:
            for f in self.faults:
                f.count, f.fired = 0, False
            self.seen.clear()
            self.log.write("%.3f faults re-armed\n" % time.time())

    # -- fault selection: called for every remote-program call
    def fault_for(self, conn, proc):
        with self.lock:
            fault = None
            for i, f in enumerate(self.faults):
                if fault is not None or not f.matches(proc):
                    continue
                if f.after is not None and f.after not in self.seen:
                    continue
                if f.every:
                    n = conn.fault_counts.get(i, 0) + 1
                    conn.fault_counts[i] = n
                    if n == f.nth:
                        fault = f
                elif not f.fired:
                    f.count += 1
                    if f.count == f.nth:
                        f.fired = True
                        fault = f
            self.seen.add(proc)
            return fault

    # -- lookups
    def find_by_name(self, name):
        for d in self.domains:
            if d.name == name:
                return d
        return None

    def find_by_uuid(self, raw):
        for d in self.domains:
            if d.uuid_bytes() == raw:
                return d
        return None

    def no_domain(self, what):
        return LibvirtError(VIR_ERR_NO_DOMAIN, VIR_FROM_QEMU,
                            "Domain not found: %s" % what)

    def get_domain(self, ref):
        name, raw = ref
        d = self.find_by_uuid(raw)
        if d is None:
            raise self.no_domain("no domain with matching uuid '%s' (%s)"
                                 % (uuidlib.UUID(bytes=raw), name))
        return d

    def require_active(self, d):
        if not d.active():
            raise LibvirtError(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU,
                               "Requested operation is not valid: domain is not running")

    # -- state changes
    def set_running(self, d):
        d.state, d.reason = RUNNING, RUNNING_BOOTED
        d.id = self.next_id
        self.next_id += 1
        d.generation += 1
        self.emit(d, EV_STARTED, EV_STARTED_BOOTED)

    def set_off(self, d, reason, detail):
        d.state, d.reason, d.id = SHUTOFF, reason, -1
        d.generation += 1
        self.emit(d, EV_STOPPED, detail)
        if not d.persistent and d in self.domains:
            self.domains.remove(d)      # a transient domain is gone once off

    def shutdown_later(self, d):
        if self.shutdown_delay is None:
            return      # a guest that ignores the power button
        generation = d.generation

        def fire():
            with self.lock:
                if d.generation == generation and d.active():
                    self.set_off(d, SHUTOFF_SHUTDOWN, EV_STOPPED_SHUTDOWN)
                    self.calls.append({"t": round(time.time(), 3), "conn": None,
                                       "proc": "(guest powered off)", "name": d.name})
                    self.write_state()
        t = threading.Timer(float(self.shutdown_delay), fire)
        t.daemon = True
        t.start()

    def emit(self, d, event, detail):
        if not self.events:
            return
        for c in list(self.conns):
            c.send_event(d, event, detail)

    # -- the procedures
    def dispatch(self, conn, proc, args):
        r = Reader(args)
        with self.lock:
            if proc == 66:      # auth list: none needed
                return x_uint(1) + x_int(0)
            if proc == 60:      # supports feature: all of them
                r.int()
                return x_int(1)
            if proc in (1, 2, 360, 361):  # open, close, close callbacks
                return b""
            if proc == 110:
                return x_string("qemu:///system")
            if proc == 3:
                return x_string("QEMU")
            if proc in (4, 157):
                return x_uhyper(9000000)
            if proc == 149:
                return x_int(1)
            if proc == 316:     # callback register any: {eventID, dom?} -> id
                event_id = r.int()
                conn.next_callback += 1
                conn.callbacks[conn.next_callback] = event_id
                return x_int(conn.next_callback)
            if proc == 317:
                conn.callbacks.pop(r.int(), None)
                return b""
            if proc == 167:     # legacy register any: {eventID}
                conn.legacy_events.add(r.int())
                return b""
            if proc == 168:
                conn.legacy_events.discard(r.int())
                return b""
            if proc == 23:      # lookup by name
                name = r.string()
                d = self.find_by_name(name)
                if d is None:
                    raise self.no_domain("no domain with matching name '%s'" % name)
                return x_domain(d)
            if proc == 24:
                raw = r.uuid()
                d = self.find_by_uuid(raw)
                if d is None:
                    raise self.no_domain("no domain with matching uuid '%s'"
                                         % uuidlib.UUID(bytes=raw))
                return x_domain(d)
            if proc == 22:
                dom_id = r.int()
                for d in self.domains:
                    if d.active() and d.id == dom_id:
                        return x_domain(d)
                raise self.no_domain("no domain with matching id %d" % dom_id)
            if proc == 273:     # list all domains {need_results, flags}
                need, flags = r.int(), r.uint()
                doms = [d for d in self.domains
                        if in_group(flags, 1, 2, d.active())
                        and in_group(flags, 4, 8, d.persistent)]
                body = x_uint(len(doms) if need else 0)
                if need:
                    body += b"".join(x_domain(d) for d in doms)
                return body + x_uint(len(doms))
            if proc == 10:      # create xml {xml, flags} -> dom
                xml, _flags = r.string(), r.uint()
                n, u, marker, typ = parse_domain_xml(xml)
                d = self.find_by_name(n)
                if d is not None and d.active():
                    raise LibvirtError(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU,
                                       "operation failed: domain '%s' is already active" % n)
                if d is not None and u and d.uuid != str(uuidlib.UUID(u)):
                    raise LibvirtError(VIR_ERR_OPERATION_FAILED, VIR_FROM_QEMU,
                                       "operation failed: domain '%s' already exists with uuid %s"
                                       % (n, d.uuid))
                if d is None:
                    d = Domain(n, u or str(uuidlib.uuid4()), dom_type=typ)
                    self.domains.append(d)
                d.marker, d.xml = marker, xml
                self.set_running(d)
                return x_domain(d)
            if proc in (11, 350):   # define xml {xml[, flags]} -> dom
                xml = r.string()
                n, u, marker, typ = parse_domain_xml(xml)
                d = self.find_by_name(n)
                if d is None:
                    d = Domain(n, u or str(uuidlib.uuid4()), dom_type=typ)
                    self.domains.append(d)
                    self.emit(d, EV_DEFINED, 0)
                d.persistent, d.marker, d.xml = True, marker, xml
                return x_domain(d)
            # Everything below names a domain.
            if proc in PROC_NAMES and proc not in CONNECTION_PROCS:
                d = self.get_domain(r.domain())
            else:
                raise LibvirtError(VIR_ERR_NO_SUPPORT, VIR_FROM_RPC,
                                   "this function is not supported by the connection "
                                   "driver: unknown procedure: %d" % proc)
            if proc == 212:     # get state {dom, flags} -> {state, reason}
                return x_int(d.state) + x_int(d.reason)
            if proc == 150:
                return x_int(1 if d.active() else 0)
            if proc == 151:
                return x_int(1 if d.persistent else 0)
            if proc == 15:
                return x_int(1 if d.autostart else 0)
            if proc == 29:
                d.autostart = bool(r.int())
                return b""
            if proc == 265:     # get metadata {dom, type, uri?, flags}
                typ, uri = r.int(), r.opt_string()
                if typ != VIR_DOMAIN_METADATA_ELEMENT or uri != XVM_NS or d.marker is None:
                    raise LibvirtError(VIR_ERR_NO_DOMAIN_METADATA, VIR_FROM_DOMAIN,
                                       "metadata not found: Requested metadata element "
                                       "is not present")
                return x_string('<xvm:resource xmlns:xvm="%s" instance="%s"/>'
                                % (XVM_NS, xml_escape(d.marker)))
            if proc == 14:
                return x_string(d.describe())
            if proc in (33, 258):   # shutdown
                self.require_active(d)
                self.shutdown_later(d)
                return b""
            if proc in (12, 234):   # destroy
                self.require_active(d)
                self.set_off(d, SHUTOFF_DESTROYED, EV_STOPPED_DESTROYED)
                return b""
            if proc in (9, 196):    # create (a defined domain)
                if d.active():
                    raise LibvirtError(VIR_ERR_OPERATION_INVALID, VIR_FROM_QEMU,
                                       "Requested operation is not valid: domain is "
                                       "already running")
                self.set_running(d)
                return x_domain(d) if proc == 196 else b""
            if proc in (35, 231):
                if d.active():
                    d.persistent = False
                else:
                    self.domains.remove(d)
                return b""
            raise LibvirtError(VIR_ERR_NO_SUPPORT, VIR_FROM_QEMU,
                               "this function is not supported by the connection "
                               "driver: %s" % PROC_NAMES.get(proc, proc))

    def record(self, conn, proc, args, fault):
        name = None
        try:
            if proc in (10, 11, 350):       # create/define: the name in the XML
                name = parse_domain_xml(Reader(args).string())[0]
            elif proc == 24:
                name = str(uuidlib.UUID(bytes=Reader(args).uuid()))
            elif proc == 22:
                name = "id %d" % Reader(args).int()
            elif proc not in CONNECTION_PROCS and proc != 273:
                name = Reader(args).string()    # the domain's (or lookup's) name
        except Exception:
            pass
        entry = {"t": round(time.time(), 3), "conn": conn.number,
                 "proc": PROC_NAMES.get(proc, str(proc)), "name": name}
        if proc in (258, 234):
            try:
                r = Reader(args)
                r.domain()
                entry["flags"] = r.uint()
            except Exception:
                pass
        if fault:
            entry["fault"] = fault.action
        with self.lock:
            self.calls.append(entry)


def in_group(flags, yes_bit, no_bit, value):
    """virConnectListAllDomains' filter groups: neither or both bits set
    means no filtering by that property."""
    want_yes, want_no = bool(flags & yes_bit), bool(flags & no_bit)
    if want_yes == want_no:
        return True
    return value if want_yes else not value


class Connection:
    def __init__(self, daemon, sock, number):
        self.daemon, self.sock, self.number = daemon, sock, number
        self.send_lock = threading.Lock()
        self.hung = False
        self.closed = False
        self.fault_counts = {}
        self.callbacks = {}
        self.next_callback = 0
        self.legacy_events = set()

    def send(self, prog, proc, typ, serial, status, body=b""):
        hdr = struct.pack(">IIiiIi", prog, REMOTE_VERSION, proc, typ, serial, status)
        with self.send_lock:
            if self.closed or self.hung:
                return
            self.sock.sendall(struct.pack(">I", 4 + len(hdr) + len(body)) + hdr + body)

    def send_error(self, proc, serial, code, domain, message):
        body = (x_int(code) + x_int(domain) + x_opt_string(message) + x_int(VIR_ERR_ERROR)
                + x_uint(0) + x_uint(0) + x_uint(0) + x_uint(0) + x_int(0) + x_int(0)
                + x_uint(0))
        self.send(REMOTE_PROGRAM, proc, REPLY, serial, ERROR, body)

    def send_event(self, d, event, detail):
        try:
            for cb, event_id in list(self.callbacks.items()):
                if event_id == 0:       # VIR_DOMAIN_EVENT_ID_LIFECYCLE
                    self.send(REMOTE_PROGRAM, 318, MESSAGE, 0, OK,
                              x_int(cb) + x_domain(d) + x_int(event) + x_int(detail))
            if 0 in self.legacy_events:
                self.send(REMOTE_PROGRAM, 107, MESSAGE, 0, OK,
                          x_domain(d) + x_int(event) + x_int(detail))
        except OSError:
            pass

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise Eof()
            buf += chunk
        return buf

    def close(self):
        with self.send_lock:
            if not self.closed:
                self.closed = True
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.sock.close()

    def serve(self):
        d = self.daemon
        try:
            while True:
                (length,) = struct.unpack(">I", self.recv_exact(4))
                msg = self.recv_exact(length - 4)
                prog, _vers, proc, typ, serial, _status = struct.unpack(">IIiiIi", msg[:24])
                args = msg[24:]
                d.log.write("%.3f conn=%d prog=%#x proc=%d (%s) type=%d serial=%d%s\n"
                            % (time.time(), self.number, prog, proc,
                               PROC_NAMES.get(proc, "?") if prog == REMOTE_PROGRAM else "keepalive",
                               typ, serial, " [hung]" if self.hung else ""))
                if self.hung:
                    continue            # a stuck libvirtd answers nothing
                if prog == KEEPALIVE_PROGRAM:
                    if proc == KEEPALIVE_PING:
                        self.send(KEEPALIVE_PROGRAM, KEEPALIVE_PONG, MESSAGE, 0, OK)
                    continue
                if prog != REMOTE_PROGRAM or typ not in (CALL, CALL_WITH_FDS):
                    continue
                fault = d.fault_for(self, proc)
                d.record(self, proc, args, fault)
                if fault is not None:
                    d.fired.append({"t": round(time.time(), 3), "conn": self.number,
                                    "proc": PROC_NAMES.get(proc, str(proc)),
                                    "action": fault.action})
                    d.write_state()
                    if fault.action == "eof":
                        self.close()
                        return
                    if fault.action == "hang":
                        self.hung = True
                        continue
                    s = fault.spec
                    self.send_error(proc, serial, int(s.get("code", VIR_ERR_INTERNAL_ERROR)),
                                    int(s.get("domain", VIR_FROM_QEMU)),
                                    s.get("message", "internal error: injected fault"))
                    continue
                try:
                    body = d.dispatch(self, proc, args)
                except LibvirtError as e:
                    d.write_state()
                    self.send_error(proc, serial, e.code, e.domain, e.message)
                    continue
                except (ValueError, struct.error) as e:
                    d.write_state()
                    self.send_error(proc, serial, VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC,
                                    "internal error: cannot decode arguments: %s" % e)
                    continue
                d.write_state()
                self.send(REMOTE_PROGRAM, proc, REPLY, serial, OK, body)
        except (Eof, OSError):
            pass
        finally:
            with d.lock:
                d.conns.discard(self)
            self.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--log", default=None)
    opts = ap.parse_args()

    with open(opts.scenario) as f:
        scenario = json.load(f)
    log = open(opts.log, "a", buffering=1) if opts.log else open(os.devnull, "w")
    daemon = Daemon(scenario, opts.state, log)

    signal.signal(signal.SIGUSR1, lambda *_: daemon.rearm())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    if os.path.exists(opts.socket):
        os.unlink(opts.socket)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(opts.socket + ".tmp")
    srv.listen(16)
    # Appear under the final name only once listening: the runner waits for it.
    os.rename(opts.socket + ".tmp", opts.socket)
    try:
        while True:
            c, _ = srv.accept()
            with daemon.lock:
                daemon.connections += 1
                conn = Connection(daemon, c, daemon.connections)
                daemon.conns.add(conn)
            daemon.write_state()
            threading.Thread(target=conn.serve, daemon=True).start()
    finally:
        try:
            os.unlink(opts.socket)
        except OSError:
            pass


if __name__ == "__main__":
    main()
