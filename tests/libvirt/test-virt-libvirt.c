/* The real libvirt layer (lib/xvm-virt-libvirt.c), in process, against
 * libvirt's test driver: lookups, state mapping, create, shutdown, destroy,
 * markers, events, and whole actions through it.  The test driver keeps its
 * state per process, so every sequence runs inside one test. */
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>

#include "xvm-actions.h"
#include "xvm-error.h"
#include "xvm-guard.h"
#include "xvm-virt.h"

/* The hook guard's files (tokens, registry) of the whole actions below go
 * under this temporary root, never into this host's /run/xvm-domain and
 * /var/lib/libvirt/xvm-domain; main() removes it. */
static char *guard_root;

static void
remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *entry;

    while (dir && (entry = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, entry, NULL);
        GStatBuf st;

        if (g_lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

static char *
node_uri(void)
{
    g_autofree char *node = g_test_build_filename(G_TEST_DIST, "data", "libvirt",
                                                  "node.xml", NULL);

    return g_strconcat("test://", node, NULL);
}

static char *
fixture_text(const char *name)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "libvirt", name, NULL);
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static XvmVirt *
connected(void)
{
    XvmVirt *v = xvm_virt_libvirt_new();
    g_autofree char *uri = node_uri();
    g_autoptr(GError) error = NULL;

    g_assert_true(v->ops->connect(v, uri, 5000, &error));
    g_assert_no_error(error);
    return v;
}

/* hypervisor unset: connect to libvirt's default (here set through
 * LIBVIRT_DEFAULT_URI, as a user may) and learn which URI that is. */
static void
test_connect_default(void)
{
    g_autoptr(XvmVirt) v = xvm_virt_libvirt_new();
    g_autofree char *uri = node_uri();
    g_autofree char *named = NULL;
    g_autoptr(GError) error = NULL;

    gboolean ok;

    g_setenv("LIBVIRT_DEFAULT_URI", uri, TRUE);
    ok = v->ops->connect(v, NULL, 5000, &error);
    g_unsetenv("LIBVIRT_DEFAULT_URI");
    g_assert_no_error(error);
    g_assert_true(ok);
    named = v->ops->uri(v, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(named, ==, uri);
}

static void
assert_state(XvmVirt *v, const char *name, gboolean found, int state, gboolean persistent)
{
    XvmDomainStatus st = { 0 };
    XvmDomainStatus by_uuid = { 0 };
    XvmDomainRef ref = { name, NULL };
    g_autoptr(GError) error = NULL;

    g_assert_true(v->ops->status(v, &ref, &st, &error));
    g_assert_no_error(error);
    g_assert_cmpint(st.found, ==, found);
    if (found) {
        g_assert_cmpint(st.state, ==, state);
        g_assert_cmpint(st.persistent, ==, persistent);
        g_assert_cmpstr(st.name, ==, name);
        g_assert_nonnull(st.uuid);
        /* The same domain, looked up by the UUID libvirt gave. */
        ref.uuid = st.uuid;
        g_assert_true(v->ops->status(v, &ref, &by_uuid, &error));
        g_assert_no_error(error);
        g_assert_true(by_uuid.found);
        g_assert_cmpstr(by_uuid.name, ==, name);
        xvm_domain_status_clear(&by_uuid);
    }
    xvm_domain_status_clear(&st);
}

static void
test_status(void)
{
    g_autoptr(XvmVirt) v = connected();

    assert_state(v, "running1", TRUE, VIR_DOMAIN_RUNNING, TRUE);
    assert_state(v, "paused1", TRUE, VIR_DOMAIN_PAUSED, TRUE);
    assert_state(v, "shutoff1", TRUE, VIR_DOMAIN_SHUTOFF, TRUE);
    assert_state(v, "no-such-domain", FALSE, 0, FALSE);
}

static void
test_connect_refused(void)
{
    g_autoptr(XvmVirt) v = xvm_virt_libvirt_new();
    g_autoptr(GError) error = NULL;
    gint64 before = g_get_monotonic_time();

    g_assert_false(v->ops->connect(v, "qemu+unix:///system?socket=/nonexistent/sock",
                                   3000, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_CONNECT);
    g_assert_cmpint(g_get_monotonic_time() - before, <, 3 * G_USEC_PER_SEC);
}

/* Adoption: a domain another agent started gets our marker while it runs,
 * and it reads back as ours (a name with XML's special characters too). */
static void
test_set_marker(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autoptr(GError) error = NULL;
    g_autofree char *found = NULL;
    XvmDomainRef running1 = { "running1", NULL };

    g_assert_true(v->ops->set_marker(v, &running1, "vm<1>&\"x\"", &error));
    g_assert_no_error(error);
    g_assert_true(v->ops->marker(v, &running1, &found, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(found, ==, "vm<1>&\"x\"");
}

static void
test_create_transient_with_marker(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = fixture_text("new1.xml");
    g_autofree char *marked = NULL;
    g_autofree char *found = NULL;
    g_autoptr(GPtrArray) active = NULL;
    XvmDomainRef new1 = { "new1", NULL };
    XvmDomainRef running1 = { "running1", NULL };
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(xml, strlen(xml), &error);

    g_assert_no_error(error);
    marked = xvm_domxml_with_marker(cfg, "vm-resource", &error);
    g_assert_true(v->ops->create(v, marked, FALSE, &error));
    g_assert_no_error(error);
    assert_state(v, "new1", TRUE, VIR_DOMAIN_RUNNING, FALSE);
    g_assert_true(v->ops->marker(v, &new1, &found, &error));
    g_assert_cmpstr(found, ==, "vm-resource");
    g_clear_pointer(&found, g_free);
    /* No metadata of ours: libvirt answered, and there is no marker. */
    g_assert_true(v->ops->marker(v, &running1, &found, &error));
    g_assert_no_error(error);
    g_assert_null(found);
    g_assert_true(v->ops->list_active(v, &active, &error));
    g_assert_no_error(error);
    for (guint i = 0; i < active->len; i++) {
        const XvmActiveDomain *d = g_ptr_array_index(active, i);

        g_assert_cmpstr(d->marker, ==, strcmp(d->name, "new1") == 0 ? "vm-resource" : NULL);
    }
    g_assert_cmpuint(active->len, >=, 2);
}

static void
test_create_persistent(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = fixture_text("new1.xml");

    g_assert_true(v->ops->create(v, xml, TRUE, &error));
    g_assert_no_error(error);
    assert_state(v, "new1", TRUE, VIR_DOMAIN_RUNNING, TRUE);
}

static void
test_create_rejected(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = fixture_text("broken-for-libvirt.xml");

    g_assert_false(v->ops->create(v, xml, FALSE, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID);
}

static void
test_shutdown_destroy_events(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autoptr(GError) error = NULL;
    gint64 before;
    guint64 seen = v->ops->event_count(v);

    g_assert_true(v->ops->shutdown(v, &(XvmDomainRef) { "running1", NULL }, 0, &error));
    g_assert_no_error(error);
    assert_state(v, "running1", TRUE, VIR_DOMAIN_SHUTOFF, TRUE);
    /* The lifecycle event of that shutdown (seen already, or still on its
     * way) ends the wait long before its timeout. */
    before = g_get_monotonic_time();
    v->ops->wait_event(v, seen, 5000);
    g_assert_cmpuint(v->ops->event_count(v), >, seen);
    g_assert_cmpint(g_get_monotonic_time() - before, <, 2 * G_USEC_PER_SEC);
    g_assert_true(v->ops->destroy(v, &(XvmDomainRef) { "paused1", NULL }, &error));
    assert_state(v, "paused1", TRUE, VIR_DOMAIN_SHUTOFF, TRUE);
    g_assert_false(v->ops->destroy(v, &(XvmDomainRef) { "no-such-domain", NULL }, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN);
}

static void
test_dump_xml(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;

    g_assert_true(v->ops->dump_xml(v, &(XvmDomainRef) { "running1", NULL }, &xml, &error));
    g_assert_nonnull(strstr(xml, "<name>running1</name>"));
}

/* What virsh dominfo shows as CPU(s) and Max memory. */
static void
test_sizing(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autoptr(GError) error = NULL;
    XvmDomainSizing sizing;

    g_assert_true(v->ops->sizing(v, &(XvmDomainRef) { "running1", NULL }, &sizing, &error));
    g_assert_cmpuint(sizing.vcpus, ==, 1);
    g_assert_cmpuint(sizing.max_memory_kib, ==, 131072);
    g_assert_false(v->ops->sizing(v, &(XvmDomainRef) { "no-such-domain", NULL }, &sizing,
                                  &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_NO_DOMAIN);
}

/* Whole actions through the real layer. */
static XvmOcfRc
run(XvmAction action, XvmVirt *v, const char *config, GError **error)
{
    g_autofree char *uri = node_uri();
    g_autofree char *tmp = g_dir_make_tmp("xvm-libvirt-XXXXXX", NULL);
    const char *envp[] = { NULL };
    g_autoptr(XvmEnv) env = xvm_env_new(envp);
    g_autoptr(XvmRequest) req = NULL;
    g_autoptr(XvmContext) ctx = NULL;
    g_autofree char *note = g_build_filename(tmp, "xvm-domain-r1.id", NULL);
    g_autofree char *util_note = g_build_filename(tmp, "xvm-domain-r1.utilization", NULL);
    XvmOcfRc rc;

    xvm_env_set(env, "OCF_RESKEY_config", config);
    xvm_env_set(env, "OCF_RESKEY_hypervisor", uri);
    xvm_env_set(env, "OCF_RESKEY_CRM_meta_timeout", "20000");
    xvm_env_set(env, "OCF_RESKEY_CRM_meta_interval", "10000");
    xvm_env_set(env, "OCF_RESOURCE_INSTANCE", "r1");
    xvm_env_set(env, "HA_RSCTMP", tmp);
    xvm_env_set(env, "XVM_GUARD_ROOT", guard_root);
    req = xvm_request_new(action, env);
    ctx = xvm_context_new(req, env, v, NULL);
    rc = xvm_action_run(ctx, error);
    g_unlink(note);
    g_unlink(util_note);
    g_rmdir(tmp);
    return rc;
}

static void
test_actions_life(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autofree char *config = g_test_build_filename(G_TEST_DIST, "data", "libvirt",
                                                    "new1.xml", NULL);
    g_autoptr(XvmGuardPaths) guard = xvm_guard_paths_new(guard_root);
    GError *error = NULL;

    g_assert_cmpint(run(XVM_ACTION_MONITOR, v, config, &error), ==, XVM_OCF_NOT_RUNNING);
    g_assert_cmpint(run(XVM_ACTION_START, v, config, &error), ==, XVM_OCF_SUCCESS);
    g_assert_no_error(error);
    /* The guard's note that the cluster manages new1 went under the
     * temporary root. */
    g_assert_true(g_file_test(guard->registry_dir, G_FILE_TEST_IS_DIR));
    g_assert_cmpint(run(XVM_ACTION_START, v, config, &error), ==, XVM_OCF_SUCCESS);
    g_assert_cmpint(run(XVM_ACTION_MONITOR, v, config, &error), ==, XVM_OCF_SUCCESS);
    g_assert_cmpint(run(XVM_ACTION_STOP, v, config, &error), ==, XVM_OCF_SUCCESS);
    g_assert_no_error(error);
    g_assert_cmpint(run(XVM_ACTION_MONITOR, v, config, &error), ==, XVM_OCF_NOT_RUNNING);
    g_assert_cmpint(run(XVM_ACTION_STOP, v, config, &error), ==, XVM_OCF_SUCCESS);
}

static void
test_actions_rejected_xml(void)
{
    g_autoptr(XvmVirt) v = connected();
    g_autofree char *config = g_test_build_filename(G_TEST_DIST, "data", "libvirt",
                                                    "broken-for-libvirt.xml", NULL);
    g_autoptr(GError) error = NULL;

    /* Our parser accepts it; libvirt's does not: still "never works" (6). */
    g_assert_cmpint(run(XVM_ACTION_START, v, config, &error), ==, XVM_OCF_ERR_CONFIGURED);
    g_assert_nonnull(strstr(error->message, "broken1"));
}

/* start_resources against libvirt's shared test:///default node: an
 * inactive pool and network are started, an active pool refreshed, and
 * one the node lacks is XVM_ERROR_NOT_INSTALLED naming it.  The same
 * through a second connection to a URI (the migration target's case). */
static void
define_inactive_resources(virConnectPtr conn)
{
    virStoragePoolPtr pool = virStoragePoolDefineXML(conn,
        "<pool type='dir'><name>xvmpool</name><target><path>/nonexistent/xvm-pool</path>"
        "</target></pool>", 0);
    virNetworkPtr net = virNetworkDefineXML(conn,
        "<network><name>xvmnet</name><bridge name='xvmbr9'/></network>");

    g_assert_nonnull(pool);
    g_assert_nonnull(net);
    g_assert_cmpint(virStoragePoolIsActive(pool), ==, 0);
    g_assert_cmpint(virNetworkIsActive(net), ==, 0);
    virStoragePoolFree(pool);
    virNetworkFree(net);
}

static void
assert_resources_active(virConnectPtr conn, int want)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, "xvmpool");
    virNetworkPtr net = virNetworkLookupByName(conn, "xvmnet");

    g_assert_cmpint(virStoragePoolIsActive(pool), ==, want);
    g_assert_cmpint(virNetworkIsActive(net), ==, want);
    if (want != 0) {
        virStoragePoolDestroy(pool);
        virNetworkDestroy(net);
    }
    virStoragePoolFree(pool);
    virNetworkFree(net);
}

static void
test_start_resources(void)
{
    g_autoptr(XvmVirt) v = xvm_virt_libvirt_new();
    g_autoptr(GError) error = NULL;
    virConnectPtr own = virConnectOpen("test:///default");
    const char *pools[] = { "xvmpool", "default-pool", NULL };     /* one already runs */
    const char *nets[] = { "xvmnet", "default", NULL };
    const char *no_pool[] = { "no-such-pool", NULL };
    const char *no_net[] = { "no-such-net", NULL };

    g_assert_nonnull(own);
    g_assert_true(v->ops->connect(v, "test:///default", 5000, &error));
    define_inactive_resources(own);
    g_assert_true(v->ops->start_resources(v, NULL, pools, nets, &error));
    g_assert_no_error(error);
    assert_resources_active(own, 1);    /* and stops them again */
    g_assert_true(v->ops->start_resources(v, "test:///default", pools, nets, &error));
    g_assert_no_error(error);
    assert_resources_active(own, 1);
    g_assert_false(v->ops->start_resources(v, NULL, no_pool, nets, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED);
    g_assert_nonnull(strstr(error->message, "storage pool no-such-pool"));
    g_clear_error(&error);
    /* Pools first: nothing was started by the failed call. */
    assert_resources_active(own, 0);
    g_assert_false(v->ops->start_resources(v, "test:///default", NULL, no_net, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED);
    g_assert_nonnull(strstr(error->message, "network no-such-net"));
    virConnectClose(own);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    int rc;

    g_test_init(&argc, &argv, NULL);
    /* Start and monitor update the utilization: never in this machine's
     * cluster. */
    g_setenv("CIB_file", "/nonexistent/xvm-libvirt/cib.xml", TRUE);
    guard_root = g_dir_make_tmp("xvm-libvirt-guard-XXXXXX", &error);
    g_assert_no_error(error);
    g_test_add_func("/xvm/libvirt/status", test_status);
    g_test_add_func("/xvm/libvirt/connect-refused", test_connect_refused);
    g_test_add_func("/xvm/libvirt/connect-default", test_connect_default);
    g_test_add_func("/xvm/libvirt/create-transient-marker", test_create_transient_with_marker);
    g_test_add_func("/xvm/libvirt/set-marker", test_set_marker);
    g_test_add_func("/xvm/libvirt/create-persistent", test_create_persistent);
    g_test_add_func("/xvm/libvirt/create-rejected", test_create_rejected);
    g_test_add_func("/xvm/libvirt/shutdown-destroy-events", test_shutdown_destroy_events);
    g_test_add_func("/xvm/libvirt/dump-xml", test_dump_xml);
    g_test_add_func("/xvm/libvirt/sizing", test_sizing);
    g_test_add_func("/xvm/libvirt/start-resources", test_start_resources);
    g_test_add_func("/xvm/libvirt/actions-life", test_actions_life);
    g_test_add_func("/xvm/libvirt/actions-rejected-xml", test_actions_rejected_xml);
    rc = g_test_run();
    remove_tree(guard_root);
    g_free(guard_root);
    return rc;
}
