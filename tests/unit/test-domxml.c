/* The domain XML: its name and UUID identify the domain everywhere, so it
 * must be read exactly, and a hostile or mistaken file (an entity bomb, an
 * XXE, a disk image, a FIFO) must fail fast and say nothing it should not. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "xvm-auto.h"
#include "xvm-domxml.h"
#include "xvm-error.h"

#include "test-util.h"

#define GOOD_UUID "6f1c9c3e-1d2a-4b7e-9a39-2e0c5b7d8a11"

static const char good_xml[] =
    "<domain type='kvm'>\n"
    "  <name>vm1</name>\n"
    "  <uuid>6F1C9C3E-1D2A-4B7E-9A39-2E0C5B7D8A11</uuid>\n"
    "  <memory unit='MiB'>512</memory>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/var/lib/libvirt/images/vm1.qcow2'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <disk type='block' device='disk'>\n"
    "      <source dev='/dev/vg0/vm1-data'/>\n"
    "      <target dev='vdb' bus='virtio'/>\n"
    "    </disk>\n"
    "    <disk type='network' device='disk'>\n"
    "      <source protocol='rbd' name='pool/vm1-ceph'/>\n"
    "      <target dev='vdc' bus='virtio'/>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n"
    "      <target dev='hdc' bus='ide'/>\n"
    "    </disk>\n"
    "  </devices>\n"
    "</domain>\n";

/* ---- xvm_domxml_parse ----------------------------------------------------- */

/* What a lock manager leases exclusively: the file and block disks of
 * good_xml (not the network disk, not the CD-ROM), less the read-only and
 * shareable ones. */
static void
test_writable_disks(void)
{
    static const struct {
        const char *from, *to;
        guint expected;
    } cases[] = {
        { NULL, NULL, 2 },
        { "<source file='/var/lib/libvirt/images/vm1.qcow2'/>",
          "<source file='/var/lib/libvirt/images/vm1.qcow2'/><readonly/>", 1 },
        { "<source dev='/dev/vg0/vm1-data'/>", "<source dev='/dev/vg0/vm1-data'/><shareable/>", 1 },
        { "<disk type='file' device='cdrom'>\n      <target",
          "<disk type='file' device='cdrom'>\n      <source file='/iso/x.iso'/><target", 2 },
        { "<disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>",
          "<disk type='file' device='floppy'>\n      <driver name='qemu' type='raw'/>", 2 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GString) xml = g_string_new(good_xml);
        g_autoptr(XvmDomainConfig) cfg = NULL;

        if (cases[i].from)
            g_assert_cmpuint(g_string_replace(xml, cases[i].from, cases[i].to, 1), ==, 1);
        cfg = xvm_domxml_parse(xml->str, xml->len, &error);
        g_assert_no_error(error);
        g_test_message("case %zu", i);
        g_assert_cmpuint(cfg->writable_disks, ==, cases[i].expected);
    }
}

static void
test_parse_good(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(good_xml, strlen(good_xml), &error);
    const char *const disks[] = {
        "/var/lib/libvirt/images/vm1.qcow2", "/dev/vg0/vm1-data", NULL,
    };

    g_assert_no_error(error);
    g_assert_nonnull(cfg);
    g_assert_cmpstr(cfg->name, ==, "vm1");
    /* Lower-cased: libvirt prints UUIDs in lower case, and they are compared. */
    g_assert_cmpstr(cfg->uuid, ==, GOOD_UUID);
    g_assert_cmpstr(cfg->type, ==, "kvm");
    g_assert_cmpstr(cfg->emulator, ==, "/usr/bin/qemu-system-x86_64");
    /* File and block sources; a network disk and an empty cdrom have no path
     * this node could check. */
    g_assert_cmpstrv(cfg->disk_paths, disks);
    g_assert_cmpstr(cfg->xml, ==, good_xml);
}

/* Neither uuid nor devices: the minimum libvirt accepts. */
static void
test_parse_minimal(void)
{
    static const char xml[] = "<domain type='qemu'><name>tiny</name></domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(xml, strlen(xml), &error);

    g_assert_no_error(error);
    g_assert_cmpstr(cfg->name, ==, "tiny");
    g_assert_null(cfg->uuid);
    g_assert_null(cfg->emulator);
    g_assert_nonnull(cfg->disk_paths);
    g_assert_null(cfg->disk_paths[0]);
}

