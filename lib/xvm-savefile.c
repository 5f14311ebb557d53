#include "xvm-savefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>  /* renameat */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xvm-error.h"
#include "xvm-log.h"

/* A temporary name still taken after this many random tries means something
 * else is wrong with the directory. */
#define SAVE_TEMP_TRIES 100
/* The kernel's own limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define SAVE_MAX_LINKS 40

/* A file descriptor closed when it leaves scope (g_autofd needs GLib 2.76). */
typedef int SaveFd;

static void
save_fd_close(SaveFd fd)
{
    close(fd);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(SaveFd, save_fd_close, -1)

static int
save_fd_steal(SaveFd *fd)
{
    int stolen = *fd;

    *fd = -1;
    return stolen;
}

/* The file being replaced, resolved once.  Every later step works relative
 * to dirfd, so the temporary file, the rename and the fsync all happen in
 * the one directory even if a component of the path changes meanwhile. */
typedef struct {
    char *path;        /* the target, every symlink resolved */
    char *base;        /* its name inside dirfd */
    struct stat st;    /* the old file: owner, group, mode */
    int dirfd;
} SaveTarget;

static void
save_target_clear(SaveTarget *target)
{
    g_free(target->path);
    g_free(target->base);
    if (target->dirfd >= 0)
        close(target->dirfd);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SaveTarget, save_target_clear)

/* Sets XVM_ERROR_INTERNAL with errno's reason; errno is read first. */
G_GNUC_PRINTF(2, 3)
static gboolean
fail_errno(GError **error, const char *format, ...)
{
    int saved = errno;
    g_autofree char *what = NULL;
    va_list args;

    va_start(args, format);
    what = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error(error, XVM_ERROR, XVM_ERROR_INTERNAL, "%s: %s", what, g_strerror(saved));
    return FALSE;
}

static int
fail_unreadable(GError **error, const char *path, const char *why)
{
    g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_UNREADABLE,
                "config %s not saved: %s on this node", path, why);
    return -1;
}

/* Opens the regular file path resolves to.  Never O_CREAT: a missing file
 * may be an unmounted share, and a new file would land under its mount
 * point.  O_NONBLOCK keeps a FIFO swapped in after realpath from hanging
 * us, O_NOFOLLOW a symlink swapped in from taking us elsewhere. */
static int
open_target(const char *path, SaveTarget *target, GError **error)
{
    g_auto(SaveFd) fd = -1;

    target->path = realpath(path, NULL);
    if (target->path == NULL)
        return fail_unreadable(error, path, g_strerror(errno));
    fd = open(target->path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &target->st) < 0)
        return fail_unreadable(error, path, g_strerror(errno));
    if (!S_ISREG(target->st.st_mode))
        return fail_unreadable(error, path, "not a regular file");
    return save_fd_steal(&fd);
}

/* Whether the open file holds exactly text.  Reads one byte more than text
 * so that a file grown since fstat counts as different. */
static gboolean
has_contents(int fd, const struct stat *st, const char *text)
{
    gsize len = strlen(text);
    g_autofree char *buf = NULL;
    gsize got = 0;
    ssize_t n;

    if ((gsize) st->st_size != len)
        return FALSE;
    buf = g_malloc(len + 1);
    while (got <= len) {
        n = read(fd, buf + got, len + 1 - got);
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FALSE;
        got += (gsize) n;
    }
    return got == len && memcmp(buf, text, len) == 0;
}

static gboolean
open_dir(SaveTarget *target, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(target->path);

    target->base = g_path_get_basename(target->path);
    target->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (target->dirfd < 0)
        return fail_errno(error, "cannot open directory %s", dir);
    return TRUE;
}

/* Resolves and opens path; *same tells whether it already holds text. */
static gboolean
save_target_open(SaveTarget *target, const char *path, const char *text, gboolean *same,
                 GError **error)
{
    g_auto(SaveFd) fd = open_target(path, target, error);

    if (fd < 0)
        return FALSE;
    *same = has_contents(fd, &target->st, text);
    return *same || open_dir(target, error);
}

/* A new, hidden file next to the target, readable by us alone until it has
 * its final owner and mode.  The name starts with a dot and does not end in
 * .xml, so nothing that scans the directory for definitions picks it up. */
