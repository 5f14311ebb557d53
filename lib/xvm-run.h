/* Running one OCF action from argv and the environment, and reporting it:
 * the part both executables share (agent/main.c, the front that answers
 * what needs no libvirt; agent/virt-main.c, which links libvirt). */
#pragma once

#include <stdio.h>

#include "xvm-ocf.h"
#include "xvm-virt.h"

void xvm_run_print_usage(FILE *out);

/* Runs action with argv's "parameter=value" words and the process
 * environment; virt may be NULL for validate-all below level 10.  Prints the
 * by-hand report, the exit reason and the log lines; returns the exit code. */
XvmOcfRc xvm_run_ocf_action(XvmAction action, int argc, char **argv, XvmVirt *virt);

/* OCF_CHECK_LEVEL of the process environment (0 or 10). */
int xvm_run_check_level(void);
