#include "xvm-domxml.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "xvm-auto.h"
#include "xvm-error.h"

/* No network, no entity substitution, no external DTD: an XML file on shared
 * storage must never make the agent read another file (XXE) or expand an
 * entity bomb. */
#define XVM_XML_PARSE_FLAGS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* libvirt also accepts 32 hex digits without dashes: returns the canonical
 * dashed lower-case form libvirt reports, or NULL. */
static char *
uuid_canonical(const char *text)
{
    GString *hex = g_string_new(NULL);

    for (const char *p = text; *p; p++) {
        if (g_ascii_isxdigit(*p))
            g_string_append_c(hex, g_ascii_tolower(*p));
        else if (*p != '-')
            break;
    }
    if (hex->len != 32 || (strlen(text) != 32 && !g_uuid_string_is_valid(text))) {
        g_string_free(hex, TRUE);
        return NULL;
    }
    g_string_insert_c(hex, 20, '-');
    g_string_insert_c(hex, 16, '-');
    g_string_insert_c(hex, 12, '-');
    g_string_insert_c(hex, 8, '-');
    return g_string_free(hex, FALSE);
}

gboolean
xvm_uuid_is_valid(const char *text)
{
    g_autofree char *canonical = text ? uuid_canonical(text) : NULL;

    return canonical != NULL;
}

static gboolean
is_element(xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL
           && strcmp((const char *) node->name, name) == 0;
}

/* The text of an element with no child elements, or NULL.  strip: drop
 * surrounding blanks (libvirt keeps them in a name, trims a UUID). */
static char *
element_text(xmlNode *node, gboolean strip)
{
    GString *text = g_string_new(NULL);

    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) {
            g_string_free(text, TRUE);
            return NULL;
        }
        g_string_append(text, (const char *) c->content);
    }
    return strip ? g_strstrip(g_string_free(text, FALSE)) : g_string_free(text, FALSE);
}

/* The single child element called name: sets *count to how many there are. */
static xmlNode *
only_child(xmlNode *parent, const char *name, int *count)
{
    xmlNode *found = NULL;

    *count = 0;
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (is_element(c, name)) {
            found = found ? found : c;
            (*count)++;
        }
    }
    return found;
}

static gboolean
is_blank(const char *text)
{
    for (; *text; text++) {
        if (!g_ascii_isspace(*text))
            return FALSE;
    }
    return TRUE;
}

/* The text of root's child element called name, into *text when there is
 * exactly one (NULL when it holds elements); returns how many there are. */
static int
lone_child_text(xmlNode *root, const char *name, gboolean strip, char **text)
{
    int count;
    xmlNode *node = only_child(root, name, &count);

    *text = count == 1 ? element_text(node, strip) : NULL;
    return count;
}

static gboolean
read_name(XvmDomainConfig *cfg, xmlNode *root, GError **error)
{
    int count = lone_child_text(root, "name", FALSE, &cfg->name);

    if (count != 1) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID,
                    count ? "the domain XML has %d <name> elements; it needs exactly one"
                          : "the domain XML has no <name>", count);
        return FALSE;
    }
    if (cfg->name == NULL || is_blank(cfg->name) || strchr(cfg->name, '/')
        || strchr(cfg->name, '\n')) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID,
                    "the domain's <name> is empty or not a plain name");
        return FALSE;
    }
    return TRUE;
}

static gboolean
read_uuid(XvmDomainConfig *cfg, xmlNode *root, GError **error)
{
    g_autofree char *text = NULL;

    if (lone_child_text(root, "uuid", TRUE, &text) == 0)
        return TRUE;
    cfg->uuid = text ? uuid_canonical(text) : NULL;
    if (cfg->uuid == NULL) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID,
                    "the domain's <uuid> is not one valid UUID");
        return FALSE;
    }
    return TRUE;
}

static char *
prop(xmlNode *node, const char *name)
{
    g_autofree xmlChar *value = xmlGetProp(node, (const xmlChar *) name);

    return value ? g_strdup((const char *) value) : NULL;
}

