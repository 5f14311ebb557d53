/* The front and its libvirt helper: where the front finds the helper, and
 * the reasons a missing or foreign helper gives (lib/xvm-helper.h).  The
 * exit codes are checked end to end in tests/integration/helper-version.sh. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-helper.h"

#include "test-util.h"

/* Pacemaker keeps 127 bytes of a reason: the fix must fit for the paths a
 * package and a default meson install give. */
#define REASON_MAX 127
#define PACKAGE_HELPER "/usr/libexec/xvm-domain/domain-virt"
#define MESON_HELPER "/usr/local/libexec/xvm-domain/domain-virt"

static void
assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        g_error("\"%s\" lacks \"%s\"", text, part);
}

/* Where the front finds its helper.  Pacemaker runs the path it knows
 * (ran_as); /proc/self/exe gives the front's real file (self). */
typedef struct {
    const char *ran_as;     /* NULL: self; "@link": a symlink to self; else this path */
    gboolean has_sibling;   /* domain-virt lies beside self */
    gboolean wants_sibling; /* the answer: the sibling's path, else the package's */
} PathCase;

static const PathCase path_sibling = { NULL, TRUE, TRUE };
static const PathCase path_installed = { NULL, FALSE, FALSE };
/* A symlinked OCF directory is still the installed front. */
static const PathCase path_installed_symlink = { "@link", FALSE, FALSE };
/* A front copied elsewhere (not run from the installed path) is a build
 * tree's: its helper is its sibling, present or not. */
static const PathCase path_copied = { "/nonexistent/domain", FALSE, TRUE };

static void
test_path(XvmTmpFixture *fx, gconstpointer data)
{
    const PathCase *c = data;
    g_autofree char *self = xvm_test_write_program(fx->dir, "domain", "");
    g_autofree char *sibling = g_build_filename(fx->dir, "domain-virt", NULL);
    g_autofree char *link = g_build_filename(fx->dir, "ocf-domain", NULL);
    g_autofree char *got = NULL;
    const char *ran_as = c->ran_as ? c->ran_as : self;

    if (c->has_sibling)
        g_free(xvm_test_write_program(fx->dir, "domain-virt", ""));
    if (g_strcmp0(ran_as, "@link") == 0) {
        g_assert_cmpint(symlink(self, link), ==, 0);
        ran_as = link;
    }
    got = xvm_helper_path(self, ran_as, PACKAGE_HELPER);
    g_assert_cmpstr(got, ==, c->wants_sibling ? sibling : PACKAGE_HELPER);
}

static void
test_mismatch_same(void)
{
    g_autofree char *got = xvm_helper_mismatch_message(PACKAGE_HELPER, "0.1.0", "0.1.0");

    g_assert_null(got);
}

static void
test_mismatch_other(void)
{
    g_autofree char *got = xvm_helper_mismatch_message(MESON_HELPER, "0.1.0", "0.2.10");

    assert_contains(got, MESON_HELPER);
    assert_contains(got, "0.1.0");
    assert_contains(got, "0.2.10");
    assert_contains(got, XVM_HELPER_REINSTALL);
    g_assert_cmpuint(strlen(got), <=, REASON_MAX);
}

static void
test_mismatch_not_given(void)
{
    g_autofree char *got = xvm_helper_mismatch_message(MESON_HELPER, "0.1.0", NULL);

    assert_contains(got, MESON_HELPER);
    assert_contains(got, "runs only under domain 0.1.0");
    assert_contains(got, XVM_HELPER_REINSTALL);
    g_assert_cmpuint(strlen(got), <=, REASON_MAX);
}

static void
test_unrunnable_missing(void)
{
    g_autofree char *got = xvm_helper_unrunnable_message(MESON_HELPER, ENOENT);

    g_assert_cmpstr(got, ==, MESON_HELPER " is missing: " XVM_HELPER_REINSTALL);
    g_assert_cmpuint(strlen(got), <=, REASON_MAX);
}

static void
test_unrunnable_other(void)
{
    g_autofree char *got = xvm_helper_unrunnable_message(PACKAGE_HELPER, EACCES);

    assert_contains(got, "cannot run " PACKAGE_HELPER ": ");
    assert_contains(got, g_strerror(EACCES));
    assert_contains(got, XVM_HELPER_REINSTALL);
    g_assert_cmpuint(strlen(got), <=, REASON_MAX);
}

/* Asking a domain-virt for its version: a fake one running script (NULL:
 * there is none), and the version it must give, or else the words the
 * error must hold besides the helper's path. */
typedef struct {
    const char *script;
    const char *version;
    const char *mention;
} VersionCase;

static const VersionCase version_answers = {
    "#!/bin/sh\necho \"domain-virt 9.8.7\"\n", "9.8.7", NULL,
};
/* A helper of a build before the handshake refuses --version. */
static const VersionCase version_refused = {
    "#!/bin/sh\necho 'ocf-exit-reason:no' >&2\nexit 3\n", NULL, NULL,
};
static const VersionCase version_missing = { NULL, NULL, "is missing" };

static void
test_query_version(XvmTmpFixture *fx, gconstpointer data)
{
    const VersionCase *c = data;
    g_autofree char *helper = c->script ? xvm_test_write_program(fx->dir, "domain-virt", c->script)
                                        : g_build_filename(fx->dir, "domain-virt", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *got = xvm_helper_query_version(helper, &error);

    if (c->version) {
        g_assert_no_error(error);
        g_assert_cmpstr(got, ==, c->version);
        return;
    }
    g_assert_null(got);
    g_assert_nonnull(error);
    assert_contains(error->message, helper);
    if (c->mention)
        assert_contains(error->message, c->mention);
}

#define ADD_VERSION(path, c) \
    XVM_TEST_ADD_TMP(path, &(c), test_query_version)
#define ADD_PATH(path, c) \
    XVM_TEST_ADD_TMP(path, &(c), test_path)

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    ADD_PATH("/xvm/helper/path/sibling", path_sibling);
    ADD_PATH("/xvm/helper/path/installed", path_installed);
    ADD_PATH("/xvm/helper/path/installed-symlink", path_installed_symlink);
    ADD_PATH("/xvm/helper/path/copied", path_copied);
    g_test_add_func("/xvm/helper/mismatch/same", test_mismatch_same);
    g_test_add_func("/xvm/helper/mismatch/other", test_mismatch_other);
    g_test_add_func("/xvm/helper/mismatch/not-given", test_mismatch_not_given);
    g_test_add_func("/xvm/helper/unrunnable/missing", test_unrunnable_missing);
    g_test_add_func("/xvm/helper/unrunnable/other", test_unrunnable_other);
    ADD_VERSION("/xvm/helper/query/version", version_answers);
    ADD_VERSION("/xvm/helper/query/refused", version_refused);
    ADD_VERSION("/xvm/helper/query/missing", version_missing);
    return g_test_run();
}
