/* migrate_options as VirtualDomain users write them: every accepted virsh
 * flag and what it becomes for libvirt, and every refusal with its reason.
 * A flag must never be dropped silently. */
#include <string.h>
#include <libvirt/libvirt.h>   /* the flag bits and parameter names expected */
#include <glib.h>

#include "xvm-error.h"
#include "xvm-migopts.h"

#include "test-util.h"

#define MAX_PARAMS 4

typedef struct {
    const char *name;
    XvmMigParamType type;
    const char *text;
    guint64 number;
} WantParam;

typedef struct {
    const char *path;
    const char *text;
    guint flags;
    WantParam params[MAX_PARAMS];
    const char *migrateuri;
    gint64 bandwidth;       /* -1: not given */
} AcceptCase;

#define S(n, v) { n, XVM_MIG_PARAM_STRING, v, 0 }
#define I(n, v) { n, XVM_MIG_PARAM_INT, NULL, v }
#define U(n, v) { n, XVM_MIG_PARAM_ULLONG, NULL, v }

static const AcceptCase accept_cases[] = {
    { "/xvm/migopts/empty", "", 0, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/blanks", "  \t ", 0, { { NULL } }, NULL, -1 },
    /* What the agent always does: accepted, nothing to add. */
    { "/xvm/migopts/noop/live", "--live", 0, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/noop/p2p", "--p2p", 0, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/noop/abort-on-error", "--abort-on-error", 0, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/noop/verbose", "--verbose", 0, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/tls", "--tls", VIR_MIGRATE_TLS, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/tls-destination", "--tls-destination node2.example.com",
      VIR_MIGRATE_TLS, { S(VIR_MIGRATE_PARAM_TLS_DESTINATION, "node2.example.com") }, NULL,
      -1 },
    { "/xvm/migopts/tunnelled", "--tunnelled", VIR_MIGRATE_TUNNELLED, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/compressed", "--compressed", VIR_MIGRATE_COMPRESSED, { { NULL } }, NULL,
      -1 },
    { "/xvm/migopts/comp-methods", "--compressed --comp-methods=mt,xbzrle",
      VIR_MIGRATE_COMPRESSED, { S(VIR_MIGRATE_PARAM_COMPRESSION, "mt"),
                                S(VIR_MIGRATE_PARAM_COMPRESSION, "xbzrle") }, NULL, -1 },
    /* A tuning option turns on what it tunes. */
    { "/xvm/migopts/comp-mt-level", "--comp-mt-level 9", VIR_MIGRATE_COMPRESSED,
      { I(VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, 9) }, NULL, -1 },
    { "/xvm/migopts/comp-mt-threads", "--comp-mt-threads=4", VIR_MIGRATE_COMPRESSED,
      { I(VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS, 4) }, NULL, -1 },
    { "/xvm/migopts/comp-mt-dthreads", "--comp-mt-dthreads 2", VIR_MIGRATE_COMPRESSED,
      { I(VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS, 2) }, NULL, -1 },
    { "/xvm/migopts/comp-xbzrle-cache", "--comp-xbzrle-cache 67108864",
      VIR_MIGRATE_COMPRESSED, { U(VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE, 67108864) },
      NULL, -1 },
    { "/xvm/migopts/comp-zlib-level", "--comp-zlib-level=6", VIR_MIGRATE_COMPRESSED,
      { I("compression.zlib.level", 6) }, NULL, -1 },
    { "/xvm/migopts/comp-zstd-level", "--comp-zstd-level 3", VIR_MIGRATE_COMPRESSED,
      { I("compression.zstd.level", 3) }, NULL, -1 },
    { "/xvm/migopts/auto-converge", "--auto-converge", VIR_MIGRATE_AUTO_CONVERGE,
      { { NULL } }, NULL, -1 },
    { "/xvm/migopts/auto-converge-initial", "--auto-converge-initial 40",
      VIR_MIGRATE_AUTO_CONVERGE, { I(VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, 40) }, NULL,
      -1 },
    { "/xvm/migopts/auto-converge-increment", "--auto-converge-increment=20",
      VIR_MIGRATE_AUTO_CONVERGE, { I(VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, 20) }, NULL,
      -1 },
    { "/xvm/migopts/postcopy", "--postcopy", VIR_MIGRATE_POSTCOPY, { { NULL } }, NULL, -1 },
    /* Post-copy is a risk taken on purpose: its bandwidth does not allow it. */
    { "/xvm/migopts/postcopy-bandwidth", "--postcopy-bandwidth 100", 0,
      { U(VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, 100) }, NULL, -1 },
    { "/xvm/migopts/parallel", "--parallel", VIR_MIGRATE_PARALLEL, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/parallel-connections", "--parallel --parallel-connections 4",
      VIR_MIGRATE_PARALLEL, { I(VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, 4) }, NULL, -1 },
    { "/xvm/migopts/zerocopy", "--parallel --zerocopy",
      VIR_MIGRATE_PARALLEL | VIR_MIGRATE_ZEROCOPY, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/rdma-pin-all", "--rdma-pin-all", VIR_MIGRATE_RDMA_PIN_ALL, { { NULL } },
      NULL, -1 },
    { "/xvm/migopts/change-protection", "--change-protection", VIR_MIGRATE_CHANGE_PROTECTION,
      { { NULL } }, NULL, -1 },
    { "/xvm/migopts/unsafe", "--unsafe", VIR_MIGRATE_UNSAFE, { { NULL } }, NULL, -1 },
    { "/xvm/migopts/copy-storage-all", "--copy-storage-all", VIR_MIGRATE_NON_SHARED_DISK,
      { { NULL } }, NULL, -1 },
    { "/xvm/migopts/copy-storage-inc", "--copy-storage-inc", VIR_MIGRATE_NON_SHARED_INC,
      { { NULL } }, NULL, -1 },
    { "/xvm/migopts/copy-storage-synchronous-writes",
      "--copy-storage-all --copy-storage-synchronous-writes",
      VIR_MIGRATE_NON_SHARED_DISK | VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES, { { NULL } },
      NULL, -1 },
    { "/xvm/migopts/migrate-disks", "--copy-storage-all --migrate-disks vda,vdb",
      VIR_MIGRATE_NON_SHARED_DISK, { S(VIR_MIGRATE_PARAM_MIGRATE_DISKS, "vda"),
                                     S(VIR_MIGRATE_PARAM_MIGRATE_DISKS, "vdb") }, NULL, -1 },
    { "/xvm/migopts/disks-port", "--disks-port=49200", 0,
      { I(VIR_MIGRATE_PARAM_DISKS_PORT, 49200) }, NULL, -1 },
    { "/xvm/migopts/disks-uri", "--disks-uri tcp://node2-mig:49300", 0,
      { S(VIR_MIGRATE_PARAM_DISKS_URI, "tcp://node2-mig:49300") }, NULL, -1 },
    { "/xvm/migopts/listen-address", "--listen-address 0.0.0.0", 0,
      { S(VIR_MIGRATE_PARAM_LISTEN_ADDRESS, "0.0.0.0") }, NULL, -1 },
    { "/xvm/migopts/graphicsuri", "--graphicsuri spice://node2", 0,
      { S(VIR_MIGRATE_PARAM_GRAPHICS_URI, "spice://node2") }, NULL, -1 },
    { "/xvm/migopts/bandwidth", "--bandwidth 64", 0, { { NULL } }, NULL, 64 },
    { "/xvm/migopts/bandwidth-zero", "--bandwidth=0", 0, { { NULL } }, NULL, 0 },
    /* As VirtualDomain extracts it: the template, %n not yet expanded. */
    { "/xvm/migopts/migrateuri-equals", "--migrateuri=tcp://%n-mig:49152", 0, { { NULL } },
      "tcp://%n-mig:49152", -1 },
    { "/xvm/migopts/migrateuri-separate", "--live --migrateuri tcp://%n-mig --tls",
      VIR_MIGRATE_TLS, { { NULL } }, "tcp://%n-mig", -1 },
    { "/xvm/migopts/several", "--live --p2p --tls --auto-converge --compressed --unsafe",
      VIR_MIGRATE_TLS | VIR_MIGRATE_AUTO_CONVERGE | VIR_MIGRATE_COMPRESSED
      | VIR_MIGRATE_UNSAFE, { { NULL } }, NULL, -1 },
};

static void
test_accept(gconstpointer data)
{
    const AcceptCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmMigOpts) opts = xvm_migopts_parse(c->text, &error);
    guint n = 0;

    g_assert_no_error(error);
    g_assert_nonnull(opts);
    g_assert_cmphex(opts->flags, ==, c->flags);
    while (n < MAX_PARAMS && c->params[n].name)
        n++;
    g_assert_cmpuint(opts->params->len, ==, n);
    for (guint i = 0; i < n; i++) {
        const XvmMigParam *got = g_ptr_array_index(opts->params, i);

        g_assert_cmpstr(got->name, ==, c->params[i].name);
        g_assert_cmpint(got->type, ==, c->params[i].type);
        g_assert_cmpstr(got->text, ==, c->params[i].text);
        g_assert_cmpuint(got->number, ==, c->params[i].number);
    }
    g_assert_cmpstr(opts->migrateuri, ==, c->migrateuri);
    g_assert_cmpint(opts->has_bandwidth, ==, c->bandwidth >= 0);
    if (c->bandwidth >= 0)
        g_assert_cmpuint(opts->bandwidth_mibs, ==, (guint64) c->bandwidth);
}

