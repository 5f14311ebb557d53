#include "xvm-spawn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Reads what is available; returns FALSE at end of file. */
static gboolean
drain(int fd, GString *out)
{
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return TRUE;
    if (n <= 0)
        return FALSE;
    if (out->len < XVM_STDERR_KEEP)
        g_string_append_len(out, buf, MIN((gsize) n, XVM_STDERR_KEEP - out->len));
    return TRUE;
}

/* Waits for the child, collecting stderr; kills it at the deadline. */
static gboolean
wait_child(GPid pid, int err_fd, const XvmDeadline *deadline, GString *err,
           int *wait_status)
{
    gboolean open_fd = TRUE;

    for (;;) {
        struct pollfd pfd = { .fd = err_fd, .events = POLLIN };
        gint64 left = xvm_deadline_remaining_ms(deadline);

        if (waitpid(pid, wait_status, WNOHANG) == pid) {
            while (open_fd && drain(err_fd, err))
                ;
            return TRUE;
        }
        if (left <= 0) {
            kill(pid, SIGKILL);
            waitpid(pid, wait_status, 0);
            return FALSE;
        }
        if (open_fd && poll(&pfd, 1, (int) MIN(left, 100)) > 0)
            open_fd = drain(err_fd, err);
        else if (!open_fd)
            g_usleep(MIN(left, 20) * 1000);
    }
}

gboolean
xvm_run_program(const char *argv0, const XvmDeadline *deadline, char **stderr_text,
                GError **error)
{
    const char *argv[] = { argv0, NULL };
    GPid pid;
    int err_fd = -1, wait_status = 0;
    g_autoptr(GString) err = g_string_new(NULL);
    g_autofree char *how = NULL;
    GError *spawn_error = NULL;
    gboolean finished;

    *stderr_text = NULL;
    if (!g_spawn_async_with_pipes(NULL, (char **) argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                  NULL, NULL, &pid, NULL, NULL, &err_fd, &spawn_error)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_SCRIPT_FAILED, "%s cannot run: %s",
                    argv0, spawn_error->message);
        g_error_free(spawn_error);
        return FALSE;
    }
    finished = wait_child(pid, err_fd, deadline, err, &wait_status);
    close(err_fd);
    *stderr_text = g_strdup(g_strstrip(err->str));
    if (!finished) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_TIMEOUT,
                    "%s did not finish before the deadline and was killed", argv0);
        return FALSE;
    }
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
        return TRUE;
    how = xvm_describe_wait_status(wait_status);
    g_set_error(error, XVM_ERROR, XVM_ERROR_SCRIPT_FAILED, "%s %s", argv0, how);
    return FALSE;
}
