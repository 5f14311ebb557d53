#include "xvm-metadata.h"

#include <string.h>
#include <gio/gio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "xvm-auto.h"
#include "xvm-metadata-resources.h"

typedef struct {
    GPtrArray *params;      /* XvmParamSpec* */
    GHashTable *timeouts;   /* action name -> timeout spec (owned strings) */
} XvmMetadata;

static void
param_spec_free(gpointer data)
{
    XvmParamSpec *spec = data;

    g_free(spec->name);
    g_free(spec->default_value);
    g_free(spec);
}

const char *
xvm_metadata_text(void)
{
    static GBytes *bytes;

    if (bytes == NULL) {
        bytes = g_resource_lookup_data(xvm_metadata_get_resource(),
                                       "/org/xvm/domain/domain.xml",
                                       G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
        g_assert(bytes != NULL);  /* compiled in: cannot be missing */
    }
    /* GResource data is always NUL-terminated. */
    return g_bytes_get_data(bytes, NULL);
}

static char *
xml_prop(xmlNode *node, const char *name)
{
    g_autofree xmlChar *raw = xmlGetProp(node, (const xmlChar *) name);

    return g_strdup(raw ? (const char *) raw : "");
}

static gboolean
node_is(xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE
           && strcmp((const char *) node->name, name) == 0;
}

static XvmParamType
param_type_from_string(const char *type)
{
    if (strcmp(type, "integer") == 0)
        return XVM_PARAM_INTEGER;
    if (strcmp(type, "boolean") == 0)
        return XVM_PARAM_BOOLEAN;
    return XVM_PARAM_STRING;
}

static XvmParamSpec *
param_spec_from_node(xmlNode *param)
{
    XvmParamSpec *spec = g_new0(XvmParamSpec, 1);
    g_autofree char *required = xml_prop(param, "required");

    spec->name = xml_prop(param, "name");
    spec->required = strcmp(required, "1") == 0;
    spec->default_value = g_strdup("");
    for (xmlNode *child = param->children; child; child = child->next) {
        if (node_is(child, "content")) {
            g_autofree char *type = xml_prop(child, "type");

            spec->type = param_type_from_string(type);
            g_free(spec->default_value);
            spec->default_value = xml_prop(child, "default");
        }
    }
    return spec;
}

static void
metadata_read_section(XvmMetadata *md, xmlNode *section)
{
    for (xmlNode *child = section->children; child; child = child->next) {
        if (node_is(child, "parameter"))
            g_ptr_array_add(md->params, param_spec_from_node(child));
        else if (node_is(child, "action"))
            g_hash_table_insert(md->timeouts, xml_prop(child, "name"),
                                xml_prop(child, "timeout"));
    }
}

static XvmMetadata *
metadata_parse(void)
{
    const char *text = xvm_metadata_text();
    XvmMetadata *md = g_new0(XvmMetadata, 1);
    g_autoptr(xmlDoc) doc = xmlReadMemory(text, (int) strlen(text), "domain.xml",
                                          NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);

    g_assert(doc != NULL);   /* checked at build time by the schema tests */
    md->params = g_ptr_array_new_with_free_func(param_spec_free);
    md->timeouts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (xmlNode *n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
        if (node_is(n, "parameters") || node_is(n, "actions"))
            metadata_read_section(md, n);
    }
    return md;
}

static XvmMetadata *
metadata_get(void)
{
    static XvmMetadata *md;

    if (md == NULL)
        md = metadata_parse();
    return md;
}

const GPtrArray *
xvm_metadata_params(void)
{
    return metadata_get()->params;
}

const XvmParamSpec *
xvm_metadata_param(const char *name)
{
    const GPtrArray *params = xvm_metadata_params();

    for (guint i = 0; i < params->len; i++) {
        const XvmParamSpec *spec = g_ptr_array_index(params, i);

        if (strcmp(spec->name, name) == 0)
            return spec;
    }
    return NULL;
}

gint64
xvm_metadata_timeout_ms(XvmAction action)
{
    const char *spec = g_hash_table_lookup(metadata_get()->timeouts,
                                           xvm_action_name(action));
    gint64 ms = spec ? xvm_interval_spec_to_ms(spec) : -1;

    return ms > 0 ? ms : 0;
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