typedef struct {
    const char *path;
    const char *text;
    const char *mention;    /* the reason says this */
} RefuseCase;

static const RefuseCase refuse_cases[] = {
    /* Unknown: refused with the list of what is accepted. */
    { "/xvm/migopts/refuse/unknown", "--tls --tsl", "--tsl is not accepted" },
    { "/xvm/migopts/refuse/unknown-lists-accepted", "--frobnicate", "accepted: --live, --p2p" },
    { "/xvm/migopts/refuse/single-dash", "-tls", "\"-tls\" is not an option" },
    { "/xvm/migopts/refuse/positional", "--live vm1 qemu+ssh://node2/system",
      "\"vm1\" is not an option" },
    { "/xvm/migopts/refuse/bare-dashes", "--", "\"--\" is not an option" },
    { "/xvm/migopts/refuse/flag-with-value", "--tls=yes", "--tls takes no value" },
    { "/xvm/migopts/refuse/missing-value", "--bandwidth", "--bandwidth needs a value" },
    { "/xvm/migopts/refuse/value-is-option", "--listen-address --tls",
      "--listen-address needs a value" },
    { "/xvm/migopts/refuse/empty-value", "--migrateuri=", "--migrateuri needs a value" },
    { "/xvm/migopts/refuse/not-a-number", "--bandwidth fast", "not a whole number" },
    { "/xvm/migopts/refuse/negative", "--auto-converge-initial=-5", "not a whole number" },
    { "/xvm/migopts/refuse/int-too-big", "--parallel-connections 4294967296",
      "not a whole number" },
    { "/xvm/migopts/refuse/empty-list-item", "--migrate-disks vda,,vdb", "empty item" },
    /* Known, and against the agent's policy: the reason and the way. */
    { "/xvm/migopts/refuse/offline", "--offline", "--offline is refused" },
    { "/xvm/migopts/refuse/suspend", "--suspend", "paused on the target" },
    { "/xvm/migopts/refuse/persistent", "--persistent", "persistent=true" },
    { "/xvm/migopts/refuse/undefinesource", "--undefinesource", "undefines the source" },
    { "/xvm/migopts/refuse/direct", "--direct", "peer-to-peer" },
    { "/xvm/migopts/refuse/dname", "--dname vm2", "identity" },
    { "/xvm/migopts/refuse/xml", "--xml /tmp/vm1.xml", "comes from config" },
    { "/xvm/migopts/refuse/persistent-xml", "--persistent-xml=/tmp/vm1.xml",
      "comes from config" },
    { "/xvm/migopts/refuse/timeout", "--timeout 60", "migration_progress_timeout" },
    { "/xvm/migopts/refuse/timeout-suspend", "--timeout-suspend", "migration_progress_timeout" },
    { "/xvm/migopts/refuse/timeout-postcopy", "--timeout-postcopy", "migration_postcopy=true" },
    { "/xvm/migopts/refuse/postcopy-after-precopy", "--postcopy --postcopy-after-precopy",
      "migration_postcopy=true" },
    { "/xvm/migopts/refuse/postcopy-resume", "--postcopy-resume", "manual step" },
    { "/xvm/migopts/refuse/domain", "--domain vm1", "names the domain" },
    { "/xvm/migopts/refuse/desturi", "--desturi qemu+ssh://node2/system", "remoteuri" },
};

