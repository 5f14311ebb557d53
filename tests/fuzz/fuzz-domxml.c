/* libFuzzer target: the config XML parser and the marker round trip, the
 * code that reads files from shared storage as root on every node. */
#include <stdint.h>
#include <string.h>
#include <glib.h>

#include "xvm-domxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(XvmDomainConfig) cfg = xvm_domxml_parse((const char *) data, size, &error);
    g_autofree char *marked = NULL;
    g_autofree char *instance = NULL;

    if (cfg == NULL) {
        g_assert(error != NULL && error->message != NULL);
        return 0;
    }
    g_assert(cfg->name != NULL && cfg->name[0] != '\0');
    marked = xvm_domxml_with_marker(cfg, "fuzz-instance", NULL);
    if (marked) {
        instance = xvm_domxml_marker_instance(marked);
        g_assert(instance != NULL && strcmp(instance, "fuzz-instance") == 0);
    }
    return 0;
}
