/* The URIs a migration needs, built from the parameters and the cluster's
 * name for the target node (a node name, not a URI). */
#pragma once

#include <glib.h>

#include "xvm-params.h"

/* A cluster node name usable as a host name: letters, digits, '.', '-', '_'. */
gboolean xvm_node_name_is_valid(const char *node);

/* node2 + -mig -> node2-mig; node2.example.com -> node2-mig.example.com */
char *xvm_node_with_suffix(const char *node, const char *suffix);

/* Replaces %n with node and %% with %. */
char *xvm_uri_expand(const char *template_text, const char *node);

/* The libvirt URI of the target's hypervisor. */
char *xvm_uri_remote(const XvmParams *params, const char *node, GError **error);

/* The URI the migration data goes to, or NULL to let libvirt choose. */
char *xvm_uri_migration(const XvmParams *params, const char *node);

/* libvirt's QEMU runtime directory, where libvirtd keeps NAME.pid for every
 * QEMU domain it runs, for a local QEMU URI: qemu:///system and
 * qemu+unix:///system (any ?socket=...) -> "/run/libvirt/qemu";
 * qemu:///session -> "XDG_RUNTIME_DIR/libvirt/qemu/run".  NULL for anything
 * the process table cannot speak for: another driver (lxc, xen, ch, test),
 * a remote host, qemu:///embed, qemu:///session without xdg_runtime_dir, an
 * empty or unparsable URI.  override ($XVM_QEMU_RUN_DIR, for tests only),
 * when non-empty, replaces the directory of a local QEMU URI and nothing
 * else.  The environment is passed in so that this stays a pure function. */
char *xvm_uri_qemu_run_dir(const char *uri, const char *xdg_runtime_dir,
                           const char *override);

/* The URI "virsh uri" gives without -c, as far as it can be known without
 * connecting: $LIBVIRT_DEFAULT_URI, else uri_default in libvirt.conf
 * (/etc/libvirt/libvirt.conf for root, the user's config dir otherwise;
 * $XVM_LIBVIRT_CONF replaces the path, for tests).  NULL when neither says:
 * then only libvirt itself can tell, once connected. */
char *xvm_uri_default_hypervisor(const XvmEnv *env);
