/* The embedded meta-data (metadata/domain.xml): printed by the meta-data
 * action and read back as the one source of the parameter list, their types
 * and defaults, and the default action timeouts. */
#pragma once

#include <glib.h>

#include "xvm-ocf.h"

typedef enum {
    XVM_PARAM_STRING,
    XVM_PARAM_INTEGER,
    XVM_PARAM_BOOLEAN,
} XvmParamType;

typedef struct {
    char *name;
    XvmParamType type;
    char *default_value;  /* "" when none */
    gboolean required;
} XvmParamSpec;

/* The XML text, NUL-terminated, owned by the binary. */
const char *xvm_metadata_text(void);

/* The parameter specs in meta-data order; owned by the module. */
const GPtrArray *xvm_metadata_params(void);
const XvmParamSpec *xvm_metadata_param(const char *name);

/* The action's advertised timeout in ms, or 0 if it advertises none. */
gint64 xvm_metadata_timeout_ms(XvmAction action);

/* Parses an interval spec as in meta-data ("90s", "2min", "500ms", "90");
 * returns -1 when it cannot. */
gint64 xvm_interval_spec_to_ms(const char *spec);
