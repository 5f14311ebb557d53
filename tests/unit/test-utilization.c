/* The resource's utilization: the pure parts (what the parameters ask, the
 * values, reading cibadmin's answer, the domain XML's sizes), then the whole
 * step and the actions against a real CIB file through the real cibadmin and
 * crm_resource (CIB_file), with the scripted fake hypervisor for the domain. */
#include <string.h>
#include <libvirt/libvirt.h>   /* state enums for the fake */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-actions.h"
#include "xvm-auto.h"
#include "xvm-domxml.h"
#include "xvm-log.h"
#include "xvm-utilization.h"

#include "fake-virt.h"
#include "action-fixture.h"
#include "test-util.h"

#define UUID XVM_TEST_UUID
#define RSC "vm1"

/* ---- what the parameters ask ------------------------------------------------ */

typedef struct {
    const char *path;
    const char *env[7];     /* OCF_RESKEY_ words */
    XvmUtilWant want[XVM_UTIL_N];
    gboolean any;
} SelectCase;

#define S XVM_UTIL_SET
#define U XVM_UTIL_UNSET
#define K XVM_UTIL_KEEP

static const SelectCase select_cases[] = {
    { "/xvm/utilization/select/defaults", { NULL }, { S, S, S }, TRUE },
    { "/xvm/utilization/select/unset-cpu",
      { "autoset_utilization_cpu=false", "unset_utilization_cpu=true", NULL }, { U, S, S }, TRUE },
    /* VirtualDomain's elif: autoset wins over unset. */
    { "/xvm/utilization/select/autoset-wins", { "unset_utilization_hv_memory=true", NULL },
      { S, S, S }, TRUE },
    { "/xvm/utilization/select/nothing",
      { "autoset_utilization_cpu=false", "autoset_utilization_host_memory=0",
        "autoset_utilization_hv_memory=no", NULL }, { K, K, K }, FALSE },
    { "/xvm/utilization/select/mixed",
      { "autoset_utilization_cpu=false", "autoset_utilization_host_memory=false",
        "unset_utilization_host_memory=yes", NULL }, { K, U, S }, TRUE },
};

