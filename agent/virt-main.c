/* domain-virt: the part of ocf:xvm:domain that links libvirt.  The front
 * (agent/main.c) execs it, with the same argv and environment, for every
 * action that talks to libvirt. */
#include <stdio.h>
#include <unistd.h>
#include <glib.h>

#include "xvm-error.h"
#include "xvm-helper.h"
#include "xvm-ocf.h"
#include "xvm-result.h"
#include "xvm-run.h"
#include "xvm-virt.h"

/* Acts only for the front of its own build (lib/xvm-helper.h); the
 * variable is dropped so that no program the actions run inherits it. */
static gboolean
front_is_ours(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *message =
        xvm_helper_mismatch_message(self ? self : "domain-virt", XVM_VERSION,
                                    g_getenv(XVM_HELPER_VERSION_ENV));

    g_unsetenv(XVM_HELPER_VERSION_ENV);
    if (message == NULL)
        return TRUE;
    xvm_helper_print_reason(stderr, g_getenv("OCF_EXIT_REASON_PREFIX"), message);
    return FALSE;
}

int
main(int argc, char **argv)
{
    XvmAction action = xvm_action_from_string(argc > 1 ? argv[1] : NULL);
    XvmVirt *virt;
    XvmOcfRc rc;

    /* Asked by the front's --version, which compares the answer. */
    if (action == XVM_ACTION_VERSION) {
        printf("domain-virt %s\n", XVM_VERSION);
        return XVM_OCF_SUCCESS;
    }
    /* Whatever may need libvirt at the highest check level: the front
     * decided the rest. */
    if (!xvm_action_needs_libvirt(action, 10)) {
        fprintf(stderr, "ocf-exit-reason:domain-virt runs libvirt actions only; use domain\n");
        return XVM_OCF_ERR_UNIMPLEMENTED;
    }
    if (!front_is_ours())
        return xvm_result_rc_for(action, XVM_ERROR_NOT_INSTALLED);
    virt = xvm_virt_libvirt_new();
    rc = xvm_run_ocf_action(action, argc, argv, virt);
    fflush(stdout);
    fflush(stderr);
    /* _exit: a worker thread abandoned in a hung libvirt call must not be
     * waited for by exit handlers (and virt is deliberately not freed). */
    _exit(rc);
}
