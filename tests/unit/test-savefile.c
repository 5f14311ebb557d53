/* Writing the domain definition back into the user's config file
 * (save_config_on_stop, safety-review.md section 7): a symlink must stay a
 * symlink, a 0600 file holding VNC passwords must stay 0600, and a missing
 * file (an unmounted share) must never be created.  And the check for
 * configs kept in libvirt's own directories (section 8).
 *
 * Runs as root and as non-root; the cases that only one of them can set up
 * are skipped in the other, with the reason. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-error.h"
#include "xvm-savefile.h"

#include "test-util.h"

#define OLD_XML "<domain type='kvm'><name>vm1</name></domain>\n"
#define NEW_XML "<domain type='kvm'><name>vm1</name><devices>" \
                "<graphics type='vnc' passwd='s3cret-vnc'/></devices></domain>\n"
/* nobody:nogroup on Debian and most others: an owner the test is not. */
#define OTHER_ID 65534

typedef struct {
    char *root;
} SaveFx;

static void
save_setup(SaveFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx->root = xvm_test_make_tmpdir();
}

static void
save_teardown(SaveFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *defs = g_build_filename(fx->root, "defs", NULL);

    /* The unwritable-directory case may have left it 0555. */
    g_chmod(defs, 0755);
    xvm_test_remove_tree(fx->root);
    g_free(fx->root);
}

/* ---- helpers ------------------------------------------------------------------ */

static char *
in_root(const SaveFx *fx, const char *rel)
{
    return g_build_filename(fx->root, rel, NULL);
}

static void
make_dir(const SaveFx *fx, const char *rel)
{
    g_autofree char *path = in_root(fx, rel);

    g_assert_cmpint(g_mkdir(path, 0755), ==, 0);
}

static void
make_file(const SaveFx *fx, const char *rel, const char *text, mode_t mode)
{
    g_autofree char *path = in_root(fx, rel);
    g_autoptr(GError) error = NULL;

    g_file_set_contents(path, text, -1, &error);
    g_assert_no_error(error);
    /* Explicitly: the test's umask must not decide the starting mode. */
    g_assert_cmpint(g_chmod(path, mode), ==, 0);
}

static void
make_link(const SaveFx *fx, const char *rel, const char *target)
{
    g_autofree char *path = in_root(fx, rel);

    g_assert_cmpint(symlink(target, path), ==, 0);
}

static char *
read_text(const SaveFx *fx, const char *rel)
{
    g_autofree char *path = in_root(fx, rel);
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    return text;
}

static struct stat
stat_of(const SaveFx *fx, const char *rel)
{
    g_autofree char *path = in_root(fx, rel);
    struct stat st;

    g_assert_cmpint(lstat(path, &st), ==, 0);
    return st;
}

static void
list_into(GPtrArray *lines, const char *root, const char *rel)
{
    g_autofree char *dir_path = g_build_filename(root, rel, NULL);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *entry;

    while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child_rel = g_build_filename(rel, entry, NULL);
        g_autofree char *child = g_build_filename(root, child_rel, NULL);
        g_autofree char *link = g_file_read_link(child, NULL);
        struct stat st;

        g_assert_cmpint(lstat(child, &st), ==, 0);
        if (link != NULL)
            g_ptr_array_add(lines, g_strdup_printf("l %s -> %s", child_rel, link));
        else
            g_ptr_array_add(lines, g_strdup_printf("%c %s", S_ISDIR(st.st_mode) ? 'd' : 'f',
                                                   child_rel));
        if (S_ISDIR(st.st_mode))
            list_into(lines, root, child_rel);
    }
}

static int
compare_lines(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Every name under the root with its type and link target, sorted: equal
 * before and after means no temporary file was left, no file created, and
 * no symlink turned into a file. */
static char *
tree_of(const SaveFx *fx)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

    list_into(lines, fx->root, ".");
    g_ptr_array_sort(lines, compare_lines);
    g_ptr_array_add(lines, NULL);
    return g_strjoinv("\n", (char **) lines->pdata);
}

/* The message names the file it is about: the path given for a missing
 * file, the resolved target for a failed write. */
