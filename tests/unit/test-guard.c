/* The hook guard (doc/guard.md): libvirt's qemu.d hook refuses to start a
 * domain the cluster manages unless the agent on this node is the one
 * starting it.  A wrong "allow" lets a second copy write the same disks; a
 * wrong "refuse" on reconnect or migration kills or strands a guest. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-domxml.h"
#include "xvm-error.h"
#include "xvm-guard.h"
#include "xvm-hook.h"

#include "test-util.h"

#define INSTANCE "vm1-rsc"
/* Above the kernel's largest pid_max (2^22): a process that cannot exist. */
#define DEAD_PID 5000001

static const char marked_xml[] =
    "<domain type='kvm'><name>vm1</name><metadata>"
    "<xvm:resource xmlns:xvm='" XVM_DOMXML_NS "' instance='" INSTANCE "'/>"
    "</metadata></domain>";
static const char plain_xml[] = "<domain type='kvm'><name>vm1</name></domain>";

typedef struct {
    char *root;
    XvmGuardPaths *paths;
} GuardFx;

static void
guard_setup(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx->root = xvm_test_make_tmpdir();
    fx->paths = xvm_guard_paths_new(fx->root);
}

static void
guard_teardown(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    xvm_guard_paths_free(fx->paths);
    xvm_test_remove_tree(fx->root);
    g_free(fx->root);
}

/* ---- paths ------------------------------------------------------------------ */

static void
test_default_paths(void)
{
    g_autoptr(XvmGuardPaths) paths = xvm_guard_paths_new(NULL);

    /* Tokens in /run vanish at reboot (like the process they name); the
     * registry in /var/lib survives it (autostart, libvirt-guests). */
    g_assert_cmpstr(paths->tokens_dir, ==, "/run/xvm-domain");
    g_assert_cmpstr(paths->registry_dir, ==, "/var/lib/libvirt/xvm-domain");
}

/* ---- xvm_guard_decide, table-driven ------------------------------------------------ */

typedef enum {
    TOKEN_NONE,
    TOKEN_VALID,        /* this process, not expired */
    TOKEN_EXPIRED,
    TOKEN_DEAD_PID,     /* its agent was SIGKILLed */
    TOKEN_RECYCLED_PID, /* ... and another process got its pid */
    TOKEN_OLD_FORMAT,   /* "PID EXPIRES", wall clock: not a token any more */
    TOKEN_GARBAGE,
    INCOMING_VALID,
    INCOMING_EXPIRED,
    INCOMING_TOO_LONG,  /* written with more than XVM_GUARD_INCOMING_S to run */
} TokenSetup;

typedef struct {
    const char *path;
    const char *xml;        /* what libvirt passes on stdin, or NULL */
    gboolean registered;    /* a probe noted the domain on this node */
    TokenSetup token;
    const char *op;
    const char *subop;
    gboolean allow;
} DecideCase;

/* Each row's path is "/xvm/guard/decide/" and its name. */
#define DECIDE(name) "/xvm/guard/decide/" name
/* A domain the cluster manages: marked in its XML and noted in the registry.
 * Most rows ask about one; they differ only in token, hook call and verdict. */
#define MANAGED(name, token, op, subop, allow) \
    { DECIDE(name), marked_xml, TRUE, token, op, subop, allow }

static const DecideCase decide_cases[] = {
    /* Not the cluster's: never in the way. */
    { DECIDE("unmanaged-start"), plain_xml, FALSE, TOKEN_NONE, "start", "begin", TRUE },
    { DECIDE("unmanaged-no-xml"), NULL, FALSE, TOKEN_NONE, "prepare", "begin", TRUE },
    /* The cluster's, started behind its back: refused at prepare (every
     * start's first step) and restore. */
    { DECIDE("marked-prepare"), marked_xml, FALSE, TOKEN_NONE, "prepare", "begin", FALSE },
    /* start and started follow a prepare that passed: never a gate. */
    { DECIDE("marked-start"), marked_xml, FALSE, TOKEN_NONE, "start", "begin", TRUE },
    { DECIDE("marked-restore"), marked_xml, FALSE, TOKEN_NONE, "restore", "begin", FALSE },
    /* Defined from another XML (no marker): the registry still knows it. */
    { DECIDE("registered-prepare"), plain_xml, TRUE, TOKEN_NONE, "prepare", "begin", FALSE },
    { DECIDE("registered-no-xml"), NULL, TRUE, TOKEN_NONE, "prepare", "begin", FALSE },
    /* The agent starting it: its token lets it through. */
    MANAGED("token-valid", TOKEN_VALID, "prepare", "begin", TRUE),
    MANAGED("token-valid-restore", TOKEN_VALID, "restore", "begin", TRUE),
    MANAGED("token-expired", TOKEN_EXPIRED, "prepare", "begin", FALSE),
    /* A SIGKILLed agent leaves a token that must not count, even once its
     * pid is some other process's. */
    MANAGED("token-dead-pid", TOKEN_DEAD_PID, "prepare", "begin", FALSE),
    MANAGED("token-recycled-pid", TOKEN_RECYCLED_PID, "prepare", "begin", FALSE),
    MANAGED("token-old-format", TOKEN_OLD_FORMAT, "prepare", "begin", FALSE),
    MANAGED("token-garbage", TOKEN_GARBAGE, "prepare", "begin", FALSE),
    /* An announced incoming migration moves the one copy here... */
    MANAGED("incoming-prepare", INCOMING_VALID, "prepare", "begin", TRUE),
    MANAGED("incoming-expired", INCOMING_EXPIRED, "prepare", "begin", FALSE),
    MANAGED("incoming-too-long", INCOMING_TOO_LONG, "prepare", "begin", FALSE),
    /* ... but a restore starts a saved state: a second copy. */
    MANAGED("incoming-restore", INCOMING_VALID, "restore", "begin", FALSE),
    /* Never block what does not start a copy: a failing reconnect hook
     * would kill the running QEMU when libvirtd restarts. */
    MANAGED("reconnect", TOKEN_NONE, "reconnect", "begin", TRUE),
    MANAGED("started", TOKEN_NONE, "started", "begin", TRUE),
    MANAGED("stopped-end", TOKEN_NONE, "stopped", "end", TRUE),
    MANAGED("release-end", TOKEN_NONE, "release", "end", TRUE),
    MANAGED("start-end", TOKEN_NONE, "start", "end", TRUE),
    MANAGED("attach", TOKEN_NONE, "attach", "begin", TRUE),
};

