#include "xvm-uri.h"

#include <string.h>
#include <unistd.h>

#include "xvm-error.h"

gboolean
xvm_node_name_is_valid(const char *node)
{
    if (node == NULL || node[0] == '\0' || strlen(node) > 253 || node[0] == '-')
        return FALSE;
    for (const char *p = node; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
            return FALSE;
    }
    return TRUE;
}

char *
xvm_node_with_suffix(const char *node, const char *suffix)
{
    const char *dot = strchr(node, '.');

    if (suffix == NULL || suffix[0] == '\0')
        return g_strdup(node);
    if (dot == NULL)
        return g_strconcat(node, suffix, NULL);
    return g_strdup_printf("%.*s%s%s", (int) (dot - node), node, suffix, dot);
}

char *
xvm_uri_expand(const char *template_text, const char *node)
{
    GString *out = g_string_new(NULL);

    for (const char *p = template_text; *p; p++) {
        if (p[0] == '%' && p[1] == 'n') {
            g_string_append(out, node);
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            g_string_append_c(out, '%');
            p++;
        } else {
            g_string_append_c(out, *p);
        }
    }
    return g_string_free(out, FALSE);
}

/* scheme "qemu+tcp" with transport "ssh" -> "qemu+ssh" */
static char *
remote_scheme(const char *scheme, const char *transport)
{
    const char *plus = strchr(scheme, '+');
    g_autofree char *driver = plus ? g_strndup(scheme, plus - scheme) : g_strdup(scheme);

    if (transport && transport[0])
        return g_strconcat(driver, "+", transport, NULL);
    return g_strdup(scheme);
}

/* user@host-suffix: what VirtualDomain calls the target once rewritten,
 * used for the remote URI and for %n in migrateuri. */
static char *
rewritten_target(const XvmParams *p, const char *node)
{
    g_autofree char *host = xvm_node_with_suffix(node, p->migration_network_suffix);

    if (p->migration_user[0])
        return g_strconcat(p->migration_user, "@", host, NULL);
    return g_steal_pointer(&host);
}

char *
xvm_uri_remote(const XvmParams *p, const char *node, GError **error)
{
    g_autoptr(GUri) local = NULL;
    g_autofree char *scheme = NULL;
    g_autofree char *target = NULL;
    g_autofree char *port = NULL;
    const char *path;

    if (p->remoteuri[0])
        return xvm_uri_expand(p->remoteuri, node);
    local = g_uri_parse(p->hypervisor, G_URI_FLAGS_NON_DNS, NULL);
    if (local == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_PARAM_INVALID,
                    "hypervisor=\"%s\" is not a URI; set remoteuri", p->hypervisor);
        return NULL;
    }
    scheme = remote_scheme(g_uri_get_scheme(local), p->migration_transport);
    target = rewritten_target(p, node);
    /* A port of the local URI is kept, as VirtualDomain keeps it. */
    port = g_uri_get_port(local) != -1 ? g_strdup_printf(":%d", g_uri_get_port(local))
                                       : g_strdup("");
    path = g_uri_get_path(local);
    /* The local URI's query (say ?socket=...) only makes sense locally. */
    return g_strdup_printf("%s://%s%s%s", scheme, target, port, path[0] ? path : "/system");
}

/* The hypervisor driver: "qemu" of qemu+ssh://h/system. */
static char *
driver_of(const char *uri)
{
    return g_strndup(uri, strcspn(uri, "+:"));
}