static void
assert_save_fails(const char *path, XvmErrorCode code, const char *named)
{
    g_autoptr(GError) error = NULL;
    gboolean changed = TRUE;

    g_assert_false(xvm_savefile_replace(path, NEW_XML, &changed, &error));
    g_assert_error(error, XVM_ERROR, (gint) code);
    g_assert_nonnull(strstr(error->message, named));
    g_assert_false(changed);
    g_test_message("error: %s", error->message);
}

/* ---- where the text goes: symlinks, missing files, table-driven ---------------- */

typedef enum {
    LAYOUT_FILE,          /* vm1.xml is the file */
    LAYOUT_LINK,          /* vm1.xml -> defs/vm1-v3.xml (relative link) */
    LAYOUT_LINK_CHAIN,    /* vm1.xml -> current.xml -> ROOT/defs/vm1-v3.xml */
    LAYOUT_RELATIVE,      /* as LINK, path given as "vm1.xml" from ROOT */
    LAYOUT_MISSING,       /* no vm1.xml */
    LAYOUT_MISSING_DIR,   /* share/vm1.xml, share not there (not mounted) */
    LAYOUT_DANGLING,      /* vm1.xml -> defs/vm1-v3.xml, which is missing */
    LAYOUT_DIRECTORY,     /* vm1.xml is a directory */
} Layout;

typedef struct {
    const char *test_path;
    Layout layout;
    const char *real;     /* the file that must get the new text, or NULL: error */
} LayoutCase;

static const LayoutCase layout_cases[] = {
    {"/xvm/savefile/replace/plain-file", LAYOUT_FILE, "vm1.xml"},
    {"/xvm/savefile/replace/symlink", LAYOUT_LINK, "defs/vm1-v3.xml"},
    {"/xvm/savefile/replace/symlink-chain", LAYOUT_LINK_CHAIN, "defs/vm1-v3.xml"},
    {"/xvm/savefile/replace/relative-path", LAYOUT_RELATIVE, "defs/vm1-v3.xml"},
    {"/xvm/savefile/replace/missing", LAYOUT_MISSING, NULL},
    {"/xvm/savefile/replace/missing-share", LAYOUT_MISSING_DIR, NULL},
    {"/xvm/savefile/replace/dangling-symlink", LAYOUT_DANGLING, NULL},
    {"/xvm/savefile/replace/directory", LAYOUT_DIRECTORY, NULL},
};

/* Builds the layout under the root and returns the path to pass. */
static char *
build_layout(const SaveFx *fx, Layout layout)
{
    g_autofree char *real = in_root(fx, "defs/vm1-v3.xml");

    switch (layout) {
    case LAYOUT_FILE:
        make_file(fx, "vm1.xml", OLD_XML, 0644);
        break;
    case LAYOUT_LINK:
    case LAYOUT_RELATIVE:
        make_dir(fx, "defs");
        make_file(fx, "defs/vm1-v3.xml", OLD_XML, 0644);
        make_link(fx, "vm1.xml", "defs/vm1-v3.xml");
        break;
    case LAYOUT_LINK_CHAIN:
        make_dir(fx, "defs");
        make_file(fx, "defs/vm1-v3.xml", OLD_XML, 0644);
        make_link(fx, "current.xml", real);
        make_link(fx, "vm1.xml", "current.xml");
        break;
    case LAYOUT_MISSING:
        break;
    case LAYOUT_MISSING_DIR:
        return in_root(fx, "share/vm1.xml");
    case LAYOUT_DANGLING:
        make_dir(fx, "defs");
        make_link(fx, "vm1.xml", "defs/vm1-v3.xml");
        break;
    case LAYOUT_DIRECTORY:
        make_dir(fx, "vm1.xml");
        break;
    }
    return layout == LAYOUT_RELATIVE ? g_strdup("vm1.xml") : in_root(fx, "vm1.xml");
}

