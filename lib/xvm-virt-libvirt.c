/* The real hypervisor seam: the only file that calls libvirt's API. */
#include "xvm-virt.h"

#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>

#include "xvm-auto.h"
#include "xvm-domxml.h"
#include "xvm-error.h"
#include "xvm-job.h"
#include "xvm-lockmgr.h"
#include "xvm-log.h"
#include "xvm-params.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

/* Our shutdown mode bits are libvirt's, so they pass through unchanged. */
G_STATIC_ASSERT((int) XVM_SHUTDOWN_ACPI == (int) VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN);
G_STATIC_ASSERT((int) XVM_SHUTDOWN_AGENT == (int) VIR_DOMAIN_SHUTDOWN_GUEST_AGENT);
G_STATIC_ASSERT((int) XVM_SHUTDOWN_INITCTL == (int) VIR_DOMAIN_SHUTDOWN_INITCTL);
G_STATIC_ASSERT((int) XVM_SHUTDOWN_SIGNAL == (int) VIR_DOMAIN_SHUTDOWN_SIGNAL);
G_STATIC_ASSERT((int) XVM_SHUTDOWN_PARAVIRT == (int) VIR_DOMAIN_SHUTDOWN_PARAVIRT);

/* A hung libvirtd is noticed after KEEPALIVE_INTERVAL_S * (COUNT + 1) s. */
#define KEEPALIVE_INTERVAL_S 1
#define KEEPALIVE_COUNT 3

typedef struct {
    virConnectPtr conn;
    int lifecycle_callback;
    GMutex lock;
    GCond changed;
    guint64 events;     /* lifecycle events seen so far */
    gint lost;          /* atomic: a call failed on the connection itself */
    gint refs;          /* the XvmVirt's and the event callback's */
} LibvirtPriv;

static void
priv_unref(gpointer data)
{
    LibvirtPriv *priv = data;

    if (!g_atomic_int_dec_and_test(&priv->refs))
        return;
    g_mutex_clear(&priv->lock);
    g_cond_clear(&priv->changed);
    g_free(priv);
}

static void
quiet_error_handler(void *opaque G_GNUC_UNUSED, virErrorPtr err G_GNUC_UNUSED)
{
    /* libvirt must never print on its own: errors reach the user once, as
     * our exit reason. */
}

static XvmErrorCode
error_code_from_libvirt(int code)
{
    switch (code) {
    case VIR_ERR_NO_DOMAIN:
        return XVM_ERROR_NO_DOMAIN;
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_RPC:
    case VIR_ERR_AUTH_FAILED:
    case VIR_ERR_AUTH_UNAVAILABLE:
    case VIR_ERR_AUTH_CANCELLED:
        return XVM_ERROR_CONNECT;
    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_XML_INVALID_SCHEMA:
        return XVM_ERROR_CONFIG_INVALID;
    case VIR_ERR_CONFIG_UNSUPPORTED:
        return XVM_ERROR_NOT_INSTALLED;
    case VIR_ERR_RESOURCE_BUSY:
        /* A lock manager's lease held elsewhere: the domain (or its disk)
         * is in use on another node.  An operation libvirt refused (a start
         * exits 1), never a configuration that cannot work (6). */
        return XVM_ERROR_LIBVIRT;
    default:
        /* VIR_ERR_OPERATION_TIMEOUT included: libvirtd answered, the
         * domain was busy ("cannot acquire state change lock"). */
        return XVM_ERROR_LIBVIRT;
    }
}

/* Whether a failed call failed on the connection: libvirtd restarted (End
 * of file, socket closed), hung (keepalive timeout) or was never there.
 * Judged by the connection's own state and libvirt's error domain and
 * codes, never by the message, which is translated. */
static gboolean
connection_lost(LibvirtPriv *priv, virErrorPtr err)
{
    if (err && (err->domain == VIR_FROM_RPC
                || error_code_from_libvirt(err->code) == XVM_ERROR_CONNECT))
        return TRUE;
    return priv->conn != NULL && virConnectIsAlive(priv->conn) == 0;
}

/* Turns libvirt's thread-local last error into a GError: the one place this
 * happens.  what says what we tried, libvirt's message says why.  Safe with
 * error == NULL.  The error is copied first: any libvirt call, such as
 * virConnectIsAlive(), resets it. */
