#include "xvm-health.h"

/* Only libvirt's enums are used here: this file does no I/O. */
#include <libvirt/libvirt.h>

static XvmHealth
classify_paused(int reason, const char **why)
{
    switch ((virDomainPausedReason) reason) {
    case VIR_DOMAIN_PAUSED_IOERROR:
        *why = "paused by a disk I/O error";
        return XVM_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_MIGRATION:
        *why = "left paused by a migration";
        return XVM_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED:
        *why = "paused after a failed post-copy migration";
        return XVM_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_WATCHDOG:
        *why = "paused by its watchdog";
        return XVM_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_CRASHED:
        *why = "paused after a guest crash";
        return XVM_HEALTH_FAILED;
    case VIR_DOMAIN_PAUSED_STARTING_UP:
        /* Not yet running: start waits it out rather than report success. */
        *why = "starting up";
        return XVM_HEALTH_TRANSIENT;
    case VIR_DOMAIN_PAUSED_UNKNOWN:
    case VIR_DOMAIN_PAUSED_USER:
    case VIR_DOMAIN_PAUSED_SAVE:
    case VIR_DOMAIN_PAUSED_DUMP:
    case VIR_DOMAIN_PAUSED_FROM_SNAPSHOT:
    case VIR_DOMAIN_PAUSED_SHUTTING_DOWN:
    case VIR_DOMAIN_PAUSED_SNAPSHOT:
    case VIR_DOMAIN_PAUSED_POSTCOPY:
        break;
    }
    *why = "paused";
    return XVM_HEALTH_RUNNING;
}

XvmHealth
xvm_health_classify(int state, int reason, const char **why)
{
    switch ((virDomainState) state) {
    case VIR_DOMAIN_RUNNING:
        if (reason == VIR_DOMAIN_RUNNING_POSTCOPY_FAILED) {
            *why = "running after a failed post-copy migration";
            return XVM_HEALTH_FAILED;
        }
        *why = "running";
        return XVM_HEALTH_RUNNING;
    case VIR_DOMAIN_BLOCKED:
        *why = "blocked (idle)";
        return XVM_HEALTH_RUNNING;
    case VIR_DOMAIN_PAUSED:
        return classify_paused(reason, why);
    case VIR_DOMAIN_SHUTDOWN:
        *why = "shutting down";
        return XVM_HEALTH_RUNNING;
    case VIR_DOMAIN_SHUTOFF:
        *why = "shut off";
        return XVM_HEALTH_STOPPED;
    case VIR_DOMAIN_CRASHED:
        *why = "crashed";
        return XVM_HEALTH_FAILED;
    case VIR_DOMAIN_PMSUSPENDED:
        *why = "suspended by the guest's power management";
        return XVM_HEALTH_FAILED;
    case VIR_DOMAIN_NOSTATE:
        break;
    }
    *why = "in no state yet";
    return XVM_HEALTH_TRANSIENT;
}

const char *
xvm_state_describe(int state, int reason)
{
    const char *why = NULL;

    xvm_health_classify(state, reason, &why);
    return why;
}

gboolean
xvm_state_is_paused(int state)
{
    return state == VIR_DOMAIN_PAUSED;
}