static void
test_layout(SaveFx *fx, gconstpointer data)
{
    const LayoutCase *c = data;
    g_autofree char *cwd = g_get_current_dir();
    g_autofree char *path = build_layout(fx, c->layout);
    g_autofree char *before = tree_of(fx);
    g_autofree char *after = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    gboolean changed = FALSE;

    if (c->layout == LAYOUT_RELATIVE)
        g_assert_cmpint(g_chdir(fx->root), ==, 0);
    if (c->real == NULL) {
        assert_save_fails(path, XVM_ERROR_CONFIG_UNREADABLE, path);
    } else {
        g_assert_true(xvm_savefile_replace(path, NEW_XML, &changed, &error));
        g_assert_no_error(error);
        g_assert_true(changed);
        text = read_text(fx, c->real);
        g_assert_cmpstr(text, ==, NEW_XML);
    }
    g_assert_cmpint(g_chdir(cwd), ==, 0);
    /* Links still links and pointing where they did; nothing created, no
     * temporary file left in any directory. */
    after = tree_of(fx);
    g_assert_cmpstr(after, ==, before);
}

/* ---- permission bits ------------------------------------------------------------ */

typedef struct {
    const char *test_path;
    mode_t mode;          /* the old file's, and what the new one must have */
    mode_t umask;         /* the process's while saving */
    gboolean via_link;    /* vm1.xml -> defs/vm1-v3.xml, the review's case */
} ModeCase;

static const ModeCase mode_cases[] = {
    {"/xvm/savefile/mode/0600-umask-022", 0600, 022, FALSE},
    {"/xvm/savefile/mode/0640-umask-022", 0640, 022, FALSE},
    {"/xvm/savefile/mode/0600-umask-000", 0600, 0, FALSE},
    {"/xvm/savefile/mode/0644-umask-077", 0644, 077, FALSE},
    {"/xvm/savefile/mode/0400-umask-022", 0400, 022, FALSE},
    {"/xvm/savefile/mode/0600-via-symlink", 0600, 022, TRUE},
};

static void
test_mode(SaveFx *fx, gconstpointer data)
{
    const ModeCase *c = data;
    const char *real = c->via_link ? "defs/vm1-v3.xml" : "vm1.xml";
    g_autofree char *path = in_root(fx, "vm1.xml");
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    struct stat st;
    mode_t saved_umask;

    if (c->via_link) {
        make_dir(fx, "defs");
        make_link(fx, "vm1.xml", real);
    }
    make_file(fx, real, OLD_XML, c->mode);
    saved_umask = umask(c->umask);
    g_assert_true(xvm_savefile_replace(path, NEW_XML, NULL, &error));
    umask(saved_umask);
    g_assert_no_error(error);

    st = stat_of(fx, real);
    g_assert_true(S_ISREG(st.st_mode));
    g_assert_cmpint(st.st_mode & 07777, ==, c->mode);
    text = read_text(fx, real);
    g_assert_cmpstr(text, ==, NEW_XML);
    if (c->via_link)
        g_assert_true(S_ISLNK(stat_of(fx, "vm1.xml").st_mode));
}

/* ---- unchanged contents --------------------------------------------------------- */

typedef struct {
    const char *test_path;
    const char *old_text;
    const char *new_text;
    gboolean changed;
} SameCase;

static const SameCase same_cases[] = {
    {"/xvm/savefile/same/identical", OLD_XML, OLD_XML, FALSE},
    {"/xvm/savefile/same/both-empty", "", "", FALSE},
    {"/xvm/savefile/same/same-size-other-text", "<domain>a</domain>", "<domain>b</domain>",
     TRUE},
    {"/xvm/savefile/same/old-is-prefix", OLD_XML, OLD_XML "<!-- -->", TRUE},
    {"/xvm/savefile/same/new-is-prefix", OLD_XML "<!-- -->", OLD_XML, TRUE},
};

static void
test_same(SaveFx *fx, gconstpointer data)
{
    const SameCase *c = data;
    g_autofree char *path = in_root(fx, "vm1.xml");
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    /* Well in the past, so that a rewrite within the same second shows. */
    const struct timespec past[2] = {{1000000000, 0}, {1000000000, 0}};
    struct stat before;
    struct stat after;
    gboolean changed = !c->changed;

    make_file(fx, "vm1.xml", c->old_text, 0640);
    g_assert_cmpint(utimensat(AT_FDCWD, path, past, 0), ==, 0);
    before = stat_of(fx, "vm1.xml");

    g_assert_true(xvm_savefile_replace(path, c->new_text, &changed, &error));
    g_assert_no_error(error);
    g_assert_cmpint(changed, ==, c->changed);
    after = stat_of(fx, "vm1.xml");
    text = read_text(fx, "vm1.xml");
    g_assert_cmpstr(text, ==, c->new_text);
    if (c->changed)
        return;
    /* Not written, not renamed over, not even chmod'ed. */
    g_assert_cmpuint(after.st_ino, ==, before.st_ino);
    g_assert_cmpint(after.st_mtim.tv_sec, ==, before.st_mtim.tv_sec);
    g_assert_cmpint(after.st_mtim.tv_nsec, ==, before.st_mtim.tv_nsec);
    g_assert_cmpint(after.st_ctim.tv_sec, ==, before.st_ctim.tv_sec);
    g_assert_cmpint(after.st_ctim.tv_nsec, ==, before.st_ctim.tv_nsec);
}

