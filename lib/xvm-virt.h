/* The one I/O seam to the hypervisor.  The real implementation talks to
 * libvirt (xvm-virt-libvirt.c); the unit tests drive a scripted fake.  Plain
 * data crosses it: nothing libvirt-typed. */
#pragma once

#include <glib.h>

/* Which domain an operation is about: by UUID whenever one is known (a
 * name can be edited in a config, or reused by another domain), else by
 * name. */
typedef struct {
    const char *name;
    const char *uuid;    /* NULL: look up by name */
} XvmDomainRef;

typedef struct {
    gboolean found;      /* FALSE: libvirt looked, and no such domain exists */
    int state;           /* virDomainState */
    int reason;          /* its reason */
    gboolean persistent;
    char *name;          /* the domain's name and UUID as libvirt knows them */
    char *uuid;
} XvmDomainStatus;

void xvm_domain_status_clear(XvmDomainStatus *status);

/* One active domain of the node, and the resource instance its marker names
 * (NULL: it carries no marker). */
typedef struct {
    char *name;
    char *uuid;
    char *marker;
} XvmActiveDomain;

void xvm_active_domain_free(gpointer domain);

typedef enum {
    XVM_MIG_PARAM_STRING,
    XVM_MIG_PARAM_INT,
    XVM_MIG_PARAM_ULLONG,
} XvmMigParamType;

/* One of libvirt's typed migration parameters (VIR_MIGRATE_PARAM_*). */
typedef struct {
    const char *name;       /* libvirt's name, static */
    XvmMigParamType type;
    char *text;             /* XVM_MIG_PARAM_STRING */
    guint64 number;         /* the others */
} XvmMigParam;

typedef struct {
    const char *dest_uri;       /* the target's libvirt URI */
    const char *data_uri;       /* where the data goes, or NULL */
    gboolean live;
    gboolean persistent;        /* define on target */
    gboolean undefine_source;   /* and undefine on the source */
    guint64 bandwidth_mibs;     /* 0: unlimited */
    guint64 max_downtime_ms;    /* 0: libvirt's default */
    guint extra_flags;          /* more of libvirt's virDomainMigrateFlags bits */
    const GPtrArray *params;    /* more XvmMigParam, or NULL */
} XvmMigration;

/* What a running domain asks of its node, as virsh dominfo shows it. */
typedef struct {
    guint vcpus;            /* vCPUs online ("CPU(s)") */
    guint64 max_memory_kib; /* "Max memory" */
} XvmDomainSizing;

/* A running job's statistics (virDomainGetJobStats); 0 where libvirt gives
 * none. */
typedef struct {
    gboolean active;
    gboolean postcopy;          /* the job is in post-copy */
    guint64 data_total;         /* bytes */
    guint64 data_remaining;
    guint64 elapsed_ms;
    guint64 dirty_rate_bps;     /* memory dirtied per second, bytes */
    guint64 transfer_bps;       /* memory copied per second, bytes */
    guint64 iteration;          /* pre-copy passes over memory */
    guint64 throttle_percent;   /* auto-converge's vCPU throttle */
    guint64 expected_downtime_ms;
} XvmJobProgress;

typedef enum {
    XVM_CPU_UNCHECKED,      /* nothing to compare, or libvirt could not */
    XVM_CPU_COMPATIBLE,
    XVM_CPU_INCOMPATIBLE,
} XvmCpuVerdict;

/* What a migration target says about taking the domain (pre-flight). */
typedef struct {
    gboolean runs_there;        /* the same UUID is active there */
    char *name_taken_by;        /* another active domain there has our name: its UUID */
    guint64 need_bytes;         /* the domain's maximum memory; 0: not checked */
    guint64 free_bytes;         /* free + buffers + cached there; 0: unknown */
    XvmCpuVerdict cpu;
    char *cpu_detail;           /* libvirt's explanation */
    GPtrArray *missing_disks;   /* paths a storage pool there should hold, but does not */
} XvmTargetFacts;

void xvm_target_facts_clear(XvmTargetFacts *facts);

typedef struct XvmVirt XvmVirt;

/* Every call answers completely or fails: an error is never "not there".
 * A failure on the connection itself (libvirtd restarted, hung, gone) is
 * XVM_ERROR_CONNECT, told by the connection's state and libvirt's error
 * codes, never by message text (which is translated). */
