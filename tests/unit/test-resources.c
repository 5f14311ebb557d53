/* VirtualDomain's start_resources, backingfile, stateless and copyindirs
 * (lib/xvm-prepare.c), through the real start and migrate_to against the
 * scripted fake hypervisor.  qemu-img and virt-copy-in are shell scripts in
 * a PATH of their own that log their arguments: qemu-img answers info the
 * way qemu 8 and later do (child nodes first, each with "format": "file"),
 * so the base's format must be read from the outermost object. */
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libvirt/libvirt.h>   /* state enums for the scripts */
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-actions.h"
#include "xvm-error.h"
#include "xvm-prepare.h"

#include "fake-clock.h"
#include "fake-virt.h"
#include "action-fixture.h"
#include "test-util.h"

#define UUID XVM_TEST_UUID
#define INSTANCE "vm1-rsc"

typedef struct {
    ActionFx act;
    char *bin;          /* the fake tools; the only PATH the agent sees */
    char *base;         /* tmpdir/base.img: backingfile */
    char *overlay;      /* tmpdir/vm1.qcow2: VirtualDomain's name for it */
    char *tool_log;     /* one line per tool run: its arguments */
} Fx;

/* qemu-img info as qemu 8+ prints it for a qcow2 base: the "file" child's
 * own format comes first in the text. */
static const char qemu8_info[] =
    "{\n"
    "    \"children\": [\n"
    "        {\n"
    "            \"name\": \"file\",\n"
    "            \"info\": {\n"
    "                \"children\": [],\n"
    "                \"virtual-size\": 197120,\n"
    "                \"filename\": \"/srv/base.img\",\n"
    "                \"format\": \"file\",\n"
    "                \"actual-size\": 200704,\n"
    "                \"dirty-flag\": false\n"
    "            }\n"
    "        }\n"
    "    ],\n"
    "    \"virtual-size\": 1048576,\n"
    "    \"filename\": \"/srv/base.img\",\n"
    "    \"cluster-size\": 65536,\n"
    "    \"format\": \"qcow2\",\n"
    "    \"dirty-flag\": false\n"
    "}\n";

static void
install_tool(Fx *fx, const char *name, const char *body)
{
    g_autofree char *text = g_strdup_printf("#!/bin/sh\necho \"%s $*\" >> '%s'\n%s", name,
                                            fx->tool_log, body);

    g_free(xvm_test_write_program(fx->bin, name, text));
}

/* qemu-img: info prints qemu8_info; create makes its last argument (only
 * shell built-ins: PATH holds nothing else), or fails when told to. */
static void
install_qemu_img(Fx *fx, gboolean create_fails)
{
    g_autofree char *body = g_strdup_printf(
        "case \"$1\" in\n"
        "info) printf '%%s' '%s' ;;\n"
        "create) %s ;;\n"
        "esac\n", qemu8_info,
        create_fails ? "echo \"qemu-img: Could not open backing file: Permission denied\" >&2;"
                       " exit 1"
                     : "for last; do :; done; echo 'a fresh overlay' > \"$last\"");

    install_tool(fx, "qemu-img", body);
}

static void
write_config(Fx *fx)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='kvm'><name>vm1</name><uuid>%s</uuid><memory unit='MiB'>64</memory>"
        "<devices><disk type='file' device='disk'><source file='%s'/></disk>"
        "<disk type='volume' device='disk'><source pool='pool1' volume='a'/></disk>"
        "<disk type='volume' device='disk'><source pool='pool2' volume='b'/></disk>"
        "<disk type='volume' device='disk'><source pool='pool1' volume='c'/></disk>"
        "<interface type='network'><source network='net1'/></interface>"
        "<interface type='network'><source network='net1'/></interface>"
        "</devices></domain>\n", UUID, fx->overlay);

    g_assert_true(g_file_set_contents(fx->act.config, xml, -1, NULL));
}

static void
fx_setup(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    action_fx_init(&fx->act, INSTANCE);
    fx->bin = g_build_filename(fx->act.tmpdir, "bin", NULL);
    g_assert_cmpint(g_mkdir(fx->bin, 0755), ==, 0);
    fx->base = g_build_filename(fx->act.tmpdir, "base.img", NULL);
    fx->overlay = g_build_filename(fx->act.tmpdir, "vm1.qcow2", NULL);
    fx->tool_log = g_build_filename(fx->act.tmpdir, "tools.log", NULL);
    write_config(fx);
    g_assert_true(g_file_set_contents(fx->base, "the base image", -1, NULL));
    g_setenv("PATH", fx->bin, TRUE);
}

static void
fx_teardown(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    action_fx_clear(&fx->act);
    g_free(fx->bin);
    g_free(fx->base);
    g_free(fx->overlay);
    g_free(fx->tool_log);
}

