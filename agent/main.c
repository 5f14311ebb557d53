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
#include "xvm-helper.h"
#include "xvm-hook.h"
#include "xvm-metadata.h"
#include "xvm-ocf.h"
#include "xvm-result.h"
#include "xvm-run.h"

static int
run_hook(XvmAction action G_GNUC_UNUSED, int argc, char **argv)
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

/* This executable's own file (symlinks resolved), or NULL. */
static char *
self_path(void)
{
    return g_file_read_link("/proc/self/exe", NULL);
}

static char *
virt_agent_path(void)
{
    g_autofree char *self = self_path();

    if (self == NULL)
        return g_strdup(XVM_VIRT_AGENT_PATH);
    return xvm_helper_path(self, XVM_AGENT_PATH, XVM_VIRT_AGENT_PATH);
}

static int
exec_virt_agent(XvmAction action, char **argv)
{
    g_autofree char *path = virt_agent_path();
    g_autofree char *message = NULL;
    int saved;

    /* The helper refuses to act for a front of another build. */
    g_setenv(XVM_HELPER_VERSION_ENV, XVM_VERSION, TRUE);
    execv(path, argv);
    saved = errno;
    message = xvm_helper_unrunnable_message(path, saved);
    xvm_helper_print_reason(stderr, g_getenv("OCF_EXIT_REASON_PREFIX"), message);
    /* The one table decides (5 for start and validate-all, which ban this
     * node; 1 for monitor, stop and migrations, which must not claim
     * "not running" or "stopped"). */
    return xvm_result_rc_for(action, XVM_ERROR_NOT_INSTALLED);
}

static int
print_metadata(XvmAction action G_GNUC_UNUSED, int argc G_GNUC_UNUSED,
               char **argv G_GNUC_UNUSED)
{
    /* XML whatever OCF_OUTPUT_FORMAT says: Pacemaker's tools set it to text. */
    fputs(xvm_metadata_text(), stdout);
    return XVM_OCF_SUCCESS;
}

static int
print_usage(XvmAction action G_GNUC_UNUSED, int argc G_GNUC_UNUSED, char **argv G_GNUC_UNUSED)
{
    xvm_run_print_usage(stdout);
    return XVM_OCF_SUCCESS;
}

/* Both halves' versions: a person checking an install sees at once which
 * helper the front runs, and whether it is of the same build (5 if not). */
static int
print_version(XvmAction action G_GNUC_UNUSED, int argc G_GNUC_UNUSED,
              char **argv G_GNUC_UNUSED)
{
    g_autofree char *path = virt_agent_path();
    g_autoptr(GError) error = NULL;
    g_autofree char *helper = xvm_helper_query_version(path, &error);
    g_autofree char *mismatch = NULL;

    printf("ocf:xvm:domain %s\n", XVM_VERSION);
    if (helper == NULL) {
        printf("domain-virt: %s\n", error->message);
        return XVM_OCF_ERR_INSTALLED;
    }
    printf("domain-virt %s (%s)\n", helper, path);
    mismatch = xvm_helper_mismatch_message(path, helper, XVM_VERSION);
    if (mismatch) {
        fprintf(stderr, "%s\n", mismatch);
        return XVM_OCF_ERR_INSTALLED;
    }
    return XVM_OCF_SUCCESS;
}

/* The front's own answers: the actions that act on no domain
 * (xvm_action_props' on_domain is FALSE). */
typedef int (*FrontFunc)(XvmAction action, int argc, char **argv);

static const FrontFunc front_actions[XVM_ACTION_COUNT] = {
    [XVM_ACTION_META_DATA] = print_metadata,
    [XVM_ACTION_USAGE] = print_usage,
    [XVM_ACTION_VERSION] = print_version,
    [XVM_ACTION_HOOK] = run_hook,
    [XVM_ACTION_INSTALL_GUARD] = run_guard_setup,
    [XVM_ACTION_UNINSTALL_GUARD] = run_guard_setup,
};

/* Which binary answers is the action table's to say (xvm-ocf.c): what needs
 * libvirt goes to domain-virt, the rest is answered here. */
int
main(int argc, char **argv)
{
    XvmAction action = xvm_action_from_string(argc > 1 ? argv[1] : NULL);
    const XvmActionProps *props = xvm_action_props(action);

    if (action != XVM_ACTION_UNKNOWN) {
        int level = props->libvirt == XVM_LIBVIRT_AT_LEVEL_10 ? xvm_run_check_level() : 0;

        if (xvm_action_needs_libvirt(action, level))
            return exec_virt_agent(action, argv);
        if (props->on_domain)
            return xvm_run_ocf_action(action, argc, argv, NULL);
        if (front_actions[action])
            return front_actions[action](action, argc, argv);
    }
    xvm_run_print_usage(stderr);
    fprintf(stderr, "ocf-exit-reason:unknown action \"%s\"\n", argc > 1 ? argv[1] : "");
    return XVM_OCF_ERR_UNIMPLEMENTED;
}
