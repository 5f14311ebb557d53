/* bench-floor: the least any agent that runs once per action can do to answer
 * "does domain NAME run?": load libvirt, connect, look the domain up, read its
 * state, exit.  tests/bench/bench.sh measures every agent against it.
 *
 *   bench-floor NAME [URI]     exit 0 running, 7 not running, 1 error
 */
#include <stdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static void
quiet(void *opaque, virErrorPtr err)
{
    (void) opaque;
    (void) err;
}

int
main(int argc, char **argv)
{
    const char *uri = argc > 2 ? argv[2] : "qemu:///system";
    virConnectPtr conn;
    virDomainPtr dom;
    int state = 0, reason = 0, rc;

    if (argc < 2) {
        fprintf(stderr, "usage: bench-floor NAME [URI]\n");
        return 2;
    }
    virSetErrorFunc(NULL, quiet);
    conn = virConnectOpen(uri);
    if (conn == NULL) {
        fprintf(stderr, "bench-floor: cannot connect to %s\n", uri);
        return 1;
    }
    dom = virDomainLookupByName(conn, argv[1]);
    if (dom == NULL) {
        virErrorPtr err = virGetLastError();

        rc = err && err->code == VIR_ERR_NO_DOMAIN ? 7 : 1;
    } else if (virDomainGetState(dom, &state, &reason, 0) < 0) {
        rc = 1;
    } else {
        rc = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED
                     || state == VIR_DOMAIN_PAUSED ? 0 : 7;
    }
    if (dom)
        virDomainFree(dom);
    virConnectClose(conn);
    return rc;
}