static void
read_disk_source(xmlNode *disk, GPtrArray *paths)
{
    for (xmlNode *c = disk->children; c; c = c->next) {
        char *path;

        if (!is_element(c, "source"))
            continue;
        path = prop(c, "file");
        if (path == NULL)
            path = prop(c, "dev");
        if (path != NULL)
            g_ptr_array_add(paths, path);
    }
}

/* A file or block disk one QEMU writes alone: not a CD-ROM, not
 * <readonly/>, not <shareable/> (a lock manager leases those shared). */
static gboolean
disk_is_writable(xmlNode *disk)
{
    g_autofree char *device = prop(disk, "device");
    gboolean has_source = FALSE;

    if (g_strcmp0(device, "cdrom") == 0)
        return FALSE;
    for (xmlNode *c = disk->children; c; c = c->next) {
        if (is_element(c, "readonly") || is_element(c, "shareable"))
            return FALSE;
        if (is_element(c, "source")) {
            g_autofree char *file = prop(c, "file");
            g_autofree char *dev = prop(c, "dev");

            has_source = has_source || file != NULL || dev != NULL;
        }
    }
    return has_source;
}

/* Adds value to names unless it is there already. */
static void
add_unique(GPtrArray *names, char *value)
{
    for (guint i = 0; i < names->len; i++) {
        if (strcmp(g_ptr_array_index(names, i), value) == 0) {
            g_free(value);
            return;
        }
    }
    g_ptr_array_add(names, value);
}

/* The storage pools (<source pool=>) and networks (<source network=>) the
 * devices use: what start_resources starts. */
static void
read_device_resources(xmlNode *device, GPtrArray *pools, GPtrArray *networks)
{
    for (xmlNode *c = device->children; c; c = c->next) {
        char *name;

        if (!is_element(c, "source"))
            continue;
        if ((name = prop(c, "pool")) != NULL)
            add_unique(pools, name);
        if ((name = prop(c, "network")) != NULL)
            add_unique(networks, name);
    }
}

static char **
null_terminated(GPtrArray *array)
{
    g_ptr_array_add(array, NULL);
    return (char **) g_ptr_array_free(array, FALSE);
}

static void
read_devices(XvmDomainConfig *cfg, xmlNode *root)
{
    GPtrArray *paths = g_ptr_array_new();
    GPtrArray *pools = g_ptr_array_new();
    GPtrArray *networks = g_ptr_array_new();
    int count;
    xmlNode *devices = only_child(root, "devices", &count);

    for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
        if (is_element(c, "emulator") && cfg->emulator == NULL)
            cfg->emulator = element_text(c, TRUE);
        else if (is_element(c, "disk")) {
            read_disk_source(c, paths);
            cfg->writable_disks += disk_is_writable(c) ? 1 : 0;
        }
        if (c->type == XML_ELEMENT_NODE)
            read_device_resources(c, pools, networks);
    }
    cfg->disk_paths = null_terminated(paths);
    cfg->pools = null_terminated(pools);
    cfg->networks = null_terminated(networks);
}

static void
read_os(XvmDomainConfig *cfg, xmlNode *root)
{
    int count;
    xmlNode *os = only_child(root, "os", &count);
    xmlNode *type = os ? only_child(os, "type", &count) : NULL;

    if (type == NULL)
        return;
    cfg->arch = prop(type, "arch");
    cfg->machine = prop(type, "machine");
}

static void
read_cpu(XvmDomainConfig *cfg, xmlNode *root)
{
    int count;
    xmlNode *cpu = only_child(root, "cpu", &count);
    g_autoptr(xmlBuffer) buf = NULL;

    if (cpu == NULL)
        return;
    cfg->cpu_mode = prop(cpu, "mode");
    if (cfg->cpu_mode == NULL)
        cfg->cpu_mode = g_strdup("custom");
    buf = xmlBufferCreate();
    if (xmlNodeDump(buf, cpu->doc, cpu, 0, 0) > 0)
        cfg->cpu_xml = g_strdup((const char *) xmlBufferContent(buf));
}

