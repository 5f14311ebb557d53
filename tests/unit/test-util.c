#include <sys/pidfd.h>
#include <unistd.h>

#include "test-util.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

void
xvm_test_init(int *argc, char ***argv)
{
    g_setenv("G_TEST_SRCDIR", XVM_TESTS_SRCDIR, FALSE);
    /* Actions that succeed update the resource's utilization through
     * cibadmin and crm_resource: never on this machine's cluster.  Tests
     * that want a CIB make their own file. */
    g_setenv("CIB_file", "/nonexistent/xvm-unit/cib.xml", TRUE);
    g_test_init(argc, argv, NULL);
}

char *
xvm_test_make_tmpdir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("xvm-unit-XXXXXX", &error);

    g_assert_no_error(error);
    return dir;
}

void
xvm_test_remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *entry;

    while (dir && (entry = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, entry, NULL);

        if (g_file_test(child, G_FILE_TEST_IS_DIR)
            && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            xvm_test_remove_tree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

void
xvm_test_kill_if_running(pid_t pid, const char *program)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int) pid);
    g_autofree char *cmdline = NULL;

    if (pid > 1 && g_file_get_contents(path, &cmdline, NULL, NULL)
        && strcmp(cmdline, program) == 0)
        kill(pid, SIGKILL);
}

gboolean
xvm_test_pidfd_works(void)
{
    int fd = pidfd_open(getpid(), 0);

    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

ino_t
xvm_test_inode_of(const char *path)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    return st.st_ino;
}

gboolean
xvm_test_spawn_ok(const char *const *argv, char **out)
{
    int status = -1;

    return g_spawn_sync(NULL, (char **) argv, NULL,
                        G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL
                            | (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL),
                        NULL, NULL, out, NULL, &status, NULL)
           && g_spawn_check_wait_status(status, NULL);
}

char *
xvm_test_make_cib(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "cib.xml", NULL);
    g_autofree char *empty = NULL;
    const char *empty_argv[] = { "cibadmin", "--empty", NULL };
    const char *create_argv[] = {
        "cibadmin", "--create", "-o", "resources", "-X",
        "<primitive id=\"vm1\" class=\"ocf\" provider=\"xvm\" type=\"domain\"/>", NULL
    };
    g_autofree char *cibadmin = g_find_program_in_path("cibadmin");
    g_autofree char *crm_resource = g_find_program_in_path("crm_resource");

    if (cibadmin == NULL || crm_resource == NULL) {
        g_test_skip("no cibadmin or crm_resource (Pacemaker's tools are not installed)");
        return NULL;
    }
    if (!xvm_test_spawn_ok(empty_argv, &empty) || !g_file_set_contents(path, empty, -1, NULL)) {
        g_test_skip("cibadmin --empty does not work here");
        return NULL;
    }
    g_setenv("CIB_file", path, TRUE);
    if (!xvm_test_spawn_ok(create_argv, NULL)) {
        g_unsetenv("CIB_file");
        g_test_skip("cibadmin --create does not work on a CIB file here");
        return NULL;
    }
    return g_steal_pointer(&path);
}

void
xvm_test_tmp_setup(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx->dir = xvm_test_make_tmpdir();
}

void
xvm_test_tmp_teardown(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    xvm_test_remove_tree(fx->dir);
    g_free(fx->dir);
}

char *
xvm_test_write_program(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_assert_cmpint(g_chmod(path, 0755), ==, 0);
    return path;
}
