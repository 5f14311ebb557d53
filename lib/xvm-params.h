/* The instance parameters, typed and checked.  Names, types and defaults come
 * from the meta-data; the rules that tie parameters together live here. */
#pragma once

#include <glib.h>

#include "xvm-request.h"

typedef enum {
    XVM_MIGRATION_LIVE,
    XVM_MIGRATION_PAUSED,
} XvmMigrationType;

/* Bits of libvirt's virDomainShutdownFlagValues, kept libvirt-free here. */
typedef enum {
    XVM_SHUTDOWN_ACPI = 1 << 0,
    XVM_SHUTDOWN_AGENT = 1 << 1,
    XVM_SHUTDOWN_INITCTL = 1 << 2,
    XVM_SHUTDOWN_SIGNAL = 1 << 3,
    XVM_SHUTDOWN_PARAVIRT = 1 << 4,
} XvmShutdownMode;

typedef struct {
    char *config;
    char *hypervisor;
    gboolean persistent;
    gboolean force_stop;
    gint64 shutdown_timeout_s;      /* -1: derive from the stop timeout */
    guint shutdown_modes;           /* XvmShutdownMode bits; 0: hypervisor's choice */
    gboolean save_config_on_stop;
    char **monitor_scripts;         /* NULL-terminated, may be empty */
    XvmMigrationType migration_type;
    char *migration_transport;
    char *migration_user;
    char *migration_network_suffix;
    char *remoteuri;
    char *migrateuri;
    int migrateport;                /* 0: libvirt's choice */
    guint64 migration_speed_mibs;   /* 0: unlimited */
    guint64 migration_downtime_ms;  /* 0: libvirt's default */
    gboolean migration_auto_converge;
    gboolean migration_postcopy;
    gint64 migration_progress_timeout_s;
    char *migrate_options;          /* virsh's flags, as VirtualDomain takes them */
    gboolean sync_config_on_stop;   /* implies save_config_on_stop */
    char *snapshot;                 /* directory of NAME.state, or "" */
    gboolean start_resources;
    char *backingfile;
    gboolean stateless;
    char *copyindirs;
    gboolean autoset_utilization_cpu;
    gboolean autoset_utilization_host_memory;
    gboolean autoset_utilization_hv_memory;
    gboolean unset_utilization_cpu;
    gboolean unset_utilization_host_memory;
    gboolean unset_utilization_hv_memory;
    /* Values nobody can interpret, each with what is used instead (the
     * reading VirtualDomain gives them, or the default): validate-all
     * refuses them, the other actions warn and go on, so that a value
     * VirtualDomain tolerated never turns a failover's start into rc 6. */
    GPtrArray *problems;
} XvmParams;

/* Reads and checks every parameter.  Fails (XVM_ERROR_PARAM_MISSING or
 * XVM_ERROR_PARAM_INVALID, naming the parameter) only where no reading is
 * safe: config missing or relative, hypervisor not a URI.  A value that is
 * merely uninterpretable goes to problems.  The returned struct is filled
 * even on failure, so that stop can still use the parts that are valid. */
gboolean xvm_params_parse(const XvmEnv *env, XvmParams **out, GError **error);
void xvm_params_free(XvmParams *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmParams, xvm_params_free)

/* Reads a boolean exactly as resource-agents' ocf_is_true does: *out is
 * TRUE only for yes, true, 1, YES, TRUE, True, ja, on, ON.  Returns FALSE
 * when the text is not a word anyone reads that way either: neither in that
 * list nor a plain "no" (no, false, off, 0, n, nein in any case, or empty).
 * "Yes" is such a word: ocf_is_true reads it as false. */
gboolean xvm_parse_bool(const char *text, gboolean *out);
gboolean xvm_parse_shutdown_modes(const char *text, guint *out, GError **error);
