#include "xvm-guard.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "xvm-domxml.h"
#include "xvm-error.h"
#include "xvm-spawn.h"

/* Why XVM_GUARD_INCOMING_S (xvm-guard.h) is 60 s: libvirt calls the hook on
 * the destination as migrate, prepare, start, started (all begin) one after
 * the other within the migration's Prepare phase, before any memory is
 * copied; between migrate and prepare lie only host preparation (cgroups,
 * network, disk labels) and other hooks, seconds even on a slow node.  The
 * token is consumed at prepare, so the bound only matters when a migration
 * dies between migrate and prepare without libvirt running stopped/release:
 * the door then stays open one minute, not the ten it used to.
 *
 * Why prepare is the one gate: every start (create, start, a migration's
 * incoming QEMU, a restore) runs "prepare begin" first, and a hook that fails
 * there aborts it; start and started follow a prepare that passed.  So the
 * installed script runs the agent for prepare (and restore, and the steps
 * that open or close an incoming migration) only: one exec per start. */

/* How long register waits for Pacemaker's word on an old owner: a monitor
 * must not hang on a node whose cluster stack is down. */
#define XVM_GUARD_CIB_QUERY_MS 2000

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

static char *
token_path(const XvmGuardPaths *paths, const char *kind, const char *name)
{
    g_autofree char *prefix = g_strconcat(kind, "-", NULL);

    return file_for(paths->tokens_dir, prefix, name);
}

static char *
registry_path(const XvmGuardPaths *paths, const char *name)
{
    return file_for(paths->registry_dir, "managed-", name);
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

/* ---- the registry ---------------------------------------------------------- */

static char *
registered_instance(const XvmGuardPaths *paths, const char *name)
{
    g_autofree char *path = registry_path(paths, name);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return g_strstrip(text);
}

char *
xvm_guard_instance_resource_id(const char *instance)
{
    if (instance == NULL || instance[0] == '\0'
        || g_str_has_prefix(instance, XVM_BY_HAND_PREFIX))
        return NULL;
    /* A clone instance is "id:N"; an XML id holds no ':'. */
    return g_strndup(instance, strcspn(instance, ":"));
}

/* One cibadmin query, within what is left of deadline: TRUE when it exited
 * 0, which --xpath does only when something matched. */
static gboolean
cib_matches(const char *xpath, const XvmDeadline *deadline, GError **error)
{
    const char *argv[] = { "cibadmin", "--query", "--no-children", "--xpath", xpath, NULL };

    return xvm_run_argv(argv, deadline, NULL, NULL, error);
}

XvmGuardResourceState
xvm_guard_cib_resource_state(const char *resource_id, gpointer user_data G_GNUC_UNUSED)
{
    g_autofree char *present = NULL;
    g_autofree char *absent = NULL;
    g_autoptr(GError) error = NULL;
    XvmDeadline deadline;

    /* An XML id holds no quote; such a name cannot be asked about safely. */
    if (resource_id == NULL || resource_id[0] == '\0' || strchr(resource_id, '\'') != NULL)
        return XVM_GUARD_RESOURCE_UNKNOWN;
    present = g_strdup_printf("/cib/configuration/resources//primitive[@id='%s']",
                              resource_id);
    /* cibadmin exits 105 both for "no such object" and for some failures to
     * connect (CIB_file missing), so "gone" is asked positively too: the
     * resources section exists and holds no such primitive. */
    absent = g_strdup_printf("/cib/configuration/resources[not(.//primitive[@id='%s'])]",
                             resource_id);
    xvm_deadline_init(&deadline, XVM_GUARD_CIB_QUERY_MS, NULL);
    if (cib_matches(present, &deadline, &error))
        return XVM_GUARD_RESOURCE_EXISTS;
    if (g_error_matches(error, XVM_ERROR, XVM_ERROR_TIMEOUT))
        return XVM_GUARD_RESOURCE_UNKNOWN;
    if (cib_matches(absent, &deadline, NULL))
        return XVM_GUARD_RESOURCE_GONE;
    return XVM_GUARD_RESOURCE_UNKNOWN;
}

static const XvmGuardCluster cib_cluster = { xvm_guard_cib_resource_state, NULL };

/* Whether the registered owner provably no longer manages the domain. */
static gboolean
owner_gone(const char *old, const char *instance, const XvmGuardCluster *cluster,
           const char **why)
{
    g_autofree char *old_id = xvm_guard_instance_resource_id(old);
    g_autofree char *new_id = xvm_guard_instance_resource_id(instance);

    if (old_id == NULL)
        return TRUE;                    /* a run by hand is never live */
    if (new_id == NULL) {
        *why = "a run by hand does not replace a cluster resource";
        return FALSE;
    }
    switch (cluster->resource_state(old_id, cluster->user_data)) {
    case XVM_GUARD_RESOURCE_GONE:
        return TRUE;
    case XVM_GUARD_RESOURCE_EXISTS:
        *why = "the cluster still has it";
        return FALSE;
    case XVM_GUARD_RESOURCE_UNKNOWN:
        break;
    }
    *why = "the cluster could not tell whether it still exists";
    return FALSE;
}

gboolean
xvm_guard_register_full(const XvmGuardPaths *paths, const char *name, const char *instance,
                        const XvmGuardCluster *cluster, GError **error)
{
    g_autofree char *path = registry_path(paths, name);
    g_autofree char *text = g_strdup_printf("%s\n", instance);
    g_autofree char *old = registered_instance(paths, name);
    const char *why = NULL;

    if (old != NULL && strcmp(old, instance) == 0)
        return TRUE;
    if (old != NULL && old[0] != '\0'
        && !owner_gone(old, instance, cluster ? cluster : &cib_cluster, &why)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFLICT,
                    "resource %s already manages domain %s on this node (%s): two resources"
                    " for one VM would run it twice; delete one, or remove %s if %s no"
                    " longer exists",
                    old, name, why, path, old);
        return FALSE;
    }
    return write_atomically(paths->registry_dir, path, text, error);
}