static XvmParams *
params_from(const char *const *words)
{
    g_autoptr(XvmEnv) env = xvm_env_new(NULL);
    XvmParams *params = NULL;

    xvm_env_set(env, "OCF_RESKEY_config", "/etc/libvirt/qemu/vm1.xml");
    for (gsize i = 0; words && words[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(words[i], "=", 2);
        g_autofree char *name = g_strconcat("OCF_RESKEY_", kv[0], NULL);

        xvm_env_set(env, name, kv[1]);
    }
    g_assert_true(xvm_params_parse(env, &params, NULL));
    return params;
}

static void
test_select(gconstpointer data)
{
    const SelectCase *c = data;
    g_autoptr(XvmParams) params = params_from(c->env);
    XvmUtilWant want[XVM_UTIL_N];

    g_assert_cmpint(xvm_utilization_select(params, want), ==, c->any);
    for (int i = 0; i < XVM_UTIL_N; i++)
        g_assert_cmpint(want[i], ==, c->want[i]);
}

static void
test_wanted(void)
{
    const XvmUtilWant want[XVM_UTIL_N] = { S, S, U };
    g_auto(XvmUtilWanted) w = { 0 };
    g_auto(XvmUtilWanted) unknown = { 0 };

    /* 2 GiB + 1023 KiB: MiB rounded down, as VirtualDomain's awk printf %d. */
    xvm_utilization_wanted(want, 4, 2 * 1024 * 1024 + 1023, &w);
    g_assert_cmpstr(w.value[XVM_UTIL_CPU], ==, "4");
    g_assert_cmpstr(w.value[XVM_UTIL_HOST_MEMORY], ==, "2048");
    g_assert_cmpint(w.want[XVM_UTIL_HV_MEMORY], ==, XVM_UTIL_UNSET);
    g_assert_null(w.value[XVM_UTIL_HV_MEMORY]);
    /* A size nobody could read is never written as 0. */
    xvm_utilization_wanted(want, 0, 0, &unknown);
    g_assert_cmpint(unknown.want[XVM_UTIL_CPU], ==, XVM_UTIL_KEEP);
    g_assert_cmpint(unknown.want[XVM_UTIL_HOST_MEMORY], ==, XVM_UTIL_KEEP);
    g_assert_cmpint(unknown.want[XVM_UTIL_HV_MEMORY], ==, XVM_UTIL_UNSET);
}

/* ---- cibadmin's answer ------------------------------------------------------ */

static void
test_parse_query(void)
{
    g_autoptr(GHashTable) one = xvm_utilization_parse_query(
        "<nvpair id=\"vm1-utilization-cpu\" name=\"cpu\" value=\"2\"/>");
    g_autoptr(GHashTable) many = xvm_utilization_parse_query(
        "<xpath-query>\n"
        "  <nvpair id=\"a\" name=\"hv_memory\" value=\"512\"/>\n"
        "  <nvpair id=\"b\" name=\"cpu\" value=\"2\"/>\n"
        "  <nvpair id=\"c\" name=\"cpu\" value=\"9\"/>\n"
        "</xpath-query>");
    g_autoptr(GHashTable) none = xvm_utilization_parse_query(
        "<primitive id=\"vm1\" class=\"ocf\" provider=\"xvm\" type=\"domain\"/>");

    g_assert_cmpstr(g_hash_table_lookup(one, "cpu"), ==, "2");
    g_assert_cmpstr(g_hash_table_lookup(many, "hv_memory"), ==, "512");
    g_assert_cmpstr(g_hash_table_lookup(many, "cpu"), ==, "2");   /* the first set wins */
    g_assert_cmpuint(g_hash_table_size(none), ==, 0);
    g_assert_null(xvm_utilization_parse_query(""));
    g_assert_null(xvm_utilization_parse_query(NULL));
    g_assert_null(xvm_utilization_parse_query("Could not connect to the CIB"));
}

/* ---- the sizes in a domain XML (the config, when libvirt cannot say) --------- */

typedef struct {
    const char *path;
    const char *body;       /* inside <domain> after name and uuid */
    guint vcpus;
    guint64 memory_kib;
} SizeCase;

static const SizeCase size_cases[] = {
    { "/xvm/utilization/xml/kib-default", "<memory>524288</memory><vcpu>2</vcpu>", 2, 524288 },
    { "/xvm/utilization/xml/mib", "<memory unit='MiB'>512</memory><vcpu>1</vcpu>", 1, 524288 },
    { "/xvm/utilization/xml/g", "<memory unit='G'>2</memory>", 1, 2097152 },
    { "/xvm/utilization/xml/gb-decimal", "<memory unit='GB'>1</memory>", 1, 976563 },
    { "/xvm/utilization/xml/bytes", "<memory unit='bytes'>1048577</memory>", 1, 1025 },
    { "/xvm/utilization/xml/current-vcpus",
      "<memory unit='KiB'>1024</memory><vcpu placement='static' current='3'>8</vcpu>", 3, 1024 },
    { "/xvm/utilization/xml/no-memory", "<vcpu> 4 </vcpu>", 4, 0 },
    { "/xvm/utilization/xml/bad-unit", "<memory unit='parsecs'>1</memory>", 1, 0 },
    { "/xvm/utilization/xml/bad-vcpu", "<vcpu>many</vcpu>", 0, 0 },
};

static void
test_xml_sizes(gconstpointer data)
{
    const SizeCase *c = data;
    g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>vm1</name><uuid>%s</uuid>"
                                           "%s</domain>", UUID, c->body);
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse(xml, strlen(xml), &error);

    g_assert_no_error(error);
    g_assert_cmpuint(cfg->vcpus, ==, c->vcpus);
    g_assert_cmpuint(cfg->memory_kib, ==, c->memory_kib);
}

/* ---- against a real CIB file --------------------------------------------------- */

typedef struct {
    char *tmpdir;
    char *cib;              /* CIB_file; NULL: the test is skipped */
    char *old_path;
    XvmEnv *env;
    XvmVirt *virt;
    FakeVirt *fake;
    XvmRequest *req;
    XvmContext *ctx;
} Fx;

