/* What libvirt's state and reason mean to the cluster.  A domain paused by
 * an I/O error or left paused by a failed migration is not serving: calling
 * it "running" (as VirtualDomain does, peers.md) leaves it dead in place. */
#include <libvirt/libvirt.h>   /* the real enums: this table must follow libvirt */
#include <string.h>
#include <glib.h>

#include "xvm-health.h"

#include "test-util.h"

typedef struct {
    const char *path;
    int state;
    int reason;
    XvmHealth health;
} HealthCase;

static const HealthCase health_cases[] = {
    /* Serving. */
    { "/xvm/health/running/booted", VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/running/unknown", VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNKNOWN,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/running/migrated", VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/running/unpaused", VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED,
      XVM_HEALTH_RUNNING },
    /* Post-copy in progress is still a working migration. */
    { "/xvm/health/running/postcopy", VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/blocked", VIR_DOMAIN_BLOCKED, VIR_DOMAIN_BLOCKED_UNKNOWN,
      XVM_HEALTH_RUNNING },
    /* Shutting down is still running: stop waits for it, monitor reports 0. */
    { "/xvm/health/shutdown", VIR_DOMAIN_SHUTDOWN, VIR_DOMAIN_SHUTDOWN_USER,
      XVM_HEALTH_RUNNING },
    /* Paused on purpose (virsh suspend, a snapshot, a save): still ours and
     * healthy; the admin will resume it. */
    { "/xvm/health/paused/user", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/paused/unknown", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_UNKNOWN,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/paused/save", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SAVE,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/paused/dump", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_DUMP,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/paused/snapshot", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SNAPSHOT,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/paused/from-snapshot", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_FROM_SNAPSHOT,
      XVM_HEALTH_RUNNING },
    { "/xvm/health/paused/shutting-down", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SHUTTING_DOWN,
      XVM_HEALTH_RUNNING },
    /* Not yet running: start waits it out instead of reporting success. */
    { "/xvm/health/paused/starting-up", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_STARTING_UP,
      XVM_HEALTH_TRANSIENT },
    { "/xvm/health/paused/postcopy", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY,
      XVM_HEALTH_RUNNING },
    /* Cleanly not running. */
    { "/xvm/health/shutoff/shutdown", VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SHUTDOWN,
      XVM_HEALTH_STOPPED },
    { "/xvm/health/shutoff/destroyed", VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED,
      XVM_HEALTH_STOPPED },
    { "/xvm/health/shutoff/migrated", VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_MIGRATED,
      XVM_HEALTH_STOPPED },
    /* Shut off after a crash is off all the same: nothing runs here. */
    { "/xvm/health/shutoff/crashed", VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_CRASHED,
      XVM_HEALTH_STOPPED },
    /* Exists but broken: the cluster must recover it. */
    { "/xvm/health/crashed/panicked", VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED,
      XVM_HEALTH_FAILED },
    { "/xvm/health/crashed/unknown", VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_UNKNOWN,
      XVM_HEALTH_FAILED },
    { "/xvm/health/pmsuspended", VIR_DOMAIN_PMSUSPENDED, VIR_DOMAIN_PMSUSPENDED_UNKNOWN,
      XVM_HEALTH_FAILED },
    { "/xvm/health/paused/ioerror", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR,
      XVM_HEALTH_FAILED },
    /* After a failed or aborted migration libvirt leaves the source paused
     * (ocf-contract 2.3). */
    { "/xvm/health/paused/migration", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION,
      XVM_HEALTH_FAILED },
    { "/xvm/health/paused/postcopy-failed", VIR_DOMAIN_PAUSED,
      VIR_DOMAIN_PAUSED_POSTCOPY_FAILED, XVM_HEALTH_FAILED },
    { "/xvm/health/paused/watchdog", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_WATCHDOG,
      XVM_HEALTH_FAILED },
    { "/xvm/health/paused/crashed", VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_CRASHED,
      XVM_HEALTH_FAILED },
    { "/xvm/health/running/postcopy-failed", VIR_DOMAIN_RUNNING,
      VIR_DOMAIN_RUNNING_POSTCOPY_FAILED, XVM_HEALTH_FAILED },
    /* Between states (starting, migrating in): ask again. */
    { "/xvm/health/nostate", VIR_DOMAIN_NOSTATE, VIR_DOMAIN_NOSTATE_UNKNOWN,
      XVM_HEALTH_TRANSIENT },
    /* A state newer than this build: not "running", so never a false OK. */
    { "/xvm/health/future-state", 99, 0, XVM_HEALTH_TRANSIENT },
};

static void
test_classify(gconstpointer data)
{
    const HealthCase *c = data;
    const char *why = NULL;

    g_assert_cmpint(xvm_health_classify(c->state, c->reason, &why), ==, c->health);
    /* The explanation ends up in the exit reason: always some text. */
    g_assert_nonnull(why);
    g_assert_cmpstr(why, !=, "");
    g_assert_cmpstr(xvm_state_describe(c->state, c->reason), ==, why);
    g_assert_cmpint(xvm_state_is_paused(c->state), ==, c->state == VIR_DOMAIN_PAUSED);
}

/* Broken states say what broke: the operator reads this first. */
static void
test_why_specific(void)
{
    const char *why = NULL;

    xvm_health_classify(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR, &why);
    g_assert_nonnull(strstr(why, "I/O error"));
    xvm_health_classify(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION, &why);
    g_assert_nonnull(strstr(why, "migration"));
    xvm_health_classify(VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED, &why);
    g_assert_nonnull(strstr(why, "crashed"));
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(health_cases); i++)
        g_test_add_data_func(health_cases[i].path, &health_cases[i], test_classify);
    g_test_add_func("/xvm/health/why-specific", test_why_specific);
    return g_test_run();
}
