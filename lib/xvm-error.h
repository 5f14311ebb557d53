/* One error domain for the whole agent.  Codes are causes, not OCF exit
 * codes: xvm_result_rc() decides the exit code per action. */
#pragma once

#include <glib.h>

#define XVM_ERROR (xvm_error_quark())
GQuark xvm_error_quark(void);

typedef enum {
    XVM_ERROR_PARAM_MISSING,     /* a required parameter is empty */
    XVM_ERROR_PARAM_INVALID,     /* a parameter can never be right */
    XVM_ERROR_CONFIG_UNREADABLE, /* the domain XML is not there on this node */
    XVM_ERROR_CONFIG_DAMAGED,    /* this node's copy is empty or not well-formed
                                  * (perhaps being written): node-local */
    XVM_ERROR_CONFIG_INVALID,    /* a well-formed XML that can never be a domain */
    XVM_ERROR_NOT_INSTALLED,     /* this node lacks something (emulator, disk) */
    XVM_ERROR_CONNECT,           /* libvirtd cannot be reached, hangs, or the
                                  * connection to it was lost */
    XVM_ERROR_NO_DOMAIN,         /* libvirt looked and the domain is not there */
    XVM_ERROR_UNKNOWN_STATE,     /* nothing could tell whether it runs */
    XVM_ERROR_DOMAIN_FAILED,     /* the domain exists but is not healthy */
    XVM_ERROR_NAME_TAKEN,        /* another domain (not ours) holds the name */
    XVM_ERROR_IDENTITY_CHANGED,  /* config names another domain than the one
                                  * this resource runs */
    XVM_ERROR_CONFLICT,          /* another resource manages this domain */
    XVM_ERROR_LIBVIRT,           /* libvirt refused an operation */
    XVM_ERROR_TIMEOUT,           /* the action's own deadline passed */
    XVM_ERROR_MIGRATION,         /* a migration failed or was aborted */
    XVM_ERROR_NOT_HERE,          /* the domain does not run on this node */
    XVM_ERROR_SCRIPT_FAILED,     /* a monitor script failed */
    XVM_ERROR_SAVED_STATE,       /* a saved memory state (snapshot) that must
                                  * not be restored, or failed to */
    XVM_ERROR_INTERNAL,          /* a bug or a system call that must not fail */
} XvmErrorCode;