static char *
token_file(GuardFx *fx, const char *kind)
{
    g_autofree char *file = g_strdup_printf("%s-vm1", kind);

    return g_build_filename(fx->paths->tokens_dir, file, NULL);
}

static void
write_token(GuardFx *fx, const char *kind, const char *text)
{
    g_autofree char *path = token_file(fx, kind);

    g_assert_cmpint(g_mkdir_with_parents(fx->paths->tokens_dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* A start token in the file format the agent and the hook share:
 * "PID STARTTIME EXPIRES" (boot-time seconds). */
static void
write_start_token(GuardFx *fx, gint64 pid, guint64 start_ticks, gint64 expires_s)
{
    g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT
                                            " %" G_GINT64_FORMAT "\n",
                                            pid, start_ticks, expires_s);

    write_token(fx, "start", text);
}

static guint64
my_start_ticks(void)
{
    guint64 ticks = 0;

    g_assert_true(xvm_guard_process_start_ticks(getpid(), &ticks));
    return ticks;
}

static void
set_token(GuardFx *fx, TokenSetup token, gint64 now_s)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    switch (token) {
    case TOKEN_NONE:
        return;
    case TOKEN_VALID:
        g_assert_true(xvm_guard_start_token_write(fx->paths, "vm1", 60000, &error));
        break;
    case TOKEN_EXPIRED:
        write_start_token(fx, getpid(), my_start_ticks(), now_s - 1);
        break;
    case TOKEN_DEAD_PID:
        write_start_token(fx, DEAD_PID, my_start_ticks(), now_s + 60);
        break;
    case TOKEN_RECYCLED_PID:
        /* This pid lives, but it is not the process that wrote the token. */
        write_start_token(fx, getpid(), my_start_ticks() + 1, now_s + 60);
        break;
    case TOKEN_OLD_FORMAT:
        text = g_strdup_printf("%d %" G_GINT64_FORMAT "\n", (int) getpid(), now_s + 60);
        write_token(fx, "start", text);
        break;
    case TOKEN_GARBAGE:
        write_token(fx, "start", "not a token\n");
        break;
    case INCOMING_VALID:
        g_assert_true(xvm_guard_incoming_token_write(fx->paths, "vm1", now_s, &error));
        break;
    case INCOMING_EXPIRED:
        g_assert_true(xvm_guard_incoming_token_write(fx->paths, "vm1",
                                                     now_s - XVM_GUARD_INCOMING_S - 1,
                                                     &error));
        break;
    case INCOMING_TOO_LONG:
        text = g_strdup_printf("0 0 %" G_GINT64_FORMAT "\n", now_s + 600);
        write_token(fx, "incoming", text);
        break;
    }
    g_assert_no_error(error);
}

static gboolean
decide_allows(GuardFx *fx, const char *op, const char *subop, const char *xml, gint64 now_s)
{
    XvmGuardVerdict v = xvm_guard_decide(fx->paths, "vm1", op, subop, xml, now_s);
    gboolean allow = v.allow;

    xvm_guard_verdict_clear(&v);
    return allow;
}

static void
test_decide(GuardFx *fx, gconstpointer data)
{
    const DecideCase *c = data;
    g_autoptr(GError) error = NULL;
    gint64 now_s = xvm_guard_boot_time_s();
    XvmGuardVerdict v;

    if (c->registered)
        g_assert_true(xvm_guard_register(fx->paths, "vm1", INSTANCE, &error));
    g_assert_no_error(error);
    set_token(fx, c->token, now_s);
    v = xvm_guard_decide(fx->paths, "vm1", c->op, c->subop, c->xml, now_s);
    g_assert_cmpint(v.allow, ==, c->allow);
    if (!c->allow) {
        /* Says which resource manages it and how to start it properly. */
        g_assert_cmpstr(v.instance, ==, INSTANCE);
        g_assert_nonnull(v.message);
        g_assert_nonnull(strstr(v.message, INSTANCE));
        g_assert_nonnull(strstr(v.message, "vm1"));
    }
    xvm_guard_verdict_clear(&v);
    g_assert_null(v.instance);
    g_assert_null(v.message);
}

/* ---- incoming migrations ----------------------------------------------------------- */

/* libvirt on the destination: migrate, prepare, start, started (all begin)
 * in quick succession.  The token lets that one migration's prepare
 * through and is gone once it passed: a manual start a moment later is
 * refused again, with no migrate_from needed to close the door. */
static void
test_incoming_one_shot(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    gint64 now_s = xvm_guard_boot_time_s();
    g_autofree char *token = token_file(fx, "incoming");

    g_assert_true(decide_allows(fx, "migrate", "begin", marked_xml, now_s));
    g_assert_true(g_file_test(token, G_FILE_TEST_EXISTS));
    g_assert_true(decide_allows(fx, "prepare", "begin", marked_xml, now_s));
    g_assert_false(g_file_test(token, G_FILE_TEST_EXISTS));
    g_assert_true(decide_allows(fx, "start", "begin", marked_xml, now_s + 1));
    g_assert_true(decide_allows(fx, "started", "begin", marked_xml, now_s + 1));
    g_assert_false(decide_allows(fx, "prepare", "begin", marked_xml, now_s + 2));
}

/* A failed incoming migration: libvirt stops the half-created domain here
 * (stopped end, release end).  Either ends the announcement at once, so a
 * manual start right after is refused, not let through for minutes. */
typedef struct {
    const char *path;
    const char *op;
    const char *subop;
} EndCase;

static const EndCase end_cases[] = {
    { "/xvm/guard/incoming/failed/stopped-end", "stopped", "end" },
    { "/xvm/guard/incoming/failed/release-end", "release", "end" },
};

static void
test_incoming_failed(GuardFx *fx, gconstpointer data)
{
    const EndCase *c = data;
    gint64 now_s = xvm_guard_boot_time_s();

    g_assert_true(decide_allows(fx, "migrate", "begin", marked_xml, now_s));
    g_assert_true(decide_allows(fx, "prepare", "begin", marked_xml, now_s));
    /* Ending calls carry no marker in a stripped XML: the name suffices. */
    g_assert_true(decide_allows(fx, c->op, c->subop, NULL, now_s + 1));
    g_assert_false(decide_allows(fx, "prepare", "begin", marked_xml, now_s + 2));
}

/* A migration that dies before its start, with nothing stopped: the token
 * ends within XVM_GUARD_INCOMING_S, not ten minutes. */
static void
test_incoming_bounded(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    gint64 now_s = xvm_guard_boot_time_s();

    g_assert_cmpint(XVM_GUARD_INCOMING_S, <=, 60);
    g_assert_true(decide_allows(fx, "migrate", "begin", marked_xml, now_s));
    /* Refused once expired (a refusal consumes nothing), let through just
     * before. */
    g_assert_false(decide_allows(fx, "prepare", "begin", marked_xml,
                                 now_s + XVM_GUARD_INCOMING_S + 1));
    g_assert_true(decide_allows(fx, "prepare", "begin", marked_xml,
                                now_s + XVM_GUARD_INCOMING_S));
    g_assert_false(decide_allows(fx, "prepare", "begin", marked_xml, now_s + 120));
}

/* An unmanaged migration leaves no announcement behind. */
static void
test_unmanaged_migration(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_assert_true(decide_allows(fx, "migrate", "begin", plain_xml, xvm_guard_boot_time_s()));
    g_assert_false(g_file_test(fx->paths->tokens_dir, G_FILE_TEST_EXISTS));
}

/* ---- start tokens: this process, boot time ---------------------------------------- */

typedef struct {
    const char *path;
    const char *stat;
    gboolean ok;
    guint64 start_ticks;
} StatCase;

#define STAT_TAIL " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 12345 0 0"

static const StatCase stat_cases[] = {
    { "/xvm/guard/stat/plain", "42 (domain) S 1" STAT_TAIL "\n", TRUE, 12345 },
    /* comm is whatever the process chose, up to 15 bytes: blanks and ')'. */
    { "/xvm/guard/stat/comm-blanks", "42 (a b) c) S 1" STAT_TAIL "\n", TRUE, 12345 },
    { "/xvm/guard/stat/comm-parens", "42 () ) ( 1 2)) S 1" STAT_TAIL, TRUE, 12345 },
    { "/xvm/guard/stat/real-tail",
      "7 (sh) S 1 7 7 0 -1 4194560 95 0 0 0 0 0 0 0 20 0 1 0 987654321 2617344 225 "
      "18446744073709551615 1 1 0 0 0 0 0 4 65538 1 0 0 17 3 0 0 0 0 0", TRUE, 987654321 },
    { "/xvm/guard/stat/too-short", "42 (domain) S 1 0 0", FALSE, 0 },
    { "/xvm/guard/stat/no-paren", "42 domain S 1" STAT_TAIL, FALSE, 0 },
    { "/xvm/guard/stat/not-a-number", "42 (domain) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 x 0",
      FALSE, 0 },
    { "/xvm/guard/stat/empty", "", FALSE, 0 },
};

static void
test_stat_start(gconstpointer data)
{
    const StatCase *c = data;
    guint64 ticks = 0;

    g_assert_cmpint(xvm_guard_stat_start_ticks(c->stat, &ticks), ==, c->ok);
    if (c->ok)
        g_assert_cmpuint(ticks, ==, c->start_ticks);
}

/* A live child process: its start time is its own, not ours; once it is
 * reaped it has none. */
static void
test_process_start(void)
{
    const char *argv[] = { "sleep", "30", NULL };
    guint64 mine = 0, again = 0, child_ticks = 0;
    GPid child;
    int status;

    g_assert_true(xvm_guard_process_start_ticks(0, &mine));
    g_assert_true(xvm_guard_process_start_ticks(getpid(), &again));
    g_assert_cmpuint(mine, ==, again);
    g_assert_true(g_spawn_async(NULL, (char **) argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &child, NULL));
    g_assert_true(xvm_guard_process_start_ticks(child, &child_ticks));
    g_assert_cmpuint(child_ticks, >=, mine);
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    g_assert_false(xvm_guard_process_start_ticks(child, &child_ticks));
    g_assert_false(xvm_guard_process_start_ticks(DEAD_PID, &child_ticks));
}

/* The token names this process (pid and start time) and expires in boot
 * time: duration from now, whatever the wall clock says. */
static void
test_start_token_file(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = token_file(fx, "start");
    g_autofree char *text = NULL;
    g_autofree char *want_prefix = g_strdup_printf("%d %" G_GUINT64_FORMAT " ", (int) getpid(),
                                                   my_start_ticks());
    gint64 before_s = xvm_guard_boot_time_s();
    gint64 expires_s;

    g_assert_true(xvm_guard_start_token_write(fx->paths, "vm1", 30000, &error));
    g_assert_no_error(error);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_true(g_str_has_prefix(text, want_prefix));
    expires_s = g_ascii_strtoll(text + strlen(want_prefix), NULL, 10);
    g_assert_cmpint(expires_s, >=, before_s + 30);
    g_assert_cmpint(expires_s, <=, xvm_guard_boot_time_s() + 31);
}

/* The hook's clock is boot time: the token counts for its duration and no
 * longer. */
static void
test_start_token_expiry(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    gint64 now_s = xvm_guard_boot_time_s();

    g_assert_true(xvm_guard_start_token_write(fx->paths, "vm1", 30000, NULL));
    g_assert_true(decide_allows(fx, "prepare", "begin", marked_xml, now_s));
    g_assert_true(decide_allows(fx, "prepare", "begin", marked_xml, now_s + 29));
    g_assert_false(decide_allows(fx, "prepare", "begin", marked_xml, now_s + 32));
}

/* The old writer (wall-clock expiry) still works for its callers: it is
 * turned into the same boot-time token. */
static void
test_token_write_compat(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    gint64 now_s = xvm_guard_boot_time_s();
    gint64 wall_s = g_get_real_time() / G_USEC_PER_SEC;

    g_assert_true(xvm_guard_token_write(fx->paths, "start", "vm1", getpid(), wall_s + 30,
                                        &error));
    g_assert_no_error(error);
    g_assert_true(decide_allows(fx, "prepare", "begin", marked_xml, now_s));
    g_assert_false(decide_allows(fx, "prepare", "begin", marked_xml, now_s + 32));
    /* A process that does not live gets no token. */
    g_assert_false(xvm_guard_token_write(fx->paths, "start", "vm1", DEAD_PID, wall_s + 30,
                                         &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_INTERNAL);
}

/* The token the agent writes is what the hook honours, and removing it
 * closes the door again. */
static void
test_token_round_trip(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    gint64 now_s = xvm_guard_boot_time_s();

    g_assert_true(xvm_guard_start_token_write(fx->paths, "vm1", 30000, &error));
    g_assert_no_error(error);
    g_assert_true(decide_allows(fx, "prepare", "begin", marked_xml, now_s));
    xvm_guard_token_remove(fx->paths, "start", "vm1");
    g_assert_false(decide_allows(fx, "prepare", "begin", marked_xml, now_s));
    /* Removing what is not there is fine (start failed before writing). */
    xvm_guard_token_remove(fx->paths, "start", "vm1");
}

/* ---- the registry --------------------------------------------------------------------- */

static char *
only_file_in(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry = d ? g_dir_read_name(d) : NULL;
    char *name = g_strdup(entry);

    g_assert_nonnull(name);
    g_assert_null(g_dir_read_name(d));
    return name;
}

static void
test_register(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *file = NULL;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    XvmGuardVerdict v;

    g_assert_true(xvm_guard_register(fx->paths, "vm1", INSTANCE, &error));
    g_assert_true(xvm_guard_register(fx->paths, "vm1", INSTANCE, &error));
    g_assert_no_error(error);
    file = only_file_in(fx->paths->registry_dir);
    path = g_build_filename(fx->paths->registry_dir, file, NULL);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, INSTANCE "\n");
    v = xvm_guard_decide(fx->paths, "vm1", "prepare", "begin", NULL, xvm_guard_boot_time_s());
    g_assert_false(v.allow);
    g_assert_cmpstr(v.instance, ==, INSTANCE);
    xvm_guard_verdict_clear(&v);
}

/* Domain names may hold blanks, '%', '..' and more: each is one plain file
 * in the registry, never a path elsewhere, and still found again. */
static void
test_register_odd_names(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    static const char *const names[] = { "vm 1", "100%", "..", "a\\b", "x;rm -rf" };

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *file = NULL;
        XvmGuardVerdict v;

        g_assert_true(xvm_guard_register(fx->paths, names[i], INSTANCE, &error));
        g_assert_no_error(error);
        file = only_file_in(fx->paths->registry_dir);
        g_assert_null(strchr(file, '/'));
        v = xvm_guard_decide(fx->paths, names[i], "prepare", "begin", NULL,
                             xvm_guard_boot_time_s());
        g_assert_false(v.allow);
        xvm_guard_verdict_clear(&v);
        xvm_test_remove_tree(fx->paths->registry_dir);
    }
}