static void
test_refuse(gconstpointer data)
{
    const RefuseCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmMigOpts) opts = xvm_migopts_parse(c->text, &error);

    g_assert_null(opts);
    g_assert_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID);
    if (strstr(error->message, c->mention) == NULL)
        g_error("\"%s\" does not mention \"%s\"", error->message, c->mention);
}

/* Every option the table accepts is in the list a refusal gives, and every
 * one has a case above. */
static void
test_accepted_list_complete(void)
{
    g_auto(GStrv) names = g_strsplit(xvm_migopts_accepted(), ", ", -1);

    for (char **name = names; *name; name++) {
        gboolean tested = FALSE;

        for (gsize i = 0; i < G_N_ELEMENTS(accept_cases) && !tested; i++) {
            const char *at = strstr(accept_cases[i].text, *name);
            gsize len = strlen(*name);

            tested = at && (at[len] == '\0' || at[len] == ' ' || at[len] == '=');
        }
        if (!tested)
            g_error("accepted option %s has no test case", *name);
    }
    g_assert_cmpuint(g_strv_length(names), >=, 30);
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(accept_cases); i++)
        g_test_add_data_func(accept_cases[i].path, &accept_cases[i], test_accept);
    for (gsize i = 0; i < G_N_ELEMENTS(refuse_cases); i++)
        g_test_add_data_func(refuse_cases[i].path, &refuse_cases[i], test_refuse);
    g_test_add_func("/xvm/migopts/accepted-list-complete", test_accepted_list_complete);
    return g_test_run();
}