gboolean
xvm_guard_register(const XvmGuardPaths *paths, const char *name, const char *instance,
                   GError **error)
{
    return xvm_guard_register_full(paths, name, instance, NULL, error);
}

/* ---- tokens ------------------------------------------------------------------ */

gint64
xvm_guard_boot_time_s(void)
{
    struct timespec ts;

    /* Cannot fail for a clock the kernel has had since 2.6.39. */
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec;
}

gboolean
xvm_guard_stat_start_ticks(const char *stat_text, guint64 *start_ticks)
{
    const char *after = strrchr(stat_text, ')');
    g_autofree char *rest = NULL;
    g_auto(GStrv) fields = NULL;

    if (after == NULL)
        return FALSE;
    /* After "pid (comm)": field 3 (state) is fields[0], 22 is fields[19]. */
    rest = g_strstrip(g_strdup(after + 1));
    fields = g_strsplit(rest, " ", 21);
    return g_strv_length(fields) >= 20
           && g_ascii_string_to_unsigned(fields[19], 10, 0, G_MAXUINT64, start_ticks, NULL);
}

gboolean
xvm_guard_process_start_ticks(pid_t pid, guint64 *start_ticks)
{
    g_autofree char *path = pid > 0 ? g_strdup_printf("/proc/%d/stat", (int) pid)
                                    : g_strdup("/proc/self/stat");
    g_autofree char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL)
           && xvm_guard_stat_start_ticks(text, start_ticks);
}

/* "PID STARTTIME EXPIRES": pid 0 (and start 0) names no process. */
static gboolean
token_write(const XvmGuardPaths *paths, const char *kind, const char *name, pid_t pid,
            guint64 start_ticks, gint64 expires_s, GError **error)
{
    g_autofree char *path = token_path(paths, kind, name);
    g_autofree char *text = g_strdup_printf("%d %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                                            (int) pid, start_ticks, expires_s);

    return write_atomically(paths->tokens_dir, path, text, error);
}

/* A token for pid (0: none) that ends duration_ms from now. */
static gboolean
token_write_for(const XvmGuardPaths *paths, const char *kind, const char *name, pid_t pid,
                gint64 duration_ms, GError **error)
{
    guint64 start_ticks = 0;
    gint64 expires_s = xvm_guard_boot_time_s() + (MAX(duration_ms, 0) + 999) / 1000;

    if (pid > 0 && !xvm_guard_process_start_ticks(pid, &start_ticks)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL,
                    "cannot read the start time of process %d from /proc", (int) pid);
        return FALSE;
    }
    return token_write(paths, kind, name, pid, start_ticks, expires_s, error);
}

gboolean
xvm_guard_start_token_write(const XvmGuardPaths *paths, const char *name, gint64 duration_ms,
                            GError **error)
{
    return token_write_for(paths, XVM_GUARD_TOKEN_START, name, getpid(), duration_ms, error);
}

gboolean
xvm_guard_incoming_token_write(const XvmGuardPaths *paths, const char *name, gint64 now_s,
                               GError **error)
{
    return token_write(paths, XVM_GUARD_TOKEN_INCOMING, name, 0, 0,
                       now_s + XVM_GUARD_INCOMING_S, error);
}

gboolean
xvm_guard_token_write(const XvmGuardPaths *paths, const char *kind, const char *name,
                      pid_t pid, gint64 expires_s, GError **error)
{
    gint64 duration_ms = (expires_s - g_get_real_time() / G_USEC_PER_SEC) * 1000;

    return token_write_for(paths, kind, name, pid, duration_ms, error);
}

void
xvm_guard_token_remove(const XvmGuardPaths *paths, const char *kind, const char *name)
{
    g_autofree char *path = token_path(paths, kind, name);

    g_unlink(path);
}

typedef struct {
    gint64 pid;
    guint64 start_ticks;
    gint64 expires_s;
} Token;

