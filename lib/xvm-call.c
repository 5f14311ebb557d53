#include "xvm-call.h"

typedef struct {
    XvmVirt *virt;
    char *name;
    char *uuid;
    XvmCallFunc func;
    gpointer data;
    GDestroyNotify free_data;
} Call;

static void
call_free(gpointer user_data)
{
    Call *call = user_data;

    if (call->free_data)
        call->free_data(call->data);
    xvm_virt_unref(call->virt);
    g_free(call->name);
    g_free(call->uuid);
    g_free(call);
}

static gboolean
call_run(gpointer user_data, GError **error)
{
    Call *call = user_data;
    XvmDomainRef ref = { call->name, call->uuid };

    return call->func(call->virt, &ref, call->data, error);
}

XvmJob *
xvm_call_start(const char *name, XvmVirt *virt, XvmDomainRef ref, XvmCallFunc func,
               gpointer data, GDestroyNotify free_data)
{
    Call *call = g_new0(Call, 1);

    call->virt = xvm_virt_ref(virt);
    call->name = g_strdup(ref.name);
    call->uuid = g_strdup(ref.uuid);
    call->func = func;
    call->data = data;
    call->free_data = free_data;
    return xvm_job_start(name, call_run, call, call_free);
}

static gboolean
shutdown_run(XvmVirt *virt, const XvmDomainRef *ref, gpointer data, GError **error)
{
    return virt->ops->shutdown(virt, ref, GPOINTER_TO_UINT(data), error);
}

XvmJob *
xvm_call_shutdown(XvmVirt *virt, XvmDomainRef ref, guint modes)
{
    return xvm_call_start("xvm-shutdown", virt, ref, shutdown_run, GUINT_TO_POINTER(modes),
                          NULL);
}

static gboolean
destroy_run(XvmVirt *virt, const XvmDomainRef *ref, gpointer data G_GNUC_UNUSED,
            GError **error)
{
    return virt->ops->destroy(virt, ref, error);
}

XvmJob *
xvm_call_destroy(XvmVirt *virt, XvmDomainRef ref)
{
    return xvm_call_start("xvm-destroy", virt, ref, destroy_run, NULL, NULL);
}
