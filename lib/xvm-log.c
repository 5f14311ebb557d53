#include "xvm-log.h"

#include <string.h>

#include "xvm-params.h"

static const char *
first_set(const XvmEnv *env, const char *const *names)
{
    for (gsize i = 0; names[i]; i++) {
        const char *value = xvm_env_get(env, names[i]);

        if (value && value[0])
            return value;
    }
    return NULL;
}

static gboolean
debug_wanted(const XvmEnv *env)
{
    static const char *const names[] = { "HA_debug", "PCMK_debug", "OCF_TRACE_RA", NULL };
    const char *value = first_set(env, names);
    gboolean on = FALSE;

    /* PCMK_debug may also be a list of daemon names: any value but "no" counts. */
    return value && (!xvm_parse_bool(value, &on) || on);
}

static int
syslog_facility(const XvmEnv *env)
{
    static const char *const names[] = { "HA_LOGFACILITY", "HA_logfacility",
                                          "PCMK_logfacility", NULL };
    const char *value = first_set(env, names);
    int facility;

    if (value == NULL)
        return LOG_DAEMON;
    if (g_ascii_strcasecmp(value, "none") == 0)
        return -1;
    facility = qb_log_facility2int(value);
    return facility < 0 ? LOG_DAEMON : facility;
}

void
xvm_log_init(const XvmEnv *env, const char *instance)
{
    int facility = syslog_facility(env);
    int level = debug_wanted(env) ? LOG_DEBUG : LOG_INFO;
    g_autofree char *format = g_strdup_printf("domain(%s)[%%P]: %%p: %%b", instance);

    qb_log_init("ocf:xvm:domain", facility < 0 ? LOG_DAEMON : facility, level);
    qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, facility >= 0);
    qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", level);
    qb_log_format_set(QB_LOG_SYSLOG, format);
    qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
                      level == LOG_DEBUG ? LOG_DEBUG : LOG_WARNING);
    qb_log_format_set(QB_LOG_STDERR, format);
}

void
xvm_log_fini(void)
{
    qb_log_fini();
}