/* Declared Latin-1: converted, and the name comes out as UTF-8. */
static void
test_parse_latin1_declared(void)
{
    static const char xml[] = "<?xml version='1.0' encoding='ISO-8859-1'?>"
                              "<domain type='kvm'><name>caf\xe9</name></domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(xml, strlen(xml), &error);

    g_assert_no_error(error);
    g_assert_cmpstr(cfg->name, ==, "caf\xc3\xa9");
}

/* libvirt's schema (basictypes.rng, UUID) also allows 32 hex digits without
 * dashes, and libvirt then reports the dashed form: a valid domain XML must
 * not be refused (that refusal is a 6, fatal, from start). */
static void
test_parse_uuid_without_dashes(void)
{
    static const char xml[] = "<domain type='kvm'><name>vm1</name>"
                              "<uuid>6F1C9C3E1D2A4B7E9A392E0C5B7D8A11</uuid></domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(xml, strlen(xml), &error);

    g_assert_no_error(error);
    /* Compared with what libvirt reports (virDomainGetUUIDString, QEMU's
     * -uuid): the canonical dashed lower-case form. */
    g_assert_cmpstr(cfg->uuid, ==, GOOD_UUID);
}

/* libvirt keeps a name's blanks (virsh -c test:///default defines " spaced "
 * as " spaced "): the agent must look up the same name, or refuse it, but
 * never trim it into another domain's name. */
static void
test_parse_name_verbatim(void)
{
    static const char xml[] = "<domain type='kvm'><name> spaced </name></domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(xml, strlen(xml), &error);

    g_assert_no_error(error);
    g_assert_cmpstr(cfg->name, ==, " spaced ");
}

typedef struct {
    const char *path;
    const char *xml;                    /* or ... */
    char *(*make)(gsize *len);          /* ... generated text */
    const char *mention;                /* the error says this, or NULL */
} BadCase;

static char *
make_binary_junk(gsize *len)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240229);
    GString *junk = g_string_new(NULL);

    /* A disk image or core file given as config by mistake. */
    for (int i = 0; i < 4096; i++)
        g_string_append_c(junk, (char) g_rand_int_range(rand, 0, 256));
    *len = junk->len;
    return g_string_free(junk, FALSE);
}

static char *
make_embedded_nul(gsize *len)
{
    static const char text[] = "<domain type='kvm'><name>vm1</name>\0</domain>";

    *len = sizeof(text) - 1;
    return g_memdup2(text, sizeof(text));
}

/* A valid domain padded with a comment to one byte over the limit. */
static char *
make_too_large(gsize *len)
{
    GString *text = g_string_new("<domain type='kvm'><name>vm1</name><!-- ");

    while (text->len < XVM_DOMXML_MAX_BYTES - 20)
        g_string_append_c(text, 'x');
    g_string_append(text, " --></domain>");
    while (text->len < XVM_DOMXML_MAX_BYTES + 1)
        g_string_append_c(text, '\n');
    *len = text->len;
    return g_string_free(text, FALSE);
}