static int
create_temp(const SaveTarget *target, char **name, GError **error)
{
    int fd = -1;

    for (int i = 0; i < SAVE_TEMP_TRIES; i++) {
        g_free(*name);
        /* The old name is cut to 200 bytes so that the temporary name
         * stays within NAME_MAX (255). */
        *name = g_strdup_printf(".%.200s.xvm-%06x", target->base,
                                g_random_int() & 0xffffff);
        fd = openat(target->dirfd, *name,
                    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0)
        fail_errno(error, "cannot create a temporary file next to %s", target->path);
    return fd;
}

/* The old file's owner and group.  Only root can give a file away; anyone
 * else keeps at least the group when a member of it. */
static gboolean
copy_owner(int fd, const SaveTarget *target, GError **error)
{
    if (fchown(fd, target->st.st_uid, target->st.st_gid) == 0)
        return TRUE;
    if (geteuid() == 0)
        return fail_errno(error, "cannot give the new %s its owner %d:%d", target->path,
                          (int) target->st.st_uid, (int) target->st.st_gid);
    if (fchown(fd, (uid_t) -1, target->st.st_gid) < 0)
        xvm_log_debug("new %s: group %d not kept: %s", target->path,
                      (int) target->st.st_gid, g_strerror(errno));
    return TRUE;
}

/* The old file's permission bits, set after the chown (which clears setuid
 * and setgid).  If the group could not be kept, the group bits would open
 * the file to another group: they are dropped. */
static gboolean
copy_mode(int fd, const SaveTarget *target, GError **error)
{
    mode_t mode = target->st.st_mode & 07777;
    struct stat now;

    if (fstat(fd, &now) < 0)
        return fail_errno(error, "cannot stat the new %s", target->path);
    if (now.st_gid != target->st.st_gid)
        mode &= ~(mode_t) 070;
    if (fchmod(fd, mode) < 0)
        return fail_errno(error, "cannot set mode %04o on the new %s", (unsigned) mode,
                          target->path);
    return TRUE;
}

static gboolean
write_all(int fd, const char *text, const char *path, GError **error)
{
    gsize left = strlen(text);
    ssize_t n;

    while (left > 0) {
        n = write(fd, text, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return fail_errno(error, "cannot write the new %s", path);
        }
        text += n;
        left -= (gsize) n;
    }
    return TRUE;
}

/* Owner and mode come before the text, so the text is never in a file more
 * readable than the old one.  fsync before the rename: after a crash the
 * name must point at either the whole old text or the whole new one. */
static gboolean
fill_temp(int fd, const SaveTarget *target, const char *text, GError **error)
{
    if (!copy_owner(fd, target, error) || !copy_mode(fd, target, error)
        || !write_all(fd, text, target->path, error))
        return FALSE;
    if (fsync(fd) < 0)
        return fail_errno(error, "cannot sync the new %s", target->path);
    return TRUE;
}

/* close() reports delayed write errors (NFS): checked like a write.  On
 * Linux the descriptor is gone even when it fails with EINTR. */
static gboolean
close_temp(SaveFd *fd, const SaveTarget *target, GError **error)
{
    if (close(save_fd_steal(fd)) < 0 && errno != EINTR)
        return fail_errno(error, "cannot write the new %s", target->path);
    return TRUE;
}

/* Returns the name of the filled temporary file in target->dirfd, or NULL
 * with nothing left behind. */
static char *
write_temp(const SaveTarget *target, const char *text, GError **error)
{
    g_autofree char *name = NULL;
    g_auto(SaveFd) fd = create_temp(target, &name, error);

    if (fd < 0)
        return NULL;
    if (!fill_temp(fd, target, text, error) || !close_temp(&fd, target, error)) {
        unlinkat(target->dirfd, name, 0);
        return NULL;
    }
    return g_steal_pointer(&name);
}

static gboolean
rename_temp(const SaveTarget *target, const char *name, GError **error)
{
    if (renameat(target->dirfd, name, target->dirfd, target->base) == 0)
        return TRUE;
    fail_errno(error, "cannot rename the new %s into place", target->path);
    unlinkat(target->dirfd, name, 0);
    return FALSE;
}

gboolean
xvm_savefile_replace(const char *path, const char *text, gboolean *changed, GError **error)
{
    g_auto(SaveTarget) target = { .dirfd = -1 };
    g_autofree char *temp = NULL;
    gboolean same = FALSE;

    g_return_val_if_fail(path != NULL && text != NULL, FALSE);
    if (changed != NULL)
        *changed = FALSE;
    if (!save_target_open(&target, path, text, &same, error))
        return FALSE;
    if (same)
        return TRUE;
    temp = write_temp(&target, text, error);
    if (temp == NULL || !rename_temp(&target, temp, error))
        return FALSE;
    if (changed != NULL)
        *changed = TRUE;
    /* The rename itself must reach the disk too. */
    if (fsync(target.dirfd) < 0)
        return fail_errno(error, "replaced %s but cannot sync its directory", target.path);
    return TRUE;
}

/* ---- libvirt's directories ------------------------------------------------ */

static char *
absolute_path(const char *path)
{
    g_autofree char *cwd = NULL;

    if (g_path_is_absolute(path))
        return g_strdup(path);
    cwd = g_get_current_dir();
    return g_build_filename(cwd, path, NULL);
}

/* Resolves an absolute path through every symlink as far as it exists: a
 * dangling link is followed by hand, and a missing name is resolved through
 * its parent.  A file libvirt has just deleted must still count as inside
 * its directory. */
static char *
resolve_loosely(const char *path, int links)
{
    char *real = realpath(path, NULL);
    g_autofree char *parent = NULL;
    g_autofree char *link = NULL;
    g_autofree char *real_parent = NULL;
    g_autofree char *name = NULL;

    if (real != NULL)
        return real;
    parent = g_path_get_dirname(path);
    link = g_file_read_link(path, NULL);
    if (link != NULL && links < SAVE_MAX_LINKS) {
        /* Joined, not canonicalized: realpath must see a ".." after a
         * symlinked directory as the kernel does. */
        g_autofree char *next = g_path_is_absolute(link)
                                    ? g_strdup(link)
                                    : g_build_filename(parent, link, NULL);

        return resolve_loosely(next, links + 1);
    }
    if (strcmp(parent, path) == 0)
        return g_strdup(path);
    real_parent = resolve_loosely(parent, links);
    name = g_path_get_basename(path);
    /* real_parent has no symlinks left, so a ".." in name may be
     * collapsed by text. */
    return g_canonicalize_filename(name, real_parent);
}

static char *
resolve_path(const char *path)
{
    g_autofree char *absolute = absolute_path(path);

    return resolve_loosely(absolute, 0);
}

/* Whether path is strictly below dir; both resolved.  Compared by whole
 * components: /etc/libvirt/qemu-backup is not below /etc/libvirt/qemu. */
static gboolean
is_below(const char *path, const char *dir)
{
    gsize len = strlen(dir);

    if (strcmp(dir, "/") == 0)
        return path[1] != '\0';
    return strncmp(path, dir, len) == 0 && path[len] == '/' && path[len + 1] != '\0';
}

gboolean
xvm_savefile_in_libvirt_dir(const char *path, const char *const *libvirt_dirs)
{
    g_autofree char *resolved = NULL;

    g_return_val_if_fail(path != NULL && libvirt_dirs != NULL, FALSE);
    resolved = resolve_path(path);
    for (gsize i = 0; libvirt_dirs[i] != NULL; i++) {
        g_autofree char *dir = resolve_path(libvirt_dirs[i]);

        if (is_below(resolved, dir))
            return TRUE;
    }
    return FALSE;
}

const char *const *
xvm_savefile_default_libvirt_dirs(void)
{
    static const char *dirs[] = {
        "/etc/libvirt/qemu", "/etc/libvirt/lxc", "/etc/libvirt/libxl",
        NULL, /* the session's, filled in below */
        NULL,
    };
    static gsize filled = 0;

    if (g_once_init_enter(&filled)) {
        /* qemu:///session keeps its definitions in the user's config
         * directory.  Built once and kept for the life of the process. */
        dirs[3] = g_build_filename(g_get_user_config_dir(), "libvirt", "qemu", NULL);
        g_once_init_leave(&filled, 1);
    }
    return dirs;
}