/* ---- a second resource for the same domain --------------------------------------- */

typedef struct {
    XvmGuardResourceState answer;
    GPtrArray *asked;       /* the resource ids asked about */
} FakeCluster;

static XvmGuardResourceState
fake_resource_state(const char *resource_id, gpointer user_data)
{
    FakeCluster *fake = user_data;

    g_ptr_array_add(fake->asked, g_strdup(resource_id));
    return fake->answer;
}

typedef struct {
    const char *path;
    const char *old;        /* the note already there, or NULL */
    const char *instance;   /* who registers now */
    XvmGuardResourceState answer;
    gboolean ok;
    const char *asked;      /* the one id the cluster is asked about, or NULL */
} ConflictCase;

#define BY_HAND XVM_BY_HAND_PREFIX "/etc/xvm/vm1.xml"

static const ConflictCase conflict_cases[] = {
    { "/xvm/guard/register/first", NULL, "rsc-b", XVM_GUARD_RESOURCE_EXISTS, TRUE, NULL },
    { "/xvm/guard/register/same", "rsc-a", "rsc-a", XVM_GUARD_RESOURCE_EXISTS, TRUE, NULL },
    /* Two resources for one VM: the second neither takes over nor starts. */
    { "/xvm/guard/register/other-exists", "rsc-a", "rsc-b", XVM_GUARD_RESOURCE_EXISTS, FALSE,
      "rsc-a" },
    /* No answer (cluster down, no cibadmin, timeout): keep the old owner. */
    { "/xvm/guard/register/other-unknown", "rsc-a", "rsc-b", XVM_GUARD_RESOURCE_UNKNOWN,
      FALSE, "rsc-a" },
    /* The old resource was deleted from the cluster: its note goes. */
    { "/xvm/guard/register/other-gone", "rsc-a", "rsc-b", XVM_GUARD_RESOURCE_GONE, TRUE,
      "rsc-a" },
    { "/xvm/guard/register/clone-instance-gone", "rsc-a:0", "rsc-b", XVM_GUARD_RESOURCE_GONE,
      TRUE, "rsc-a" },
    { "/xvm/guard/register/clone-instance-exists", "rsc-a:0", "rsc-a:1",
      XVM_GUARD_RESOURCE_EXISTS, FALSE, "rsc-a" },
    /* A run by hand is never live in the cluster... */
    { "/xvm/guard/register/over-by-hand", BY_HAND, "rsc-b", XVM_GUARD_RESOURCE_EXISTS, TRUE,
      NULL },
    { "/xvm/guard/register/by-hand-over-by-hand", BY_HAND, XVM_BY_HAND_PREFIX "/tmp/x",
      XVM_GUARD_RESOURCE_EXISTS, TRUE, NULL },
    /* ... and never replaces a resource's note, whatever the cluster says. */
    { "/xvm/guard/register/by-hand-over-resource", "rsc-a", BY_HAND, XVM_GUARD_RESOURCE_GONE,
      FALSE, NULL },
};

