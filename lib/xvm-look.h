/* The one way the agent looks for its domain on this node.  Every answer is
 * one of three: running, not running, or "could not see".  Only a complete,
 * authoritative look may say "not running": libvirt answered for every
 * identity the domain may have here, and listed every active domain to
 * check our marker; or, with libvirtd gone, the process table gave a
 * complete answer for a local QEMU driver (xvm-proc.h).  A dropped
 * connection, an error nobody expected or an unreadable table is UNKNOWN. */
#pragma once

#include "xvm-context.h"

typedef enum {
    XVM_LOOK_NOT_RUNNING,
    XVM_LOOK_RUNNING,       /* active here: running, paused, crashed...; not shut off */
    XVM_LOOK_UNKNOWN,
} XvmLookResult;

typedef enum {
    XVM_LOOK_DEFAULT = 0,
    /* A probe: a "no such domain" from libvirt is checked against the
     * process table (a second libvirt, a wrong URI). */
    XVM_LOOK_CROSS_CHECK = 1 << 0,
} XvmLookFlags;

typedef struct {
    XvmLookResult result;
    XvmDomainStatus status;     /* libvirt's word on the domain found; found
                                 * is FALSE when only the table saw it */
    gboolean from_process_table;    /* libvirt did not answer: the table did */
    GError *unreachable;        /* then: what libvirt said (XVM_ERROR_CONNECT) */
    GError *unknown;            /* UNKNOWN: why (XVM_ERROR_UNKNOWN_STATE) */
    GError *drift;              /* RUNNING, but config names another domain
                                 * (XVM_ERROR_IDENTITY_CHANGED) */
    GError *name_taken;         /* NOT_RUNNING, and another domain, not ours,
                                 * runs under config's name (XVM_ERROR_NAME_TAKEN) */
} XvmLook;

/* Looks, reconnecting once if the connection is lost, and falling back on
 * the process table when libvirtd cannot answer.  When it finds the domain
 * active, the context's domain becomes the one found and this node's note
 * records it. */
void xvm_look(XvmContext *ctx, XvmLookFlags flags, XvmLook *look);
void xvm_look_clear(XvmLook *look);

/* The opening of the actions that act on whatever runs here (monitor,
 * stop): one look, with the two answers they treat alike settled here.  NOT
 * RUNNING is said in the summary; UNKNOWN moves its reason into error.
 * Returns the look's result: on RUNNING, look is the caller's to act on. */
XvmLookResult xvm_look_here(XvmContext *ctx, XvmLookFlags flags, XvmLook *look,
                            GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(XvmLook, xvm_look_clear)
