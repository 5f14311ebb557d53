#include "xvm-guard.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "xvm-domxml.h"
#include "xvm-error.h"

/* How long an incoming migration announced by "migrate begin" may take to
 * reach "prepare" and "start" on this node. */
#define XVM_GUARD_INCOMING_S 600

XvmGuardPaths *
xvm_guard_paths_new(const char *root)
{
    XvmGuardPaths *paths = g_new0(XvmGuardPaths, 1);
    const char *base = root ? root : "/";

    paths->tokens_dir = g_build_filename(base, "run", "xvm-domain", NULL);
    paths->registry_dir = g_build_filename(base, "var", "lib", "libvirt", "xvm-domain", NULL);
    return paths;
}

void
xvm_guard_paths_free(XvmGuardPaths *paths)
{
    if (paths == NULL)
        return;
    g_free(paths->tokens_dir);
    g_free(paths->registry_dir);
    g_free(paths);
}

/* Domain names may hold any character but '/': escape the rest of the risky
 * ones so that a name is always one plain file name. */
static char *
file_for(const char *dir, const char *prefix, const char *name)
{
    g_autofree char *escaped = g_uri_escape_string(name, NULL, FALSE);
    g_autofree char *file = g_strconcat(prefix, escaped, NULL);

    return g_build_filename(dir, file, NULL);
}

static gboolean
write_atomically(const char *dir, const char *path, const char *text, GError **error)
{
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "cannot create %s: %s", dir,
                    g_strerror(errno));
        return FALSE;
    }
    /* g_file_set_contents renames a temporary file: a SIGKILL leaves the
     * old file or the new one. */
    return g_file_set_contents(path, text, -1, error);
}

gboolean
xvm_guard_register(const XvmGuardPaths *paths, const char *name, const char *instance,
                   GError **error)
{
    g_autofree char *path = file_for(paths->registry_dir, "managed-", name);
    g_autofree char *text = g_strdup_printf("%s\n", instance);
    g_autofree char *old = NULL;

    if (g_file_get_contents(path, &old, NULL, NULL) && strcmp(old, text) == 0)
        return TRUE;
    return write_atomically(paths->registry_dir, path, text, error);
}

gboolean
xvm_guard_token_write(const XvmGuardPaths *paths, const char *kind, const char *name,
                      pid_t pid, gint64 expires_s, GError **error)
{
    g_autofree char *prefix = g_strconcat(kind, "-", NULL);
    g_autofree char *path = file_for(paths->tokens_dir, prefix, name);
    g_autofree char *text = g_strdup_printf("%d %" G_GINT64_FORMAT "\n", (int) pid,
                                            expires_s);

    return write_atomically(paths->tokens_dir, path, text, error);
}

void
xvm_guard_token_remove(const XvmGuardPaths *paths, const char *kind, const char *name)
{
    g_autofree char *prefix = g_strconcat(kind, "-", NULL);
    g_autofree char *path = file_for(paths->tokens_dir, prefix, name);

    g_unlink(path);
}

/* A token counts while it has not expired and, when it names a process
 * (pid > 0), that process still lives: a SIGKILLed agent leaves a token that
 * no longer counts. */
static gboolean
token_valid(const XvmGuardPaths *paths, const char *kind, const char *name, gint64 now_s)
{
    g_autofree char *prefix = g_strconcat(kind, "-", NULL);
    g_autofree char *path = file_for(paths->tokens_dir, prefix, name);
    g_autofree char *text = NULL;
    int pid = 0;
    gint64 expires = 0;

    if (!g_file_get_contents(path, &text, NULL, NULL)
        || sscanf(text, "%d %" G_GINT64_FORMAT, &pid, &expires) != 2)
        return FALSE;
    if (now_s > expires)
        return FALSE;
    return pid <= 0 || kill(pid, 0) == 0 || errno == EPERM;
}

static char *
registered_instance(const XvmGuardPaths *paths, const char *name)
{
    g_autofree char *path = file_for(paths->registry_dir, "managed-", name);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return g_strstrip(text);
}

void
xvm_guard_verdict_clear(XvmGuardVerdict *verdict)
{
    g_free(verdict->instance);
    g_free(verdict->message);
    memset(verdict, 0, sizeof(*verdict));
}

static gboolean
is_start_step(const char *op)
{
    return strcmp(op, "prepare") == 0 || strcmp(op, "start") == 0
           || strcmp(op, "restore") == 0;
}

XvmGuardVerdict
xvm_guard_decide(const XvmGuardPaths *paths, const char *name, const char *op,
                 const char *subop, const char *xml, gint64 now_s)
{
    XvmGuardVerdict v = { .allow = TRUE };

    if (strcmp(subop, "begin") != 0)
        return v;
    v.instance = xml ? xvm_domxml_marker_instance(xml) : NULL;
    if (v.instance == NULL)
        v.instance = registered_instance(paths, name);
    if (v.instance == NULL)
        return v;                               /* not the cluster's */
    if (strcmp(op, "migrate") == 0) {
        /* An incoming migration moves the one copy here; let its prepare
         * and start steps through. */
        xvm_guard_token_write(paths, "incoming", name, 0, now_s + XVM_GUARD_INCOMING_S, NULL);
        return v;
    }
    if (!is_start_step(op))
        return v;                               /* reconnect, stop, ...: never block */
    if (token_valid(paths, "start", name, now_s) || token_valid(paths, "incoming", name, now_s))
        return v;
    v.allow = FALSE;
    v.message = g_strdup_printf(
        "xvm guard: refused to start %s here: the cluster manages it as resource %s."
        " Start it through the cluster (pcs resource enable %s) or on purpose with"
        " the agent (domain start config=<its XML>)",
        name, v.instance, v.instance);
    return v;
}

char *
xvm_guard_hook_script(const char *agent_path)
{
    g_autofree char *quoted = g_shell_quote(agent_path);

    return g_strdup_printf(
        "#!/bin/sh\n"
        "# Installed by \"domain install-guard\" (ocf:xvm:domain): refuses to start a\n"
        "# domain the cluster manages unless the cluster's agent starts it here.\n"
        "# It reads only local files and never calls libvirt.\n"
        "[ -x %s ] || exit 0\n"
        "# Only these steps can be refused or announce a migration: every other\n"
        "# call (start, started, stopped, release, reconnect, ...) costs a shell.\n"
        "case \"$2\" in prepare|restore|migrate) ;; *) exit 0 ;; esac\n"
        "exec %s hook qemu \"$@\"\n", quoted, quoted);
}