static void
set_error_from_libvirt(LibvirtPriv *priv, GError **error, const char *what)
{
    virErrorPtr err = virSaveLastError();
    const char *msg = err && err->message ? err->message : "unknown libvirt error";
    XvmErrorCode code = err ? error_code_from_libvirt(err->code) : XVM_ERROR_LIBVIRT;

    if (connection_lost(priv, err)) {
        code = XVM_ERROR_CONNECT;
        g_atomic_int_set(&priv->lost, TRUE);
    }
    /* Pacemaker keeps 127 bytes of an exit reason, and QEMU's "Failed to get
     * lock" comes after libvirt's prefix, a timestamp and the whole -device
     * argument: name the lock first. */
    if (xvm_lockmgr_refused(err && err->code == VIR_ERR_RESOURCE_BUSY, msg))
        g_set_error(error, XVM_ERROR, code, "%s: a disk is locked, in use elsewhere: %s",
                    what, msg);
    else
        g_set_error(error, XVM_ERROR, code, "%s: %s", what, msg);
    virFreeError(err);
}

/* For the operations that are one libvirt call on a domain: rc is that
 * call's result, checked at once (libvirt's last error is the call's own
 * only until the next libvirt call). */
static gboolean
call_ok(LibvirtPriv *priv, int rc, const char *what, GError **error)
{
    if (rc >= 0)
        return TRUE;
    set_error_from_libvirt(priv, error, what);
    return FALSE;
}

/* An error on a connection to another node's libvirt (a migration
 * target): it says nothing about our own connection, so it never marks that
 * one lost. */
static void
set_remote_error(GError **error, const char *what)
{
    virErrorPtr err = virSaveLastError();

    g_set_error(error, XVM_ERROR, err ? error_code_from_libvirt(err->code) : XVM_ERROR_LIBVIRT,
                "%s: %s", what, err && err->message ? err->message : "unknown libvirt error");
    virFreeError(err);
}

/* Only these say "libvirt answered: nothing there". */
static gboolean
last_error_is(int code)
{
    virErrorPtr err = virGetLastError();

    return err != NULL && err->code == code;
}

static gpointer
event_loop_thread(gpointer data G_GNUC_UNUSED)
{
    for (;;)
        virEventRunDefaultImpl();
    return NULL;
}

/* libvirt's keepalive and domain events need a running event loop. */
static gboolean
event_loop_start_once(GError **error)
{
    static gsize started;
    static gboolean ok;

    if (g_once_init_enter(&started)) {
        GThread *thread;

        virSetErrorFunc(NULL, quiet_error_handler);
        virEventRegisterDefaultImpl();
        thread = g_thread_try_new("xvm-events", event_loop_thread, NULL, NULL);
        ok = thread != NULL;
        if (thread)
            g_thread_unref(thread);
        g_once_init_leave(&started, 1);
    }
    if (!ok)
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL,
                    "cannot start libvirt's event loop thread");
    return ok;
}

static int
on_lifecycle(virConnectPtr conn G_GNUC_UNUSED, virDomainPtr dom G_GNUC_UNUSED,
             int event G_GNUC_UNUSED, int detail G_GNUC_UNUSED, void *opaque)
{
    LibvirtPriv *priv = opaque;

    g_mutex_lock(&priv->lock);
    priv->events++;
    g_cond_broadcast(&priv->changed);
    g_mutex_unlock(&priv->lock);
    return 0;
}

/* virConnectOpen can hang forever on a stopped (SIGSTOP) libvirtd, before
 * keepalive exists: open on a worker thread (xvm-job.h) and stop waiting at
 * the deadline.  An attempt given up on closes its connection when the
 * open finally returns. */
typedef struct {
    char *uri;
    virConnectPtr conn;
} ConnectAttempt;

static void
connect_attempt_free(gpointer data)
{
    ConnectAttempt *a = data;

    if (a->conn)
        virConnectClose(a->conn);   /* the caller gave up on it */
    g_free(a->uri);
    g_free(a);
}

/* libvirt's error is thread-local: it is read here, on the thread that
 * failed, and goes back as the job's error. */
static gboolean
connect_attempt_run(gpointer data, GError **error)
{
    ConnectAttempt *a = data;
    virErrorPtr err;

    a->conn = virConnectOpen(a->uri);
    if (a->conn)
        return TRUE;
    err = virGetLastError();
    g_set_error(error, XVM_ERROR, XVM_ERROR_CONNECT, "cannot connect to %s: %s",
                a->uri ? a->uri : "libvirt's default URI",
                err && err->message ? err->message : "unknown error");
    return FALSE;
}

/* A connection found dead is dropped, not closed: closing waits for an
 * answer a hung libvirtd never gives.  The process exits soon anyway. */
static void
forget_lost_connection(LibvirtPriv *priv)
{
    if (priv->conn == NULL || !g_atomic_int_get(&priv->lost))
        return;
    priv->conn = NULL;
    priv->lifecycle_callback = -1;
    g_atomic_int_set(&priv->lost, FALSE);
}