/* ---- failures: the old file intact, no temporary file left ---------------------- */

static void
assert_old_intact(const SaveFx *fx, const char *rel, const struct stat *before)
{
    g_autofree char *text = read_text(fx, rel);
    struct stat after = stat_of(fx, rel);

    g_assert_cmpstr(text, ==, OLD_XML);
    g_assert_cmpuint(after.st_ino, ==, before->st_ino);
}

/* A failed save left rel as it was and the tree as listed before. */
static void
assert_nothing_changed(const SaveFx *fx, const char *rel, const struct stat *before,
                       const char *tree_before)
{
    g_autofree char *tree = tree_of(fx);

    assert_old_intact(fx, rel, before);
    g_assert_cmpstr(tree, ==, tree_before);
}

static void
test_dir_not_writable(SaveFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *path = in_root(fx, "vm1.xml");
    g_autofree char *defs = in_root(fx, "defs");
    g_autofree char *real = NULL;
    g_autofree char *tree = NULL;
    struct stat before;

    if (geteuid() == 0) {
        g_test_skip("root writes into a 0555 directory anyway: this failure cannot be "
                    "injected as root (see /xvm/savefile/fail/file-size-limit)");
        return;
    }
    /* The link's directory is writable, the target's is not: the temporary
     * file belongs next to the target. */
    make_dir(fx, "defs");
    make_file(fx, "defs/vm1-v3.xml", OLD_XML, 0600);
    make_link(fx, "vm1.xml", "defs/vm1-v3.xml");
    before = stat_of(fx, "defs/vm1-v3.xml");
    tree = tree_of(fx);
    real = realpath(path, NULL);
    g_assert_cmpint(g_chmod(defs, 0555), ==, 0);

    assert_save_fails(path, XVM_ERROR_INTERNAL, real);
    g_assert_cmpint(g_chmod(defs, 0755), ==, 0);
    assert_nothing_changed(fx, "defs/vm1-v3.xml", &before, tree);
}

/* A write that fails half-way (a full disk, a quota), injected with
 * RLIMIT_FSIZE: it binds root as well. */
static void
test_file_size_limit(SaveFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *path = in_root(fx, "vm1.xml");
    g_autofree char *big = g_strnfill(4096, 'x');
    g_autofree char *real = NULL;
    g_autofree char *tree = NULL;
    g_autoptr(GError) error = NULL;
    struct rlimit saved;
    struct rlimit small;
    struct stat before;
    gboolean ok;

    make_file(fx, "vm1.xml", OLD_XML, 0600);
    before = stat_of(fx, "vm1.xml");
    tree = tree_of(fx);
    real = realpath(path, NULL);
    g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &saved), ==, 0);
    small = saved;
    small.rlim_cur = 100;
    /* Without this, exceeding the limit kills the process (SIGXFSZ). */
    signal(SIGXFSZ, SIG_IGN);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &small), ==, 0);
    ok = xvm_savefile_replace(path, big, NULL, &error);
    g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &saved), ==, 0);
    signal(SIGXFSZ, SIG_DFL);

    g_assert_false(ok);
    g_assert_error(error, XVM_ERROR, XVM_ERROR_INTERNAL);
    g_assert_nonnull(strstr(error->message, real));
    g_assert_nonnull(strstr(error->message, g_strerror(EFBIG)));
    g_test_message("error: %s", error->message);
    assert_nothing_changed(fx, "vm1.xml", &before, tree);
}

/* ---- owner and group ------------------------------------------------------------- */

