#include "action-fixture.h"

#include "xvm-context.h"
#include "xvm-request.h"

#include "fake-clock.h"
#include "test-util.h"

XvmEnv *
xvm_test_action_env(const char *tmpdir, const char *config, const char *instance)
{
    XvmEnv *env = xvm_env_new(NULL);
    g_autofree char *guard = g_build_filename(tmpdir, "guard", NULL);
    g_autofree char *rsctmp = g_build_filename(tmpdir, "rsctmp", NULL);

    xvm_env_set(env, "XVM_GUARD_ROOT", guard);
    xvm_env_set(env, "HA_RSCTMP", rsctmp);
    xvm_env_set(env, "XVM_LIBVIRT_CONF", "/nonexistent/xvm-unit/libvirt.conf");
    xvm_env_set(env, "OCF_RESKEY_config", config);
    xvm_env_set(env, "OCF_RESOURCE_INSTANCE", instance);
    return env;
}

XvmOcfRc
xvm_test_run_action(XvmEnv *env, XvmVirt *virt, FakeVirt *fake, XvmAction action,
                    GError **error)
{
    g_autoptr(XvmRequest) req = xvm_request_new(action, env);
    g_autoptr(XvmContext) ctx = xvm_context_new(req, env, virt, fake_clock_now);
    g_autofree char *log = NULL;
    XvmOcfRc rc;

    g_clear_pointer(&ctx->qemu_run_dir, g_free);
    g_clear_error(error);
    rc = xvm_action_run(ctx, error);
    log = fake_virt_log_text(fake);
    g_test_message("%s: rc %d, %s; calls:\n%s", xvm_action_name(action), rc,
                   *error ? (*error)->message : "no error", log);
    return rc;
}

void
action_fx_init(ActionFx *a, const char *instance)
{
    fake_clock_reset();
    a->tmpdir = xvm_test_make_tmpdir();
    a->config = g_build_filename(a->tmpdir, "vm1.xml", NULL);
    a->env = xvm_test_action_env(a->tmpdir, a->config, instance);
    a->virt = fake_virt_new("vm1", XVM_TEST_UUID);
    a->fake = fake_virt_of(a->virt);
    a->old_path = g_strdup(g_getenv("PATH"));
}

void
action_fx_clear(ActionFx *a)
{
    g_setenv("PATH", a->old_path, TRUE);
    xvm_env_free(a->env);
    xvm_virt_unref(a->virt);
    g_clear_error(&a->error);
    xvm_test_remove_tree(a->tmpdir);
    g_free(a->tmpdir);
    g_free(a->config);
    g_free(a->old_path);
}

XvmOcfRc
action_fx_run(ActionFx *a, XvmAction action)
{
    return xvm_test_run_action(a->env, a->virt, a->fake, action, &a->error);
}