static gboolean
lv_connect(XvmVirt *v, const char *uri, gint64 timeout_ms, GError **error)
{
    LibvirtPriv *priv = v->priv;
    ConnectAttempt *a;
    g_autoptr(XvmJob) job = NULL;

    forget_lost_connection(priv);
    if (priv->conn)
        return TRUE;
    if (!event_loop_start_once(error))
        return FALSE;
    a = g_new0(ConnectAttempt, 1);
    a->uri = g_strdup(uri);
    job = xvm_job_start("xvm-connect", connect_attempt_run, a, connect_attempt_free);
    if (!xvm_job_wait(job, timeout_ms)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONNECT,
                    "libvirt at %s did not answer within %" G_GINT64_FORMAT " ms",
                    uri ? uri : "its default URI", timeout_ms);
        return FALSE;
    }
    if (!xvm_job_result(job, error))
        return FALSE;
    priv->conn = g_steal_pointer(&a->conn);
    virConnectSetKeepAlive(priv->conn, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
    return TRUE;
}

static char *
lv_uri(XvmVirt *v, GError **error)
{
    LibvirtPriv *priv = v->priv;
    char *uri = priv->conn ? virConnectGetURI(priv->conn) : NULL;
    char *copy;

    if (uri == NULL) {
        set_error_from_libvirt(priv, error, "asking libvirt for its URI");
        return NULL;
    }
    copy = g_strdup(uri);
    free(uri);
    return copy;
}

static virDomainPtr
lookup(LibvirtPriv *priv, const XvmDomainRef *ref, GError **error)
{
    virDomainPtr dom = ref->uuid ? virDomainLookupByUUIDString(priv->conn, ref->uuid)
                                 : virDomainLookupByName(priv->conn, ref->name);

    if (dom == NULL) {
        g_autofree char *what = g_strdup_printf("looking up domain %s%s%s", ref->name,
                                                ref->uuid ? " by UUID " : "",
                                                ref->uuid ? ref->uuid : "");

        set_error_from_libvirt(priv, error, what);
    }
    return dom;
}

static gboolean
lv_status(XvmVirt *v, const XvmDomainRef *ref, XvmDomainStatus *out, GError **error)
{
    LibvirtPriv *priv = v->priv;
    GError *local = NULL;
    g_autoptr(virDomain) dom = lookup(priv, ref, &local);
    char uuid[VIR_UUID_STRING_BUFLEN];

    xvm_domain_status_clear(out);
    if (dom && virDomainGetState(dom, &out->state, &out->reason, 0) < 0)
        set_error_from_libvirt(priv, &local, "reading the domain's state");
    /* Not there, or gone between lookup and state: libvirt looked. */
    if (g_error_matches(local, XVM_ERROR, XVM_ERROR_NO_DOMAIN)) {
        g_error_free(local);
        return TRUE;
    }
    if (local) {
        g_propagate_error(error, local);
        return FALSE;
    }
    out->found = TRUE;
    out->persistent = virDomainIsPersistent(dom) == 1;
    out->name = g_strdup(virDomainGetName(dom));
    if (virDomainGetUUIDString(dom, uuid) == 0)
        out->uuid = g_strdup(uuid);
    return TRUE;
}

static char *
instance_from_fragment(const char *fragment)
{
    g_autoptr(xmlDoc) doc = xmlReadMemory(fragment, (int) strlen(fragment), "metadata", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR
                                              | XML_PARSE_NOWARNING);
    g_autofree xmlChar *instance = NULL;

    /* A marker of ours that names nobody readable tells whose it is no
     * better than none: NULL, "no marker", which a look without any other
     * identity takes for "cannot tell". */
    if (doc == NULL || xmlDocGetRootElement(doc) == NULL)
        return NULL;
    instance = xmlGetProp(xmlDocGetRootElement(doc), (const xmlChar *) "instance");
    return instance && instance[0] ? g_strdup((const char *) instance) : NULL;
}

/* FALSE with an error unless libvirt answered; *instance NULL only when
 * libvirt said the domain has no marker of ours. */
static gboolean
read_marker(LibvirtPriv *priv, virDomainPtr dom, char **instance, GError **error)
{
    g_autofree char *fragment = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
                                                     XVM_DOMXML_NS, VIR_DOMAIN_AFFECT_LIVE);

    *instance = NULL;
    if (fragment) {
        *instance = instance_from_fragment(fragment);
        return TRUE;
    }
    if (last_error_is(VIR_ERR_NO_DOMAIN_METADATA))
        return TRUE;
    set_error_from_libvirt(priv, error, "reading the domain's marker");
    return FALSE;
}

