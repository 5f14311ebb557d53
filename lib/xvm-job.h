/* A libvirt call run on a worker thread, so that the action can stop waiting
 * for it at its deadline (a shutdown request can block for a minute on an
 * unresponsive guest agent; a migration for as long as it takes).  A job
 * that never returns is abandoned: the process exits without it. */
#pragma once

#include <glib.h>

typedef gboolean (*XvmJobFunc)(gpointer data, GError **error);

typedef struct XvmJob XvmJob;

/* data is owned by the job and freed with free_data when the job ends. */
XvmJob *xvm_job_start(const char *name, XvmJobFunc func, gpointer data,
                      GDestroyNotify free_data);
/* TRUE once the job has finished; waits at most timeout_ms. */
gboolean xvm_job_wait(XvmJob *job, gint64 timeout_ms);
/* The job's result; only after xvm_job_wait returned TRUE. */
gboolean xvm_job_result(XvmJob *job, GError **error);
void xvm_job_unref(XvmJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmJob, xvm_job_unref)