static void
fx_setup(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx->tmpdir = xvm_test_make_tmpdir();
    fx->old_path = g_strdup(g_getenv("PATH"));
    fx->cib = xvm_test_make_cib(fx->tmpdir);
    fx->virt = fake_virt_new("vm1", UUID);
    fx->fake = fake_virt_of(fx->virt);
    fake_virt_set_state(fx->fake, TRUE, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED);
    fake_virt_set_marker(fx->fake, RSC);
}

static void
fx_drop_context(Fx *fx)
{
    g_clear_pointer(&fx->ctx, xvm_context_free);
    g_clear_pointer(&fx->req, xvm_request_free);
    g_clear_pointer(&fx->env, xvm_env_free);
}

static void
fx_teardown(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    fx_drop_context(fx);
    xvm_virt_unref(fx->virt);
    g_setenv("CIB_file", "/nonexistent/xvm-unit/cib.xml", TRUE);     /* as xvm_test_init */
    g_setenv("PATH", fx->old_path, TRUE);
    xvm_test_remove_tree(fx->tmpdir);
    g_free(fx->tmpdir);
    g_free(fx->cib);
    g_free(fx->old_path);
}

/* A fresh context for action, as one run of the agent; words are
 * "NAME=value" environment entries ("-NAME" unsets).  The domain counts as
 * seen running (as after a successful look). */
static void
fx_context(Fx *fx, XvmAction action, const char *const *words)
{
    g_autofree char *config = g_test_build_filename(G_TEST_DIST, "data", "unit", "vm1.xml",
                                                    NULL);

    fx_drop_context(fx);
    fx->env = xvm_test_action_env(fx->tmpdir, config, RSC);
    xvm_env_set(fx->env, "OCF_RESKEY_CRM_meta_interval", "10000");
    for (gsize i = 0; words && words[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(words[i], "=", 2);

        if (words[i][0] == '-')
            g_hash_table_remove(fx->env->vars, words[i] + 1);
        else
            xvm_env_set(fx->env, kv[0], kv[1]);
    }
    fx->req = xvm_request_new(action, fx->env);
    fx->ctx = xvm_context_new(fx->req, fx->env, fx->virt, NULL);
    fx->ctx->proc_root = "/nonexistent/xvm-unit/proc";
    xvm_context_set_domain(fx->ctx, "vm1", UUID);
}

/* One monitor (recurring unless words say otherwise): the step alone. */
static void
fx_update(Fx *fx, XvmAction action, XvmUtilWhen when, const char *const *words)
{
    fx_context(fx, action, words);
    xvm_utilization_update(fx->ctx, when);
}

/* The value crm_resource reads, or NULL when the attribute is not there. */
static char *
cib_get(const char *rsc, const char *name)
{
    const char *argv[] = { "crm_resource", "--resource", rsc, "--utilization",
                           "--get-parameter", name, NULL };
    char *out = NULL;

    /* Absent: exit 105, or (an emptied set) exit 0 and no output. */
    if (!xvm_test_spawn_ok(argv, &out) || g_strstrip(out)[0] == '\0') {
        g_free(out);
        return NULL;
    }
    return out;
}

static void
cib_set(const char *rsc, const char *name, const char *value)
{
    const char *argv[] = { "crm_resource", "--resource", rsc, "--utilization",
                           "--set-parameter", name, "--parameter-value", value, NULL };

    g_assert_true(xvm_test_spawn_ok(argv, NULL));
}

/* "admin_epoch.epoch.num_updates" of the CIB file: any write changes it. */
static char *
cib_version(const char *path)
{
    g_autoptr(xmlDoc) doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    xmlNode *root;
    g_autofree xmlChar *admin = NULL;
    g_autofree xmlChar *epoch = NULL;
    g_autofree xmlChar *updates = NULL;

    g_assert_nonnull(doc);
    root = xmlDocGetRootElement(doc);
    admin = xmlGetProp(root, (const xmlChar *) "admin_epoch");
    epoch = xmlGetProp(root, (const xmlChar *) "epoch");
    updates = xmlGetProp(root, (const xmlChar *) "num_updates");
    return g_strdup_printf("%s.%s.%s", admin, epoch, updates);
}

static void
assert_util(const char *cpu, const char *host_memory, const char *hv_memory)
{
    g_autofree char *c = cib_get(RSC, "cpu");
    g_autofree char *h = cib_get(RSC, "host_memory");
    g_autofree char *v = cib_get(RSC, "hv_memory");

    g_assert_cmpstr(c, ==, cpu);
    g_assert_cmpstr(h, ==, host_memory);
    g_assert_cmpstr(v, ==, hv_memory);
}

static char *
note_text(Fx *fx)
{
    g_autofree char *path = xvm_utilization_note_path(fx->ctx);
    char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

/* Makes this node's note as old as XVM_UTILIZATION_RECHECK_S. */
static void
age_note(Fx *fx)
{
    g_autofree char *path = xvm_utilization_note_path(fx->ctx);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;

    g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL));
    g_key_file_set_int64(kf, "utilization", "checked", now_s - XVM_UTILIZATION_RECHECK_S);
    g_assert_true(g_key_file_save_to_file(kf, path, NULL));
}

