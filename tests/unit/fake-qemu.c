/* A stand-in for a QEMU process in test-proc: started with QEMU's argv[0]
 * and arguments, which it ignores, it waits for a signal.  Environment:
 *   XVM_FAKE_QEMU_IGNORE_TERM=1   ignore SIGTERM (a QEMU that will not quit)
 *   XVM_FAKE_QEMU_PIDFILE=PATH    take PATH as libvirt takes a QEMU's pidfile
 *                                 for it (virPidFileAcquirePath: a POSIX write
 *                                 lock on byte 0, then the pid) and hold it
 * One byte on stdout says it is ready: the signal disposition and the lock
 * are in place. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
take_pidfile(const char *path)
{
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
    char text[32];
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    int len;

    if (fd < 0 || fcntl(fd, F_SETLK, &lock) < 0 || ftruncate(fd, 0) < 0)
        return -1;
    len = snprintf(text, sizeof(text), "%d", (int) getpid());
    if (write(fd, text, (size_t) len) != len)
        return -1;
    return 0;   /* fd stays open: closing it would drop the lock */
}

int
main(void)
{
    const char *ignore = getenv("XVM_FAKE_QEMU_IGNORE_TERM");
    const char *pidfile = getenv("XVM_FAKE_QEMU_PIDFILE");

    if (ignore && strcmp(ignore, "1") == 0)
        signal(SIGTERM, SIG_IGN);
    if (pidfile && take_pidfile(pidfile) < 0)
        return 1;
    if (write(STDOUT_FILENO, "r", 1) != 1)
        return 1;
    for (;;)
        pause();
}
