/* The process table as a second witness when libvirtd does not answer.  A
 * false match would make stop kill the wrong QEMU or monitor call a dead
 * domain alive; a missed match would make monitor report "stopped" while
 * the guest runs (and Pacemaker start a second copy). */
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-proc.h"

#include "test-util.h"

#define UUID "6f1c9c3e-1d2a-4b7e-9a39-2e0c5b7d8a11"
#define OTHER_UUID "0b7a1c7e-5d8e-4f3a-8e0f-9a2d3c4b5e6f"
#define MAX_ARGS 16

/* argv as /proc/PID/cmdline holds it: each word NUL-terminated. */
static GBytes *
cmdline_from(const char *const *argv)
{
    GByteArray *buf = g_byte_array_new();

    for (gsize i = 0; i < MAX_ARGS && argv[i]; i++)
        g_byte_array_append(buf, (const guint8 *) argv[i], (guint) strlen(argv[i]) + 1);
    return g_byte_array_free_to_bytes(buf);
}

/* What libvirt 9 runs for a domain named vm1, shortened. */
#define QEMU_MODERN(bin, name_opt, uuid) \
    bin, "-name", name_opt, "-S", "-object", \
    "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\"}", \
    "-machine", "pc-q35-7.2,usb=off,dump-guest-core=off", "-m", "512", \
    "-uuid", uuid, "-no-user-config", "-nodefaults", "-daemonize"

typedef struct {
    const char *path;
    const char *argv[MAX_ARGS];
    const char *name;
    const char *uuid;
    gboolean match;
} MatchCase;