/* Tools that note each run in tmpdir/ran, then run body (which may exec
 * the real tool, "$REAL"). */
static void
put_tools(Fx *fx, const char *body)
{
    g_autofree char *bin = g_build_filename(fx->tmpdir, "bin", NULL);
    g_autofree char *path = g_strconcat(bin, ":", fx->old_path, NULL);
    const char *tools[] = { "cibadmin", "crm_resource" };

    for (gsize i = 0; i < G_N_ELEMENTS(tools); i++) {
        g_autofree char *real = g_find_program_in_path(tools[i]);
        g_autofree char *script = g_strdup_printf(
            "#!/bin/sh\nREAL='%s'\necho \"$(basename \"$0\") $*\" >> '%s/ran'\n%s\n",
            real ? real : "/nonexistent", fx->tmpdir, body);

        g_free(xvm_test_write_program(bin, tools[i], script));
    }
    g_setenv("PATH", path, TRUE);
}

/* What the tools were run for since the last call ("" for nothing). */
static char *
tools_log(Fx *fx)
{
    g_autofree char *ran = g_build_filename(fx->tmpdir, "ran", NULL);
    char *text = NULL;

    if (!g_file_get_contents(ran, &text, NULL, NULL))
        return g_strdup("");
    g_unlink(ran);
    return text;
}

static gboolean
tools_ran(Fx *fx)
{
    g_autofree char *text = tools_log(fx);

    return text[0] != '\0';
}

/* The recurring monitor that these CIB tests start from.  FALSE when there
 * is no CIB file (the fixture has marked the test skipped): nothing to do. */
static gboolean
first_monitor(Fx *fx)
{
    if (fx->cib == NULL)
        return FALSE;
    fx_update(fx, XVM_ACTION_MONITOR, XVM_UTIL_IF_DUE, NULL);
    return TRUE;
}

/* One monitor's step: TRUE when it wrote the CIB (its version moved). */
static gboolean
update_wrote(Fx *fx, XvmUtilWhen when, const char *const *words)
{
    g_autofree char *before = cib_version(fx->cib);
    g_autofree char *after = NULL;

    fx_update(fx, XVM_ACTION_MONITOR, when, words);
    after = cib_version(fx->cib);
    g_test_message("CIB version %s -> %s", before, after);
    return g_strcmp0(after, before) != 0;
}

/* Asked again with nothing changed: one query (put_tools logs it), and no
 * write. */
static void
assert_queried_only(Fx *fx, XvmUtilWhen when)
{
    g_autofree char *log = NULL;

    g_assert_false(update_wrote(fx, when, NULL));
    log = tools_log(fx);
    g_assert_null(strstr(log, "crm_resource"));
    g_assert_nonnull(strstr(log, "cibadmin --query"));
}

/* The first monitor writes the live values (not the config's 1 vCPU and
 * 512 MiB); the next ones write nothing: the CIB's version stays. */