static void
read_memory_backing(XvmDomainConfig *cfg, xmlNode *root)
{
    int count;
    xmlNode *backing = only_child(root, "memoryBacking", &count);

    cfg->hugepages = backing && only_child(backing, "hugepages", &count) != NULL;
}

const char *
xvm_domxml_cpu_to_compare(const XvmDomainConfig *cfg)
{
    if (cfg->cpu_xml == NULL || cfg->type == NULL || strcmp(cfg->type, "kvm") != 0)
        return NULL;
    if (strcmp(cfg->cpu_mode, "host-passthrough") == 0 || strcmp(cfg->cpu_mode, "maximum") == 0)
        return NULL;
    return cfg->cpu_xml;
}

/* ---- sizing: what the domain asks of a node (resource utilization) ------- */

/* Bytes per unit, as libvirt reads a memory unit: b, byte, bytes; KB, MB, ... in
 * powers of 1000; k, KiB, M, MiB, ... in powers of 1024 (any case). */
static guint64
memory_unit_bytes(const char *unit)
{
    static const char prefixes[] = "kmgtpe";
    const char *at;
    guint64 base, scale = 1;

    if (unit == NULL || unit[0] == '\0')
        return 1024;                    /* libvirt's default: KiB */
    if (g_ascii_strcasecmp(unit, "b") == 0 || g_ascii_strcasecmp(unit, "byte") == 0
        || g_ascii_strcasecmp(unit, "bytes") == 0)
        return 1;
    at = strchr(prefixes, g_ascii_tolower(unit[0]));
    if (at == NULL)
        return 0;
    if (unit[1] == '\0' || g_ascii_strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (g_ascii_strcasecmp(unit + 1, "B") == 0)
        base = 1000;
    else
        return 0;
    for (const char *p = prefixes; p <= at; p++)
        scale *= base;
    return scale;
}

/* <memory unit=...>N</memory> in KiB, rounded up as libvirt does; 0 when
 * absent or unreadable. */
static guint64
read_memory_kib(xmlNode *root)
{
    int count;
    xmlNode *memory = only_child(root, "memory", &count);
    g_autofree char *text = memory ? element_text(memory, TRUE) : NULL;
    g_autofree char *unit = memory ? prop(memory, "unit") : NULL;
    guint64 value, scale = memory_unit_bytes(unit);

    if (text == NULL || scale == 0
        || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64 / scale, &value, NULL))
        return 0;
    return (value * scale + 1023) / 1024;
}

/* The vCPUs online when the domain runs: <vcpu current='N'>MAX</vcpu>, N
 * when given, else MAX; no <vcpu> at all is libvirt's default of one.  0 when
 * unreadable. */
static guint
read_vcpus(xmlNode *root)
{
    int count;
    xmlNode *vcpu = only_child(root, "vcpu", &count);
    g_autofree char *current = vcpu ? prop(vcpu, "current") : NULL;
    g_autofree char *text = NULL;
    guint64 value;

    if (vcpu == NULL)
        return 1;
    text = current ? g_strstrip(g_strdup(current)) : element_text(vcpu, TRUE);
    if (text == NULL || !g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT, &value, NULL))
        return 0;
    return (guint) value;
}

static xmlDoc *
parse_document(const char *text, gsize len, GError **error)
{
    xmlDoc *doc;

    if (len > XVM_DOMXML_MAX_BYTES || len > G_MAXINT) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID,
                    "the domain XML is larger than %d bytes", XVM_DOMXML_MAX_BYTES);
        return NULL;
    }
    doc = xmlReadMemory(text, (int) len, "config", NULL, XVM_XML_PARSE_FLAGS);
    if (doc == NULL) {
        const xmlError *xerr = xmlGetLastError();
        g_autofree char *msg = g_strdup(xerr && xerr->message ? xerr->message
                                                               : "parse error");

        /* Empty or cut short is this node's copy (being written, a bad
         * sync), not the configuration: never 6, which stops it everywhere. */
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_DAMAGED,
                    "the domain XML is not well-formed (line %d: %s)",
                    xerr ? xerr->line : 0, g_strstrip(msg));
        return NULL;
    }
    /* Domain XML never needs a DOCTYPE; one can only carry entities. */
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        xmlFreeDoc(doc);
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID,
                    "the domain XML has a DOCTYPE; remove it (entities are refused)");
        return NULL;
    }
    return doc;
}

