#include "xvm-virt.h"

#include <string.h>

void
xvm_domain_status_clear(XvmDomainStatus *status)
{
    g_free(status->name);
    g_free(status->uuid);
    memset(status, 0, sizeof(*status));
}

void
xvm_target_facts_clear(XvmTargetFacts *facts)
{
    g_free(facts->name_taken_by);
    g_free(facts->cpu_detail);
    if (facts->missing_disks)
        g_ptr_array_unref(facts->missing_disks);
    memset(facts, 0, sizeof(*facts));
}

XvmVirt *
xvm_virt_new(const XvmVirtOps *ops, gpointer priv)
{
    XvmVirt *v = g_new0(XvmVirt, 1);

    v->ops = ops;
    v->priv = priv;
    v->refs = 1;
    return v;
}

XvmVirt *
xvm_virt_ref(XvmVirt *v)
{
    g_atomic_int_inc(&v->refs);
    return v;
}

void
xvm_virt_unref(XvmVirt *v)
{
    if (v == NULL || !g_atomic_int_dec_and_test(&v->refs))
        return;
    if (v->ops->free)
        v->ops->free(v);
    g_free(v);
}

void
xvm_active_domain_free(gpointer data)
{
    XvmActiveDomain *domain = data;

    g_free(domain->name);
    g_free(domain->uuid);
    g_free(domain->marker);
    g_free(domain);
}
