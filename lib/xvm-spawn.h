/* Running the user's programs (monitor_scripts): bounded by the deadline,
 * reported by their real exit status or signal, never a raw wait status. */
#pragma once

#include <glib.h>

#include "xvm-deadline.h"

/* "exited with status 3", "killed by signal 9 (Killed)" */
char *xvm_describe_wait_status(int wait_status);

/* Runs argv (searched in PATH), capturing stdout and stderr (each at most
 * 4 KiB; either pointer may be NULL).  TRUE when it exited 0. */
gboolean xvm_run_argv(const char *const *argv, const XvmDeadline *deadline,
                      char **stdout_text, char **stderr_text, GError **error);

/* Runs argv0 with no arguments.  TRUE when it exited 0.  On failure the error
 * (XVM_ERROR_SCRIPT_FAILED, or XVM_ERROR_TIMEOUT) says how it ended;
 * *stderr_text gets what it wrote on stderr (at most 4 KiB). */
gboolean xvm_run_program(const char *argv0, const XvmDeadline *deadline,
                         char **stderr_text, GError **error);
