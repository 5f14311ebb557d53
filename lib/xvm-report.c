#include "xvm-report.h"

XvmReport *
xvm_report_new(void)
{
    XvmReport *report = g_new0(XvmReport, 1);

    report->lines = g_ptr_array_new_with_free_func(g_free);
    return report;
}

void
xvm_report_free(XvmReport *report)
{
    if (report == NULL)
        return;
    g_ptr_array_unref(report->lines);
    g_free(report);
}

static const char *
check_label(XvmCheck check)
{
    switch (check) {
    case XVM_CHECK_OK: return "  ok  ";
    case XVM_CHECK_WARN: return " warn ";
    case XVM_CHECK_FAIL: return " FAIL ";
    case XVM_CHECK_INFO: return "      ";
    }
    return "";
}

void
xvm_report_add(XvmReport *report, XvmCheck check, const char *format, ...)
{
    va_list args;
    g_autofree char *text = NULL;

    if (report == NULL)
        return;
    va_start(args, format);
    text = g_strdup_vprintf(format, args);
    va_end(args);
    g_ptr_array_add(report->lines, g_strdup_printf("[%s] %s", check_label(check), text));
}

void
xvm_report_print(const XvmReport *report, FILE *out)
{
    for (guint i = 0; report && i < report->lines->len; i++)
        fprintf(out, "%s\n", (const char *) g_ptr_array_index(report->lines, i));
}
