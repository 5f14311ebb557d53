/* From a failure's cause to the OCF exit code: the one table that decides
 * how far Pacemaker's reaction reaches (ocf-contract.md 1.3 and 5; style.md
 * 7.3).  Every cell is a test, and every row says which rule it follows. */
#include <string.h>

#include <glib.h>

#include "xvm-error.h"
#include "xvm-result.h"

#include "test-util.h"

/* The columns: each action as Pacemaker calls it.  A monitor is two
 * different questions: a probe (interval 0) and a recurring check. */
typedef enum {
    COL_START,
    COL_STOP,
    COL_PROBE,
    COL_MONITOR,
    COL_VALIDATE,
    COL_MIGRATE_TO,
    COL_MIGRATE_FROM,
    N_COLS,
} Column;

static const struct {
    const char *name;
    XvmAction action;
    gboolean probe;
} columns[N_COLS] = {
    [COL_START] = { "start", XVM_ACTION_START, FALSE },
    [COL_STOP] = { "stop", XVM_ACTION_STOP, FALSE },
    [COL_PROBE] = { "probe", XVM_ACTION_MONITOR, TRUE },
    [COL_MONITOR] = { "monitor", XVM_ACTION_MONITOR, FALSE },
    [COL_VALIDATE] = { "validate", XVM_ACTION_VALIDATE_ALL, FALSE },
    [COL_MIGRATE_TO] = { "migrate_to", XVM_ACTION_MIGRATE_TO, FALSE },
    [COL_MIGRATE_FROM] = { "migrate_from", XVM_ACTION_MIGRATE_FROM, FALSE },
};

/* Exit codes by number, to keep the table readable. */
enum { OK = 0, GEN = 1, INST = 5, CONF = 6, NRUN = 7 };

typedef struct {
    XvmErrorCode code;
    const char *code_name;
    int rc[N_COLS];
    const char *why;
} Row;

static const Row rows[] = {
    /* Bad configuration: the same file fails on every node, so 6 where the
     * answer is "it can never work" (start, validate, a probe of a new
     * resource); never from stop (a failed stop fences, 5.2) nor migrate
     * (6 stops the VM cluster-wide, 2.3); a recurring monitor says 1
     * (style 7.3: recurring monitor with invalid parameters gives 1). */
    { XVM_ERROR_PARAM_MISSING, "param-missing",
      { CONF, GEN, CONF, GEN, CONF, GEN, GEN }, "6 only where inherently invalid: 1.3, 5.1" },
    { XVM_ERROR_PARAM_INVALID, "param-invalid",
      { CONF, GEN, CONF, GEN, CONF, GEN, GEN }, "6 only where inherently invalid: 1.3, 5.1" },
    { XVM_ERROR_CONFIG_INVALID, "config-invalid",
      { CONF, GEN, CONF, GEN, CONF, GEN, GEN }, "6 only where inherently invalid: 1.3, 5.1" },
    /* This node lacks something: 5 bans from this node only (5.1).  A probe
     * meets these causes only after every other witness failed (the node's
     * note, libvirt's list of marked domains, the process table): a 5 would
     * be masked to "not running", a claim made without looking, which is
     * how two copies start.  The agent issue: "only when nothing can tell,
     * return 1" (a node without libvirtd still answers 7 from its process
     * table, so 5.3's case does not reach this table). */
    { XVM_ERROR_CONFIG_UNREADABLE, "config-unreadable",
      { INST, GEN, GEN, GEN, INST, GEN, GEN }, "node-local is 5; probe that cannot look: 1" },
    { XVM_ERROR_NOT_INSTALLED, "not-installed",
      { INST, GEN, GEN, GEN, INST, GEN, GEN }, "node-local is 5; probe that cannot look: 1" },
    /* Empty or cut short is this node's copy (being written, a bad sync):
     * never 6, which would stop the resource on every node (issue 9). */
    { XVM_ERROR_CONFIG_DAMAGED, "config-damaged",
      { INST, GEN, GEN, GEN, INST, GEN, GEN }, "node-local is 5: 5.1" },
    /* libvirtd unreachable: runtime and soft for start (it may be
     * restarting); 5 for validate at level 10 (5.8); a probe gets here only
     * when the process table could not be read either. */
    { XVM_ERROR_CONNECT, "connect",
      { GEN, GEN, GEN, GEN, INST, GEN, GEN }, "probe that cannot look: 1" },
    /* libvirt looked and it is not there: stopped (stop 0, 5.2; monitor 7,
     * 1.3).  Elsewhere it is a runtime failure. */
    { XVM_ERROR_NO_DOMAIN, "no-domain",
      { GEN, OK, NRUN, NRUN, GEN, GEN, GEN }, "stop NO_DOMAIN is 0, monitor 7: 5.2, 1.3" },
    /* Everything else is a runtime failure: 1, soft, recoverable (5.1); and
     * migrate never 6 (2.3). */
    { XVM_ERROR_UNKNOWN_STATE, "unknown-state",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "cannot tell is 1: 1.3" },
    { XVM_ERROR_DOMAIN_FAILED, "domain-failed",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "runtime is 1: 5.1" },
    { XVM_ERROR_LIBVIRT, "libvirt",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "runtime is 1: 5.1" },
    { XVM_ERROR_TIMEOUT, "timeout",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "a timeout is 1 as Pacemaker's own: 1.3" },
    { XVM_ERROR_MIGRATION, "migration",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "migrate never 6: 2.3" },
    { XVM_ERROR_NOT_HERE, "not-here",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "migrate never 6: 2.3" },
    /* Identity: config names another domain than the one running for us, a
     * foreign domain holds the name, or another resource manages it: each
     * needs a person, and none may be taken for "not running" (issue 9). */
    { XVM_ERROR_IDENTITY_CHANGED, "identity-changed",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "never 0 or 7 for a running domain: 1.3" },
    { XVM_ERROR_NAME_TAKEN, "name-taken",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "runtime is 1: 5.1" },
    { XVM_ERROR_CONFLICT, "conflict",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "node-local knowledge is 1: 5.1" },
    { XVM_ERROR_SCRIPT_FAILED, "script-failed",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "runtime is 1: 5.1" },
    /* A state file that is another domain's or older than its disks: a
     * person decides; a node-local snapshot directory lets another node
     * boot fresh, so never 6 (and never 7, which would hide it). */
    { XVM_ERROR_SAVED_STATE, "saved-state",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "runtime is 1: 5.1" },
    { XVM_ERROR_INTERNAL, "internal",
      { GEN, GEN, GEN, GEN, GEN, GEN, GEN }, "a bug is 1, soft: 5.1" },
};

