/* What a domain needs on this node before it boots, VirtualDomain's way:
 * its storage pools and networks started (start_resources), and a qcow2
 * overlay over backingfile (stateless: a fresh one each start, with
 * copyindirs copied in). */
#pragma once

#include <glib.h>

#include "xvm-context.h"

/* VirtualDomain's overlay for config: its directory, the file name up to
 * its first dot, ".qcow2" (/srv/vm1.xml -> /srv/vm1.qcow2). */
char *xvm_overlay_path(const char *config);

/* The overlay's path when backingfile is set (the one disk that start
 * creates rather than expects), else NULL. */
char *xvm_prepare_overlay_of(const XvmContext *ctx);

/* Fails early, with XVM_ERROR_NOT_INSTALLED, when this node lacks the
 * emulator or a disk the domain needs (start and validate-all level 10):
 * better a ban from this node than a libvirt error later.  The overlay is
 * not looked for: start makes it (xvm_prepare_node checks its base). */
gboolean xvm_prepare_check_node_files(const XvmContext *ctx, GError **error);

/* Starts the pools and networks (start_resources) on this node, or on the
 * target's libvirt at uri (a migration). */
gboolean xvm_prepare_resources(XvmContext *ctx, const char *uri, GError **error);

/* Everything before a start creates the domain: resources, then overlay. */
gboolean xvm_prepare_node(XvmContext *ctx, GError **error);

/* The string value of key in the outermost object of JSON text (qemu-img
 * info --output=json), escapes decoded; NULL when it has none. */
char *xvm_json_top_string(const char *json, const char *key);

/* Reads path's qcow2 header: *is_qcow2, and the backing file name it
 * records (*backing, NULL for none).  FALSE only when path cannot be read. */
gboolean xvm_qcow2_backing(const char *path, gboolean *is_qcow2, char **backing,
                           GError **error);
