/* The domain XML (the config parameter), read with libxml2 and never with
 * regular expressions: the name and UUID identify the domain everywhere. */
#pragma once

#include <glib.h>

/* Larger files are not domain definitions; refusing them early keeps a
 * mistaken path (a disk image, a log) from costing memory and time. */
#define XVM_DOMXML_MAX_BYTES (1024 * 1024)

/* The namespace of the marker the agent puts into <metadata>. */
#define XVM_DOMXML_NS "urn:xvm:domain:resource:1"

typedef struct {
    char *name;
    char *uuid;        /* canonical lower-case form, or NULL if the XML has none */
    char *type;        /* the domain's hypervisor type: qemu, kvm, ... */
    char *emulator;    /* NULL when the XML names none */
    char **disk_paths; /* file and block sources, NULL-terminated */
    guint writable_disks; /* file and block disks neither read-only nor shareable:
                           * what a lock manager leases exclusively */
    char **pools;      /* storage pools the devices use (<source pool=>) */
    char **networks;   /* networks the interfaces use (<source network=>) */
    char *arch;        /* <os><type arch= machine=>, or NULL */
    char *machine;
    char *cpu_mode;    /* <cpu mode=>: NULL when the XML has no <cpu> */
    char *cpu_xml;     /* the <cpu> element as text, or NULL */
    gboolean hugepages;  /* memory backed by huge pages */
    guint vcpus;       /* vCPUs online at start (<vcpu current=>), 0: unreadable */
    guint64 memory_kib; /* <memory>, the maximum, in KiB; 0: unreadable */
    char *xml;         /* the file's text */
} XvmDomainConfig;

/* Reads and checks the file.  Errors: XVM_ERROR_CONFIG_UNREADABLE when the
 * file is not there or not readable on this node, XVM_ERROR_CONFIG_DAMAGED
 * when this node's copy is empty or not well-formed (node-local: perhaps
 * being written), XVM_ERROR_CONFIG_INVALID when it is well-formed but can
 * never be a usable domain definition. */
XvmDomainConfig *xvm_domxml_load(const char *path, GError **error);
/* The same checks on text already in memory (tests, fuzzing). */
XvmDomainConfig *xvm_domxml_parse(const char *text, gsize len, GError **error);
void xvm_domxml_free(XvmDomainConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmDomainConfig, xvm_domxml_free)

/* Returns the domain XML with the agent's marker in <metadata> (replacing any
 * earlier one): which resource instance manages it. */
char *xvm_domxml_with_marker(const XvmDomainConfig *config, const char *instance,
                             GError **error);

/* The domain XML without the agent's marker (and without a <metadata> it
 * leaves empty), for writing back into the user's config; the text as it is
 * when it carries no marker (or does not parse). */
char *xvm_domxml_without_marker(const char *xml);

/* The instance named by the marker in a domain XML, or NULL. */
char *xvm_domxml_marker_instance(const char *xml);

/* FALSE with XVM_ERROR_NOT_INSTALLED when this node lacks config's
 * emulator or one of its disks; skip_disk (or NULL) is a disk not to look
 * for. */
gboolean xvm_domxml_check_node_files(const XvmDomainConfig *config, const char *skip_disk,
                                     GError **error);

gboolean xvm_uuid_is_valid(const char *text);

/* The <cpu> to check against a migration target's CPU, or NULL when there
 * is nothing a comparison can tell: no <cpu>, host-passthrough or maximum
 * (the host's own CPU: libvirt cannot compare it), or a guest that is not
 * hardware-accelerated (TCG emulates any CPU model it knows). */
const char *xvm_domxml_cpu_to_compare(const XvmDomainConfig *config);