static gboolean
token_read(const XvmGuardPaths *paths, const char *kind, const char *name, Token *token)
{
    g_autofree char *path = token_path(paths, kind, name);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    /* The old "PID EXPIRES" form (wall clock) has two fields: not a token. */
    fields = g_strsplit(g_strstrip(text), " ", -1);
    return g_strv_length(fields) == 3
           && g_ascii_string_to_signed(fields[0], 10, 0, G_MAXINT, &token->pid, NULL)
           && g_ascii_string_to_unsigned(fields[1], 10, 0, G_MAXUINT64, &token->start_ticks,
                                         NULL)
           && g_ascii_string_to_signed(fields[2], 10, G_MININT64, G_MAXINT64,
                                       &token->expires_s, NULL);
}

/* A process token counts while it has not expired and its process (same
 * pid, same start time) lives: neither a SIGKILLed agent nor a process that
 * got its pid later counts. */
static gboolean
start_token_valid(const XvmGuardPaths *paths, const char *name, gint64 now_s)
{
    Token token;
    guint64 start_ticks;

    return token_read(paths, XVM_GUARD_TOKEN_START, name, &token) && now_s <= token.expires_s
           && token.pid > 0 && xvm_guard_process_start_ticks((pid_t) token.pid, &start_ticks)
           && start_ticks == token.start_ticks;
}

/* An incoming token names no process; it counts only within its bound (also
 * against a writer that set a longer one). */
static gboolean
incoming_token_valid(const XvmGuardPaths *paths, const char *name, gint64 now_s)
{
    Token token;

    return token_read(paths, XVM_GUARD_TOKEN_INCOMING, name, &token)
           && now_s <= token.expires_s && token.expires_s - now_s <= XVM_GUARD_INCOMING_S;
}

/* ---- the hook's decision ------------------------------------------------------- */

void
xvm_guard_verdict_clear(XvmGuardVerdict *verdict)
{
    g_free(verdict->instance);
    g_free(verdict->message);
    memset(verdict, 0, sizeof(*verdict));
}

static gboolean
is_op(const char *op, const char *subop, const char *want_op, const char *want_subop)
{
    return strcmp(op, want_op) == 0 && strcmp(subop, want_subop) == 0;
}

/* The steps that make a copy run here.  restore starts a saved state: only a
 * start token lets it through, never an incoming migration. */
static gboolean
is_start_step(const char *op)
{
    return strcmp(op, "prepare") == 0 || strcmp(op, "restore") == 0;
}

/* Decides a begin step of a domain the cluster manages as v->instance. */
static void
decide_managed(const XvmGuardPaths *paths, const char *name, const char *op, gint64 now_s,
               XvmGuardVerdict *v)
{
    gboolean incoming_step = strcmp(op, "prepare") == 0;

    if (strcmp(op, "migrate") == 0) {
        /* An incoming migration moves the one copy here; let its prepare
         * through. */
        xvm_guard_incoming_token_write(paths, name, now_s, NULL);
        return;
    }
    if (!is_start_step(op))
        return;                                 /* reconnect, started, ...: never block */
    if (start_token_valid(paths, name, now_s)
        || (incoming_step && incoming_token_valid(paths, name, now_s)))
        return;
    v->allow = FALSE;
    v->message = g_strdup_printf(
        "xvm guard: refused to start %s here: the cluster manages it as resource %s."
        " Start it through the cluster (pcs resource enable %s) or on purpose with"
        " the agent (domain start config=<its XML>)",
        name, v->instance, v->instance);
}

XvmGuardVerdict
xvm_guard_decide(const XvmGuardPaths *paths, const char *name, const char *op,
                 const char *subop, const char *xml, gint64 now_s)
{
    XvmGuardVerdict v = { .allow = TRUE };

    /* A failed incoming migration stops the half-created domain here: the
     * migration is over, and so is its token. */
    if (is_op(op, subop, "stopped", "end") || is_op(op, subop, "release", "end")) {
        xvm_guard_token_remove(paths, XVM_GUARD_TOKEN_INCOMING, name);
        return v;
    }
    if (strcmp(subop, "begin") != 0)
        return v;
    v.instance = xml ? xvm_domxml_marker_instance(xml) : NULL;
    if (v.instance == NULL)
        v.instance = registered_instance(paths, name);
    if (v.instance != NULL)
        decide_managed(paths, name, op, now_s, &v);
    /* One-shot: the incoming migration's prepare has passed; no second
     * start rides on the same token. */
    if (v.allow && strcmp(op, "prepare") == 0)
        xvm_guard_token_remove(paths, XVM_GUARD_TOKEN_INCOMING, name);
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
        "# Only these steps can be refused, announce, consume or end an incoming\n"
        "# migration; every other call (start, reconnect, ...) costs a shell only.\n"
        "case \"$2 $3\" in\n"
        "    'prepare begin'|'restore begin') ;;\n"
        "    'migrate begin'|'stopped end'|'release end') ;;\n"
        "    *) exit 0 ;;\n"
        "esac\n"
        "exec %s hook qemu \"$@\"\n", quoted, quoted);
}
