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