static void
test_first_monitor_writes(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *note = NULL;
    g_autofree char *log = NULL;

    if (!first_monitor(fx))
        return;
    assert_util("2", "1024", "1024");
    note = note_text(fx);
    g_assert_nonnull(note);
    g_assert_nonnull(strstr(note, "cib=ok"));
    put_tools(fx, "exec \"$REAL\" \"$@\"");
    /* Within the re-check time: not even a query. */
    g_assert_false(update_wrote(fx, XVM_UTIL_IF_DUE, NULL));
    log = tools_log(fx);
    g_assert_cmpstr(log, ==, "");
    /* Asked again (a probe, a start), and again with a stale note. */
    assert_queried_only(fx, XVM_UTIL_NOW);
    age_note(fx);
    assert_queried_only(fx, XVM_UTIL_IF_DUE);
    assert_util("2", "1024", "1024");
}

/* The note spares the recurring monitor a CIB query, and only for
 * XVM_UTILIZATION_RECHECK_S; a probe always looks. */
static void
test_note_bounds_queries(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    if (!first_monitor(fx))
        return;
    cib_set(RSC, "cpu", "7");               /* changed behind the agent's back */
    fx_update(fx, XVM_ACTION_MONITOR, XVM_UTIL_IF_DUE, NULL);
    assert_util("7", "1024", "1024");       /* trusted the note: no query */
    age_note(fx);
    fx_update(fx, XVM_ACTION_MONITOR, XVM_UTIL_IF_DUE, NULL);
    assert_util("2", "1024", "1024");
    cib_set(RSC, "cpu", "7");
    fx_update(fx, XVM_ACTION_MONITOR, XVM_UTIL_NOW, NULL);
    assert_util("2", "1024", "1024");
}

/* A vCPU hot-plugged (or a restart with more): rewritten at the next check,
 * and the memory left alone. */
static void
test_vcpus_changed(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    if (!first_monitor(fx))
        return;
    fake_virt_set_sizing(fx->fake, 4, 1024 * 1024);
    age_note(fx);
    g_assert_true(update_wrote(fx, XVM_UTIL_IF_DUE, NULL));
    assert_util("4", "1024", "1024");
    /* Another domain (a new UUID) makes the note stale at once. */
    fake_virt_set_sizing(fx->fake, 3, 2 * 1024 * 1024);
    fx_context(fx, XVM_ACTION_MONITOR, NULL);
    fake_virt_set_uuid(fx->fake, "0b7a1c7e-5d8e-4f3a-8e0f-9a2d3c4b5e6f");
    xvm_context_set_domain(fx->ctx, "vm1", "0b7a1c7e-5d8e-4f3a-8e0f-9a2d3c4b5e6f");
    xvm_utilization_update(fx->ctx, XVM_UTIL_IF_DUE);
    assert_util("3", "2048", "2048");
}

/* unset_*: removed when there, and then nothing more is written. */
static void
test_unset(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const unset_words[] = {
        "OCF_RESKEY_autoset_utilization_cpu=false", "OCF_RESKEY_unset_utilization_cpu=true",
        "OCF_RESKEY_autoset_utilization_hv_memory=false", NULL
    };
    g_autofree char *log = NULL;

    if (!first_monitor(fx))
        return;
    /* Changed parameters make the note stale at once. */
    fx_update(fx, XVM_ACTION_MONITOR, XVM_UTIL_IF_DUE, unset_words);
    assert_util(NULL, "1024", "1024");      /* hv_memory: neither set nor unset */
    put_tools(fx, "exec \"$REAL\" \"$@\"");
    g_assert_false(update_wrote(fx, XVM_UTIL_NOW, unset_words));
    log = tools_log(fx);
    g_assert_null(strstr(log, "crm_resource"));     /* already absent: not removed again */
}

/* Everything off: no query, no note. */
static void
test_all_off(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const off[] = {
        "OCF_RESKEY_autoset_utilization_cpu=false",
        "OCF_RESKEY_autoset_utilization_host_memory=false",
        "OCF_RESKEY_autoset_utilization_hv_memory=false", NULL
    };
    g_autofree char *note = NULL;

    if (fx->cib == NULL)
        return;
    fx_update(fx, XVM_ACTION_MONITOR, XVM_UTIL_NOW, off);
    assert_util(NULL, NULL, NULL);
    note = note_text(fx);
    g_assert_null(note);
    g_assert_cmpuint(fake_virt_count(fx->fake, FAKE_OP_SIZING), ==, 0);
}