static XvmOcfRc
run(Fx *fx, XvmAction action)
{
    return action_fx_run(&fx->act, action);
}

static char *
tool_log(Fx *fx)
{
    char *text = NULL;

    if (!g_file_get_contents(fx->tool_log, &text, NULL, NULL))
        return g_strdup("");
    return text;
}

static void
assert_error(Fx *fx, int code, const char *mention)
{
    g_assert_nonnull(fx->act.error);
    g_assert_cmpint(fx->act.error->code, ==, code);
    g_assert_nonnull(strstr(fx->act.error->message, mention));
}

/* A qcow2 header (version 3) whose backing file name is backing (NULL:
 * none), as qemu-img create writes it; the rest of the image is not read. */
static void
write_qcow2(const char *path, const char *backing)
{
    guchar head[512] = { 0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3 };
    gsize len = backing ? strlen(backing) : 0;

    g_assert_cmpuint(len, <, sizeof(head) - 0x70);
    if (backing) {
        head[15] = 0x70;                            /* offset, big-endian u64 */
        head[19] = (guchar) len;                    /* size, big-endian u32 */
        memcpy(head + 0x70, backing, len);
    }
    g_assert_true(g_file_set_contents(path, (const char *) head, sizeof(head), NULL));
}

static char *
file_text(const char *path)
{
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static void
set_overlay_params(Fx *fx, gboolean stateless)
{
    xvm_env_set(fx->act.env, "OCF_RESKEY_backingfile", fx->base);
    xvm_env_set(fx->act.env, "OCF_RESKEY_stateless", stateless ? "true" : "false");
}

/* ---- pure readers -------------------------------------------------------------- */

static void
test_json_outermost_field(void)
{
    static const struct {
        const char *json, *key, *want;
    } cases[] = {
        { qemu8_info, "format", "qcow2" },
        { qemu8_info, "filename", "/srv/base.img" },
        { qemu8_info, "name", NULL },                 /* only inside a child */
        { "{\"a\": \"format\", \"format\": \"raw\"}", "format", "raw" },  /* a value */
        { "{\"backing-filename\": \"/srv/\\u00e9t\\u00e9 \\\"x\\\"\\\\y.img\"}",
          "backing-filename", "/srv/\xc3\xa9t\xc3\xa9 \"x\"\\y.img" },
        { "{\"f\": \"\\ud83d\\ude00\"}", "f", "\xf0\x9f\x98\x80" },     /* a surrogate pair */
        { "{\"format\": 3}", "format", NULL },
        { "{\"children\": [{\"format\": \"file\"", "format", NULL },    /* cut short */
        { "", "format", NULL },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = xvm_json_top_string(cases[i].json, cases[i].key);

        g_assert_cmpstr(got, ==, cases[i].want);
    }
}

static void
test_qcow2_header(void)
{
    g_autofree char *dir = xvm_test_make_tmpdir();
    g_autofree char *path = g_build_filename(dir, "x", NULL);
    g_autoptr(GError) error = NULL;
    gboolean qcow2;
    char *backing = NULL;

    write_qcow2(path, "/srv/base.img");
    g_assert_true(xvm_qcow2_backing(path, &qcow2, &backing, &error));
    g_assert_true(qcow2);
    g_assert_cmpstr(backing, ==, "/srv/base.img");
    g_clear_pointer(&backing, g_free);
    write_qcow2(path, NULL);
    g_assert_true(xvm_qcow2_backing(path, &qcow2, &backing, &error));
    g_assert_true(qcow2);
    g_assert_null(backing);
    g_assert_true(g_file_set_contents(path, "a raw disk, not qcow2 at all", -1, NULL));
    g_assert_true(xvm_qcow2_backing(path, &qcow2, &backing, &error));
    g_assert_false(qcow2);
    g_assert_false(xvm_qcow2_backing("/nonexistent/xvm-unit/x", &qcow2, &backing, &error));
    g_assert_nonnull(error);
    xvm_test_remove_tree(dir);
}

/* ---- start_resources ------------------------------------------------------------ */

/* Each pool and network once, on this node's libvirt, before the domain. */
static void
test_resources_started_before_create(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    xvm_env_set(fx->act.env, "OCF_RESKEY_start_resources", "true");
    g_assert_true(g_file_set_contents(fx->overlay, "a disk", -1, NULL));
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_START_RESOURCES), ==, 1);
    g_assert_cmpstr(fake_virt_last_arg(fx->act.fake, FAKE_OP_START_RESOURCES), ==,
                    "|pool1,pool2|net1");
    g_assert_cmpint(fake_virt_call_us(fx->act.fake, FAKE_OP_START_RESOURCES, 0), <=,
                    fake_virt_call_us(fx->act.fake, FAKE_OP_CREATE, 0));
}