XvmDomainConfig *
xvm_domxml_parse(const char *text, gsize len, GError **error)
{
    g_autoptr(xmlDoc) doc = parse_document(text, len, error);
    g_autoptr(XvmDomainConfig) cfg = NULL;
    xmlNode *root;

    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_element(root, "domain")) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID,
                    "the XML's root element is not <domain>");
        return NULL;
    }
    cfg = g_new0(XvmDomainConfig, 1);
    cfg->type = prop(root, "type");
    if (!read_name(cfg, root, error) || !read_uuid(cfg, root, error))
        return NULL;
    read_devices(cfg, root);
    read_os(cfg, root);
    read_cpu(cfg, root);
    read_memory_backing(cfg, root);
    cfg->vcpus = read_vcpus(root);
    cfg->memory_kib = read_memory_kib(root);
    cfg->xml = g_strndup(text, len);
    return g_steal_pointer(&cfg);
}

/* Reads the file without following it into a FIFO or device, with a size cap. */
static char *
read_config_file(const char *path, gsize *len, GError **error)
{
    struct stat st;
    int saved;
    g_autofree char *text = NULL;
    int fd = g_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);

    if (fd < 0 || fstat(fd, &st) < 0) {
        saved = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_UNREADABLE,
                    "config %s cannot be read on this node: %s", path, g_strerror(saved));
        return NULL;
    }
    close(fd);
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID,
                    "config %s is not a regular file", path);
        return NULL;
    }
    if (st.st_size > XVM_DOMXML_MAX_BYTES) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_INVALID,
                    "config %s is larger than %d bytes: not a domain XML", path,
                    XVM_DOMXML_MAX_BYTES);
        return NULL;
    }
    if (!g_file_get_contents(path, &text, len, NULL)) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_CONFIG_UNREADABLE,
                    "config %s cannot be read on this node", path);
        return NULL;
    }
    return g_steal_pointer(&text);
}

XvmDomainConfig *
xvm_domxml_load(const char *path, GError **error)
{
    gsize len = 0;
    g_autofree char *text = read_config_file(path, &len, error);
    GError *parse_error = NULL;
    XvmDomainConfig *cfg;

    if (text == NULL)
        return NULL;
    cfg = xvm_domxml_parse(text, len, &parse_error);
    if (cfg == NULL) {
        /* The cause first: Pacemaker keeps only 127 bytes of a reason. */
        g_set_error(error, XVM_ERROR, parse_error->code, "%s (in %s)", parse_error->message,
                    path);
        g_error_free(parse_error);
        return NULL;
    }
    return cfg;
}

void
xvm_domxml_free(XvmDomainConfig *cfg)
{
    if (cfg == NULL)
        return;
    g_free(cfg->name);
    g_free(cfg->uuid);
    g_free(cfg->type);
    g_free(cfg->emulator);
    g_strfreev(cfg->disk_paths);
    g_strfreev(cfg->pools);
    g_strfreev(cfg->networks);
    g_free(cfg->arch);
    g_free(cfg->machine);
    g_free(cfg->cpu_mode);
    g_free(cfg->cpu_xml);
    g_free(cfg->xml);
    g_free(cfg);
}

static xmlNode *
metadata_element(xmlNode *root)
{
    int count;
    xmlNode *md = only_child(root, "metadata", &count);

    return md ? md : xmlNewChild(root, NULL, (const xmlChar *) "metadata", NULL);
}

static void
remove_markers(xmlNode *metadata)
{
    xmlNode *next;

    for (xmlNode *c = metadata->children; c; c = next) {
        next = c->next;
        if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href
            && strcmp((const char *) c->ns->href, XVM_DOMXML_NS) == 0) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
}