/* A clone instance "vm1:0" is the primitive vm1. */
static void
test_clone_instance(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const clone[] = { "OCF_RESOURCE_INSTANCE=vm1:0", NULL };

    if (fx->cib == NULL)
        return;
    fx_update(fx, XVM_ACTION_START, XVM_UTIL_NOW, clone);
    assert_util("2", "1024", "1024");
}

/* libvirt cannot say: the config's sizes (this same domain), never a 0. */
static void
test_sizes_from_config(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    if (fx->cib == NULL)
        return;
    fake_virt_fail(fx->fake, FAKE_OP_SIZING, XVM_ERROR_LIBVIRT, -1);
    fx_update(fx, XVM_ACTION_START, XVM_UTIL_NOW, NULL);
    assert_util("1", "512", "512");
}

/* A run by hand has no resource: no CIB is touched, whatever CIB_file says. */
static void
test_by_hand(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const by_hand[] = { "-OCF_RESOURCE_INSTANCE", NULL };

    put_tools(fx, "exit 0");
    fx_update(fx, XVM_ACTION_START, XVM_UTIL_NOW, by_hand);
    g_assert_true(g_str_has_prefix(fx->req->instance, "by-hand:"));
    fx_update(fx, XVM_ACTION_MONITOR, XVM_UTIL_NOW, by_hand);
    g_assert_false(tools_ran(fx));
}

/* ---- the actions: never failed by the CIB --------------------------------------- */

static XvmOcfRc
run_action(Fx *fx, XvmAction action, const char *const *words)
{
    g_autoptr(GError) error = NULL;
    XvmOcfRc rc;

    fx_context(fx, action, words);
    rc = xvm_action_run(fx->ctx, &error);
    g_assert_no_error(error);
    return rc;
}

/* Monitor, probe and start each write (recurring monitor: the first time). */
static void
test_actions_write(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const probe[] = { "OCF_RESKEY_CRM_meta_interval=0", NULL };

    if (fx->cib == NULL)
        return;
    g_assert_cmpint(run_action(fx, XVM_ACTION_MONITOR, NULL), ==, XVM_OCF_SUCCESS);
    assert_util("2", "1024", "1024");
    fake_virt_set_sizing(fx->fake, 3, 1024 * 1024);
    g_assert_cmpint(run_action(fx, XVM_ACTION_MONITOR, probe), ==, XVM_OCF_SUCCESS);
    assert_util("3", "1024", "1024");
    fake_virt_set_sizing(fx->fake, 4, 1024 * 1024);
    g_assert_cmpint(run_action(fx, XVM_ACTION_START, NULL), ==, XVM_OCF_SUCCESS);
    assert_util("4", "1024", "1024");
    /* A domain that does not run here: nothing to count. */
    fake_virt_set_sizing(fx->fake, 5, 1024 * 1024);
    fake_virt_set_state(fx->fake, TRUE, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SHUTDOWN);
    g_assert_cmpint(run_action(fx, XVM_ACTION_MONITOR, probe), ==, XVM_OCF_NOT_RUNNING);
    assert_util("4", "1024", "1024");
}

typedef struct {
    const char *path;
    const char *tools;      /* the tools' body (put_tools) */
    gboolean missing_cib;   /* CIB_file names no file; the real tools */
} FailCase;

static const FailCase fail_cases[] = {
    { "/xvm/utilization/cib/missing-file", "exec \"$REAL\" \"$@\"", TRUE },
    { "/xvm/utilization/cib/not-connected",
      "echo 'Could not connect to the CIB: Transport endpoint is not connected' >&2; exit 102",
      FALSE },
    { "/xvm/utilization/cib/write-refused",
      "case $0 in *cibadmin) echo '<primitive id=\"vm1\"/>';; *) echo 'Call failed: "
      "Permission denied' >&2; exit 13;; esac", FALSE },
    { "/xvm/utilization/cib/garbage", "echo 'not XML at all'", FALSE },
};

