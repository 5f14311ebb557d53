/* The URIs of a migration, built from parameters and the target's cluster
 * node name (a node name, never a URI: ocf-contract 5.5). */
#include <string.h>
#include <glib.h>

#include "xvm-error.h"
#include "xvm-params.h"
#include "xvm-uri.h"

#include "test-util.h"

#define MAX_WORDS 5

/* XvmParams from "name=value" words, through the real parser so that every
 * case is a configuration a user can write. */
static XvmParams *
params_from(const char *const *words)
{
    g_autoptr(XvmEnv) env = xvm_env_new(NULL);
    g_autoptr(GError) error = NULL;
    XvmParams *p = NULL;

    xvm_env_set(env, "OCF_RESKEY_config", "/etc/xvm/vm1.xml");
    xvm_env_set(env, "OCF_RESKEY_hypervisor", "qemu:///system");
    for (gsize i = 0; i < MAX_WORDS && words[i]; i++) {
        const char *eq = strchr(words[i], '=');
        g_autofree char *name = g_strdup_printf("OCF_RESKEY_%.*s", (int) (eq - words[i]),
                                                words[i]);

        xvm_env_set(env, name, eq + 1);
    }
    g_assert_true(xvm_params_parse(env, &p, &error));
    g_assert_no_error(error);
    return p;
}

/* ---- xvm_node_with_suffix ------------------------------------------------- */

typedef struct {
    const char *path;
    const char *node;
    const char *suffix;
    const char *want;
} SuffixCase;

static const SuffixCase suffix_cases[] = {
    { "/xvm/uri/suffix/short-name", "node2", "-mig", "node2-mig" },
    /* The suffix goes on the first label: the migration network is usually
     * a sibling name in the same domain. */
    { "/xvm/uri/suffix/fqdn", "node2.example.com", "-mig", "node2-mig.example.com" },
    { "/xvm/uri/suffix/empty", "node2.example.com", "", "node2.example.com" },
    { "/xvm/uri/suffix/null", "node2", NULL, "node2" },
    { "/xvm/uri/suffix/dotted-suffix", "node2", ".mig.example.com", "node2.mig.example.com" },
};

static void
test_suffix(gconstpointer data)
{
    const SuffixCase *c = data;
    g_autofree char *got = xvm_node_with_suffix(c->node, c->suffix);

    g_assert_cmpstr(got, ==, c->want);
}

/* ---- xvm_uri_expand ---------------------------------------------------------- */

typedef struct {
    const char *path;
    const char *template_text;
    const char *want;
} ExpandCase;

static const ExpandCase expand_cases[] = {
    { "/xvm/uri/expand/n", "qemu+ssh://%n/system", "qemu+ssh://node2/system" },
    { "/xvm/uri/expand/n-twice", "%n-%n", "node2-node2" },
    { "/xvm/uri/expand/percent", "tcp://host/100%%", "tcp://host/100%" },
    /* %%n is a literal "%n", not the node. */
    { "/xvm/uri/expand/percent-n", "a%%nb", "a%nb" },
    { "/xvm/uri/expand/trailing-percent", "tcp://%n/%", "tcp://node2/%" },
    { "/xvm/uri/expand/none", "qemu:///system", "qemu:///system" },
    { "/xvm/uri/expand/empty", "", "" },
};

static void
test_expand(gconstpointer data)
{
    const ExpandCase *c = data;
    g_autofree char *got = xvm_uri_expand(c->template_text, "node2");

    g_assert_cmpstr(got, ==, c->want);
}

/* ---- xvm_uri_remote ------------------------------------------------------------ */

typedef struct {
    const char *path;
    const char *words[MAX_WORDS];
    const char *node;
    const char *want;
} RemoteCase;