static gboolean
lv_set_marker(XvmVirt *v, const XvmDomainRef *ref, const char *instance, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);
    g_autofree char *fragment = g_markup_printf_escaped("<resource instance=\"%s\"/>",
                                                        instance);

    if (dom == NULL)
        return FALSE;
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, fragment, "xvm", XVM_DOMXML_NS,
                             VIR_DOMAIN_AFFECT_LIVE) < 0) {
        set_error_from_libvirt(v->priv, error, "marking the running domain");
        return FALSE;
    }
    return TRUE;
}

static gboolean
lv_marker(XvmVirt *v, const XvmDomainRef *ref, char **instance, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);

    *instance = NULL;
    return dom != NULL && read_marker(v->priv, dom, instance, error);
}

/* One listed domain; FALSE with an error when libvirt could not answer.
 * A domain that stopped since the list is simply not active. */
static gboolean
describe_active(LibvirtPriv *priv, virDomainPtr dom, GPtrArray *out, GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *marker = NULL;
    GError *local = NULL;
    XvmActiveDomain *d;

    if (!read_marker(priv, dom, &marker, &local)) {
        if (g_error_matches(local, XVM_ERROR, XVM_ERROR_NO_DOMAIN)) {
            g_error_free(local);
            return TRUE;
        }
        g_propagate_error(error, local);
        return FALSE;
    }
    d = g_new0(XvmActiveDomain, 1);
    d->name = g_strdup(virDomainGetName(dom));
    if (virDomainGetUUIDString(dom, uuid) == 0)
        d->uuid = g_strdup(uuid);
    d->marker = g_steal_pointer(&marker);
    g_ptr_array_add(out, d);
    return TRUE;
}

static gboolean
lv_list_active(XvmVirt *v, GPtrArray **domains, GError **error)
{
    LibvirtPriv *priv = v->priv;
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(priv->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(xvm_active_domain_free);
    gboolean ok = n >= 0;

    *domains = NULL;
    if (n < 0)
        set_error_from_libvirt(priv, error, "listing domains");
    for (int i = 0; i < n; i++) {
        ok = ok && describe_active(priv, doms[i], out, error);
        virDomainFree(doms[i]);
    }
    free(doms);
    if (ok)
        *domains = g_steal_pointer(&out);
    return ok;
}

static gboolean
create_persistent(LibvirtPriv *priv, const char *xml, GError **error)
{
    g_autoptr(virDomain) dom = virDomainDefineXML(priv->conn, xml);

    /* DefineXML of a known domain updates its inactive definition, which is
     * what the config file says it should be. */
    if (dom == NULL) {
        set_error_from_libvirt(priv, error, "defining the domain");
        return FALSE;
    }
    /* The cluster decides where it runs: a definition left with autostart
     * on would start a second copy when this node boots. */
    if (virDomainSetAutostart(dom, 0) < 0)
        virResetLastError();
    if (virDomainCreate(dom) < 0) {
        set_error_from_libvirt(priv, error, "starting the domain");
        return FALSE;
    }
    return TRUE;
}

static gboolean
lv_create(XvmVirt *v, const char *xml, gboolean persistent, GError **error)
{
    LibvirtPriv *priv = v->priv;
    g_autoptr(virDomain) dom = NULL;

    if (persistent)
        return create_persistent(priv, xml, error);
    dom = virDomainCreateXML(priv->conn, xml, VIR_DOMAIN_NONE);
    if (dom == NULL) {
        set_error_from_libvirt(v->priv, error, "creating the domain");
        return FALSE;
    }
    return TRUE;
}

static gboolean
lv_shutdown(XvmVirt *v, const XvmDomainRef *ref, guint modes, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);

    return dom && call_ok(v->priv, virDomainShutdownFlags(dom, modes),
                          "asking the guest to shut down", error);
}

static gboolean
lv_destroy(XvmVirt *v, const XvmDomainRef *ref, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);

    return dom && call_ok(v->priv, virDomainDestroy(dom), "destroying the domain", error);
}

static gboolean
lv_dump_xml(XvmVirt *v, const XvmDomainRef *ref, char **xml, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);
    unsigned int flags = VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE
                         | VIR_DOMAIN_XML_MIGRATABLE;

    *xml = NULL;
    if (dom == NULL)
        return FALSE;
    *xml = virDomainGetXMLDesc(dom, flags);
    if (*xml == NULL) {
        set_error_from_libvirt(v->priv, error, "reading the domain's definition");
        return FALSE;
    }
    return TRUE;
}

/* virDomainGetInfo: one small call, the numbers virsh dominfo prints (and
 * VirtualDomain reads for utilization); no XML to format or parse. */