static const BadCase bad_cases[] = {
    { "/xvm/domxml/parse/bad/no-name", "<domain type='kvm'><uuid>" GOOD_UUID "</uuid></domain>",
      NULL, "no <name>" },
    { "/xvm/domxml/parse/bad/two-names",
      "<domain type='kvm'><name>a</name><name>b</name></domain>", NULL, "2 <name>" },
    { "/xvm/domxml/parse/bad/empty-name", "<domain type='kvm'><name></name></domain>", NULL,
      "<name>" },
    { "/xvm/domxml/parse/bad/blank-name", "<domain type='kvm'><name>  </name></domain>", NULL,
      "<name>" },
    /* A '/' would make the name a path in the cache file and in libvirt. */
    { "/xvm/domxml/parse/bad/slash-in-name", "<domain type='kvm'><name>a/b</name></domain>",
      NULL, "<name>" },
    { "/xvm/domxml/parse/bad/element-in-name",
      "<domain type='kvm'><name><b>vm1</b></name></domain>", NULL, "<name>" },
    { "/xvm/domxml/parse/bad/uuid",
      "<domain type='kvm'><name>vm1</name><uuid>not-a-uuid</uuid></domain>", NULL, "<uuid>" },
    { "/xvm/domxml/parse/bad/two-uuids",
      "<domain type='kvm'><name>vm1</name><uuid>" GOOD_UUID "</uuid><uuid>" GOOD_UUID
      "</uuid></domain>", NULL, "<uuid>" },
    /* Well-formed but never a domain: the configuration itself. */
    { "/xvm/domxml/parse/bad/root-not-domain",
      "<network><name>default</name></network>", NULL, "<domain>" },
    { "/xvm/domxml/parse/bad/root-in-namespace",
      "<x:domain xmlns:x='urn:x'><name>vm1</name></x:domain>", NULL, "<domain>" },
    { "/xvm/domxml/parse/bad/not-well-formed", "<domain type='kvm'><name>vm1</name>", NULL,
      "not well-formed" },
    { "/xvm/domxml/parse/bad/empty", "", NULL, "not well-formed" },
    { "/xvm/domxml/parse/bad/binary-junk", NULL, make_binary_junk, NULL },
    /* No encoding declared, so UTF-8: a stray Latin-1 byte is not XML. */
    { "/xvm/domxml/parse/bad/non-utf8", "<domain type='kvm'><name>vm\xff" "1</name></domain>",
      NULL, NULL },
    { "/xvm/domxml/parse/bad/embedded-nul", NULL, make_embedded_nul, NULL },
    /* Domain XML never needs a DOCTYPE: one can only carry entities. */
    { "/xvm/domxml/parse/bad/doctype",
      "<!DOCTYPE domain><domain type='kvm'><name>vm1</name></domain>", NULL, "DOCTYPE" },
    { "/xvm/domxml/parse/bad/external-dtd",
      "<!DOCTYPE domain SYSTEM 'file:///etc/passwd'><domain type='kvm'><name>vm1</name>"
      "</domain>", NULL, NULL },
    { "/xvm/domxml/parse/bad/too-large", NULL, make_too_large, "larger than" },
};

static void
test_parse_bad(gconstpointer data)
{
    const BadCase *c = data;
    gsize len = c->xml ? strlen(c->xml) : 0;
    g_autofree char *made = c->make ? c->make(&len) : NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(made ? made : c->xml, len, &error);

    g_assert_null(cfg);
    /* Not well-formed (empty, cut short, junk) is this node's copy, a
     * well-formed non-domain is the configuration: 5 against 6. */
    if (error->code == XVM_ERROR_CONFIG_DAMAGED)
        g_assert_nonnull(strstr(error->message, "not well-formed"));
    else
        g_assert_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID);
    if (c->mention)
        g_assert_nonnull(strstr(error->message, c->mention));
    /* The message becomes an exit reason and lands in the CIB. */
    g_assert_true(g_utf8_validate(error->message, -1, NULL));
}

/* Exactly at the limit is still accepted: the cap refuses only what is
 * larger than any real domain XML. */
static void
test_parse_at_limit(void)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = NULL;

    text = make_too_large(&len);
    len = XVM_DOMXML_MAX_BYTES;    /* drop the one newline too many */
    cfg = xvm_domxml_parse(text, len, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(cfg->name, ==, "vm1");
}

/* Billion laughs: 10^9 "lol"s if expanded.  Must fail, and fast. */
static void
test_parse_entity_bomb(void)
{
    GString *xml = g_string_new("<?xml version='1.0'?>\n<!DOCTYPE domain [\n"
                                " <!ENTITY lol0 'lol'>\n");
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = NULL;
    g_autofree char *text = NULL;
    gint64 started;

    for (int i = 1; i <= 9; i++) {
        g_string_append_printf(xml, " <!ENTITY lol%d '", i);
        for (int k = 0; k < 10; k++)
            g_string_append_printf(xml, "&lol%d;", i - 1);
        g_string_append(xml, "'>\n");
    }
    g_string_append(xml, "]>\n<domain type='kvm'><name>&lol9;</name></domain>\n");
    text = g_string_free(xml, FALSE);
    started = g_get_monotonic_time();
    cfg = xvm_domxml_parse(text, strlen(text), &error);
    g_assert_cmpint(g_get_monotonic_time() - started, <, G_USEC_PER_SEC);
    g_assert_null(cfg);
    /* libxml2 stops at the loop as at any parse error. */
    g_assert_error(error, XVM_ERROR, XVM_ERROR_CONFIG_DAMAGED);
}