static char *
registry_text(GuardFx *fx)
{
    g_autofree char *path = g_build_filename(fx->paths->registry_dir, "managed-vm1", NULL);
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static void
write_registry(GuardFx *fx, const char *instance)
{
    g_autofree char *path = g_build_filename(fx->paths->registry_dir, "managed-vm1", NULL);
    g_autofree char *text = g_strdup_printf("%s\n", instance);

    g_assert_cmpint(g_mkdir_with_parents(fx->paths->registry_dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void
check_conflict_error(const GError *error, const char *old)
{
    g_assert_error(error, XVM_ERROR, XVM_ERROR_CONFLICT);
    /* Who has it, why that matters, what to do. */
    g_assert_nonnull(strstr(error->message, old));
    g_assert_nonnull(strstr(error->message, "vm1"));
    g_assert_nonnull(strstr(error->message, "two resources for one VM would run it twice"));
    g_assert_nonnull(strstr(error->message, "delete one"));
    g_assert_nonnull(strstr(error->message, "managed-vm1"));
}

static void
test_register_conflict(GuardFx *fx, gconstpointer data)
{
    const ConflictCase *c = data;
    g_autoptr(GPtrArray) asked = g_ptr_array_new_with_free_func(g_free);
    FakeCluster fake = { c->answer, asked };
    XvmGuardCluster cluster = { fake_resource_state, &fake };
    g_autoptr(GError) error = NULL;
    g_autofree char *after = NULL;
    g_autofree char *want = NULL;

    if (c->old)
        write_registry(fx, c->old);
    g_assert_cmpint(xvm_guard_register_full(fx->paths, "vm1", c->instance, &cluster, &error),
                    ==, c->ok);
    if (c->ok)
        g_assert_no_error(error);
    else
        check_conflict_error(error, c->old);
    g_assert_cmpuint(asked->len, ==, c->asked ? 1 : 0);
    if (c->asked)
        g_assert_cmpstr(g_ptr_array_index(asked, 0), ==, c->asked);
    /* The note names the winner; a refused registration changed nothing. */
    after = registry_text(fx);
    want = g_strdup_printf("%s\n", c->ok ? c->instance : c->old);
    g_assert_cmpstr(after, ==, want);
}

static void
test_resource_id(void)
{
    g_autofree char *plain = xvm_guard_instance_resource_id("vm1-rsc");
    g_autofree char *clone = xvm_guard_instance_resource_id("vm1-rsc:3");

    g_assert_cmpstr(plain, ==, "vm1-rsc");
    g_assert_cmpstr(clone, ==, "vm1-rsc");
    g_assert_null(xvm_guard_instance_resource_id(BY_HAND));
    g_assert_null(xvm_guard_instance_resource_id(""));
}

/* ---- the real question to Pacemaker: cibadmin on a CIB file ------------------------- */

static void
test_cib_resource_state(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *cib = xvm_test_make_cib(fx->root);
    g_autofree char *missing = NULL;

    if (cib == NULL)
        return;
    g_assert_cmpint(xvm_guard_cib_resource_state("vm1", NULL), ==, XVM_GUARD_RESOURCE_EXISTS);
    g_assert_cmpint(xvm_guard_cib_resource_state("vm2", NULL), ==, XVM_GUARD_RESOURCE_GONE);
    /* Not a name an XPath literal can hold: no answer rather than a wrong one. */
    g_assert_cmpint(xvm_guard_cib_resource_state("vm1' or '1'='1", NULL), ==,
                    XVM_GUARD_RESOURCE_UNKNOWN);
    /* cibadmin exits 105 ("no such object") also when it cannot open its
     * CIB: that must not read as "gone". */
    missing = g_build_filename(fx->root, "no-such-cib.xml", NULL);
    g_setenv("CIB_file", missing, TRUE);
    g_assert_cmpint(xvm_guard_cib_resource_state("vm2", NULL), ==, XVM_GUARD_RESOURCE_UNKNOWN);
    g_unsetenv("CIB_file");
}

/* The registry asks the real cibadmin when no cluster is injected. */
static void
test_register_asks_cib(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *cib = xvm_test_make_cib(fx->root);
    g_autoptr(GError) error = NULL;
    g_autofree char *after = NULL;

    if (cib == NULL)
        return;
    write_registry(fx, "vm1");
    g_assert_false(xvm_guard_register(fx->paths, "vm1", "vm1-copy", &error));
    check_conflict_error(error, "vm1");
    after = registry_text(fx);
    g_assert_cmpstr(after, ==, "vm1\n");
    g_clear_error(&error);
    g_clear_pointer(&after, g_free);
    /* A resource the CIB no longer has: taken over. */
    write_registry(fx, "deleted-rsc");
    g_assert_true(xvm_guard_register(fx->paths, "vm1", "vm1-copy", &error));
    g_assert_no_error(error);
    after = registry_text(fx);
    g_assert_cmpstr(after, ==, "vm1-copy\n");
    g_unsetenv("CIB_file");
}

/* No cibadmin, or one that hangs: no answer, within the 2 s bound. */
typedef struct {
    const char *path;
    const char *body;       /* a fake cibadmin's script, or NULL for none */
} CibFailCase;

static const CibFailCase cib_fail_cases[] = {
    { "/xvm/guard/cib/missing", NULL },
    { "/xvm/guard/cib/hangs", "exec sleep 30" },
    { "/xvm/guard/cib/not-connected", "echo 'Could not connect to the CIB' >&2; exit 102" },
};

static void
test_cib_fails(GuardFx *fx, gconstpointer data)
{
    const CibFailCase *c = data;
    g_autofree char *bin = g_build_filename(fx->root, "bin", NULL);
    g_autofree char *tool = g_build_filename(bin, "cibadmin", NULL);
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *script = g_strdup_printf("#!/bin/sh\n%s\n", c->body ? c->body : "");
    /* The fake shadows a real cibadmin; with none, nothing is found. */
    g_autofree char *path = c->body ? g_strconcat(bin, ":", old_path, NULL) : g_strdup(bin);
    g_autoptr(GError) error = NULL;
    gint64 started, state_us, register_us;
    XvmGuardResourceState state;
    gboolean ok;

    g_assert_cmpint(g_mkdir_with_parents(bin, 0755), ==, 0);
    if (c->body) {
        g_assert_true(g_file_set_contents(tool, script, -1, NULL));
        g_assert_cmpint(g_chmod(tool, 0755), ==, 0);
    }
    write_registry(fx, "vm1");
    g_setenv("PATH", path, TRUE);
    started = g_get_monotonic_time();
    state = xvm_guard_cib_resource_state("vm1", NULL);
    state_us = g_get_monotonic_time() - started;
    ok = xvm_guard_register(fx->paths, "vm1", "vm1-copy", &error);
    register_us = g_get_monotonic_time() - started - state_us;
    g_setenv("PATH", old_path, TRUE);
    g_assert_cmpint(state, ==, XVM_GUARD_RESOURCE_UNKNOWN);
    g_assert_false(ok);
    check_conflict_error(error, "vm1");
    g_assert_cmpint(state_us, <, 2500 * 1000);
    g_assert_cmpint(register_us, <, 2500 * 1000);
}

/* ---- xvm_hook_run ------------------------------------------------------------------------ */

typedef struct {
    int status;
    char *err;
} HookRun;

static HookRun
run_hook(GuardFx *fx, const char *const *argv, const char *xml)
{
    HookRun run = { 0 };
    char *err_buf = NULL;
    size_t err_len = 0;
    FILE *in = fmemopen((void *) (xml ? xml : ""), xml ? strlen(xml) : 0, "r");
    FILE *err = open_memstream(&err_buf, &err_len);
    int argc = (int) g_strv_length((char **) argv);

    g_assert_nonnull(in);
    g_assert_nonnull(err);
    run.status = xvm_hook_run(fx->paths, argc, argv, in, err);
    fclose(in);
    fclose(err);
    run.err = err_buf;
    return run;
}

/* A fake crm_resource first in PATH: what the hook asks where it runs. */
static char *
fake_crm_resource(GuardFx *fx, const char *body)
{
    g_autofree char *bin = g_build_filename(fx->root, "bin", NULL);
    g_autofree char *script = g_strdup_printf("#!/bin/sh\n%s\n", body);
    char *old_path = g_strdup(g_getenv("PATH"));

    g_free(xvm_test_write_program(bin, "crm_resource", script));
    g_setenv("PATH", bin, TRUE);
    return old_path;
}

static void
test_hook_refuses(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *argv[] = { "qemu", "vm1", "prepare", "begin", "-", NULL };
    g_autofree char *old_path = fake_crm_resource(fx, "echo node2");
    HookRun run = run_hook(fx, argv, marked_xml);

    g_setenv("PATH", old_path, TRUE);
    /* 1 aborts libvirt's start; stderr ends up in virsh's error. */
    g_assert_cmpint(run.status, ==, 1);
    g_assert_nonnull(strstr(run.err, INSTANCE));
    g_assert_nonnull(strstr(run.err, "the cluster runs it on node2"));
    g_assert_cmpint(run.err[strlen(run.err) - 1], ==, '\n');
    free(run.err);
}

/* Cluster down on this node: the refusal still comes, and at once. */
static void
test_hook_refuses_without_cluster(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *argv[] = { "qemu", "vm1", "prepare", "begin", "-", NULL };
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *empty = g_build_filename(fx->root, "empty-bin", NULL);
    gint64 started = g_get_monotonic_time();
    HookRun run;

    g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
    g_setenv("PATH", empty, TRUE);
    run = run_hook(fx, argv, marked_xml);
    g_setenv("PATH", old_path, TRUE);
    g_assert_cmpint(run.status, ==, 1);
    g_assert_nonnull(strstr(run.err, "could not be asked"));
    g_assert_cmpint(g_get_monotonic_time() - started, <, G_USEC_PER_SEC);
    free(run.err);
}

/* A hook run with no crm_resource to ask (refusals come at once). */
static int
hook_status(GuardFx *fx, const char *op, const char *subop, const char *xml)
{
    const char *argv[] = { "qemu", "vm1", op, subop, "-", NULL };
    g_autofree char *old_path = g_strdup(g_getenv("PATH"));
    g_autofree char *empty = g_build_filename(fx->root, "empty-bin", NULL);
    HookRun run;

    g_assert_cmpint(g_mkdir_with_parents(empty, 0755), ==, 0);
    g_setenv("PATH", empty, TRUE);
    run = run_hook(fx, argv, xml);
    g_setenv("PATH", old_path, TRUE);
    free(run.err);
    return run.status;
}

/* The whole failed incoming migration as libvirtd calls the hook: after
 * stopped end a manual start is refused at once. */
static void
test_hook_failed_migration(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_assert_cmpint(hook_status(fx, "migrate", "begin", marked_xml), ==, 0);
    g_assert_cmpint(hook_status(fx, "prepare", "begin", marked_xml), ==, 0);
    g_assert_cmpint(hook_status(fx, "stopped", "end", marked_xml), ==, 0);
    g_assert_cmpint(hook_status(fx, "release", "end", marked_xml), ==, 0);
    g_assert_cmpint(hook_status(fx, "prepare", "begin", marked_xml), ==, 1);
}

/* The hook reads token expiries on the boot-time clock the agent wrote
 * them with. */
static void
test_hook_start_token(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *text = g_strdup_printf("%d %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT "\n",
                                            (int) getpid(), my_start_ticks(),
                                            xvm_guard_boot_time_s() + 30);

    g_assert_cmpint(hook_status(fx, "prepare", "begin", marked_xml), ==, 1);
    write_token(fx, "start", text);
    g_assert_cmpint(hook_status(fx, "prepare", "begin", marked_xml), ==, 0);
    g_assert_cmpint(hook_status(fx, "start", "begin", marked_xml), ==, 0);
}

typedef struct {
    const char *path;
    const char *argv[7];
    const char *xml;
} HookAllowCase;

static const HookAllowCase hook_allow_cases[] = {
    { "/xvm/guard/hook/allow/unmanaged", { "qemu", "vm1", "start", "begin", "-" }, plain_xml },
    { "/xvm/guard/hook/allow/reconnect", { "qemu", "vm1", "reconnect", "begin", "-" },
      marked_xml },
    /* Only the qemu driver's hooks are ours. */
    { "/xvm/guard/hook/allow/other-driver", { "lxc", "vm1", "start", "begin", "-" },
      marked_xml },
    { "/xvm/guard/hook/allow/too-few-args", { "qemu", "vm1", "start" }, marked_xml },
    { "/xvm/guard/hook/allow/no-args", { NULL }, marked_xml },
};

static void
test_hook_allows(GuardFx *fx, gconstpointer data)
{
    const HookAllowCase *c = data;
    HookRun run = run_hook(fx, c->argv, c->xml);

    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.err, ==, "");
    free(run.err);
}

/* ---- install / uninstall ----------------------------------------------------------------- */

static char *
hooks_dir(GuardFx *fx)
{
    return g_build_filename(fx->root, "etc", "libvirt", "hooks", "qemu.d", NULL);
}

#define AGENT "/usr/lib/ocf/resource.d/xvm/domain"

/* Installs the hook script for agent into dir, which must succeed; the
 * script's path. */
static char *
install_hook(const char *dir, const char *agent)
{
    g_autoptr(GError) error = NULL;
    char *path = NULL;

    g_assert_true(xvm_guard_install(dir, agent, &path, &error));
    g_assert_no_error(error);
    g_assert_nonnull(path);
    return path;
}

static void
test_install(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *dir = hooks_dir(fx);
    g_autofree char *path = install_hook(dir, AGENT);
    g_autofree char *text = NULL;
    GStatBuf st;

    g_assert_true(g_str_has_prefix(path, dir));
    g_assert_cmpstr(path + strlen(dir), ==, "/" XVM_GUARD_HOOK_NAME);
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0755);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_true(g_str_has_prefix(text, "#!/bin/sh\n"));
    g_assert_nonnull(strstr(text, "'" AGENT "' hook qemu"));
    /* Installing again replaces our own script. */
    g_free(install_hook(dir, AGENT));
}

static void
test_install_foreign(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *dir = hooks_dir(fx);
    g_autofree char *theirs = g_build_filename(dir, XVM_GUARD_HOOK_NAME, NULL);
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(theirs, "#!/bin/sh\necho site hook\n", -1, NULL));
    g_assert_false(xvm_guard_install(dir, "/x/domain", &path, &error));
    g_assert_nonnull(error);
    g_assert_true(g_file_get_contents(theirs, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "#!/bin/sh\necho site hook\n");
    g_clear_error(&error);
    g_clear_pointer(&path, g_free);
    /* ... nor removed. */
    g_assert_false(xvm_guard_uninstall(dir, &path, &error));
    g_assert_nonnull(error);
    g_assert_true(g_file_test(theirs, G_FILE_TEST_EXISTS));
}

static void
test_uninstall(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *dir = hooks_dir(fx);
    g_autofree char *path = install_hook(dir, "/x/domain");
    g_autofree char *removed = NULL;
    g_autofree char *absent = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(xvm_guard_uninstall(dir, &removed, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(removed, ==, path);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    /* Nothing to remove is not an error. */
    g_assert_true(xvm_guard_uninstall(dir, &absent, &error));
    g_assert_no_error(error);
}

/* The installed script, run as libvirtd runs it, hands the hook call to the
 * agent with every argument intact, wherever the agent is installed. */
typedef struct {
    const char *path;
    const char *agent_dir;  /* under the fixture root */
    const char *op;
    const char *subop;
    gboolean reaches;       /* the agent runs (else the shell exits 0 at once) */
} ScriptCase;

#define OCF_DIR "ocf/resource.d/xvm"

static const ScriptCase script_cases[] = {
    { "/xvm/guard/script/plain-path", OCF_DIR, "prepare", "begin", TRUE },
    /* An OCF root with a blank in it (a custom prefix). */
    { "/xvm/guard/script/path-with-blank", "my ocf/resource.d/xvm", "prepare", "begin", TRUE },
    { "/xvm/guard/script/restore-begin", OCF_DIR, "restore", "begin", TRUE },
    { "/xvm/guard/script/migrate-begin", OCF_DIR, "migrate", "begin", TRUE },
    /* start and started follow a prepare that passed: a shell only. */
    { "/xvm/guard/script/start-begin", OCF_DIR, "start", "begin", FALSE },
    { "/xvm/guard/script/started-begin", OCF_DIR, "started", "begin", FALSE },
    /* An incoming migration's token ends when a failed one stops the
     * domain here. */
    { "/xvm/guard/script/stopped-end", OCF_DIR, "stopped", "end", TRUE },
    { "/xvm/guard/script/release-end", OCF_DIR, "release", "end", TRUE },
    /* Everything else costs a shell only. */
    { "/xvm/guard/script/reconnect", OCF_DIR, "reconnect", "begin", FALSE },
    { "/xvm/guard/script/attach", OCF_DIR, "attach", "begin", FALSE },
    { "/xvm/guard/script/prepare-end", OCF_DIR, "prepare", "end", FALSE },
    { "/xvm/guard/script/migrate-end", OCF_DIR, "migrate", "end", FALSE },
    { "/xvm/guard/script/stopped-begin", OCF_DIR, "stopped", "begin", FALSE },
};

static void
test_script_runs_agent(GuardFx *fx, gconstpointer data)
{
    const ScriptCase *c = data;
    g_autofree char *dir = g_build_filename(fx->root, c->agent_dir, NULL);
    g_autofree char *agent = g_build_filename(dir, "domain", NULL);
    g_autofree char *record = g_build_filename(fx->root, "args", NULL);
    g_autofree char *agent_text = g_strdup_printf("#!/bin/sh\nprintf '%%s|' \"$@\" > '%s'\n",
                                                  record);
    g_autofree char *script = xvm_guard_hook_script(agent);
    g_autofree char *script_path = g_build_filename(fx->root, "hook.sh", NULL);
    g_autofree char *args = NULL;
    g_autofree char *want = g_strdup_printf("hook|qemu|vm 1|%s|%s|-|", c->op, c->subop);
    const char *argv[] = { "/bin/sh", script_path, "vm 1", c->op, c->subop, "-", NULL };
    int status = -1;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(agent, agent_text, -1, NULL));
    g_assert_cmpint(g_chmod(agent, 0755), ==, 0);
    g_assert_true(g_file_set_contents(script_path, script, -1, NULL));
    g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    if (!c->reaches) {
        g_assert_false(g_file_test(record, G_FILE_TEST_EXISTS));
        return;
    }
    g_assert_true(g_file_get_contents(record, &args, NULL, NULL));
    g_assert_cmpstr(args, ==, want);
}

/* The agent uninstalled: the script lets libvirt go on rather than fail
 * every start on the node. */
static void
test_script_agent_gone(GuardFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *agent = g_build_filename(fx->root, "gone", "domain", NULL);
    g_autofree char *script = xvm_guard_hook_script(agent);
    g_autofree char *script_path = g_build_filename(fx->root, "hook.sh", NULL);
    const char *argv[] = { "/bin/sh", script_path, "vm1", "prepare", "begin", "-", NULL };
    int status = -1;

    g_assert_true(g_file_set_contents(script_path, script, -1, NULL));
    g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}


/* Each test in its own guard directory (guard_setup). */
#define ADD_GUARD_TEST(path, test) \
    g_test_add(path, GuardFx, NULL, guard_setup, test, guard_teardown)
#define ADD_GUARD_CASES(cases, test) \
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) \
        g_test_add(cases[i].path, GuardFx, &cases[i], guard_setup, test, guard_teardown)

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    g_test_add_func("/xvm/guard/default-paths", test_default_paths);
    ADD_GUARD_CASES(decide_cases, test_decide);
    ADD_GUARD_TEST("/xvm/guard/incoming/one-shot", test_incoming_one_shot);
    ADD_GUARD_CASES(end_cases, test_incoming_failed);
    ADD_GUARD_TEST("/xvm/guard/incoming/bounded", test_incoming_bounded);
    ADD_GUARD_TEST("/xvm/guard/incoming/unmanaged", test_unmanaged_migration);
    for (gsize i = 0; i < G_N_ELEMENTS(stat_cases); i++)
        g_test_add_data_func(stat_cases[i].path, &stat_cases[i], test_stat_start);
    g_test_add_func("/xvm/guard/token/process-start", test_process_start);
    ADD_GUARD_TEST("/xvm/guard/token/file", test_start_token_file);
    ADD_GUARD_TEST("/xvm/guard/token/expiry-boot-time", test_start_token_expiry);
    ADD_GUARD_TEST("/xvm/guard/token/write-compat", test_token_write_compat);
    ADD_GUARD_TEST("/xvm/guard/token/round-trip", test_token_round_trip);
    ADD_GUARD_TEST("/xvm/guard/register", test_register);
    ADD_GUARD_TEST("/xvm/guard/register-odd-names", test_register_odd_names);
    ADD_GUARD_CASES(conflict_cases, test_register_conflict);
    g_test_add_func("/xvm/guard/register/resource-id", test_resource_id);
    ADD_GUARD_TEST("/xvm/guard/cib/resource-state", test_cib_resource_state);
    ADD_GUARD_TEST("/xvm/guard/cib/register", test_register_asks_cib);
    ADD_GUARD_CASES(cib_fail_cases, test_cib_fails);
    ADD_GUARD_TEST("/xvm/guard/hook/refuses", test_hook_refuses);
    ADD_GUARD_TEST("/xvm/guard/hook/refuses-without-cluster", test_hook_refuses_without_cluster);
    ADD_GUARD_TEST("/xvm/guard/hook/failed-migration", test_hook_failed_migration);
    ADD_GUARD_TEST("/xvm/guard/hook/start-token", test_hook_start_token);
    ADD_GUARD_CASES(hook_allow_cases, test_hook_allows);
    ADD_GUARD_TEST("/xvm/guard/install", test_install);
    ADD_GUARD_TEST("/xvm/guard/install-foreign", test_install_foreign);
    ADD_GUARD_TEST("/xvm/guard/uninstall", test_uninstall);
    ADD_GUARD_CASES(script_cases, test_script_runs_agent);
    ADD_GUARD_TEST("/xvm/guard/script/agent-gone", test_script_agent_gone);
    return g_test_run();
}
