#include "xvm-log.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <qb/qblog.h>

#include "xvm-params.h"

/* The libqb calls we make, resolved when libqb is loaded. */
typedef struct {
    void (*init)(const char *name, int32_t facility, uint8_t priority);
    int32_t (*ctl)(int32_t target, enum qb_log_conf conf, int32_t arg);
    int32_t (*filter_ctl)(int32_t target, enum qb_log_filter_conf op,
                          enum qb_log_filter_type type, const char *text, uint8_t priority);
    void (*format_set)(int32_t target, const char *format);
    void (*log)(const char *function, const char *filename, const char *format,
                uint8_t priority, uint32_t lineno, uint32_t tags, ...);
    int32_t (*facility2int)(const char *name);
    void (*fini)(void);
} QbApi;

static struct {
    gboolean configured;
    gboolean loaded;        /* libqb tried: api valid only if it worked */
    QbApi api;
    int level;              /* messages above this priority are dropped */
    char *facility_name;    /* NULL: syslog off */
    char *format;
} logger;

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

static char *
facility_name(const XvmEnv *env)
{
    static const char *const names[] = { "HA_LOGFACILITY", "HA_logfacility",
                                          "PCMK_logfacility", NULL };
    const char *value = first_set(env, names);

    if (value == NULL)
        return g_strdup("daemon");
    return g_ascii_strcasecmp(value, "none") == 0 ? NULL : g_strdup(value);
}

void
xvm_log_init(const XvmEnv *env, const char *instance)
{
    logger.level = debug_wanted(env) ? LOG_DEBUG : LOG_INFO;
    logger.facility_name = facility_name(env);
    logger.format = g_strdup_printf("domain(%s)[%%P]: %%p: %%b", instance);
    logger.configured = TRUE;
}

static gboolean
resolve(void *lib, const char *symbol, void **out)
{
    *out = dlsym(lib, symbol);
    return *out != NULL;
}

static gboolean
load_libqb(QbApi *api)
{
    void *lib = dlopen(XVM_LIBQB_SONAME, RTLD_NOW | RTLD_LOCAL);

    return lib && resolve(lib, "qb_log_init", (void **) &api->init)
           && resolve(lib, "qb_log_ctl", (void **) &api->ctl)
           && resolve(lib, "qb_log_filter_ctl", (void **) &api->filter_ctl)
           && resolve(lib, "qb_log_format_set", (void **) &api->format_set)
           && resolve(lib, "qb_log_from_external_source", (void **) &api->log)
           && resolve(lib, "qb_log_facility2int", (void **) &api->facility2int)
           && resolve(lib, "qb_log_fini", (void **) &api->fini);
}

static void
start_libqb(void)
{
    QbApi *qb = &logger.api;
    int facility;

    logger.loaded = load_libqb(qb);
    if (!logger.loaded)
        return;
    facility = logger.facility_name ? qb->facility2int(logger.facility_name) : -1;
    qb->init("ocf:xvm:domain", facility >= 0 ? facility : LOG_DAEMON, logger.level);
    qb->ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, logger.facility_name != NULL);
    qb->filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", logger.level);
    qb->format_set(QB_LOG_SYSLOG, logger.format);
    qb->ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb->filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
                   logger.level == LOG_DEBUG ? LOG_DEBUG : LOG_WARNING);
    qb->format_set(QB_LOG_STDERR, logger.format);
}

void
xvm_log_message(int priority, const char *function, const char *file, int line,
                const char *format, ...)
{
    g_autofree char *text = NULL;
    va_list args;

    if (!logger.configured || priority > logger.level)
        return;
    va_start(args, format);
    text = g_strdup_vprintf(format, args);
    va_end(args);
    if (!logger.loaded)
        start_libqb();
    if (logger.api.log == NULL) {
        /* libqb missing: never lose a warning. */
        if (priority <= LOG_WARNING)
            fprintf(stderr, "ocf:xvm:domain: %s\n", text);
        return;
    }
    logger.api.log(function, file, "%s", (uint8_t) priority, (uint32_t) line, 0, text);
}

void
xvm_log_fini(void)
{
    if (logger.loaded && logger.api.fini)
        logger.api.fini();
    g_clear_pointer(&logger.facility_name, g_free);
    g_clear_pointer(&logger.format, g_free);
    logger.configured = FALSE;
}
