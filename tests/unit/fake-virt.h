/* A scripted hypervisor behind XvmVirtOps: one domain whose state follows a
 * script over the fake clock, operations that fail on demand, and a log of
 * every call for the tests to assert on.  Nothing libvirt runs; time moves
 * only when the agent waits (wait_event) or polls a migration, so a 90 s
 * stop takes microseconds.
 *
 * Thread-safe: stop and migrate call it from worker threads (xvm-job.c). */
#pragma once

#include <glib.h>

#include "xvm-error.h"
#include "xvm-virt.h"

typedef enum {
    FAKE_OP_CONNECT,
    FAKE_OP_STATUS,
    FAKE_OP_MARKER,
    FAKE_OP_SET_MARKER,
    FAKE_OP_START_RESOURCES,    /* arg: "uri|pool,pool|net,net" */
    FAKE_OP_LIST_ACTIVE,
    FAKE_OP_CREATE,
    FAKE_OP_SHUTDOWN,
    FAKE_OP_DESTROY,
    FAKE_OP_DUMP_XML,
    FAKE_OP_SIZING,
    FAKE_OP_MIGRATE,
    FAKE_OP_JOB_PROGRESS,
    FAKE_OP_ABORT_JOB,
    FAKE_OP_SAVE,           /* writes the dump_xml text as the "image" */
    FAKE_OP_RESTORE,        /* logs the XML it was given */
    FAKE_OP_SAVED_XML,      /* reads the "image" back: any XML a test wrote */
    FAKE_OP_SET_MAX_DOWNTIME,
    FAKE_OP_START_POSTCOPY,
    FAKE_OP_INSPECT_TARGET,
    FAKE_N_OPS,
} FakeOp;

/* One state of the domain, at a time relative to when it was scheduled. */
typedef struct {
    gint64 after_ms;
    gboolean found;     /* FALSE: libvirt does not know the domain */
    int state;          /* virDomainState */
    int reason;
} FakeStep;

/* Terminates a FakeStep list. */
#define FAKE_END { -1, FALSE, 0, 0 }

typedef enum {
    FAKE_MIGRATE_SUCCEEDS,  /* the domain leaves this host */
    FAKE_MIGRATE_FAILS,     /* libvirt refuses; the domain keeps running here */
    FAKE_MIGRATE_HANGS,     /* blocks until abort_job (or a real 5 s safety net) */
} FakeMigrateMode;

/* What a running migration's statistics say from after_ms on (fake clock,
 * since the migration began); a list ends at FAKE_PROGRESS_END. */
typedef struct {
    gint64 after_ms;
    guint64 remaining_mib;
    guint64 dirty_mibs;         /* MiB dirtied per second */
    guint64 transfer_mibs;      /* MiB copied per second */
    guint64 iteration;
    guint64 throttle_percent;
} FakeProgress;

#define FAKE_PROGRESS_END { -1, 0, 0, 0, 0, 0 }

typedef struct FakeVirt FakeVirt;

/* A hypervisor that knows one domain, name/uuid, and has it not running.
 * Looked up by UUID when the agent asks by UUID, else by name. */
XvmVirt *fake_virt_new(const char *name, const char *uuid);
FakeVirt *fake_virt_of(XvmVirt *v);

/* ---- the script --------------------------------------------------------- */

void fake_virt_set_state(FakeVirt *f, gboolean found, int state, int reason);
/* The UUID libvirt reports for the domain (a different domain, same name). */
void fake_virt_set_uuid(FakeVirt *f, const char *uuid);
/* States to come, relative to now; ends at FAKE_END. */
void fake_virt_schedule(FakeVirt *f, const FakeStep *steps);
/* What a successful op does to the domain, relative to the call; ends at
 * FAKE_END.  An empty list: the op "succeeds" and nothing happens (a guest
 * that ignores the power button). */
void fake_virt_on_success(FakeVirt *f, FakeOp op, const FakeStep *steps);
/* The next `times` calls of op fail with code (times < 0: every call). */
void fake_virt_fail(FakeVirt *f, FakeOp op, XvmErrorCode code, int times);
void fake_virt_set_migrate(FakeVirt *f, FakeMigrateMode mode);
/* Each job_progress poll moves the fake clock by ms: the time a real
 * migration spends copying between two polls. */
void fake_virt_set_progress_step(FakeVirt *f, gint64 ms);
/* A hung migration's statistics over time (default: 100 of 512 MiB left,
 * for ever).  The list is copied. */
void fake_virt_set_progress(FakeVirt *f, const FakeProgress *samples);
/* A hung migration completes once the downtime limit reaches downtime_ms
 * (0: never). */
void fake_virt_converge_at_downtime(FakeVirt *f, guint64 downtime_ms);
/* After start_postcopy, a hung migration completes (or fails, leaving the
 * domain paused by the failed post-copy) after done_ms of fake time. */
void fake_virt_set_postcopy(FakeVirt *f, gint64 done_ms, gboolean fails);
/* What the migration target's pre-flight finds (default: all well).  The
 * facts are copied. */
void fake_virt_set_target(FakeVirt *f, const XvmTargetFacts *facts);
/* The instance the domain's marker names (NULL: it carries none). */
void fake_virt_set_marker(FakeVirt *f, const char *instance);
/* The name libvirt knows the domain by (a config renamed under it). */
void fake_virt_set_name(FakeVirt *f, const char *name);
/* What sizing reports (default: 2 vCPUs, 1 GiB). */
void fake_virt_set_sizing(FakeVirt *f, guint vcpus, guint64 max_memory_kib);

/* ---- the call log --------------------------------------------------------- */

guint fake_virt_count(FakeVirt *f, FakeOp op);
guint fake_virt_count_all(FakeVirt *f);
/* Fake-clock time of the nth (0-based) call of op, or -1. */
gint64 fake_virt_call_us(FakeVirt *f, FakeOp op, guint nth);
/* The main argument of the last call of op (domain name, XML, instance,
 * URI), or NULL.  Owned by the fake. */
const char *fake_virt_last_arg(FakeVirt *f, FakeOp op);
/* The main argument of the nth (0-based) call of op, or NULL.  Owned by the
 * fake. */
const char *fake_virt_arg(FakeVirt *f, FakeOp op, guint nth);
/* The last migration asked for (valid once migrate was called). */
XvmMigration fake_virt_last_migration(FakeVirt *f);
guint fake_virt_wait_events(FakeVirt *f);
/* The whole log, one call a line, for test messages. */
char *fake_virt_log_text(FakeVirt *f);
const char *fake_op_name(FakeOp op);