static const RemoteCase remote_cases[] = {
    { "/xvm/uri/remote/tcp", { "migration_transport=tcp" }, "node2",
      "qemu+tcp://node2/system" },
    /* No transport: the scheme as it is (libvirt's default remote transport). */
    { "/xvm/uri/remote/plain", { NULL }, "node2", "qemu://node2/system" },
    { "/xvm/uri/remote/user", { "migration_transport=ssh", "migration_user=root" }, "node2",
      "qemu+ssh://root@node2/system" },
    { "/xvm/uri/remote/suffix", { "migration_transport=tcp", "migration_network_suffix=-mig" },
      "node2.example.com", "qemu+tcp://node2-mig.example.com/system" },
    /* The local transport is replaced, not stacked (qemu+ssh+tls). */
    { "/xvm/uri/remote/replace-transport",
      { "hypervisor=qemu+ssh://x/system", "migration_transport=tls" }, "node2",
      "qemu+tls://node2/system" },
    { "/xvm/uri/remote/keep-transport", { "hypervisor=qemu+ssh://x/system" }, "node2",
      "qemu+ssh://node2/system" },
    { "/xvm/uri/remote/session", { "hypervisor=qemu:///session", "migration_transport=ssh" },
      "node2", "qemu+ssh://node2/session" },
    /* A local socket path means nothing on the target. */
    { "/xvm/uri/remote/drop-query",
      { "hypervisor=qemu:///system?socket=/run/x.sock", "migration_transport=tcp" }, "node2",
      "qemu+tcp://node2/system" },
    { "/xvm/uri/remote/xen", { "hypervisor=xen:///", "migration_transport=ssh" }, "node2",
      "xen+ssh://node2/" },
    /* VirtualDomain keeps the local URI's port. */
    { "/xvm/uri/remote/port", { "hypervisor=qemu+tcp://h:16509/system" }, "node2",
      "qemu+tcp://node2:16509/system" },
    /* remoteuri wins over everything else. */
    { "/xvm/uri/remote/template-wins",
      { "remoteuri=qemu+tls://%n.example.com/system", "migration_transport=tcp",
        "migration_user=root", "migration_network_suffix=-mig" }, "node2",
      "qemu+tls://node2.example.com/system" },
};

static void
test_remote(gconstpointer data)
{
    const RemoteCase *c = data;
    g_autoptr(XvmParams) p = params_from(c->words);
    g_autoptr(GError) error = NULL;
    g_autofree char *got = xvm_uri_remote(p, c->node, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(got, ==, c->want);
}

/* A hypervisor value GUri cannot read: the error tells the user what to set. */
static void
test_remote_unparsable(void)
{
    const char *words[] = { NULL };
    g_autoptr(XvmParams) p = params_from(words);
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;

    g_free(p->hypervisor);
    p->hypervisor = g_strdup("not a uri:/ at all");
    got = xvm_uri_remote(p, "node2", &error);
    g_assert_null(got);
    g_assert_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID);
    g_assert_nonnull(strstr(error->message, "remoteuri"));
}

/* ---- xvm_uri_migration ------------------------------------------------------------ */

typedef struct {
    const char *path;
    const char *words[MAX_WORDS];
    const char *node;
    const char *want;   /* NULL: libvirt chooses */
} MigrationCase;

static const MigrationCase migration_cases[] = {
    { "/xvm/uri/migration/nothing-set", { NULL }, "node2", NULL },
    /* Transport and user concern the control connection, not the data. */
    { "/xvm/uri/migration/transport-only", { "migration_transport=ssh" }, "node2", NULL },
    { "/xvm/uri/migration/suffix", { "migration_network_suffix=-mig" }, "node2",
      "tcp://node2-mig" },
    /* As in VirtualDomain, the port goes with a migration network only. */
    { "/xvm/uri/migration/port-alone", { "migrateport=49152" }, "node2", NULL },
    { "/xvm/uri/migration/suffix-and-port",
      { "migration_network_suffix=-mig", "migrateport=49152" }, "node2.example.com",
      "tcp://node2-mig.example.com:49152" },
    /* Xen takes a bare host; other drivers have no generated data URI. */
    { "/xvm/uri/migration/xen-suffix", { "hypervisor=xen:///system",
      "migration_network_suffix=-mig" }, "node2", "node2-mig" },
    { "/xvm/uri/migration/lxc-suffix", { "hypervisor=lxc:///system",
      "migration_network_suffix=-mig" }, "node2", NULL },
    /* %n is the target as VirtualDomain rewrites it: user@node-suffix... */
    { "/xvm/uri/migration/template-rewritten",
      { "migrateuri=tcp://%n:49200", "migration_network_suffix=-mig", "migrateport=49152" },
      "node2", "tcp://node2-mig:49200" },
    { "/xvm/uri/migration/template-user",
      { "migrateuri=tcp://%n:49200", "migration_user=mig" }, "node2",
      "tcp://mig@node2:49200" },
    /* ...unless remoteuri names the target itself. */
    { "/xvm/uri/migration/template-with-remoteuri",
      { "migrateuri=tcp://%n-data:49200", "migration_network_suffix=-mig",
        "remoteuri=qemu+tls://%n/system" }, "node2", "tcp://node2-data:49200" },
};