static void
test_resources_off_by_default(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_assert_true(g_file_set_contents(fx->overlay, "a disk", -1, NULL));
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_START_RESOURCES), ==, 0);
}

/* A pool or network this node does not have: 5, so Pacemaker tries
 * another node; any other refusal: 1.  Neither boots the guest. */
static void
test_resources_failure(Fx *fx, XvmErrorCode code, XvmOcfRc rc)
{
    xvm_env_set(fx->act.env, "OCF_RESKEY_start_resources", "true");
    g_assert_true(g_file_set_contents(fx->overlay, "a disk", -1, NULL));
    fake_virt_fail(fx->act.fake, FAKE_OP_START_RESOURCES, code, 1);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, rc);
    assert_error(fx, code, "start_resources: ");
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
}

static void
test_resources_missing_is_5(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    test_resources_failure(fx, XVM_ERROR_NOT_INSTALLED, XVM_OCF_ERR_INSTALLED);
}

static void
test_resources_refused_is_1(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    test_resources_failure(fx, XVM_ERROR_LIBVIRT, XVM_OCF_ERR_GENERIC);
}

/* ---- backingfile, stateless ------------------------------------------------------ */

/* The base's format as qemu-img info tells it (qcow2 here), never the child
 * node's "file"; built aside, then put in place. */
static void
test_overlay_created_with_base_format(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *log = NULL;
    g_autofree char *want = NULL;
    g_autofree char *text = NULL;

    install_qemu_img(fx, FALSE);
    set_overlay_params(fx, FALSE);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    log = tool_log(fx);
    want = g_strdup_printf("qemu-img info --output=json -U %s\n"
                           "qemu-img create -q -f qcow2 -F qcow2 -b %s %s.xvm-new\n",
                           fx->base, fx->base, fx->overlay);
    g_assert_cmpstr(log, ==, want);
    text = file_text(fx->overlay);
    g_assert_cmpstr(text, ==, "a fresh overlay\n");
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 1);
}

/* Not stateless: the overlay a previous start made is booted as it is. */
static void
test_overlay_kept_when_not_stateless(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *log = NULL;

    install_qemu_img(fx, FALSE);
    set_overlay_params(fx, FALSE);
    g_assert_true(g_file_set_contents(fx->overlay, "the guest's changes", -1, NULL));
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    log = tool_log(fx);
    g_assert_cmpstr(log, ==, "");
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 1);
}

/* stateless: our own overlay of backingfile is replaced by a fresh one
 * (a new inode); the base is never written. */
static void
check_stateless_replaces(Fx *fx, const char *recorded)
{
    ino_t before;
    g_autofree char *text = NULL;
    g_autofree char *base = NULL;

    install_qemu_img(fx, FALSE);
    set_overlay_params(fx, TRUE);
    write_qcow2(fx->overlay, recorded);
    before = xvm_test_inode_of(fx->overlay);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(xvm_test_inode_of(fx->overlay), !=, before);
    text = file_text(fx->overlay);
    g_assert_cmpstr(text, ==, "a fresh overlay\n");
    base = file_text(fx->base);
    g_assert_cmpstr(base, ==, "the base image");
}

static void
test_stateless_replaces_our_overlay(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    check_stateless_replaces(fx, fx->base);
}

/* qemu reads a relative backing name from the overlay's directory. */
static void
test_stateless_replaces_relative_backing(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    check_stateless_replaces(fx, "base.img");
}

/* A link at the overlay's name stays a link: the fresh overlay goes where
 * it points, as VirtualDomain's qemu-img writes through it. */
static void
test_stateless_through_link(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *real = g_build_filename(fx->act.tmpdir, "real.qcow2", NULL);
    g_autofree char *text = NULL;

    install_qemu_img(fx, FALSE);
    set_overlay_params(fx, TRUE);
    write_qcow2(real, fx->base);
    g_assert_cmpint(symlink(real, fx->overlay), ==, 0);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    g_assert_true(g_file_test(fx->overlay, G_FILE_TEST_IS_SYMLINK));
    text = file_text(real);
    g_assert_cmpstr(text, ==, "a fresh overlay\n");
}

/* Anything else at the overlay's name is the user's: kept, start refused
 * on this node (5), no qemu-img create, no guest. */
static void
check_stateless_refuses(Fx *fx, const char *mention)
{
    g_autofree char *before = file_text(fx->overlay);
    g_autofree char *after = NULL;
    g_autofree char *log = NULL;

    install_qemu_img(fx, FALSE);
    set_overlay_params(fx, TRUE);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_INSTALLED);
    assert_error(fx, XVM_ERROR_NOT_INSTALLED, mention);
    after = file_text(fx->overlay);
    g_assert_cmpstr(after, ==, before);
    log = tool_log(fx);
    g_assert_null(strstr(log, "create"));
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
}