static gboolean
lv_sizing(XvmVirt *v, const XvmDomainRef *ref, XvmDomainSizing *out, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);
    virDomainInfo info;

    memset(out, 0, sizeof(*out));
    if (dom == NULL)
        return FALSE;
    if (virDomainGetInfo(dom, &info) < 0) {
        set_error_from_libvirt(v->priv, error, "reading the domain's size");
        return FALSE;
    }
    out->vcpus = info.nrVirtCpu;
    out->max_memory_kib = info.maxMem;
    return TRUE;
}

static unsigned int
migration_flags(const XvmMigration *m)
{
    unsigned int flags = VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_ABORT_ON_ERROR;

    if (m->live)
        flags |= VIR_MIGRATE_LIVE;
    if (m->persistent)
        flags |= VIR_MIGRATE_PERSIST_DEST;
    if (m->undefine_source)
        flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
    return flags | m->extra_flags;
}

static void
add_migration_params(const XvmMigration *m, virTypedParameterPtr *params, int *nparams,
                     int *maxparams)
{
    for (guint i = 0; m->params && i < m->params->len; i++) {
        const XvmMigParam *p = g_ptr_array_index(m->params, i);

        switch (p->type) {
        case XVM_MIG_PARAM_STRING:
            virTypedParamsAddString(params, nparams, maxparams, p->name, p->text);
            break;
        case XVM_MIG_PARAM_INT:
            virTypedParamsAddInt(params, nparams, maxparams, p->name, (int) p->number);
            break;
        case XVM_MIG_PARAM_ULLONG:
            virTypedParamsAddULLong(params, nparams, maxparams, p->name, p->number);
            break;
        }
    }
}

static gboolean
lv_migrate(XvmVirt *v, const XvmDomainRef *ref, const XvmMigration *m, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0, rc;

    if (dom == NULL)
        return FALSE;
    if (m->data_uri)
        virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_URI,
                                m->data_uri);
    if (m->bandwidth_mibs)
        virTypedParamsAddULLong(&params, &nparams, &maxparams,
                                VIR_MIGRATE_PARAM_BANDWIDTH, m->bandwidth_mibs);
    add_migration_params(m, &params, &nparams, &maxparams);
    /* Best effort: the downtime only shortens the final pause. */
    if (m->max_downtime_ms)
        virDomainMigrateSetMaxDowntime(dom, m->max_downtime_ms, 0);
    rc = virDomainMigrateToURI3(dom, m->dest_uri, params, nparams, migration_flags(m));
    virTypedParamsFree(params, nparams);
    if (rc < 0) {
        GError *local = NULL;

        set_error_from_libvirt(v->priv, &local, "migration");
        if (local->code != XVM_ERROR_CONNECT)
            local->code = XVM_ERROR_MIGRATION;
        g_propagate_error(error, local);
        return FALSE;
    }
    return TRUE;
}

static guint64
job_stat(virTypedParameterPtr params, int nparams, const char *name)
{
    unsigned long long value = 0;

    if (virTypedParamsGetULLong(params, nparams, name, &value) <= 0)
        return 0;
    return value;
}

static void
fill_job_progress(XvmJobProgress *out, int type, virTypedParameterPtr params, int nparams)
{
    int throttle = 0;
    guint64 page_size = job_stat(params, nparams, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE);

    out->active = type != VIR_DOMAIN_JOB_NONE && type != VIR_DOMAIN_JOB_COMPLETED;
    out->data_total = job_stat(params, nparams, VIR_DOMAIN_JOB_DATA_TOTAL);
    out->data_remaining = job_stat(params, nparams, VIR_DOMAIN_JOB_DATA_REMAINING);
    out->elapsed_ms = job_stat(params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED);
    /* libvirt counts dirtied pages per second. */
    out->dirty_rate_bps = job_stat(params, nparams, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE)
                          * (page_size ? page_size : 4096);
    out->transfer_bps = job_stat(params, nparams, VIR_DOMAIN_JOB_MEMORY_BPS);
    out->iteration = job_stat(params, nparams, VIR_DOMAIN_JOB_MEMORY_ITERATION);
    out->expected_downtime_ms = job_stat(params, nparams, VIR_DOMAIN_JOB_DOWNTIME);
    out->postcopy = job_stat(params, nparams, VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS) > 0;
    if (virTypedParamsGetInt(params, nparams, VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE,
                             &throttle) > 0)
        out->throttle_percent = (guint64) MAX(throttle, 0);
}

static gboolean
lv_job_progress(XvmVirt *v, const XvmDomainRef *ref, XvmJobProgress *out, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = VIR_DOMAIN_JOB_NONE;

    memset(out, 0, sizeof(*out));
    if (dom == NULL)
        return FALSE;
    if (virDomainGetJobStats(dom, &type, &params, &nparams, 0) < 0) {
        set_error_from_libvirt(v->priv, error, "reading the migration's progress");
        return FALSE;
    }
    fill_job_progress(out, type, params, nparams);
    virTypedParamsFree(params, nparams);
    return TRUE;
}

