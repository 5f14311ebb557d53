/* The lock manager libvirt's qemu.conf sets (lib/xvm-lockmgr.c): read as
 * libvirt reads it, and a file that cannot be read is "cannot tell". */
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-lockmgr.h"

static void
test_from_text(void)
{
    static const struct {
        const char *text;
        const char *expected;   /* NULL: no lock manager */
    } cases[] = {
        { "", NULL },
        { "#lock_manager = \"lockd\"\n", NULL },                 /* Debian's commented default */
        { "lock_manager = \"lockd\"\n", "lockd" },
        { "  lock_manager=\"sanlock\"  # leases on shared storage\n", "sanlock" },
        { "lock_manager = \"lockd\"\nlock_manager = \"sanlock\"\n", "sanlock" }, /* last wins */
        { "lock_manager = \"nop\"\n", NULL },                    /* leases nothing */
        { "lock_manager = \"\"\n", NULL },
        { "lock_managers = \"lockd\"\n", NULL },                 /* another key */
        { "user = \"qemu\"\nlock_manager = \"lockd\"\ngroup = \"kvm\"", "lockd" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = xvm_lockmgr_from_qemu_conf(cases[i].text);

        g_test_message("case %zu: %s", i, cases[i].text);
        g_assert_cmpstr(got, ==, cases[i].expected);
    }
}

static void
test_read_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("xvm-lockmgr-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "qemu.conf", NULL);
    g_autofree char *missing = g_build_filename(dir, "none.conf", NULL);
    char *manager = (char *) "unset";
    char *why = NULL;

    g_assert_true(g_file_set_contents(path, "lock_manager = \"lockd\"\n", -1, NULL));
    g_assert_true(xvm_lockmgr_read(path, &manager, &why));
    g_assert_cmpstr(manager, ==, "lockd");
    g_free(manager);

    /* Missing is not "none": libvirtd may read another file. */
    g_assert_false(xvm_lockmgr_read(missing, &manager, &why));
    g_assert_null(manager);
    g_assert_nonnull(why);
    g_free(why);
    g_unlink(path);
    g_rmdir(dir);
}

/* Lab 24's own words: QEMU's image lock deep in libvirt's message; a
 * lease by libvirt's code; and two messages that name a lock but are not
 * another process holding a disk. */
static void
test_refused(void)
{
    static const char qemu_image_lock[] =
        "internal error: process exited while connecting to monitor: "
        "2026-12-05T13:50:53.171355Z qemu-system-x86_64: -device {\"driver\":"
        "\"virtio-blk-pci\"}: Failed to get \"write\" lock\n"
        "Is another process using the image [/shared/disks/l1.img]?";

    g_assert_true(xvm_lockmgr_refused(FALSE, qemu_image_lock));
    g_assert_true(xvm_lockmgr_refused(TRUE, "resource busy: Lockspace resource 'x' is locked"));
    g_assert_false(xvm_lockmgr_refused(FALSE, "internal error: Failed to get the CPU model"));
    g_assert_false(xvm_lockmgr_refused(FALSE, "Timed out during operation: cannot acquire "
                                              "state change lock"));
    g_assert_false(xvm_lockmgr_refused(FALSE, NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xvm/lockmgr/from-text", test_from_text);
    g_test_add_func("/xvm/lockmgr/read-file", test_read_file);
    g_test_add_func("/xvm/lockmgr/refused", test_refused);
    return g_test_run();
}