char *
xvm_uri_migration(const XvmParams *p, const char *node)
{
    g_autofree char *host = NULL;
    g_autofree char *driver = NULL;

    if (p->migrateuri[0]) {
        /* As in VirtualDomain: %n is the rewritten target unless remoteuri
         * names the target itself. */
        g_autofree char *target = p->remoteuri[0] ? g_strdup(node)
                                                  : rewritten_target(p, node);

        return xvm_uri_expand(p->migrateuri, target);
    }
    /* Without a migration network, libvirt's own choice (migrateport is then
     * unused, as in VirtualDomain). */
    if (p->migration_network_suffix[0] == '\0')
        return NULL;
    host = xvm_node_with_suffix(node, p->migration_network_suffix);
    driver = driver_of(p->hypervisor);
    if (strcmp(driver, "xen") == 0)
        return g_steal_pointer(&host);
    if (strcmp(driver, "qemu") != 0)
        return NULL;
    /* Unset port: libvirt picks a free one from the range VirtualDomain
     * draws its random port from (49152-49215). */
    if (p->migrateport)
        return g_strdup_printf("tcp://%s:%d", host, p->migrateport);
    return g_strdup_printf("tcp://%s", host);
}

/* qemu:///system or qemu:///session, with the local transports only; the
 * scheme is compared as written, since libvirt does not fold its case. */
static const char *
local_qemu_instance(const char *uri)
{
    g_autoptr(GUri) parsed = NULL;
    const char *host;
    const char *path;

    if (uri == NULL || !(g_str_has_prefix(uri, "qemu:") || g_str_has_prefix(uri, "qemu+unix:")))
        return NULL;
    parsed = g_uri_parse(uri, G_URI_FLAGS_NON_DNS, NULL);
    if (parsed == NULL)
        return NULL;
    host = g_uri_get_host(parsed);
    if ((host && host[0]) || g_uri_get_user(parsed) || g_uri_get_port(parsed) != -1)
        return NULL;
    path = g_uri_get_path(parsed);
    if (strcmp(path, "/system") == 0)
        return "system";
    if (strcmp(path, "/session") == 0)
        return "session";
    return NULL;   /* /embed keeps its own root; anything else is not libvirt's */
}

char *
xvm_uri_qemu_run_dir(const char *uri, const char *xdg_runtime_dir, const char *override)
{
    const char *instance = local_qemu_instance(uri);

    if (instance == NULL)
        return NULL;
    if (override && override[0])
        return g_strdup(override);
    if (strcmp(instance, "system") == 0)
        return g_strdup("/run/libvirt/qemu");
    if (xdg_runtime_dir == NULL || xdg_runtime_dir[0] == '\0')
        return NULL;
    /* libvirt's virGetUserRuntimeDirectory() + "/qemu/run" (seen with 9.0). */
    return g_build_filename(xdg_runtime_dir, "libvirt", "qemu", "run", NULL);
}

static char *
libvirt_conf_path(const XvmEnv *env)
{
    const char *override = xvm_env_get(env, "XVM_LIBVIRT_CONF");
    const char *config_home = xvm_env_get(env, "XDG_CONFIG_HOME");
    const char *home = xvm_env_get(env, "HOME");

    if (override && override[0])
        return g_strdup(override);
    if (geteuid() == 0)
        return g_strdup("/etc/libvirt/libvirt.conf");
    if (config_home && config_home[0])
        return g_build_filename(config_home, "libvirt", "libvirt.conf", NULL);
    if (home && home[0])
        return g_build_filename(home, ".config", "libvirt", "libvirt.conf", NULL);
    return NULL;
}

/* The last uri_default = "..." line, as libvirt's config parser keeps the
 * last assignment. */
static char *
conf_uri_default(const char *text)
{
    g_autoptr(GRegex) line = g_regex_new("^[ \t]*uri_default[ \t]*=[ \t]*\"([^\"]*)\"",
                                         G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;
    char *found = NULL;

    g_regex_match(line, text, 0, &match);
    while (g_match_info_matches(match)) {
        g_free(found);
        found = g_match_info_fetch(match, 1);
        g_match_info_next(match, NULL);
    }
    return found;
}

char *
xvm_uri_default_hypervisor(const XvmEnv *env)
{
    const char *from_env = xvm_env_get(env, "LIBVIRT_DEFAULT_URI");
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autofree char *found = NULL;

    if (from_env && from_env[0])
        return g_strdup(from_env);
    path = libvirt_conf_path(env);
    if (path == NULL || !g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    found = conf_uri_default(text);
    return found && found[0] ? g_steal_pointer(&found) : NULL;
}
