/* migrate_options: the "virsh migrate" flags VirtualDomain passes on, read
 * into libvirt's migration flags and typed parameters.  Pure: no I/O.
 *
 * Every word is either mapped or refused with the reason.  A flag is never
 * dropped: a dropped --tls would send the guest's memory in clear. */
#pragma once

#include <glib.h>

#include "xvm-virt.h"

typedef struct {
    guint flags;            /* libvirt's virDomainMigrateFlags bits */
    GPtrArray *params;      /* XvmMigParam, in the order given */
    char *migrateuri;       /* --migrateuri's template, %n not expanded; or NULL */
    gboolean has_bandwidth; /* --bandwidth given: it wins over migration_speed */
    guint64 bandwidth_mibs;
} XvmMigOpts;

/* Parses text (words split at blanks, as VirtualDomain's unquoted
 * $migrate_options is split by the shell).  "--name value" and
 * "--name=value" are both accepted.  NULL with XVM_ERROR_PARAM_INVALID
 * naming the word and the reason, or the list of what is accepted. */
XvmMigOpts *xvm_migopts_parse(const char *text, GError **error);
void xvm_migopts_free(XvmMigOpts *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmMigOpts, xvm_migopts_free)

/* Every accepted option, "--tls, --tunnelled, ...": static. */
const char *xvm_migopts_accepted(void);
