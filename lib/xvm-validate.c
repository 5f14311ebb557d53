/* validate-all: level 0 checks what is the same on every node (parameters
 * and the domain XML); level 10 adds this node (libvirt, emulator, disks,
 * migration URIs).  Silent on success unless run by hand. */
#include "xvm-actions.h"

#include <string.h>
#include <unistd.h>

#include "xvm-error.h"
#include "xvm-lockmgr.h"
#include "xvm-log.h"
#include "xvm-metadata.h"
#include "xvm-prepare.h"
#include "xvm-uri.h"

static gboolean
check(XvmContext *ctx, gboolean ok, GError **error, GError *cause, const char *what)
{
    if (ok) {
        xvm_report_add(ctx->report, XVM_CHECK_OK, "%s", what);
        return TRUE;
    }
    xvm_report_add(ctx->report, XVM_CHECK_FAIL, "%s: %s", what, cause->message);
    g_propagate_error(error, cause);
    return FALSE;
}

/* Values the other actions read as VirtualDomain would (and warn about)
 * fail here: validate-all is where a person learns of them, long before a
 * failover depends on them. */
static GError *
params_problem(const XvmContext *ctx)
{
    GPtrArray *problems = ctx->params->problems;
    g_autofree char *joined = NULL;

    if (ctx->params_error)
        return g_error_copy(ctx->params_error);
    if (problems->len == 0)
        return NULL;
    g_ptr_array_add(problems, NULL);
    joined = g_strjoinv("; ", (char **) problems->pdata);
    g_ptr_array_set_size(problems, problems->len - 1);
    return g_error_new(XVM_ERROR, XVM_ERROR_PARAM_INVALID, "%s", joined);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* A parameter this agent does not know is most often a typo of one it
 * does.  Pacemaker's own OCF_RESKEY_CRM_meta_* and crm_feature_set are not
 * parameters. */
static void
warn_unknown_params(XvmContext *ctx)
{
    GHashTableIter iter;
    gpointer key;
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    g_hash_table_iter_init(&iter, ctx->env->vars);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        const char *name = key;

        if (g_str_has_prefix(name, "OCF_RESKEY_")
            && !g_str_has_prefix(name, "OCF_RESKEY_CRM_meta_")
            && strcmp(name, "OCF_RESKEY_crm_feature_set") != 0
            && xvm_metadata_param(name + strlen("OCF_RESKEY_")) == NULL)
            g_ptr_array_add(names, (gpointer) (name + strlen("OCF_RESKEY_")));
    }
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);

        xvm_report_add(ctx->report, XVM_CHECK_WARN, "unknown parameter %s: ignored (a typo?"
                       " see meta-data for the names)", name);
        xvm_log_warn("unknown parameter %s is ignored (a typo? see meta-data for the names)",
                     name);
    }
}

static gboolean
check_params(XvmContext *ctx, GError **error)
{
    GError *cause = params_problem(ctx);

    warn_unknown_params(ctx);
    return check(ctx, cause == NULL, error, cause, "parameters");
}

/* libvirt rewrites NAME.xml in its own directory at each persistent start
 * and deletes it when a migration undefines the source. */
static gboolean
check_config_location(XvmContext *ctx, GError **error)
{
    GError *cause = NULL;

    if (xvm_context_config_owned_by_libvirt(ctx))
        g_set_error(&cause, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "config %s lies in libvirt's own directory, which persistent=true"
                    " lets libvirt rewrite and delete: keep the config elsewhere",
                    ctx->params->config);
    return check(ctx, cause == NULL, error, cause, "config location");
}

static gboolean
check_config(XvmContext *ctx, GError **error)
{
    g_autofree char *what = g_strdup_printf("domain XML %s", ctx->params->config);
    GError *cause = ctx->config_error ? g_error_copy(ctx->config_error) : NULL;

    /* Level 0 judges the configuration, not this node: pcs may run it on a
     * node that does not mount the VM's storage (ocf-contract.md 1.4). */
    if (cause && cause->code == XVM_ERROR_CONFIG_UNREADABLE && ctx->req->check_level < 10) {
        xvm_report_add(ctx->report, XVM_CHECK_WARN, "%s: %s; its content was not checked",
                       what, cause->message);
        xvm_log_warn("%s; its content was not checked", cause->message);
        g_error_free(cause);
        return TRUE;
    }
    if (!check(ctx, cause == NULL, error, cause, what))
        return FALSE;
    if (ctx->config == NULL)
        return TRUE;
    xvm_report_add(ctx->report, XVM_CHECK_INFO, "domain %s, UUID %s, type %s",
                   ctx->config->name, ctx->config->uuid ? ctx->config->uuid : "(none)",
                   ctx->config->type ? ctx->config->type : "(none)");
    if (ctx->config->uuid == NULL)
        xvm_report_add(ctx->report, XVM_CHECK_WARN,
                       "no <uuid>: each start gets a new one, and the process-table"
                       " fallback can match the domain by name only");
    return TRUE;
}

