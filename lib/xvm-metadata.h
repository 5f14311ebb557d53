/* The meta-data (metadata/domain.xml), compiled in: printed by the meta-data
 * action, and the one source of the parameter list, their types and
 * defaults, and the default action timeouts (tables generated from the XML
 * at build time by metadata/gen-metadata-c.py). */
#pragma once

#include <glib.h>

#include "xvm-ocf.h"

typedef enum {
    XVM_PARAM_STRING,
    XVM_PARAM_INTEGER,
    XVM_PARAM_BOOLEAN,
} XvmParamType;

typedef struct {
    const char *name;
    XvmParamType type;
    const char *default_value;  /* "" when none */
    gboolean required;
} XvmParamSpec;

typedef struct {
    const char *name;
    const char *timeout_spec;   /* as written in the XML: "90s" */
} XvmActionSpec;

/* The generated tables (xvm-metadata-data.c). */
extern const char xvm_metadata_xml_text[];
extern const XvmParamSpec xvm_metadata_param_table[];
extern const gsize xvm_metadata_param_count;
extern const XvmActionSpec xvm_metadata_action_table[];
extern const gsize xvm_metadata_action_count;

/* The XML text, NUL-terminated, owned by the binary. */
const char *xvm_metadata_text(void);

/* The parameter specs in meta-data order. */
const XvmParamSpec *xvm_metadata_params(gsize *count);
const XvmParamSpec *xvm_metadata_param(const char *name);

/* The action's advertised timeout in ms, or 0 if it advertises none. */
gint64 xvm_metadata_timeout_ms(XvmAction action);

/* Parses an interval spec as in meta-data ("90s", "2min", "500ms", "90");
 * returns -1 when it cannot. */
gint64 xvm_interval_spec_to_ms(const char *spec);