typedef struct {
    const char *path;
    const char *xml;
} XxeCase;

/* The file must never make the agent read another file (it would then leak
 * into the exit reason, the CIB, and every log). */
static const XxeCase xxe_cases[] = {
    { "/xvm/domxml/parse/xxe/general-entity",
      "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
      "<domain type='kvm'><name>&xxe;</name></domain>" },
    { "/xvm/domxml/parse/xxe/parameter-entity",
      "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY % p SYSTEM 'file:///etc/passwd'> %p;]>"
      "<domain type='kvm'><name>vm1</name></domain>" },
    { "/xvm/domxml/parse/xxe/in-attribute",
      "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
      "<domain type='&xxe;'><name>vm1</name></domain>" },
};

static void
test_parse_xxe(gconstpointer data)
{
    const XxeCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(c->xml, strlen(c->xml), &error);
    g_autofree char *passwd = NULL;

    /* The check below means something only if the secret is there to leak. */
    if (!g_file_get_contents("/etc/passwd", &passwd, NULL, NULL) || !strstr(passwd, "root:")) {
        g_test_skip("/etc/passwd has no root: line here");
        return;
    }
    g_assert_null(cfg);
    g_assert_true(g_error_matches(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID)
                  || g_error_matches(error, XVM_ERROR, XVM_ERROR_CONFIG_DAMAGED));
    g_assert_null(strstr(error->message, "root:"));
    g_assert_null(strstr(error->message, "/bin/"));
}

static void
test_uuid_valid(void)
{
    g_assert_true(xvm_uuid_is_valid(GOOD_UUID));
    g_assert_true(xvm_uuid_is_valid("6F1C9C3E-1D2A-4B7E-9A39-2E0C5B7D8A11"));
    /* libvirt's schema also takes the 32 digits without dashes. */
    g_assert_true(xvm_uuid_is_valid("6f1c9c3e1d2a4b7e9a392e0c5b7d8a11"));
    g_assert_false(xvm_uuid_is_valid("6f1c9c3e1d2a4b7e9a392e0c5b7d8a1"));
    g_assert_false(xvm_uuid_is_valid("6f1c9c3e-1d2a4b7e9a392e0c5b7d8a11"));
    g_assert_false(xvm_uuid_is_valid("6f1c9c3e1d2a4b7e9a392e0c5b7d8a11x"));
    g_assert_false(xvm_uuid_is_valid("6f1c9c3e-1d2a-4b7e-9a39-2e0c5b7d8a1"));
    g_assert_false(xvm_uuid_is_valid(""));
    g_assert_false(xvm_uuid_is_valid(NULL));
}

/* ---- xvm_domxml_load ------------------------------------------------------------ */

static void
test_load_fixture(void)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "unit", "vm1.xml", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_load(path, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(cfg->name, ==, "vm1");
    g_assert_cmpstr(cfg->uuid, ==, GOOD_UUID);
    g_assert_cmpstr(cfg->type, ==, "kvm");
    g_assert_null(cfg->emulator);
}

static void
assert_load_fails(const char *path, XvmErrorCode code)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_load(path, &error);

    g_assert_null(cfg);
    g_assert_error(error, XVM_ERROR, (gint) code);
    /* Whoever reads the exit reason must learn which file. */
    g_assert_nonnull(strstr(error->message, path));
}

/* Not there on this node (shared storage not mounted): 5 from start, and
 * stop/monitor go looking elsewhere. */
static void
test_load_missing(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(fx->dir, "no-such.xml", NULL);

    assert_load_fails(path, XVM_ERROR_CONFIG_UNREADABLE);
}

static void
test_load_directory(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    assert_load_fails(fx->dir, XVM_ERROR_CONFIG_INVALID);
}

static void
test_load_device(void)
{
    /* /dev/zero would never end; refused by its type before any read. */
    assert_load_fails("/dev/zero", XVM_ERROR_CONFIG_INVALID);
    assert_load_fails("/dev/null", XVM_ERROR_CONFIG_INVALID);
}

/* The child's half: exits 0 when the FIFO was refused as not a file. */
static int
load_fifo_in_child(const char *path)
{
    GError *error = NULL;
    XvmDomainConfig *cfg = xvm_domxml_load(path, &error);
    int status = cfg == NULL && g_error_matches(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID)
                 ? 0 : 1;

    xvm_domxml_free(cfg);
    g_clear_error(&error);
    return status;
}

