/* ocf:xvm:domain: argument dispatch.  This front links no libvirt: it
 * answers meta-data, validate-all below level 10 and the hook guard itself
 * (in about a millisecond; loading libvirt and its 55 libraries alone costs
 * 15 ms), and hands every action that needs libvirt to domain-virt. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "xvm-error.h"
#include "xvm-hook.h"
#include "xvm-metadata.h"
#include "xvm-ocf.h"
#include "xvm-result.h"
#include "xvm-run.h"

static int
run_hook(int argc, char **argv)
{
    g_autoptr(XvmGuardPaths) paths = xvm_guard_paths_new(g_getenv("XVM_GUARD_ROOT"));

    return xvm_hook_run(paths, argc - 2, (const char *const *) argv + 2, stdin, stderr);
}

static int
run_guard_setup(XvmAction action, int argc, char **argv)
{
    const char *dir = argc > 2 ? argv[2] : XVM_GUARD_HOOKS_DIR;
    g_autofree char *path = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok = action == XVM_ACTION_INSTALL_GUARD
                      ? xvm_guard_install(dir, XVM_AGENT_PATH, &path, &error)
                      : xvm_guard_uninstall(dir, &path, &error);

    if (!ok) {
        fprintf(stderr, "%s\n", error->message);
        return XVM_OCF_ERR_GENERIC;
    }
    printf("%s %s\n", action == XVM_ACTION_INSTALL_GUARD ? "installed" : "removed", path);
    printf("restart libvirtd so that it %s the hook\n",
           action == XVM_ACTION_INSTALL_GUARD ? "loads" : "drops");
    return XVM_OCF_SUCCESS;
}

/* domain-virt beside this binary (a build tree), else where meson
 * installed it.  The link is read onto the heap: a PATH_MAX buffer here
 * put exec_virt_agent, which inlines this, over -Wframe-larger-than. */
static char *
virt_agent_path(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = NULL;
    char *sibling;

    if (self != NULL) {
        dir = g_path_get_dirname(self);
        sibling = g_build_filename(dir, "domain-virt", NULL);
        if (access(sibling, X_OK) == 0)
            return sibling;
        g_free(sibling);
    }
    return g_strdup(XVM_VIRT_AGENT_PATH);
}

static int
exec_virt_agent(XvmAction action, char **argv)
{
    g_autofree char *path = virt_agent_path();
    int saved;

    execv(path, argv);
    saved = errno;
    fprintf(stderr, "ocf-exit-reason:cannot run %s: %s; reinstall the agent\n", path,
            g_strerror(saved));
    /* The one table decides (5 for start and validate-all, which ban this
     * node; 1 for monitor, stop and migrations, which must not claim
     * "not running" or "stopped"). */
    return xvm_result_rc_for(action, XVM_ERROR_NOT_INSTALLED);
}

int
main(int argc, char **argv)
{
    XvmAction action = xvm_action_from_string(argc > 1 ? argv[1] : NULL);

    switch (action) {
    case XVM_ACTION_META_DATA:
        /* XML whatever OCF_OUTPUT_FORMAT says: Pacemaker's tools set it to text. */
        fputs(xvm_metadata_text(), stdout);
        return XVM_OCF_SUCCESS;
    case XVM_ACTION_USAGE:
        xvm_run_print_usage(stdout);
        return XVM_OCF_SUCCESS;
    case XVM_ACTION_VERSION:
        printf("ocf:xvm:domain %s\n", XVM_VERSION);
        return XVM_OCF_SUCCESS;
    case XVM_ACTION_HOOK:
        return run_hook(argc, argv);
    case XVM_ACTION_INSTALL_GUARD:
    case XVM_ACTION_UNINSTALL_GUARD:
        return run_guard_setup(action, argc, argv);
    case XVM_ACTION_VALIDATE:
        if (xvm_run_check_level() < 10)
            return xvm_run_ocf_action(action, argc, argv, NULL);
        return exec_virt_agent(action, argv);
    case XVM_ACTION_START:
    case XVM_ACTION_STOP:
    case XVM_ACTION_MONITOR:
    case XVM_ACTION_MIGRATE_TO:
    case XVM_ACTION_MIGRATE_FROM:
        return exec_virt_agent(action, argv);
    case XVM_ACTION_UNKNOWN:
        break;
    }
    xvm_run_print_usage(stderr);
    fprintf(stderr, "ocf-exit-reason:unknown action \"%s\"\n", argc > 1 ? argv[1] : "");
    return XVM_OCF_ERR_UNIMPLEMENTED;
}
