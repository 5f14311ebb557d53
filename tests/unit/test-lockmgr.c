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

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xvm/lockmgr/from-text", test_from_text);
    g_test_add_func("/xvm/lockmgr/read-file", test_read_file);
    return g_test_run();
}