static void
test_owner_kept(SaveFx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *path = in_root(fx, "vm1.xml");
    g_autofree char *real = in_root(fx, "defs/vm1-v3.xml");
    g_autoptr(GError) error = NULL;
    struct stat st;

    if (geteuid() != 0) {
        g_test_skip("only root can give a file to another owner (needs root)");
        return;
    }
    make_dir(fx, "defs");
    make_file(fx, "defs/vm1-v3.xml", OLD_XML, 0640);
    make_link(fx, "vm1.xml", "defs/vm1-v3.xml");
    g_assert_cmpint(chown(real, OTHER_ID, OTHER_ID), ==, 0);

    g_assert_true(xvm_savefile_replace(path, NEW_XML, NULL, &error));
    g_assert_no_error(error);
    st = stat_of(fx, "defs/vm1-v3.xml");
    g_assert_cmpint(st.st_uid, ==, OTHER_ID);
    g_assert_cmpint(st.st_gid, ==, OTHER_ID);
    /* The chown comes before the chmod: its clearing of bits must not show. */
    g_assert_cmpint(st.st_mode & 07777, ==, 0640);
}

/* ---- xvm_savefile_in_libvirt_dir -------------------------------------------------- */

typedef struct {
    const char *test_path;
    const char *path;     /* relative to the root */
    gboolean inside;
} DirCase;

/* The root holds:
 *   libvirt/qemu/vm1.xml, libvirt/qemu-backup/x.xml, elsewhere/vm1.xml
 *   elsewhere/link.xml -> ../libvirt/qemu/vm1.xml
 *   elsewhere/dangling.xml -> ../libvirt/qemu/gone.xml
 *   qemu-link -> libvirt/qemu, etc-link -> libvirt
 * and the directories are etc-link/qemu (a path through a symlink) and
 * libvirt/lxc (missing). */
static const DirCase dir_cases[] = {
    {"/xvm/savefile/libvirt-dir/file-in-dir", "libvirt/qemu/vm1.xml", TRUE},
    {"/xvm/savefile/libvirt-dir/deleted-by-undefine", "libvirt/qemu/gone.xml", TRUE},
    {"/xvm/savefile/libvirt-dir/symlink-into-dir", "elsewhere/link.xml", TRUE},
    {"/xvm/savefile/libvirt-dir/dangling-symlink-into-dir", "elsewhere/dangling.xml", TRUE},
    {"/xvm/savefile/libvirt-dir/through-linked-dir", "qemu-link/vm1.xml", TRUE},
    {"/xvm/savefile/libvirt-dir/dotdot-back-in", "libvirt/qemu-backup/../qemu/vm1.xml", TRUE},
    {"/xvm/savefile/libvirt-dir/missing-dir", "libvirt/lxc/c1.xml", TRUE},
    {"/xvm/savefile/libvirt-dir/common-prefix", "libvirt/qemu-backup/x.xml", FALSE},
    {"/xvm/savefile/libvirt-dir/dotdot-out", "libvirt/qemu/../qemu-backup/x.xml", FALSE},
    {"/xvm/savefile/libvirt-dir/the-dir-itself", "libvirt/qemu", FALSE},
    {"/xvm/savefile/libvirt-dir/parent", "libvirt/vm1.xml", FALSE},
    {"/xvm/savefile/libvirt-dir/elsewhere", "elsewhere/vm1.xml", FALSE},
};

static void
build_libvirt_tree(const SaveFx *fx)
{
    make_dir(fx, "libvirt");
    make_dir(fx, "libvirt/qemu");
    make_dir(fx, "libvirt/qemu-backup");
    make_dir(fx, "elsewhere");
    make_file(fx, "libvirt/qemu/vm1.xml", OLD_XML, 0600);
    make_file(fx, "libvirt/qemu-backup/x.xml", OLD_XML, 0600);
    make_file(fx, "elsewhere/vm1.xml", OLD_XML, 0600);
    make_link(fx, "elsewhere/link.xml", "../libvirt/qemu/vm1.xml");
    make_link(fx, "elsewhere/dangling.xml", "../libvirt/qemu/gone.xml");
    make_link(fx, "qemu-link", "libvirt/qemu");
    make_link(fx, "etc-link", "libvirt");
}