static gboolean
lv_set_max_downtime(XvmVirt *v, const XvmDomainRef *ref, guint64 downtime_ms,
                    GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);

    return dom && call_ok(v->priv, virDomainMigrateSetMaxDowntime(dom, downtime_ms, 0),
                          "raising the migration's downtime limit", error);
}

static gboolean
lv_start_postcopy(XvmVirt *v, const XvmDomainRef *ref, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);

    return dom && call_ok(v->priv, virDomainMigrateStartPostCopy(dom, 0),
                          "switching the migration to post-copy", error);
}

static gboolean
lv_abort_job(XvmVirt *v, const XvmDomainRef *ref, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);

    return dom && call_ok(v->priv, virDomainAbortJob(dom), "aborting the migration", error);
}

/* snapshot: libvirt writes the image under a "partial" header and marks it
 * complete only at the end, so a save cut short never restores. */
static gboolean
lv_save(XvmVirt *v, const XvmDomainRef *ref, const char *path, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);

    return dom && call_ok(v->priv, virDomainSaveFlags(dom, path, NULL, 0),
                          "saving the domain's memory state", error);
}

static gboolean
lv_restore(XvmVirt *v, const char *path, const char *xml, GError **error)
{
    LibvirtPriv *priv = v->priv;

    /* Running: the cluster's start means a running guest, whatever state
     * it was saved in. */
    if (virDomainRestoreFlags(priv->conn, path, xml, VIR_DOMAIN_SAVE_RUNNING) < 0) {
        set_error_from_libvirt(priv, error, "restoring the saved memory state");
        return FALSE;
    }
    return TRUE;
}

static gboolean
lv_saved_xml(XvmVirt *v, const char *path, char **xml, GError **error)
{
    LibvirtPriv *priv = v->priv;
    char *text = virDomainSaveImageGetXMLDesc(priv->conn, path,
                                              VIR_DOMAIN_SAVE_IMAGE_XML_SECURE);

    *xml = NULL;
    if (text == NULL) {
        set_error_from_libvirt(priv, error, "reading the saved state's header");
        return FALSE;
    }
    *xml = g_strdup(text);
    free(text);
    return TRUE;
}

/* ---- pre-flight of a migration: one connection to the target ------------ */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStoragePool, virStoragePoolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, virStorageVolFree)

static void
target_check_domain(virConnectPtr dest, virDomainPtr dom, XvmTargetFacts *out)
{
    char uuid[VIR_UUID_STRING_BUFLEN] = "";
    g_autoptr(virDomain) same = NULL;
    g_autoptr(virDomain) named = NULL;
    char other[VIR_UUID_STRING_BUFLEN] = "";

    if (virDomainGetUUIDString(dom, uuid) < 0)
        return;
    same = virDomainLookupByUUIDString(dest, uuid);
    out->runs_there = same && virDomainIsActive(same) == 1;
    named = virDomainLookupByName(dest, virDomainGetName(dom));
    if (named && virDomainIsActive(named) == 1 && virDomainGetUUIDString(named, other) == 0
        && strcmp(other, uuid) != 0)
        out->name_taken_by = g_strdup(other);
}

/* What the kernel could give a guest at once: free, plus the page cache
 * and buffers it drops on demand. */
static guint64
target_free_bytes(virConnectPtr dest)
{
    virNodeMemoryStatsPtr stats = NULL;
    int n = 0;
    guint64 kib = 0;

    if (virNodeGetMemoryStats(dest, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) < 0 || n <= 0)
        return 0;
    stats = g_new0(virNodeMemoryStats, n);
    if (virNodeGetMemoryStats(dest, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &n, 0) == 0) {
        for (int i = 0; i < n; i++) {
            if (strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_FREE) == 0
                || strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_BUFFERS) == 0
                || strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_CACHED) == 0)
                kib += stats[i].value;
        }
    }
    g_free(stats);
    return kib * 1024;
}

static void
target_check_cpu(virConnectPtr dest, const XvmDomainConfig *cfg, XvmTargetFacts *out)
{
    const char *cpu = xvm_domxml_cpu_to_compare(cfg);
    int rc;

    if (cpu == NULL)
        return;
    rc = virConnectCompareHypervisorCPU(dest, cfg->emulator, cfg->arch, cfg->machine,
                                        cfg->type, cpu,
                                        VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE);
    if (rc == VIR_CPU_COMPARE_IDENTICAL || rc == VIR_CPU_COMPARE_SUPERSET) {
        out->cpu = XVM_CPU_COMPATIBLE;
    } else if (rc == VIR_CPU_COMPARE_INCOMPATIBLE || last_error_is(VIR_ERR_CPU_INCOMPATIBLE)) {
        virErrorPtr err = virGetLastError();

        out->cpu = XVM_CPU_INCOMPATIBLE;
        out->cpu_detail = g_strdup(err && err->message ? err->message : "incompatible");
    }
}