/* A FIFO with no writer: a blocking open() or read() would hang the agent
 * until Pacemaker kills it.  Run in a child with a time limit, so that a
 * hang fails this test instead of the whole suite. */
static void
test_load_fifo(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    static char path[4096];
    gint64 give_up = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    int status = 0;
    pid_t child;

    /* Not on the heap: the child leaves by _exit, and valgrind (which
     * follows it) would count a heap copy as leaked. */
    g_snprintf(path, sizeof(path), "%s/fifo.xml", fx->dir);
    g_assert_cmpint(mkfifo(path, 0600), ==, 0);
    child = fork();
    g_assert_cmpint(child, >=, 0);
    if (child == 0)
        _exit(load_fifo_in_child(path));
    while (waitpid(child, &status, WNOHANG) == 0) {
        if (g_get_monotonic_time() > give_up) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            g_test_fail_printf("xvm_domxml_load hung on a FIFO");
            return;
        }
        g_usleep(10 * 1000);
    }
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

static void
test_load_too_large(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(fx->dir, "disk.img", NULL);
    g_autofree char *text = NULL;
    gsize len = 0;

    text = make_too_large(&len);
    g_assert_true(g_file_set_contents(path, text, (gssize) len, NULL));
    assert_load_fails(path, XVM_ERROR_CONFIG_INVALID);
}

static void
test_load_not_well_formed(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(fx->dir, "half.xml", NULL);

    /* Cut short, as while being written: this node's copy, not the config. */
    g_assert_true(g_file_set_contents(path, "<domain><name>vm1</name>", -1, NULL));
    assert_load_fails(path, XVM_ERROR_CONFIG_DAMAGED);
}

static void
test_load_unreadable(XvmTmpFixture *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(fx->dir, "secret.xml", NULL);

    if (geteuid() == 0) {
        g_test_skip("root reads files whatever their mode");
        return;
    }
    g_assert_true(g_file_set_contents(path, good_xml, -1, NULL));
    g_assert_cmpint(g_chmod(path, 0), ==, 0);
    assert_load_fails(path, XVM_ERROR_CONFIG_UNREADABLE);
}

/* ---- the marker ------------------------------------------------------------------ */

static XvmDomainConfig *
parse_ok(const char *xml)
{
    g_autoptr(GError) error = NULL;
    XvmDomainConfig *cfg = xvm_domxml_parse(xml, strlen(xml), &error);

    g_assert_no_error(error);
    g_assert_nonnull(cfg);
    return cfg;
}