/* Each case twice: absolute paths, then paths relative to the working
 * directory (for the directories as well). */
static void
test_libvirt_dir(SaveFx *fx, gconstpointer data)
{
    const DirCase *c = data;
    g_autofree char *cwd = g_get_current_dir();
    g_autofree char *path = in_root(fx, c->path);
    g_autofree char *qemu = in_root(fx, "etc-link/qemu");
    g_autofree char *lxc = in_root(fx, "libvirt/lxc");
    const char *const absolute_dirs[] = {qemu, lxc, NULL};
    const char *const relative_dirs[] = {"etc-link/qemu", "./libvirt/lxc", NULL};

    build_libvirt_tree(fx);
    g_assert_cmpint(xvm_savefile_in_libvirt_dir(path, absolute_dirs), ==, c->inside);
    g_assert_cmpint(g_chdir(fx->root), ==, 0);
    g_assert_cmpint(xvm_savefile_in_libvirt_dir(c->path, relative_dirs), ==, c->inside);
    g_assert_cmpint(xvm_savefile_in_libvirt_dir(c->path, absolute_dirs), ==, c->inside);
    g_assert_cmpint(g_chdir(cwd), ==, 0);
}

static void
test_default_dirs(void)
{
    const char *const *dirs = xvm_savefile_default_libvirt_dirs();
    g_autofree char *session = g_build_filename(g_get_user_config_dir(), "libvirt", "qemu",
                                                NULL);
    g_autofree char *session_file = g_build_filename(session, "vm1.xml", NULL);

    g_assert_cmpuint(g_strv_length((char **) dirs), ==, 4);
    g_assert_true(g_strv_contains(dirs, "/etc/libvirt/qemu"));
    g_assert_true(g_strv_contains(dirs, "/etc/libvirt/lxc"));
    g_assert_true(g_strv_contains(dirs, "/etc/libvirt/libxl"));
    g_assert_true(g_strv_contains(dirs, session));
    g_assert_true(dirs == xvm_savefile_default_libvirt_dirs());

    g_assert_true(xvm_savefile_in_libvirt_dir("/etc/libvirt/qemu/vm1.xml", dirs));
    g_assert_true(xvm_savefile_in_libvirt_dir("/etc/libvirt/libxl/vm1.xml", dirs));
    g_assert_true(xvm_savefile_in_libvirt_dir(session_file, dirs));
    g_assert_false(xvm_savefile_in_libvirt_dir("/etc/libvirt/qemu-backup/x.xml", dirs));
    g_assert_false(xvm_savefile_in_libvirt_dir("/etc/libvirt/qemu.conf", dirs));
    g_assert_false(xvm_savefile_in_libvirt_dir("/var/lib/xvm/vm1.xml", dirs));
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);

    for (gsize i = 0; i < G_N_ELEMENTS(layout_cases); i++)
        g_test_add(layout_cases[i].test_path, SaveFx, &layout_cases[i], save_setup,
                   test_layout, save_teardown);
    for (gsize i = 0; i < G_N_ELEMENTS(mode_cases); i++)
        g_test_add(mode_cases[i].test_path, SaveFx, &mode_cases[i], save_setup, test_mode,
                   save_teardown);
    for (gsize i = 0; i < G_N_ELEMENTS(same_cases); i++)
        g_test_add(same_cases[i].test_path, SaveFx, &same_cases[i], save_setup, test_same,
                   save_teardown);
    g_test_add("/xvm/savefile/fail/dir-not-writable", SaveFx, NULL, save_setup,
               test_dir_not_writable, save_teardown);
    g_test_add("/xvm/savefile/fail/file-size-limit", SaveFx, NULL, save_setup,
               test_file_size_limit, save_teardown);
    g_test_add("/xvm/savefile/owner/kept-as-root", SaveFx, NULL, save_setup,
               test_owner_kept, save_teardown);
    for (gsize i = 0; i < G_N_ELEMENTS(dir_cases); i++)
        g_test_add(dir_cases[i].test_path, SaveFx, &dir_cases[i], save_setup,
                   test_libvirt_dir, save_teardown);
    g_test_add_func("/xvm/savefile/libvirt-dir/defaults", test_default_dirs);
    return g_test_run();
}
