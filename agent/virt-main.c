/* domain-virt: the part of ocf:xvm:domain that links libvirt.  The front
 * (agent/main.c) execs it, with the same argv and environment, for every
 * action that talks to libvirt. */
#include <stdio.h>
#include <unistd.h>

#include "xvm-ocf.h"
#include "xvm-run.h"
#include "xvm-virt.h"

int
main(int argc, char **argv)
{
    XvmAction action = xvm_action_from_string(argc > 1 ? argv[1] : NULL);
    XvmVirt *virt;
    XvmOcfRc rc;

    /* Whatever may need libvirt at the highest check level: the front
     * decided the rest. */
    if (!xvm_action_needs_libvirt(action, 10)) {
        fprintf(stderr, "ocf-exit-reason:domain-virt runs libvirt actions only; use domain\n");
        return XVM_OCF_ERR_UNIMPLEMENTED;
    }
    virt = xvm_virt_libvirt_new();
    rc = xvm_run_ocf_action(action, argc, argv, virt);
    fflush(stdout);
    fflush(stderr);
    /* _exit: a worker thread abandoned in a hung libvirt call must not be
     * waited for by exit handlers (and virt is deliberately not freed). */
    _exit(rc);
}