typedef struct {
    const Row *row;
    Column col;
} Cell;

static Cell cells[G_N_ELEMENTS(rows) * N_COLS];

static void
test_cell(gconstpointer data)
{
    const Cell *cell = data;
    g_autoptr(GError) error = g_error_new_literal(XVM_ERROR, cell->row->code, "cause");
    int want = cell->row->rc[cell->col];
    XvmOcfRc rc = xvm_result_rc(columns[cell->col].action, columns[cell->col].probe, error);

    g_test_message("%s %s: %s", columns[cell->col].name, cell->row->code_name,
                   cell->row->why);
    g_assert_cmpint(rc, ==, want);
}

/* Stop and migrate are never hard or fatal, whatever the cause: checked
 * apart from the table, so that a new error code cannot slip through. */
static void
test_never_hard(void)
{
    for (int code = XVM_ERROR_PARAM_MISSING; code <= XVM_ERROR_INTERNAL + 3; code++) {
        g_autoptr(GError) error = g_error_new_literal(XVM_ERROR, code, "cause");
        static const XvmAction soft_only[] = {
            XVM_ACTION_STOP, XVM_ACTION_MIGRATE_TO, XVM_ACTION_MIGRATE_FROM,
        };

        for (gsize i = 0; i < G_N_ELEMENTS(soft_only); i++) {
            XvmOcfRc rc = xvm_result_rc(soft_only[i], FALSE, error);

            g_assert_true(rc == XVM_OCF_SUCCESS || rc == XVM_OCF_ERR_GENERIC);
        }
    }
}

/* No error is success, for every action. */
static void
test_null_error(void)
{
    for (int col = 0; col < N_COLS; col++)
        g_assert_cmpint(xvm_result_rc(columns[col].action, columns[col].probe, NULL), ==,
                        XVM_OCF_SUCCESS);
}

/* An error from another domain (GLib's file errors, say) is a bug on our side: 1, soft,
 * never a code that bans the resource. */
static void
test_foreign_error(void)
{
    /* Its code equals XVM_ERROR_NO_DOMAIN's number: the domain must decide. */
    g_autoptr(GError) error = g_error_new_literal(G_FILE_ERROR, XVM_ERROR_NO_DOMAIN, "file");

    for (int col = 0; col < N_COLS; col++)
        g_assert_cmpint(xvm_result_rc(columns[col].action, columns[col].probe, error), ==,
                        XVM_OCF_ERR_GENERIC);
}

/* ---- xvm_result_reason ------------------------------------------------------- */