typedef struct {
    /* Connects; after a lost connection, opens a new one.  uri NULL: libvirt's
     * default, which uri() then names. */
    gboolean (*connect)(XvmVirt *v, const char *uri, gint64 timeout_ms, GError **error);
    /* The URI of the open connection, as libvirt names it. */
    char *(*uri)(XvmVirt *v, GError **error);
    gboolean (*status)(XvmVirt *v, const XvmDomainRef *ref, XvmDomainStatus *out,
                       GError **error);
    /* The instance our marker in the domain names; *instance NULL when the
     * domain carries no marker. */
    gboolean (*marker)(XvmVirt *v, const XvmDomainRef *ref, char **instance, GError **error);
    /* Puts our marker naming instance into the running domain (live only):
     * a domain started by another agent, adopted. */
    gboolean (*set_marker)(XvmVirt *v, const XvmDomainRef *ref, const char *instance,
                           GError **error);
    /* Every active domain with its marker (XvmActiveDomain). */
    gboolean (*list_active)(XvmVirt *v, GPtrArray **domains, GError **error);
    /* Creates (starts) the domain from XML; persistent: define it first when
     * libvirt does not know it, then start the definition. */
    gboolean (*create)(XvmVirt *v, const char *xml, gboolean persistent, GError **error);
    /* start_resources: starts each storage pool (refreshes it when active)
     * and each network that is not active, on this connection or (uri set)
     * on another node's libvirt.  A pool or network libvirt does not know is
     * XVM_ERROR_NOT_INSTALLED. */
    gboolean (*start_resources)(XvmVirt *v, const char *uri, const char *const *pools,
                                const char *const *networks, GError **error);
    gboolean (*shutdown)(XvmVirt *v, const XvmDomainRef *ref, guint modes, GError **error);
    gboolean (*destroy)(XvmVirt *v, const XvmDomainRef *ref, GError **error);
    gboolean (*dump_xml)(XvmVirt *v, const XvmDomainRef *ref, char **xml, GError **error);
    gboolean (*sizing)(XvmVirt *v, const XvmDomainRef *ref, XvmDomainSizing *out,
                       GError **error);
    /* Blocks until the migration ends; called from a worker thread. */
    gboolean (*migrate)(XvmVirt *v, const XvmDomainRef *ref, const XvmMigration *m,
                        GError **error);
    gboolean (*job_progress)(XvmVirt *v, const XvmDomainRef *ref, XvmJobProgress *out,
                             GError **error);
    gboolean (*abort_job)(XvmVirt *v, const XvmDomainRef *ref, GError **error);
    /* Saves the domain's memory state to path and stops it (snapshot);
     * blocks, so called from a worker thread, and ended by abort_job. */
    gboolean (*save)(XvmVirt *v, const XvmDomainRef *ref, const char *path, GError **error);
    /* Starts the domain saved in path, running, with xml as its definition
     * (the saved one, marked); the hook sees it as "restore". */
    gboolean (*restore)(XvmVirt *v, const char *path, const char *xml, GError **error);
    /* The domain XML in a state file's header, secrets included. */
    gboolean (*saved_xml)(XvmVirt *v, const char *path, char **xml, GError **error);
    /* The longest pause allowed at the end of a running live migration. */
    gboolean (*set_max_downtime)(XvmVirt *v, const XvmDomainRef *ref, guint64 downtime_ms,
                                 GError **error);
    /* Switches a running migration (started with VIR_MIGRATE_POSTCOPY) to
     * post-copy: the guest runs on the target from now on. */
    gboolean (*start_postcopy)(XvmVirt *v, const XvmDomainRef *ref, GError **error);
    /* Opens one connection to dest_uri and asks it about the domain ref
     * (running here): pre-flight of a migration.  check_disks FALSE: the
     * migration copies the storage.  Fails only when the target cannot be
     * asked at all. */
    gboolean (*inspect_target)(XvmVirt *v, const XvmDomainRef *ref, const char *dest_uri,
                               gboolean check_disks, XvmTargetFacts *out, GError **error);
    /* How many lifecycle events (of any domain) have been seen so far. */
    guint64 (*event_count)(XvmVirt *v);
    /* Waits up to timeout_ms until more than seen events have been seen.
     * Taking the count before looking at a domain and waiting with it after
     * closes the race with an event that arrives in between. */
    void (*wait_event)(XvmVirt *v, guint64 seen, gint64 timeout_ms);
    void (*free)(XvmVirt *v);
} XvmVirtOps;

struct XvmVirt {
    const XvmVirtOps *ops;
    gpointer priv;
    gint refs;      /* worker threads hold a reference while they call it */
};

XvmVirt *xvm_virt_libvirt_new(void);
/* For implementations: sets ops, priv and the first reference. */
XvmVirt *xvm_virt_new(const XvmVirtOps *ops, gpointer priv);
XvmVirt *xvm_virt_ref(XvmVirt *v);
void xvm_virt_unref(XvmVirt *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmVirt, xvm_virt_unref)
