#include "xvm-spawn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "xvm-error.h"

#define XVM_STDERR_KEEP 4096

char *
xvm_describe_wait_status(int wait_status)
{
    if (WIFEXITED(wait_status))
        return g_strdup_printf("exited with status %d", WEXITSTATUS(wait_status));
    if (WIFSIGNALED(wait_status))
        return g_strdup_printf("killed by signal %d (%s)", WTERMSIG(wait_status),
                               g_strsignal(WTERMSIG(wait_status)));
    return g_strdup_printf("ended in an unknown way (wait status 0x%x)", wait_status);
}

typedef enum {
    READ_DATA,
    READ_EOF,
    READ_WOULD_BLOCK,
} ReadResult;

/* Reads what is available from a non-blocking pipe. */
static ReadResult
drain(int fd, GString *out)
{
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return READ_WOULD_BLOCK;
    if (n <= 0)
        return READ_EOF;
    if (out->len < XVM_STDERR_KEEP)
        g_string_append_len(out, buf, MIN((gsize) n, XVM_STDERR_KEEP - out->len));
    return READ_DATA;
}

/* The program and anything it started share a process group, so that a
 * deadline kills them all. */
static void
child_setup(gpointer data G_GNUC_UNUSED)
{
    setpgid(0, 0);
}

/* Waits for the child, collecting its output; kills it at the deadline. */
static gboolean
wait_child(GPid pid, int fds[2], const XvmDeadline *deadline, GString *out[2],
           int *wait_status)
{
    for (;;) {
        struct pollfd pfd[2] = { { .fd = fds[0], .events = POLLIN },
                                 { .fd = fds[1], .events = POLLIN } };
        gint64 left = xvm_deadline_remaining_ms(deadline);

        if (waitpid(pid, wait_status, WNOHANG) == pid) {
            /* Take what is buffered, but do not wait for anything it left
             * running in the background: that is killed with its group. */
            for (int i = 0; i < 2; i++) {
                while (fds[i] >= 0 && drain(fds[i], out[i]) == READ_DATA)
                    ;
            }
            kill(-pid, SIGKILL);
            return TRUE;
        }
        if (left <= 0) {
            kill(-pid, SIGKILL);
            waitpid(pid, wait_status, 0);
            return FALSE;
        }
        if (poll(pfd, 2, (int) MIN(left, 50)) > 0) {
            for (int i = 0; i < 2; i++) {
                if (pfd[i].revents && drain(fds[i], out[i]) == READ_EOF) {
                    close(fds[i]);
                    fds[i] = -1;
                }
            }
        }
    }
}

gboolean
xvm_run_argv(const char *const *argv, const XvmDeadline *deadline, char **stdout_text,
             char **stderr_text, GError **error)
{
    GPid pid;
    int fds[2] = { -1, -1 }, wait_status = 0;
    GString *out[2] = { g_string_new(NULL), g_string_new(NULL) };
    g_autofree char *how = NULL;
    GError *spawn_error = NULL;
    gboolean finished;

    if (stdout_text)
        *stdout_text = NULL;
    if (stderr_text)
        *stderr_text = NULL;
    if (!g_spawn_async_with_pipes(NULL, (char **) argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, child_setup,
                                  NULL, &pid, NULL, &fds[0], &fds[1], &spawn_error)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_SCRIPT_FAILED, "%s cannot run: %s",
                    argv[0], spawn_error->message);
        g_error_free(spawn_error);
        g_string_free(out[0], TRUE);
        g_string_free(out[1], TRUE);
        return FALSE;
    }
    g_unix_set_fd_nonblocking(fds[0], TRUE, NULL);
    g_unix_set_fd_nonblocking(fds[1], TRUE, NULL);
    finished = wait_child(pid, fds, deadline, out, &wait_status);
    for (int i = 0; i < 2; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    if (stdout_text)
        *stdout_text = g_strdup(g_strstrip(out[0]->str));
    if (stderr_text)
        *stderr_text = g_strdup(g_strstrip(out[1]->str));
    g_string_free(out[0], TRUE);
    g_string_free(out[1], TRUE);
    if (!finished) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_TIMEOUT,
                    "%s did not finish before the deadline and was killed", argv[0]);
        return FALSE;
    }
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
        return TRUE;
    how = xvm_describe_wait_status(wait_status);
    g_set_error(error, XVM_ERROR, XVM_ERROR_SCRIPT_FAILED, "%s %s", argv[0], how);
    return FALSE;
}

gboolean
xvm_run_program(const char *argv0, const XvmDeadline *deadline, char **stderr_text,
                GError **error)
{
    const char *argv[] = { argv0, NULL };

    return xvm_run_argv(argv, deadline, NULL, stderr_text, error);
}