static guint
count_occurrences(const char *haystack, const char *needle)
{
    guint n = 0;

    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *
marked(const char *xml, const char *instance)
{
    g_autoptr(XvmDomainConfig) cfg = parse_ok(xml);
    g_autoptr(GError) error = NULL;
    char *out = xvm_domxml_with_marker(cfg, instance, &error);

    g_assert_no_error(error);
    g_assert_nonnull(out);
    return out;
}

static void
test_marker_added(void)
{
    g_autofree char *out = marked(good_xml, "vm1-rsc");
    g_autofree char *instance = xvm_domxml_marker_instance(out);
    g_autoptr(XvmDomainConfig) again = parse_ok(out);

    g_assert_cmpstr(instance, ==, "vm1-rsc");
    g_assert_cmpuint(count_occurrences(out, XVM_DOMXML_NS), ==, 1);
    g_assert_cmpuint(count_occurrences(out, "<metadata"), ==, 1);
    /* The marked XML is still the same domain. */
    g_assert_cmpstr(again->name, ==, "vm1");
    g_assert_cmpstr(again->uuid, ==, GOOD_UUID);
    g_assert_cmpstrv(again->disk_paths, ((const char *const[]) {
        "/var/lib/libvirt/images/vm1.qcow2", "/dev/vg0/vm1-data", NULL }));
}

/* A domain XML saved from a running domain (save_config_on_stop) carries
 * the marker of its last start: it is replaced, never duplicated. */
static void
test_marker_replaced(void)
{
    static const char xml[] =
        "<domain type='kvm'><name>vm1</name>"
        "<metadata><xvm:resource xmlns:xvm='" XVM_DOMXML_NS "' instance='old-rsc'/></metadata>"
        "</domain>";
    g_autofree char *out = marked(xml, "new-rsc");
    g_autofree char *instance = xvm_domxml_marker_instance(out);

    g_assert_cmpstr(instance, ==, "new-rsc");
    g_assert_cmpuint(count_occurrences(out, XVM_DOMXML_NS), ==, 1);
    g_assert_null(strstr(out, "old-rsc"));
}

/* Other applications' metadata belongs to them. */
static void
test_marker_keeps_other_metadata(void)
{
    static const char xml[] =
        "<domain type='kvm'><name>vm1</name>"
        "<metadata>"
        "<app1:foo xmlns:app1='http://app1.org/app1/'>fooish</app1:foo>"
        "<app2:bar xmlns:app2='http://app1.org/app2/'>barish</app2:bar>"
        "</metadata>"
        "</domain>";
    g_autofree char *out = marked(xml, "vm1-rsc");
    g_autoptr(xmlDoc) doc = xmlReadMemory(out, (int) strlen(out), "out", NULL, XML_PARSE_NONET);
    xmlNode *metadata = NULL;
    guint children = 0;
    g_autofree char *instance = xvm_domxml_marker_instance(out);

    g_assert_nonnull(doc);
    g_assert_cmpstr(instance, ==, "vm1-rsc");
    g_assert_cmpuint(count_occurrences(out, "<metadata"), ==, 1);
    for (xmlNode *n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *) n->name, "metadata") == 0)
            metadata = n;
    }
    g_assert_nonnull(metadata);
    for (xmlNode *n = metadata->children; n; n = n->next)
        children += n->type == XML_ELEMENT_NODE;
    g_assert_cmpuint(children, ==, 3);
    g_assert_nonnull(strstr(out, "fooish"));
    g_assert_nonnull(strstr(out, "barish"));
}

/* Instance names come from the CIB: any text must survive the round trip. */
static void
test_marker_escaping(void)
{
    const char *instance = "grp:vm<1>&\"'";
    g_autofree char *out = marked(good_xml, instance);
    g_autofree char *back = xvm_domxml_marker_instance(out);

    g_assert_cmpstr(back, ==, instance);
}

typedef struct {
    const char *path;
    const char *xml;
} NoMarkerCase;

static const NoMarkerCase no_marker_cases[] = {
    { "/xvm/domxml/marker/absent/no-metadata", "<domain><name>vm1</name></domain>" },
    { "/xvm/domxml/marker/absent/other-namespace",
      "<domain><name>vm1</name><metadata><x:resource xmlns:x='urn:other' instance='r'/>"
      "</metadata></domain>" },
    { "/xvm/domxml/marker/absent/outside-metadata",
      "<domain><name>vm1</name><xvm:resource xmlns:xvm='" XVM_DOMXML_NS "' instance='r'/>"
      "</domain>" },
    { "/xvm/domxml/marker/absent/junk", "not xml at all" },
    { "/xvm/domxml/marker/absent/empty", "" },
};

static void
test_marker_absent(gconstpointer data)
{
    const NoMarkerCase *c = data;
    g_autofree char *instance = xvm_domxml_marker_instance(c->xml);

    g_assert_null(instance);
}

/* ---- what a migration target is asked to compare --------------------------- */

typedef struct {
    const char *path;
    const char *type;
    const char *cpu;        /* the <cpu> element, or NULL */
    gboolean compared;
} CpuCase;

static const CpuCase cpu_cases[] = {
    { "/xvm/domxml/cpu/kvm-custom", "kvm",
      "<cpu mode='custom' match='exact'><model>Haswell</model></cpu>", TRUE },
    { "/xvm/domxml/cpu/kvm-host-model", "kvm", "<cpu mode='host-model'/>", TRUE },
    { "/xvm/domxml/cpu/kvm-no-mode", "kvm", "<cpu><model>Haswell</model></cpu>", TRUE },
    /* The host's own CPU: libvirt cannot compare it; identical hosts assumed. */
    { "/xvm/domxml/cpu/kvm-host-passthrough", "kvm", "<cpu mode='host-passthrough'/>", FALSE },
    { "/xvm/domxml/cpu/kvm-maximum", "kvm", "<cpu mode='maximum'/>", FALSE },
    { "/xvm/domxml/cpu/kvm-none", "kvm", NULL, FALSE },
    /* TCG emulates the model wherever QEMU knows it. */
    { "/xvm/domxml/cpu/tcg-custom", "qemu",
      "<cpu mode='custom' match='exact'><model>qemu64</model></cpu>", FALSE },
    { "/xvm/domxml/cpu/tcg-none", "qemu", NULL, FALSE },
};

