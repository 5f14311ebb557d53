/* Logging through libqb, as Pacemaker's own daemons do: syslog, and stderr
 * for warnings and errors.  libqb (and the libsystemd, libgcrypt, ... it
 * links) is loaded on the first message that passes the level filter: a
 * monitor that finds the domain running logs nothing and so does not pay
 * about 2.7 million instructions of dynamic loading on every call (measured
 * with callgrind, tests/bench).  The exit reason is written by agent/main.c. */
#pragma once

#include <syslog.h>

#include "xvm-request.h"

void xvm_log_init(const XvmEnv *env, const char *instance);
void xvm_log_fini(void);

void xvm_log_message(int priority, const char *function, const char *file, int line,
                     const char *format, ...) G_GNUC_PRINTF(5, 6);

#define xvm_log_at(prio, ...) xvm_log_message(prio, __func__, __FILE__, __LINE__, __VA_ARGS__)
#define xvm_log_err(...) xvm_log_at(LOG_ERR, __VA_ARGS__)
#define xvm_log_warn(...) xvm_log_at(LOG_WARNING, __VA_ARGS__)
#define xvm_log_notice(...) xvm_log_at(LOG_NOTICE, __VA_ARGS__)
#define xvm_log_info(...) xvm_log_at(LOG_INFO, __VA_ARGS__)
#define xvm_log_debug(...) xvm_log_at(LOG_DEBUG, __VA_ARGS__)
