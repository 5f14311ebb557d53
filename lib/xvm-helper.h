/* The agent is two executables of one build: the front Pacemaker runs
 * (domain, agent/main.c) and the helper that links libvirt (domain-virt,
 * agent/virt-main.c), which the front execs for every libvirt action.  A
 * half upgraded, restored from a backup or copied alone must not act: the
 * front names its version in the helper's environment, and the helper
 * refuses to act for any other (the one check covers both directions). */
#pragma once

#include <stdio.h>
#include <glib.h>

/* The variable through which the front names its version to the helper. */
#define XVM_HELPER_VERSION_ENV "XVM_DOMAIN_FRONT_VERSION"

/* What repairs either half; every reason ends with it. */
#define XVM_HELPER_REINSTALL "apt install --reinstall xvm-domain, or meson install"

/* The helper of the front at self: domain-virt beside it when there is one
 * (a build tree, a test's copy), else installed_helper when self is the
 * installed front installed_front (symlinks resolved), else the sibling
 * anyway: a front copied elsewhere never runs an installed helper of
 * another build. */
char *xvm_helper_path(const char *self, const char *installed_front,
                      const char *installed_helper);

/* The reason when the helper at path cannot be executed (errno errnum). */
char *xvm_helper_unrunnable_message(const char *path, int errnum);

/* NULL when the front's version (NULL: none given, so no front of this
 * build ran the helper) is the helper's own; else the reason. */
char *xvm_helper_mismatch_message(const char *path, const char *helper_version,
                                  const char *front_version);

/* The version "PATH --version" prints ("domain-virt VERSION"), or NULL with
 * error: the helper cannot be run or gives no version. */
char *xvm_helper_query_version(const char *path, GError **error);

/* Prints "PREFIX" "REASON" (at most 127 bytes, Pacemaker's limit) on out;
 * prefix NULL or empty: "ocf-exit-reason:". */
void xvm_helper_print_reason(FILE *out, const char *prefix, const char *message);