static void
test_stateless_refuses_other_backing(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    write_qcow2(fx->overlay, "/srv/another-base.img");
    check_stateless_refuses(fx, "backing file /srv/another-base.img");
}

static void
test_stateless_refuses_qcow2_without_backing(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    write_qcow2(fx->overlay, NULL);
    check_stateless_refuses(fx, "no backing file");
}

static void
test_stateless_refuses_raw_file(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_assert_true(g_file_set_contents(fx->overlay, "the user's own raw disk", -1, NULL));
    check_stateless_refuses(fx, "not qcow2");
}

/* qemu-img create fails: 1, with qemu-img's own words; nothing left at
 * either name, no guest. */
static void
test_qemu_img_create_fails(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *fresh = g_strconcat(fx->overlay, ".xvm-new", NULL);

    install_qemu_img(fx, TRUE);
    set_overlay_params(fx, FALSE);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_GENERIC);
    assert_error(fx, XVM_ERROR_LIBVIRT, "qemu-img create");
    g_assert_nonnull(strstr(fx->act.error->message, "Could not open backing file"));
    g_assert_false(g_file_test(fx->overlay, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(fresh, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
}

static void
test_backingfile_missing_is_5(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    install_qemu_img(fx, FALSE);
    set_overlay_params(fx, TRUE);
    g_assert_cmpint(g_unlink(fx->base), ==, 0);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_INSTALLED);
    assert_error(fx, XVM_ERROR_NOT_INSTALLED, "is missing on this node");
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
}

/* ---- copyindirs ----------------------------------------------------------------- */

static void
set_copyindirs(Fx *fx)
{
    install_qemu_img(fx, FALSE);
    set_overlay_params(fx, TRUE);
    xvm_env_set(fx->act.env, "OCF_RESKEY_copyindirs", "/etc/xvm-a  /srv/xvm-b");
}

/* Into the fresh overlay, before it is put in place and before boot. */
static void
test_copyindirs_copied_into_fresh_overlay(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *log = NULL;
    g_autofree char *want = NULL;

    set_copyindirs(fx);
    install_tool(fx, "virt-copy-in", "");
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    log = tool_log(fx);
    want = g_strdup_printf("virt-copy-in -a %s.xvm-new /etc/xvm-a /srv/xvm-b /\n",
                           fx->overlay);
    g_assert_true(g_str_has_suffix(log, want));
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 1);
}

static void
test_copyindirs_fails(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    set_copyindirs(fx);
    install_tool(fx, "virt-copy-in", "echo 'libguestfs: no operating system' >&2\nexit 1\n");
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_GENERIC);
    assert_error(fx, XVM_ERROR_LIBVIRT, "no operating system");
    g_assert_false(g_file_test(fx->overlay, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
}

/* libguestfs-tools is not installed: 5, naming the package. */
static void
test_copyindirs_without_virt_copy_in_is_5(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    set_copyindirs(fx);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_INSTALLED);
    assert_error(fx, XVM_ERROR_NOT_INSTALLED, "libguestfs-tools");
    g_assert_false(g_file_test(fx->overlay, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    g_test_add_func("/xvm/resources/json-outermost-field", test_json_outermost_field);
    g_test_add_func("/xvm/resources/qcow2-header", test_qcow2_header);
#define ADD(path, fn) g_test_add("/xvm/resources/" path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("start-resources/before-create", test_resources_started_before_create);
    ADD("start-resources/off-by-default", test_resources_off_by_default);
    ADD("start-resources/missing-is-5", test_resources_missing_is_5);
    ADD("start-resources/refused-is-1", test_resources_refused_is_1);
    ADD("overlay/created-with-base-format", test_overlay_created_with_base_format);
    ADD("overlay/kept-when-not-stateless", test_overlay_kept_when_not_stateless);
    ADD("overlay/stateless-replaces-ours", test_stateless_replaces_our_overlay);
    ADD("overlay/stateless-replaces-relative-backing", test_stateless_replaces_relative_backing);
    ADD("overlay/stateless-through-link", test_stateless_through_link);
    ADD("overlay/stateless-refuses-other-backing", test_stateless_refuses_other_backing);
    ADD("overlay/stateless-refuses-qcow2-without-backing",
        test_stateless_refuses_qcow2_without_backing);
    ADD("overlay/stateless-refuses-raw-file", test_stateless_refuses_raw_file);
    ADD("overlay/qemu-img-create-fails", test_qemu_img_create_fails);
    ADD("overlay/backingfile-missing-is-5", test_backingfile_missing_is_5);
    ADD("copyindirs/copied-into-fresh-overlay", test_copyindirs_copied_into_fresh_overlay);
    ADD("copyindirs/fails", test_copyindirs_fails);
    ADD("copyindirs/without-virt-copy-in-is-5", test_copyindirs_without_virt_copy_in_is_5);
#undef ADD
    return g_test_run();
}
