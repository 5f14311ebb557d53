#include "xvm-job.h"

#include "xvm-error.h"

struct XvmJob {
    gint refs;
    GMutex lock;
    GCond done_cond;
    gboolean done;
    gboolean ok;
    GError *error;
    XvmJobFunc func;
    gpointer data;
    GDestroyNotify free_data;
};

static gpointer
job_thread(gpointer user_data)
{
    XvmJob *job = user_data;
    GError *error = NULL;
    gboolean ok = job->func(job->data, &error);

    g_mutex_lock(&job->lock);
    job->ok = ok;
    job->error = error;
    job->done = TRUE;
    g_cond_broadcast(&job->done_cond);
    g_mutex_unlock(&job->lock);
    xvm_job_unref(job);
    return NULL;
}

XvmJob *
xvm_job_start(const char *name, XvmJobFunc func, gpointer data, GDestroyNotify free_data)
{
    XvmJob *job = g_new0(XvmJob, 1);
    GThread *thread;
    GError *error = NULL;

    job->refs = 2;   /* the caller's and the thread's */
    g_mutex_init(&job->lock);
    g_cond_init(&job->done_cond);
    job->func = func;
    job->data = data;
    job->free_data = free_data;
    thread = g_thread_try_new(name, job_thread, job, &error);
    if (thread) {
        g_thread_unref(thread);
        return job;
    }
    /* No thread (a process limit): the job has failed, and says why; it
     * never aborts the agent. */
    job->refs = 1;
    job->done = TRUE;
    job->error = g_error_new(XVM_ERROR, XVM_ERROR_INTERNAL, "cannot start thread %s: %s",
                             name, error->message);
    g_error_free(error);
    return job;
}

gboolean
xvm_job_wait(XvmJob *job, gint64 timeout_ms)
{
    gint64 end = g_get_monotonic_time() + MAX(timeout_ms, 0) * 1000;
    gboolean done;

    g_mutex_lock(&job->lock);
    while (!job->done && g_cond_wait_until(&job->done_cond, &job->lock, end))
        ;
    done = job->done;
    g_mutex_unlock(&job->lock);
    return done;
}

gboolean
xvm_job_result(XvmJob *job, GError **error)
{
    g_assert(job->done);
    if (!job->ok && job->error)
        g_propagate_error(error, g_error_copy(job->error));
    return job->ok;
}

void
xvm_job_unref(XvmJob *job)
{
    if (job == NULL || !g_atomic_int_dec_and_test(&job->refs))
        return;
    if (job->free_data)
        job->free_data(job->data);
    g_clear_error(&job->error);
    g_mutex_clear(&job->lock);
    g_cond_clear(&job->done_cond);
    g_free(job);
}
