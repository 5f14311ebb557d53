/* What the action test programs share (test-actions, test-snapshot,
 * test-utilization, test-resources): the environment one agent run starts
 * from, and one run as main() makes it.  Everything the agent writes stays
 * under the test's own directory, never this host's /run or
 * /var/lib/libvirt, and hypervisor unset never reads this host's
 * libvirt.conf. */
#pragma once

#include <glib.h>

#include "xvm-actions.h"
#include "fake-virt.h"

/* The part of a test's fixture that one agent run needs. */
typedef struct {
    char *tmpdir;       /* the test's own directory, removed at the end */
    char *config;       /* tmpdir/vm1.xml, OCF_RESKEY_config: the test writes it */
    XvmEnv *env;
    XvmVirt *virt;      /* the fake hypervisor, knowing vm1 by XVM_TEST_UUID */
    FakeVirt *fake;
    GError *error;      /* the last run's */
    char *old_path;     /* the process's PATH, put back at the end */
} ActionFx;

#define XVM_TEST_UUID "6f1c9c3e-1d2a-4b7e-9a39-2e0c5b7d8a11"

/* A fresh directory, environment and fake hypervisor; a clean up of all of
 * them. */
void action_fx_init(ActionFx *a, const char *instance);
void action_fx_clear(ActionFx *a);

/* xvm_test_run_action() on a's parts. */
XvmOcfRc action_fx_run(ActionFx *a, XvmAction action);

/* A fresh environment: config and the resource instance set, the hook
 * guard's files and HA_RSCTMP under tmpdir. */
XvmEnv *xvm_test_action_env(const char *tmpdir, const char *config, const char *instance);

/* One agent run: its own request and context, on the fake clock, with no
 * QEMU pidfiles to read (libvirt answers in these tests).  Clears *error
 * first; logs the exit code, the error and the calls made to the fake. */
XvmOcfRc xvm_test_run_action(XvmEnv *env, XvmVirt *virt, FakeVirt *fake, XvmAction action,
                             GError **error);