static void
test_cpu_to_compare(gconstpointer data)
{
    const CpuCase *c = data;
    g_autofree char *xml = g_strdup_printf(
        "<domain type='%s'><name>vm1</name><memoryBacking><hugepages/></memoryBacking>"
        "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>%s</domain>",
        c->type, c->cpu ? c->cpu : "");
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(xml, strlen(xml), &error);
    const char *cpu;

    g_assert_no_error(error);
    cpu = xvm_domxml_cpu_to_compare(cfg);
    g_assert_cmpstr(cfg->arch, ==, "x86_64");
    g_assert_cmpstr(cfg->machine, ==, "pc-q35-7.2");
    g_assert_true(cfg->hugepages);
    if (!c->compared) {
        g_assert_null(cpu);
        return;
    }
    g_assert_nonnull(cpu);
    g_assert_true(g_str_has_prefix(cpu, "<cpu"));
    g_assert_true(g_str_has_suffix(cpu, "</cpu>") || g_str_has_suffix(cpu, "/>"));
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    g_test_add_func("/xvm/domxml/parse/good", test_parse_good);
    g_test_add_func("/xvm/domxml/parse/writable-disks", test_writable_disks);
    for (gsize i = 0; i < G_N_ELEMENTS(cpu_cases); i++)
        g_test_add_data_func(cpu_cases[i].path, &cpu_cases[i], test_cpu_to_compare);
    g_test_add_func("/xvm/domxml/parse/minimal", test_parse_minimal);
    g_test_add_func("/xvm/domxml/parse/latin1-declared", test_parse_latin1_declared);
    g_test_add_func("/xvm/domxml/parse/at-limit", test_parse_at_limit);
    g_test_add_func("/xvm/domxml/parse/uuid-without-dashes", test_parse_uuid_without_dashes);
    g_test_add_func("/xvm/domxml/parse/name-verbatim", test_parse_name_verbatim);
    for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++)
        g_test_add_data_func(bad_cases[i].path, &bad_cases[i], test_parse_bad);
    g_test_add_func("/xvm/domxml/parse/entity-bomb", test_parse_entity_bomb);
    for (gsize i = 0; i < G_N_ELEMENTS(xxe_cases); i++)
        g_test_add_data_func(xxe_cases[i].path, &xxe_cases[i], test_parse_xxe);
    g_test_add_func("/xvm/domxml/uuid-valid", test_uuid_valid);
    g_test_add_func("/xvm/domxml/load/fixture", test_load_fixture);
    XVM_TEST_ADD_TMP("/xvm/domxml/load/missing", NULL, test_load_missing);
    XVM_TEST_ADD_TMP("/xvm/domxml/load/directory", NULL, test_load_directory);
    g_test_add_func("/xvm/domxml/load/device", test_load_device);
    XVM_TEST_ADD_TMP("/xvm/domxml/load/fifo", NULL, test_load_fifo);
    XVM_TEST_ADD_TMP("/xvm/domxml/load/too-large", NULL, test_load_too_large);
    XVM_TEST_ADD_TMP("/xvm/domxml/load/not-well-formed", NULL, test_load_not_well_formed);
    XVM_TEST_ADD_TMP("/xvm/domxml/load/unreadable", NULL, test_load_unreadable);
    g_test_add_func("/xvm/domxml/marker/added", test_marker_added);
    g_test_add_func("/xvm/domxml/marker/replaced", test_marker_replaced);
    g_test_add_func("/xvm/domxml/marker/keeps-other-metadata", test_marker_keeps_other_metadata);
    g_test_add_func("/xvm/domxml/marker/escaping", test_marker_escaping);
    for (gsize i = 0; i < G_N_ELEMENTS(no_marker_cases); i++)
        g_test_add_data_func(no_marker_cases[i].path, &no_marker_cases[i], test_marker_absent);
    return g_test_run();
}