static const MatchCase match_cases[] = {
    { "/xvm/proc/match/modern",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, TRUE },
    /* Without a UUID in config the name alone decides. */
    { "/xvm/proc/match/name-only",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=vm1,debug-threads=on", UUID) },
      "vm1", NULL, TRUE },
    /* libvirt prints lower case; a hand-made UUID may not be. */
    { "/xvm/proc/match/uuid-case",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=vm1,debug-threads=on",
                    "6F1C9C3E-1D2A-4B7E-9A39-2E0C5B7D8A11") },
      "vm1", UUID, TRUE },
    /* Older libvirt: "-name NAME". */
    { "/xvm/proc/match/old-form",
      { "/usr/bin/qemu-system-x86_64", "-name", "vm1", "-uuid", UUID, "-m", "512" },
      "vm1", UUID, TRUE },
    { "/xvm/proc/match/guest-only",
      { "/usr/bin/qemu-system-x86_64", "-name", "guest=vm1", "-uuid", UUID },
      "vm1", UUID, TRUE },
    /* QEMU doubles a comma inside an option value. */
    { "/xvm/proc/match/escaped-comma",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=a,,b,debug-threads=on", UUID) },
      "a,b", UUID, TRUE },
    { "/xvm/proc/match/escaped-comma-prefix",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=a,,b,debug-threads=on", UUID) },
      "a", NULL, FALSE },
    /* A name that is a prefix of another, both ways. */
    { "/xvm/proc/match/prefix-vm1-vs-vm10",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=vm10,debug-threads=on", UUID) },
      "vm1", NULL, FALSE },
    { "/xvm/proc/match/prefix-vm10-vs-vm1",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=vm1,debug-threads=on", UUID) },
      "vm10", NULL, FALSE },
    { "/xvm/proc/match/old-form-prefix",
      { "/usr/bin/qemu-system-x86_64", "-name", "vm10", "-uuid", UUID }, "vm1", NULL, FALSE },
    /* Same name, another domain (the name was reused elsewhere). */
    { "/xvm/proc/match/wrong-uuid",
      { QEMU_MODERN("/usr/bin/qemu-system-x86_64", "guest=vm1,debug-threads=on",
                    OTHER_UUID) },
      "vm1", UUID, FALSE },
    { "/xvm/proc/match/no-uuid-arg",
      { "/usr/bin/qemu-system-x86_64", "-name", "guest=vm1,debug-threads=on", "-m", "512" },
      "vm1", UUID, FALSE },
    /* Other QEMU binary names libvirt uses. */
    { "/xvm/proc/match/qemu-kvm",
      { QEMU_MODERN("/usr/libexec/qemu-kvm", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, TRUE },
    { "/xvm/proc/match/aarch64",
      { QEMU_MODERN("/usr/bin/qemu-system-aarch64", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, TRUE },
    /* Not QEMU: the same words in a shell, an editor or a grep. */
    { "/xvm/proc/match/not-qemu",
      { QEMU_MODERN("/usr/bin/python3", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, FALSE },
    { "/xvm/proc/match/qemu-in-directory-name",
      { QEMU_MODERN("/opt/qemu-system-x86_64/bin/sh", "guest=vm1,debug-threads=on", UUID) },
      "vm1", UUID, FALSE },
    { "/xvm/proc/match/qemu-img",
      { "/usr/bin/qemu-img", "info", "-name", "vm1", "-uuid", UUID }, "vm1", UUID, FALSE },
    /* Degenerate command lines. */
    { "/xvm/proc/match/empty", { NULL }, "vm1", NULL, FALSE },
    { "/xvm/proc/match/binary-only", { "/usr/bin/qemu-system-x86_64" }, "vm1", NULL, FALSE },
    { "/xvm/proc/match/name-last",
      { "/usr/bin/qemu-system-x86_64", "-uuid", UUID, "-name" }, "vm1", UUID, FALSE },
    { "/xvm/proc/match/empty-name-value",
      { "/usr/bin/qemu-system-x86_64", "-name", "guest=", "-uuid", UUID }, "vm1", UUID, FALSE },
};

static void
test_match(gconstpointer data)
{
    const MatchCase *c = data;
    g_autoptr(GBytes) cmdline = cmdline_from(c->argv);
    gsize len = 0;
    const char *bytes = g_bytes_get_data(cmdline, &len);

    g_assert_cmpint(xvm_proc_cmdline_matches(bytes, len, c->name, c->uuid), ==, c->match);
}

/* ---- xvm_proc_find_domain on a fake /proc --------------------------------- */

/* Fake pids above the kernel's largest pid_max (2^22), so that no code path
 * can ever signal a real process by mistake. */
#define PID_OTHER_QEMU "5000011"
#define PID_VM1 "5000022"
#define PID_SHELL "5000033"

typedef struct {
    char *root;
} ProcFixture;

static void
add_process(const char *root, const char *entry, const char *const *argv)
{
    g_autofree char *dir = g_build_filename(root, entry, NULL);
    g_autofree char *file = g_build_filename(dir, "cmdline", NULL);
    g_autoptr(GBytes) cmdline = argv ? cmdline_from(argv) : NULL;
    gsize len = 0;
    const char *bytes = cmdline ? g_bytes_get_data(cmdline, &len) : NULL;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    if (argv)
        g_assert_true(g_file_set_contents(file, bytes, (gssize) len, NULL));
}

static void
proc_setup(ProcFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const vm2[] = { QEMU_MODERN("/usr/bin/qemu-system-x86_64",
                                            "guest=vm2,debug-threads=on", OTHER_UUID), NULL };
    const char *const vm1[] = { QEMU_MODERN("/usr/bin/qemu-system-x86_64",
                                            "guest=vm1,debug-threads=on", UUID), NULL };
    const char *const shell[] = { "/bin/bash", "-c", "echo -name guest=vm1", NULL };

    fx->root = xvm_test_make_tmpdir();
    add_process(fx->root, "1", shell);
    add_process(fx->root, PID_OTHER_QEMU, vm2);
    add_process(fx->root, PID_SHELL, shell);
    /* Entries that are not processes, even with a matching cmdline: only
     * numeric directories are pids. */
    add_process(fx->root, "self", vm1);
    add_process(fx->root, "thread-self", vm1);
    add_process(fx->root, "12a", vm1);
    /* A process that exited between readdir and open: no cmdline. */
    add_process(fx->root, "5000044", NULL);
}

static void
proc_teardown(ProcFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    xvm_test_remove_tree(fx->root);
    g_free(fx->root);
}

static void
test_find_found(ProcFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const vm1[] = { QEMU_MODERN("/usr/bin/qemu-system-x86_64",
                                            "guest=vm1,debug-threads=on", UUID), NULL };
    pid_t pid = -1;

    add_process(fx->root, PID_VM1, vm1);
    g_assert_cmpint(xvm_proc_find_domain(fx->root, "vm1", UUID, &pid), ==, XVM_PROC_FOUND);
    g_assert_cmpint(pid, ==, atoi(PID_VM1));
}

static void
test_find_not_found(ProcFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    pid_t pid = -1;

    g_assert_cmpint(xvm_proc_find_domain(fx->root, "vm1", UUID, &pid), ==,
                    XVM_PROC_NOT_FOUND);
    g_assert_cmpint(pid, ==, 0);
}

/* vm2's QEMU runs, but with another UUID than config says. */
static void
test_find_wrong_uuid(ProcFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    pid_t pid = -1;

    g_assert_cmpint(xvm_proc_find_domain(fx->root, "vm2", UUID, &pid), ==,
                    XVM_PROC_NOT_FOUND);
    g_assert_cmpint(xvm_proc_find_domain(fx->root, "vm2", OTHER_UUID, &pid), ==,
                    XVM_PROC_FOUND);
    g_assert_cmpint(pid, ==, atoi(PID_OTHER_QEMU));
}

/* Cannot read the table: cannot say "not running". */
static void
test_find_missing_dir(ProcFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *missing = g_build_filename(fx->root, "no-such-proc", NULL);
    g_autofree char *file = g_build_filename(fx->root, "1", "cmdline", NULL);
    pid_t pid = -1;

    g_assert_cmpint(xvm_proc_find_domain(missing, "vm1", UUID, &pid), ==, XVM_PROC_UNKNOWN);
    g_assert_cmpint(pid, ==, 0);
    g_assert_cmpint(xvm_proc_find_domain(file, "vm1", UUID, &pid), ==, XVM_PROC_UNKNOWN);
}

/* The real /proc: this test process is in it, so the table is complete, and
 * no QEMU runs a domain by this name. */
static void
test_find_real_proc(void)
{
    pid_t pid = -1;

    if (!g_file_test("/proc/self/cmdline", G_FILE_TEST_EXISTS)) {
        g_test_skip("no /proc here");
        return;
    }
    g_assert_cmpint(xvm_proc_find_domain("/proc", "xvm-unit-no-such-domain", NULL, &pid), ==,
                    XVM_PROC_NOT_FOUND);
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(match_cases); i++)
        g_test_add_data_func(match_cases[i].path, &match_cases[i], test_match);
    g_test_add("/xvm/proc/find/found", ProcFixture, NULL, proc_setup, test_find_found,
               proc_teardown);
    g_test_add("/xvm/proc/find/not-found", ProcFixture, NULL, proc_setup, test_find_not_found,
               proc_teardown);
    g_test_add("/xvm/proc/find/wrong-uuid", ProcFixture, NULL, proc_setup, test_find_wrong_uuid,
               proc_teardown);
    g_test_add("/xvm/proc/find/missing-dir", ProcFixture, NULL, proc_setup,
               test_find_missing_dir, proc_teardown);
    g_test_add_func("/xvm/proc/find/real-proc", test_find_real_proc);
    return g_test_run();
}