static gboolean
check_uri_template(XvmContext *ctx, const char *what, const char *uri, GError **error)
{
    g_autoptr(GError) parse_error = NULL;
    g_autoptr(GUri) parsed = uri ? g_uri_parse(uri, G_URI_FLAGS_NON_DNS, &parse_error) : NULL;
    GError *cause = NULL;
    g_autofree char *label = g_strdup_printf("%s %s", what, uri ? uri : "(libvirt's choice)");

    if (uri && parsed == NULL)
        g_set_error(&cause, XVM_ERROR, XVM_ERROR_PARAM_INVALID, "%s is not a URI: %s",
                    what, parse_error->message);
    return check(ctx, cause == NULL, error, cause, label);
}

/* Builds the migration URIs for a sample node name, to catch typos before
 * the first move does. */
static gboolean
check_migration_uris(XvmContext *ctx, GError **error)
{
    GError *cause = NULL;
    g_autofree char *remote = xvm_uri_remote(ctx->params, "NODE", &cause);
    g_autofree char *data = xvm_uri_migration(ctx->params, "NODE");

    if (remote == NULL)
        return check(ctx, FALSE, error, cause, "remote libvirt URI");
    return check_uri_template(ctx, "remote libvirt URI for node NODE:", remote, error)
           && check_uri_template(ctx, "migration data URI for node NODE:", data, error);
}

/* The qemu.conf of the system libvirtd on this node (XVM_QEMU_CONF for tests). */
static const char *
qemu_conf_path(const XvmContext *ctx)
{
    const char *override = xvm_env_get(ctx->env, "XVM_QEMU_CONF");

    return override && *override ? override : "/etc/libvirt/qemu.conf";
}

/* Whether libvirt's lock manager leases the domain's disks here: a report
 * line, never a failure (Pacemaker and fencing are the first safety net). */
static void
report_lock_manager(XvmContext *ctx)
{
    const char *path = qemu_conf_path(ctx);
    g_autofree char *manager = NULL;
    g_autofree char *why = NULL;
    guint disks = ctx->config ? ctx->config->writable_disks : 0;

    if (ctx->report == NULL)    /* Pacemaker's runs: nobody reads it */
        return;
    if (!g_str_has_prefix(ctx->params->hypervisor, "qemu:///system"))
        xvm_report_add(ctx->report, XVM_CHECK_INFO, "lock manager: not checked (read from"
                       " qemu.conf only for qemu:///system, not %s)", ctx->params->hypervisor);
    else if (!xvm_lockmgr_read(path, &manager, &why))
        xvm_report_add(ctx->report, XVM_CHECK_WARN, "lock manager: cannot tell: %s", why);
    else if (ctx->config == NULL)
        return;
    else if (disks == 0)
        xvm_report_add(ctx->report, XVM_CHECK_INFO, "lock manager: %s; %s has no writable"
                       " disk for it to lease", manager ? manager : "none", ctx->config->name);
    else if (manager)
        xvm_report_add(ctx->report, XVM_CHECK_OK, "lock manager %s (%s) leases the %u writable"
                       " disk(s) of %s: a second start on another node fails at libvirt",
                       manager, path, disks, ctx->config->name);
    else
        xvm_report_add(ctx->report, XVM_CHECK_WARN, "no lock manager (%s sets no lock_manager):"
                       " nothing in libvirt refuses a second start of %s on another node"
                       " (QEMU's image locks often do not reach across hosts); see"
                       " virtlockd(8)", path, ctx->config->name);
}

static gboolean
check_node(XvmContext *ctx, GError **error)
{
    GError *cause = NULL;
    g_autofree char *what = g_strdup_printf("libvirt at %s", ctx->params->hypervisor);
    gboolean ok = xvm_context_connect(ctx, G_MAXINT64, &cause);

    if (!check(ctx, ok, error, cause, what))
        return FALSE;
    report_lock_manager(ctx);
    ok = xvm_prepare_check_node_files(ctx, &cause);
    return check(ctx, ok, error, cause, "emulator and disks present on this node")
           && check_migration_uris(ctx, error);
}

XvmOcfRc
xvm_action_validate(XvmContext *ctx, GError **error)
{
    GError *local = NULL;

    xvm_report_add(ctx->report, XVM_CHECK_INFO, "validate-all, OCF_CHECK_LEVEL=%d%s",
                   ctx->req->check_level,
                   ctx->req->check_level < 10 ? " (set 10 to check this node too)" : "");
    /* Both are reported even when the first fails: a person fixes both at once. */
    if (!check_params(ctx, &local)) {
        check_config(ctx, NULL);
        return xvm_context_fail(ctx, error, local);
    }
    if (!check_config(ctx, &local) || !check_config_location(ctx, &local))
        return xvm_context_fail(ctx, error, local);
    if (ctx->req->check_level >= 10 && !check_node(ctx, &local))
        return xvm_context_fail(ctx, error, local);
    if (ctx->config)
        xvm_context_set_summary(ctx, "configuration of %s is valid", ctx->config->name);
    else
        xvm_context_set_summary(ctx, "parameters are valid; %s was not checked (not"
                                " readable here)", ctx->params->config);
    return XVM_OCF_SUCCESS;
}
