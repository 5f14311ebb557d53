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
} XvmParams;

/* Reads and checks every parameter.  On failure the error is
 * XVM_ERROR_PARAM_MISSING or XVM_ERROR_PARAM_INVALID and names the parameter.
 * The returned struct is filled as far as parsing got even on failure, so
 * that stop can still use the parts that are valid. */
gboolean xvm_params_parse(const XvmEnv *env, XvmParams **out, GError **error);
void xvm_params_free(XvmParams *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmParams, xvm_params_free)

/* OCF's notion of true: yes/true/on/1 (any case).  FALSE for false/no/off/0.
 * Returns FALSE from the function itself when the text is neither. */
gboolean xvm_parse_bool(const char *text, gboolean *out);
gboolean xvm_parse_shutdown_modes(const char *text, guint *out, GError **error);