/* Missing only where a storage pool on the target covers the directory and,
 * refreshed, still does not list the file: anything else cannot be told
 * from here. */
static gboolean
target_disk_missing(virConnectPtr dest, const char *path)
{
    g_autoptr(virStorageVol) vol = virStorageVolLookupByPath(dest, path);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(virStoragePool) pool = NULL;
    g_autoptr(virStorageVol) again = NULL;

    if (vol || !last_error_is(VIR_ERR_NO_STORAGE_VOL))
        return FALSE;
    pool = virStoragePoolLookupByTargetPath(dest, dir);
    if (pool == NULL || virStoragePoolIsActive(pool) != 1 || virStoragePoolRefresh(pool, 0) < 0)
        return FALSE;
    again = virStorageVolLookupByPath(dest, path);
    return again == NULL && last_error_is(VIR_ERR_NO_STORAGE_VOL);
}

static void
target_check_disks(virConnectPtr dest, const XvmDomainConfig *cfg, XvmTargetFacts *out)
{
    out->missing_disks = g_ptr_array_new_with_free_func(g_free);
    for (char **path = cfg->disk_paths; path && *path; path++) {
        if (target_disk_missing(dest, *path))
            g_ptr_array_add(out->missing_disks, g_strdup(*path));
    }
}

static gboolean
lv_inspect_target(XvmVirt *v, const XvmDomainRef *ref, const char *dest_uri,
                  gboolean check_disks, XvmTargetFacts *out, GError **error)
{
    g_autoptr(virDomain) dom = lookup(v->priv, ref, error);
    g_autoptr(virConnect) dest = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(XvmDomainConfig) cfg = NULL;

    memset(out, 0, sizeof(*out));
    if (dom == NULL)
        return FALSE;
    xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_MIGRATABLE);
    cfg = xml ? xvm_domxml_parse(xml, strlen(xml), NULL) : NULL;
    dest = virConnectOpen(dest_uri);
    if (dest == NULL) {
        set_remote_error(error, "connecting to the migration target");
        return FALSE;
    }
    virConnectSetKeepAlive(dest, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
    target_check_domain(dest, dom, out);
    if (cfg == NULL || !cfg->hugepages) {
        out->need_bytes = (guint64) virDomainGetMaxMemory(dom) * 1024;
        out->free_bytes = target_free_bytes(dest);
    }
    if (cfg) {
        target_check_cpu(dest, cfg, out);
        if (check_disks)
            target_check_disks(dest, cfg, out);
    }
    return TRUE;
}

/* Events are subscribed to on first use: a monitor that only looks once
 * saves the two round trips to libvirtd. */
static void
subscribe_events(LibvirtPriv *priv)
{
    if (priv->lifecycle_callback >= 0 || priv->conn == NULL)
        return;
    /* libvirt calls priv_unref once the callback can no longer run. */
    g_atomic_int_inc(&priv->refs);
    priv->lifecycle_callback = virConnectDomainEventRegisterAny(
        priv->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), priv, priv_unref);
    if (priv->lifecycle_callback < 0)
        priv_unref(priv);
}

static guint64
lv_event_count(XvmVirt *v)
{
    LibvirtPriv *priv = v->priv;
    guint64 count;

    subscribe_events(priv);
    g_mutex_lock(&priv->lock);
    count = priv->events;
    g_mutex_unlock(&priv->lock);
    return count;
}

static void
lv_wait_event(XvmVirt *v, guint64 seen, gint64 timeout_ms)
{
    LibvirtPriv *priv = v->priv;
    gint64 end = g_get_monotonic_time() + MAX(timeout_ms, 0) * 1000;

    g_mutex_lock(&priv->lock);
    while (priv->events <= seen && g_cond_wait_until(&priv->changed, &priv->lock, end))
        ;
    g_mutex_unlock(&priv->lock);
}

static void
lv_free(XvmVirt *v)
{
    LibvirtPriv *priv = v->priv;

    gboolean lost = g_atomic_int_get(&priv->lost);

    /* A connection to a hung libvirtd is left to process exit: closing it
     * would wait for an answer that never comes. */
    if (priv->conn && !lost) {
        if (priv->lifecycle_callback >= 0)
            virConnectDomainEventDeregisterAny(priv->conn, priv->lifecycle_callback);
        virConnectClose(priv->conn);
    }
    if (priv->conn == NULL || !lost)
        priv_unref(priv);
}