/* Pacemaker 2.1.5 keeps 128 bytes with the NUL (ocf-contract 5.10). */
#define REASON_MAX 127

static char *
repeat(const char *unit, guint times)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < times; i++)
        g_string_append(s, unit);
    return g_string_free(s, FALSE);
}

typedef struct {
    const char *path;
    const char *message;
    const char *want;
} ReasonCase;

static const ReasonCase reason_cases[] = {
    { "/xvm/result/reason/plain", "domain vm1 crashed", "domain vm1 crashed" },
    /* One line: Pacemaker reads the exit reason up to the newline. */
    { "/xvm/result/reason/newline", "first\nsecond", "first second" },
    { "/xvm/result/reason/crlf", "first\r\nsecond\n", "first  second " },
    { "/xvm/result/reason/null", NULL, "" },
    { "/xvm/result/reason/empty", "", "" },
};

static void
test_reason(gconstpointer data)
{
    const ReasonCase *c = data;
    g_autofree char *got = xvm_result_reason(c->message);

    g_assert_cmpstr(got, ==, c->want);
}

typedef struct {
    const char *path;
    const char *prefix;     /* once */
    const char *unit;       /* then repeated */
    guint times;
    gsize want_len;
} CutCase;

static const CutCase cut_cases[] = {
    { "/xvm/result/reason/cut/ascii-127", "", "a", 127, 127 },
    { "/xvm/result/reason/cut/ascii-128", "", "a", 128, 127 },
    { "/xvm/result/reason/cut/ascii-long", "", "a", 1000, 127 },
    /* 'é' is 2 bytes: byte 127 is the middle of a character, so 126. */
    { "/xvm/result/reason/cut/e-acute", "", "\xc3\xa9", 100, 126 },
    /* Shifted by one: byte 127 starts a character, so all 127 fit. */
    { "/xvm/result/reason/cut/e-acute-shifted", "x", "\xc3\xa9", 100, 127 },
    /* 3-byte '€': 42 whole characters are 126 bytes. */
    { "/xvm/result/reason/cut/euro", "", "\xe2\x82\xac", 60, 126 },
    /* 4-byte emoji: 31 whole are 124 bytes. */
    { "/xvm/result/reason/cut/emoji", "", "\xf0\x9f\x98\x80", 40, 124 },
    { "/xvm/result/reason/cut/emoji-shifted", "abc", "\xf0\x9f\x98\x80", 40, 127 },
};

static void
test_reason_cut(gconstpointer data)
{
    const CutCase *c = data;
    g_autofree char *body = repeat(c->unit, c->times);
    g_autofree char *message = g_strconcat(c->prefix, body, NULL);
    g_autofree char *got = xvm_result_reason(message);

    g_assert_cmpuint(strlen(got), ==, c->want_len);
    g_assert_true(g_utf8_validate(got, -1, NULL));
    /* A cut, not a rewrite: what is kept is the message's beginning. */
    g_assert_true(strncmp(got, message, strlen(got)) == 0);
}

/* Not UTF-8 to begin with (a libvirt message in Latin-1): cut at 127 bytes
 * all the same, never longer. */
static void
test_reason_cut_invalid_utf8(void)
{
    g_autofree char *message = repeat("\xff", 300);
    g_autofree char *got = xvm_result_reason(message);

    g_assert_cmpuint(strlen(got), ==, REASON_MAX);
}

int
main(int argc, char **argv)
{
    gsize n = 0;

    xvm_test_init(&argc, &argv);
    for (gsize r = 0; r < G_N_ELEMENTS(rows); r++) {
        for (int col = 0; col < N_COLS; col++) {
            g_autofree char *path = g_strdup_printf("/xvm/result/%s/%s", columns[col].name,
                                                    rows[r].code_name);

            cells[n] = (Cell) { &rows[r], (Column) col };
            g_test_add_data_func(path, &cells[n++], test_cell);
        }
    }
    g_test_add_func("/xvm/result/never-hard", test_never_hard);
    g_test_add_func("/xvm/result/null-error", test_null_error);
    g_test_add_func("/xvm/result/foreign-error", test_foreign_error);
    for (gsize i = 0; i < G_N_ELEMENTS(reason_cases); i++)
        g_test_add_data_func(reason_cases[i].path, &reason_cases[i], test_reason);
    for (gsize i = 0; i < G_N_ELEMENTS(cut_cases); i++)
        g_test_add_data_func(cut_cases[i].path, &cut_cases[i], test_reason_cut);
    g_test_add_func("/xvm/result/reason/cut/invalid-utf8", test_reason_cut_invalid_utf8);
    return g_test_run();
}
