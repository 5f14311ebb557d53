/* Logging through libqb: syslog (as Pacemaker's own daemons), and stderr for
 * warnings and errors.  The exit reason is written by agent/main.c. */
#pragma once

#include <syslog.h>
#include <qb/qblog.h>

#include "xvm-request.h"

void xvm_log_init(const XvmEnv *env, const char *instance);
void xvm_log_fini(void);

#define xvm_log_err(...) qb_log(LOG_ERR, __VA_ARGS__)
#define xvm_log_warn(...) qb_log(LOG_WARNING, __VA_ARGS__)
#define xvm_log_notice(...) qb_log(LOG_NOTICE, __VA_ARGS__)
#define xvm_log_info(...) qb_log(LOG_INFO, __VA_ARGS__)
#define xvm_log_debug(...) qb_log(LOG_DEBUG, __VA_ARGS__)