/* ---- start_resources: the pools and networks a domain uses -------------- */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetwork, virNetworkFree)

static gboolean
start_pool(virConnectPtr conn, const char *name, GError **error)
{
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(conn, name);
    g_autofree char *what = NULL;
    int active;

    if (pool == NULL) {
        if (last_error_is(VIR_ERR_NO_STORAGE_POOL)) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                        "storage pool %s is not defined on this node", name);
            return FALSE;
        }
        what = g_strdup_printf("looking up storage pool %s", name);
        set_remote_error(error, what);
        return FALSE;
    }
    active = virStoragePoolIsActive(pool);
    if (active == 1 ? virStoragePoolRefresh(pool, 0) == 0 : virStoragePoolCreate(pool, 0) == 0) {
        xvm_log_info("storage pool %s %s", name, active == 1 ? "refreshed" : "started");
        return TRUE;
    }
    what = g_strdup_printf("%s storage pool %s", active == 1 ? "refreshing" : "starting",
                           name);
    set_remote_error(error, what);
    return FALSE;
}

static gboolean
start_network(virConnectPtr conn, const char *name, GError **error)
{
    g_autoptr(virNetwork) net = virNetworkLookupByName(conn, name);
    g_autofree char *what = NULL;

    if (net == NULL) {
        if (last_error_is(VIR_ERR_NO_NETWORK)) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                        "network %s is not defined on this node", name);
            return FALSE;
        }
        what = g_strdup_printf("looking up network %s", name);
        set_remote_error(error, what);
        return FALSE;
    }
    if (virNetworkIsActive(net) == 1)
        return TRUE;
    if (virNetworkCreate(net) == 0) {
        xvm_log_info("network %s started", name);
        return TRUE;
    }
    what = g_strdup_printf("starting network %s", name);
    set_remote_error(error, what);
    return FALSE;
}

/* On our own connection, a failure that lost it is a lost connection, as
 * for every other call. */
static gboolean
start_resources_failed(LibvirtPriv *priv, const char *uri, GError **error)
{
    if (uri == NULL && connection_lost(priv, NULL)) {
        g_atomic_int_set(&priv->lost, TRUE);
        if (error && *error)
            (*error)->code = XVM_ERROR_CONNECT;
    }
    return FALSE;
}

static gboolean
lv_start_resources(XvmVirt *v, const char *uri, const char *const *pools,
                   const char *const *networks, GError **error)
{
    LibvirtPriv *priv = v->priv;
    g_autoptr(virConnect) remote = NULL;
    virConnectPtr conn = priv->conn;

    if (uri) {
        remote = virConnectOpen(uri);
        if (remote == NULL) {
            g_autofree char *what = g_strdup_printf("connecting to %s", uri);

            set_remote_error(error, what);
            return FALSE;
        }
        conn = remote;
    }
    for (gsize i = 0; pools && pools[i]; i++) {
        if (!start_pool(conn, pools[i], error))
            return start_resources_failed(priv, uri, error);
    }
    for (gsize i = 0; networks && networks[i]; i++) {
        if (!start_network(conn, networks[i], error))
            return start_resources_failed(priv, uri, error);
    }
    return TRUE;
}

static const XvmVirtOps libvirt_ops = {
    .connect = lv_connect,
    .uri = lv_uri,
    .status = lv_status,
    .marker = lv_marker,
    .set_marker = lv_set_marker,
    .list_active = lv_list_active,
    .create = lv_create,
    .start_resources = lv_start_resources,
    .shutdown = lv_shutdown,
    .destroy = lv_destroy,
    .dump_xml = lv_dump_xml,
    .sizing = lv_sizing,
    .migrate = lv_migrate,
    .job_progress = lv_job_progress,
    .abort_job = lv_abort_job,
    .save = lv_save,
    .restore = lv_restore,
    .saved_xml = lv_saved_xml,
    .set_max_downtime = lv_set_max_downtime,
    .start_postcopy = lv_start_postcopy,
    .inspect_target = lv_inspect_target,
    .event_count = lv_event_count,
    .wait_event = lv_wait_event,
    .free = lv_free,
};

XvmVirt *
xvm_virt_libvirt_new(void)
{
    LibvirtPriv *priv = g_new0(LibvirtPriv, 1);

    g_mutex_init(&priv->lock);
    g_cond_init(&priv->changed);
    priv->lifecycle_callback = -1;
    priv->refs = 1;
    return xvm_virt_new(&libvirt_ops, priv);
}