/* The action succeeds; the warning says what was not done; the note stops
 * the next recurring monitors from paying for it again. */
static void
run_failing_cib(const FailCase *c)
{
    g_autofree char *tmp = xvm_test_make_tmpdir();
    g_autofree char *missing = g_build_filename(tmp, "no-cib.xml", NULL);
    Fx fx = { 0 };
    g_autoptr(XvmEnv) log_env = xvm_env_new(NULL);
    g_autofree char *note = NULL;

    fx_setup(&fx, NULL);
    if (c->missing_cib)
        g_setenv("CIB_file", missing, TRUE);
    put_tools(&fx, c->tools);
    /* Warnings to stderr only, where the parent reads them. */
    xvm_env_set(log_env, "HA_LOGFACILITY", "none");
    xvm_log_init(log_env, RSC);
    g_assert_cmpint(run_action(&fx, XVM_ACTION_START, NULL), ==, XVM_OCF_SUCCESS);
    note = note_text(&fx);
    g_assert_nonnull(note);
    g_assert_nonnull(strstr(note, "cib=failed"));
    /* The next recurring monitor trusts the note: no second attempt. */
    g_free(tools_log(&fx));
    g_assert_cmpint(run_action(&fx, XVM_ACTION_MONITOR, NULL), ==, XVM_OCF_SUCCESS);
    g_assert_false(tools_ran(&fx));
    g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
    fx_teardown(&fx, NULL);
    xvm_test_remove_tree(tmp);
}

static void
test_cib_fails(gconstpointer data)
{
    const FailCase *c = data;
    g_autofree char *tool = g_find_program_in_path("cibadmin");

    if (c->missing_cib && tool == NULL) {
        g_test_skip("no cibadmin (Pacemaker's tools are not installed)");
        return;
    }
    if (g_test_subprocess()) {
        run_failing_cib(c);
        return;
    }
    g_test_trap_subprocess(NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDIN);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*utilization of vm1 not updated (the action goes on)*");
}

/* cibadmin hangs: bounded by the budget, and the action still succeeds. */
static void
test_cib_hangs(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *const short_timeout[] = { "OCF_RESKEY_CRM_meta_timeout=3000", NULL };
    gint64 start = g_get_monotonic_time();

    put_tools(fx, "exec sleep 30");
    g_assert_cmpint(run_action(fx, XVM_ACTION_START, short_timeout), ==, XVM_OCF_SUCCESS);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 3 * G_USEC_PER_SEC);
    g_assert_true(tools_ran(fx));
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(select_cases); i++)
        g_test_add_data_func(select_cases[i].path, &select_cases[i], test_select);
    g_test_add_func("/xvm/utilization/wanted", test_wanted);
    g_test_add_func("/xvm/utilization/parse-query", test_parse_query);
    for (gsize i = 0; i < G_N_ELEMENTS(size_cases); i++)
        g_test_add_data_func(size_cases[i].path, &size_cases[i], test_xml_sizes);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("/xvm/utilization/cib/first-monitor-writes", test_first_monitor_writes);
    ADD("/xvm/utilization/cib/note-bounds-queries", test_note_bounds_queries);
    ADD("/xvm/utilization/cib/vcpus-changed", test_vcpus_changed);
    ADD("/xvm/utilization/cib/unset", test_unset);
    ADD("/xvm/utilization/cib/all-off", test_all_off);
    ADD("/xvm/utilization/cib/clone-instance", test_clone_instance);
    ADD("/xvm/utilization/cib/sizes-from-config", test_sizes_from_config);
    ADD("/xvm/utilization/cib/by-hand", test_by_hand);
    ADD("/xvm/utilization/actions/write", test_actions_write);
    ADD("/xvm/utilization/cib/hangs", test_cib_hangs);
#undef ADD
    for (gsize i = 0; i < G_N_ELEMENTS(fail_cases); i++)
        g_test_add_data_func(fail_cases[i].path, &fail_cases[i], test_cib_fails);
    return g_test_run();
}
