/* The readable report of a by-hand run: one line per check, on stdout. */
#pragma once

#include <stdio.h>
#include <glib.h>

typedef enum {
    XVM_CHECK_OK,
    XVM_CHECK_WARN,
    XVM_CHECK_FAIL,
    XVM_CHECK_INFO,
} XvmCheck;

typedef struct {
    GPtrArray *lines;
} XvmReport;

XvmReport *xvm_report_new(void);
void xvm_report_free(XvmReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XvmReport, xvm_report_free)

/* report may be NULL (not a by-hand run): then nothing is kept. */
void xvm_report_add(XvmReport *report, XvmCheck check, const char *format, ...)
    G_GNUC_PRINTF(3, 4);
void xvm_report_print(const XvmReport *report, FILE *out);
