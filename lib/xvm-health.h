/* What a domain's libvirt state and reason mean for the cluster. */
#pragma once

#include <glib.h>

typedef enum {
    XVM_HEALTH_RUNNING,     /* serving, or paused on purpose */
    XVM_HEALTH_STOPPED,     /* cleanly not running */
    XVM_HEALTH_FAILED,      /* exists but broken: crashed, I/O error, ... */
    XVM_HEALTH_TRANSIENT,   /* no state yet: ask again */
} XvmHealth;

/* state and reason are libvirt's virDomainState and its per-state reason.
 * *why gets a short static explanation. */
XvmHealth xvm_health_classify(int state, int reason, const char **why);

/* A short static name of the state and reason, for logs and reports. */
const char *xvm_state_describe(int state, int reason);

gboolean xvm_state_is_paused(int state);
