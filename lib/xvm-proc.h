/* This node's process table as a second witness when libvirtd does not
 * answer: a QEMU process is the domain, so finding (or provably not finding)
 * it tells whether the domain runs here. */
#pragma once

#include <sys/types.h>
#include <glib.h>

/* Whether a QEMU command line (NUL-separated argv, as in /proc/PID/cmdline)
 * is the one of this domain: "-name guest=NAME,..." (or "-name NAME") and,
 * when uuid is given, "-uuid UUID". */
gboolean xvm_proc_cmdline_matches(const char *cmdline, gsize len, const char *name,
                                  const char *uuid);

typedef enum {
    XVM_PROC_NOT_FOUND,   /* every process was read and none is this domain */
    XVM_PROC_FOUND,
    XVM_PROC_UNKNOWN,     /* the table could not be read */
} XvmProcResult;

/* Scans proc_root ("/proc" outside tests).  *pid gets the match, if any. */
XvmProcResult xvm_proc_find_domain(const char *proc_root, const char *name,
                                   const char *uuid, pid_t *pid);
