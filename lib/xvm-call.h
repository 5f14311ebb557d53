/* A hypervisor call on one domain, run on a worker thread (xvm-job.h) so
 * that the action stops waiting for it at its deadline.  Every such call
 * (shutdown, destroy, save, migrate, the migration's pre-flight) needs the
 * same things: its own reference to the seam and its own copy of the
 * domain's name and UUID, because an abandoned call outlives the action that
 * started it.  This unit holds those; the caller brings only what its call
 * adds. */
#pragma once

#include <glib.h>

#include "xvm-job.h"
#include "xvm-virt.h"

typedef gboolean (*XvmCallFunc)(XvmVirt *virt, const XvmDomainRef *ref, gpointer data,
                                GError **error);

/* Runs func(virt, ref, data) on a thread called name.  data (may be NULL)
 * is the call's own, freed with free_data when the job ends; the caller may
 * read it for as long as it holds the job. */
XvmJob *xvm_call_start(const char *name, XvmVirt *virt, XvmDomainRef ref, XvmCallFunc func,
                       gpointer data, GDestroyNotify free_data);

/* A shutdown request with modes (libvirt's flags; 0: the hypervisor's
 * default method). */
XvmJob *xvm_call_shutdown(XvmVirt *virt, XvmDomainRef ref, guint modes);

XvmJob *xvm_call_destroy(XvmVirt *virt, XvmDomainRef ref);