char *
xvm_domxml_with_marker(const XvmDomainConfig *cfg, const char *instance, GError **error)
{
    g_autoptr(xmlDoc) doc = parse_document(cfg->xml, strlen(cfg->xml), error);
    xmlNode *metadata, *marker;
    xmlNs *ns;
    xmlChar *out = NULL;
    int out_len = 0;
    char *result;

    if (doc == NULL)
        return NULL;
    metadata = metadata_element(xmlDocGetRootElement(doc));
    remove_markers(metadata);
    marker = xmlNewChild(metadata, NULL, (const xmlChar *) "resource", NULL);
    ns = xmlNewNs(marker, (const xmlChar *) XVM_DOMXML_NS, (const xmlChar *) "xvm");
    xmlSetNs(marker, ns);
    xmlSetProp(marker, (const xmlChar *) "instance", (const xmlChar *) instance);
    xmlDocDumpMemory(doc, &out, &out_len);
    result = g_strndup((const char *) out, out_len);
    xmlFree(out);
    return result;
}

/* The agent's marker in the domain's <metadata>, or NULL (also when there is
 * no document: it did not parse). */
static xmlNode *
find_marker(xmlDoc *doc)
{
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;

    for (xmlNode *c = root ? root->children : NULL; c; c = c->next) {
        if (!is_element(c, "metadata"))
            continue;
        for (xmlNode *m = c->children; m; m = m->next) {
            if (m->type == XML_ELEMENT_NODE && m->ns && m->ns->href
                && strcmp((const char *) m->ns->href, XVM_DOMXML_NS) == 0)
                return m;
        }
    }
    return NULL;
}

char *
xvm_domxml_marker_instance(const char *xml)
{
    g_autoptr(xmlDoc) doc = parse_document(xml, strlen(xml), NULL);
    xmlNode *marker = find_marker(doc);

    return marker ? prop(marker, "instance") : NULL;
}

static gboolean
has_element_children(xmlNode *node)
{
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            return TRUE;
    }
    return FALSE;
}

/* The root element alone, as libvirt writes a definition: no XML
 * declaration, a newline at the end. */
static char *
dump_root(xmlDoc *doc)
{
    xmlBuffer *buf = xmlBufferCreate();
    char *text;

    xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0);
    text = g_strconcat((const char *) xmlBufferContent(buf), "\n", NULL);
    xmlBufferFree(buf);
    return text;
}

char *
xvm_domxml_without_marker(const char *xml)
{
    g_autoptr(xmlDoc) doc = parse_document(xml, strlen(xml), NULL);
    xmlNode *marker = find_marker(doc);
    xmlNode *metadata;

    if (marker == NULL)
        return g_strdup(xml);
    metadata = marker->parent;
    remove_markers(metadata);
    if (!has_element_children(metadata)) {
        xmlNode *indent = metadata->prev;

        /* Its line goes with it, indentation included. */
        if (indent && xmlNodeIsText(indent) && xmlIsBlankNode(indent)) {
            xmlUnlinkNode(indent);
            xmlFreeNode(indent);
        }
        xmlUnlinkNode(metadata);
        xmlFreeNode(metadata);
    }
    return dump_root(doc);
}

gboolean
xvm_domxml_check_node_files(const XvmDomainConfig *config, const char *skip_disk,
                            GError **error)
{
    if (config->emulator && access(config->emulator, X_OK) != 0) {
        g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                    "emulator %s is missing on this node", config->emulator);
        return FALSE;
    }
    for (gsize i = 0; config->disk_paths[i]; i++) {
        if (g_strcmp0(config->disk_paths[i], skip_disk) == 0)
            continue;
        if (access(config->disk_paths[i], F_OK) != 0) {
            g_set_error(error, XVM_ERROR, XVM_ERROR_NOT_INSTALLED,
                        "disk %s is missing on this node", config->disk_paths[i]);
            return FALSE;
        }
    }
    return TRUE;
}
