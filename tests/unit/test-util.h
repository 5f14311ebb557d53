/* What every unit test program shares: start-up and temporary directories. */
#pragma once

#include <sys/types.h>
#include <glib.h>

/* g_test_init, and G_TEST_SRCDIR pointed at tests/ when the program is run
 * by hand rather than by meson (fixtures are found through G_TEST_DIST). */
void xvm_test_init(int *argc, char ***argv);

/* A fresh directory under $TMPDIR; the caller removes it. */
char *xvm_test_make_tmpdir(void);

/* rm -r, without following symlinks. */
void xvm_test_remove_tree(const char *path);

/* Kills pid with SIGKILL only if it still runs program (its argv[0]): the
 * test started it, and a recycled pid must never be hit instead. */
void xvm_test_kill_if_running(pid_t pid, const char *program);

/* Whether pidfd_open works here (old kernels and valgrind 3.19 lack it). */
gboolean xvm_test_pidfd_works(void);

/* The inode number of path, which must exist: a file replaced rather than
 * rewritten in place shows a new one. */
ino_t xvm_test_inode_of(const char *path);

/* An executable file dir/name holding text (dir made as needed); returns
 * its path. */
char *xvm_test_write_program(const char *dir, const char *name, const char *text);

/* Runs argv (searched in PATH), stderr discarded, stdout into *out (or
 * discarded when out is NULL): whether it ran and exited 0. */
gboolean xvm_test_spawn_ok(const char *const *argv, char **out);

/* A CIB file in dir holding primitive vm1 (ocf:xvm:domain), made with
 * Pacemaker's own cibadmin and set as CIB_file for every tool the test runs;
 * NULL, with the test skipped, where Pacemaker's tools are missing or do
 * not work. */
char *xvm_test_make_cib(const char *dir);

/* A directory of tmpdir, for the tests that need nothing else. */
typedef struct {
    char *dir;
} XvmTmpFixture;

void xvm_test_tmp_setup(XvmTmpFixture *fx, gconstpointer data);
void xvm_test_tmp_teardown(XvmTmpFixture *fx, gconstpointer data);

/* Adds test (a function of XvmTmpFixture *, gconstpointer) run in its own
 * directory. */
#define XVM_TEST_ADD_TMP(path, data, test) \
    g_test_add(path, XvmTmpFixture, data, xvm_test_tmp_setup, test, xvm_test_tmp_teardown)
