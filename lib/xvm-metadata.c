#include "xvm-metadata.h"

#include <string.h>

const char *
xvm_metadata_text(void)
{
    return xvm_metadata_xml_text;
}

const XvmParamSpec *
xvm_metadata_params(gsize *count)
{
    *count = xvm_metadata_param_count;
    return xvm_metadata_param_table;
}

const XvmParamSpec *
xvm_metadata_param(const char *name)
{
    for (gsize i = 0; i < xvm_metadata_param_count; i++) {
        if (strcmp(xvm_metadata_param_table[i].name, name) == 0)
            return &xvm_metadata_param_table[i];
    }
    return NULL;
}

gint64
xvm_metadata_timeout_ms(XvmAction action)
{
    const char *name = xvm_action_name(action);

    for (gsize i = 0; i < xvm_metadata_action_count; i++) {
        if (strcmp(xvm_metadata_action_table[i].name, name) == 0) {
            gint64 ms = xvm_interval_spec_to_ms(xvm_metadata_action_table[i].timeout_spec);

            return ms > 0 ? ms : 0;
        }
    }
    return 0;
}

gint64
xvm_interval_spec_to_ms(const char *spec)
{
    static const struct {
        const char *suffix;
        gint64 ms;
    } units[] = {
        { "", 1000 }, { "s", 1000 }, { "sec", 1000 }, { "ms", 1 },
        { "msec", 1 }, { "m", 60000 }, { "min", 60000 }, { "h", 3600000 },
        { "hr", 3600000 },
    };
    char *end = NULL;
    guint64 value;

    if (spec == NULL || !g_ascii_isdigit(spec[0]))
        return -1;
    value = g_ascii_strtoull(spec, &end, 10);
    if (value > G_MAXINT32)
        return -1;
    for (gsize i = 0; i < G_N_ELEMENTS(units); i++) {
        if (g_ascii_strcasecmp(end, units[i].suffix) == 0)
            return (gint64) value * units[i].ms;
    }
    return -1;
}