static void
test_migration(gconstpointer data)
{
    const MigrationCase *c = data;
    g_autoptr(XvmParams) p = params_from(c->words);
    g_autofree char *got = xvm_uri_migration(p, c->node);

    g_assert_cmpstr(got, ==, c->want);
}

/* ---- xvm_uri_qemu_run_dir ---------------------------------------------------------- */

typedef struct {
    const char *path;
    const char *uri;
    const char *xdg_runtime_dir;
    const char *override;
    const char *want;   /* NULL: the process table cannot speak for this URI */
} RunDirCase;

#define XDG "/run/user/1000"

static const RunDirCase run_dir_cases[] = {
    { "/xvm/uri/run-dir/system", "qemu:///system", XDG, NULL, "/run/libvirt/qemu" },
    { "/xvm/uri/run-dir/system-no-xdg", "qemu:///system", NULL, NULL, "/run/libvirt/qemu" },
    { "/xvm/uri/run-dir/unix", "qemu+unix:///system", NULL, NULL, "/run/libvirt/qemu" },
    /* The socket chooses the daemon, not where its QEMUs keep pidfiles. */
    { "/xvm/uri/run-dir/unix-socket", "qemu+unix:///system?socket=/run/x/libvirt-sock", NULL,
      NULL, "/run/libvirt/qemu" },
    { "/xvm/uri/run-dir/socket", "qemu:///system?socket=/run/x/libvirt-sock", NULL, NULL,
      "/run/libvirt/qemu" },
    { "/xvm/uri/run-dir/session", "qemu:///session", XDG, NULL,
      XDG "/libvirt/qemu/run" },
    { "/xvm/uri/run-dir/session-no-xdg", "qemu:///session", NULL, NULL, NULL },
    { "/xvm/uri/run-dir/session-empty-xdg", "qemu:///session", "", NULL, NULL },
    { "/xvm/uri/run-dir/embed", "qemu:///embed?root=/var/tmp/emb", XDG, NULL, NULL },
    /* QEMU on another host: its processes are not in this table. */
    { "/xvm/uri/run-dir/ssh", "qemu+ssh://node2/system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/tcp", "qemu+tcp://node2/system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/plain-host", "qemu://node2/system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/localhost", "qemu://localhost/system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/ssh-no-host", "qemu+ssh:///system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/user", "qemu://root@/system", XDG, NULL, NULL },
    /* Other drivers: no QEMU process, or not libvirt's QEMU pidfiles. */
    { "/xvm/uri/run-dir/lxc", "lxc:///system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/lxc-unix", "lxc+unix:///system?socket=/run/x.sock", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/xen", "xen:///system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/ch", "ch:///system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/test", "test:///default", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/test-file", "test:///etc/xvm/node.xml", XDG, NULL, NULL },
    /* libvirt's URIs are lower case and exact. */
    { "/xvm/uri/run-dir/upper-scheme", "QEMU:///system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/kvm", "kvm:///system", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/other-path", "qemu:///systemd", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/trailing-slash", "qemu:///system/", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/no-path", "qemu://", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/empty", "", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/null", NULL, XDG, NULL, NULL },
    { "/xvm/uri/run-dir/unparsable", "qemu:///sys tem", XDG, NULL, NULL },
    { "/xvm/uri/run-dir/path-only", "/run/libvirt/libvirt-sock", XDG, NULL, NULL },
    /* The test override: local QEMU URIs only, never another driver's. */
    { "/xvm/uri/run-dir/override-system", "qemu:///system", XDG, "/tmp/t/run",
      "/tmp/t/run" },
    { "/xvm/uri/run-dir/override-session", "qemu:///session", NULL, "/tmp/t/run",
      "/tmp/t/run" },
    { "/xvm/uri/run-dir/override-empty", "qemu:///system", XDG, "", "/run/libvirt/qemu" },
    { "/xvm/uri/run-dir/override-lxc", "lxc:///system", XDG, "/tmp/t/run", NULL },
    { "/xvm/uri/run-dir/override-remote", "qemu+ssh://node2/system", XDG, "/tmp/t/run",
      NULL },
};

static void
test_run_dir(gconstpointer data)
{
    const RunDirCase *c = data;
    g_autofree char *got = xvm_uri_qemu_run_dir(c->uri, c->xdg_runtime_dir, c->override);

    g_assert_cmpstr(got, ==, c->want);
}

/* ---- xvm_node_name_is_valid ----------------------------------------------------------- */

typedef struct {
    const char *path;
    const char *node;
    gboolean valid;
} NodeCase;

/* The node name goes into URIs and, through ssh transports, into commands:
 * a host name's characters and nothing else. */
static const NodeCase node_cases[] = {
    { "/xvm/uri/node/short", "node2", TRUE },
    { "/xvm/uri/node/fqdn", "node-2.example.com", TRUE },
    { "/xvm/uri/node/underscore", "node_2", TRUE },
    { "/xvm/uri/node/digits", "10.0.0.2", TRUE },
    { "/xvm/uri/node/empty", "", FALSE },
    { "/xvm/uri/node/null", NULL, FALSE },
    { "/xvm/uri/node/space", "node 2", FALSE },
    { "/xvm/uri/node/semicolon", "node2;reboot", FALSE },
    { "/xvm/uri/node/command", "$(x)", FALSE },
    { "/xvm/uri/node/backtick", "`x`", FALSE },
    { "/xvm/uri/node/slash", "node2/system", FALSE },
    { "/xvm/uri/node/at", "root@node2", FALSE },
    { "/xvm/uri/node/colon", "node2:22", FALSE },
    { "/xvm/uri/node/newline", "node2\n", FALSE },
    /* ssh would take it as an option. */
    { "/xvm/uri/node/dash-first", "-oProxyCommand=x", FALSE },
    { "/xvm/uri/node/non-ascii", "n\xc3\xb6" "de2", FALSE },
};

static void
test_node(gconstpointer data)
{
    const NodeCase *c = data;

    g_assert_cmpint(xvm_node_name_is_valid(c->node), ==, c->valid);
}

/* DNS's limit: 253 characters are a name, 254 are not. */
static void
test_node_length(void)
{
    g_autofree char *ok = g_strnfill(253, 'a');
    g_autofree char *too_long = g_strnfill(254, 'a');

    g_assert_true(xvm_node_name_is_valid(ok));
    g_assert_false(xvm_node_name_is_valid(too_long));
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(suffix_cases); i++)
        g_test_add_data_func(suffix_cases[i].path, &suffix_cases[i], test_suffix);
    for (gsize i = 0; i < G_N_ELEMENTS(expand_cases); i++)
        g_test_add_data_func(expand_cases[i].path, &expand_cases[i], test_expand);
    for (gsize i = 0; i < G_N_ELEMENTS(remote_cases); i++)
        g_test_add_data_func(remote_cases[i].path, &remote_cases[i], test_remote);
    g_test_add_func("/xvm/uri/remote/unparsable", test_remote_unparsable);
    for (gsize i = 0; i < G_N_ELEMENTS(migration_cases); i++)
        g_test_add_data_func(migration_cases[i].path, &migration_cases[i], test_migration);
    for (gsize i = 0; i < G_N_ELEMENTS(run_dir_cases); i++)
        g_test_add_data_func(run_dir_cases[i].path, &run_dir_cases[i], test_run_dir);
    for (gsize i = 0; i < G_N_ELEMENTS(node_cases); i++)
        g_test_add_data_func(node_cases[i].path, &node_cases[i], test_node);
    g_test_add_func("/xvm/uri/node/length", test_node_length);
    return g_test_run();
}
