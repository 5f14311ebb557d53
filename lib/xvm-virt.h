/* The one I/O seam to the hypervisor.  The real implementation talks to
 * libvirt (xvm-virt-libvirt.c); the unit tests drive a scripted fake.  Plain
 * data crosses it: nothing libvirt-typed. */
#pragma once

#include <glib.h>

typedef struct {
    gboolean found;      /* FALSE: libvirt looked, and no such domain exists */
    int state;           /* virDomainState */
    int reason;          /* its reason */
    gboolean persistent;
    char *uuid;          /* the domain's UUID as libvirt knows it */
} XvmDomainStatus;

void xvm_domain_status_clear(XvmDomainStatus *status);

typedef struct {
    const char *dest_uri;       /* the target's libvirt URI */
    const char *data_uri;       /* where the data goes, or NULL */
    gboolean live;
    gboolean persistent;        /* define on target, undefine on source */
    guint64 bandwidth_mibs;     /* 0: unlimited */
    guint64 max_downtime_ms;    /* 0: libvirt's default */
} XvmMigration;

typedef struct {
    gboolean active;
    guint64 data_total;
    guint64 data_remaining;
    guint64 elapsed_ms;
} XvmJobProgress;

typedef struct XvmVirt XvmVirt;

typedef struct {
    gboolean (*connect)(XvmVirt *v, const char *uri, gint64 timeout_ms, GError **error);
    /* Looks the domain up by name (and checks the UUID when given). */
    gboolean (*status)(XvmVirt *v, const char *name, XvmDomainStatus *out, GError **error);
    /* The running domain whose marker names this resource instance, if any. */
    gboolean (*find_marked)(XvmVirt *v, const char *instance, char **name, GError **error);
    /* Creates (starts) the domain from XML; persistent: define it first when
     * libvirt does not know it, then start the definition. */
    gboolean (*create)(XvmVirt *v, const char *xml, gboolean persistent, GError **error);
    gboolean (*shutdown)(XvmVirt *v, const char *name, guint modes, GError **error);
    gboolean (*destroy)(XvmVirt *v, const char *name, GError **error);
    gboolean (*dump_xml)(XvmVirt *v, const char *name, char **xml, GError **error);
    /* Blocks until the migration ends; called from a worker thread. */
    gboolean (*migrate)(XvmVirt *v, const char *name, const XvmMigration *m, GError **error);
    gboolean (*job_progress)(XvmVirt *v, const char *name, XvmJobProgress *out, GError **error);
    gboolean (*abort_job)(XvmVirt *v, const char *name, GError **error);
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
