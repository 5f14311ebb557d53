/* The resource's utilization (cpu, host_memory, hv_memory), kept equal to
 * what the domain asks of a node, as VirtualDomain's autoset_utilization_*
 * and unset_utilization_* do, so that placement-strategy=utilization or
 * balanced counts the VM.  Unlike VirtualDomain, the CIB is written only when
 * a value differs (a healthy monitor must not bump the CIB's epoch: every
 * bump is a new transition and a CIB sync to every node), and a CIB that
 * cannot be read or written never fails an action: it is logged and the
 * action goes on.  Runs by hand never touch a CIB.
 *
 * The CIB is reached through Pacemaker's own tools (cibadmin to read,
 * crm_resource to write), so that CIB_file=... works as for any tool. */
#pragma once

#include <glib.h>

#include "xvm-context.h"
#include "xvm-deadline.h"
#include "xvm-params.h"

/* How long a recurring monitor trusts this node's note that the CIB already
 * holds the values (see xvm-utilization.c for why). */
#define XVM_UTILIZATION_RECHECK_S 300

/* At most this much of an action's time goes to the CIB. */
#define XVM_UTILIZATION_BUDGET_MS 10000

typedef enum {
    XVM_UTIL_CPU,
    XVM_UTIL_HOST_MEMORY,
    XVM_UTIL_HV_MEMORY,
    XVM_UTIL_N,
} XvmUtilAttr;

typedef enum {
    XVM_UTIL_KEEP,      /* neither autoset nor unset: left as the user set it */
    XVM_UTIL_SET,
    XVM_UTIL_UNSET,
} XvmUtilWant;

/* What the resource's utilization should hold. */
typedef struct {
    XvmUtilWant want[XVM_UTIL_N];
    char *value[XVM_UTIL_N];    /* for XVM_UTIL_SET */
} XvmUtilWanted;

void xvm_util_wanted_clear(XvmUtilWanted *wanted);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(XvmUtilWanted, xvm_util_wanted_clear)

/* "cpu", "host_memory", "hv_memory". */
const char *xvm_utilization_attr_name(XvmUtilAttr attr);

/* What the parameters ask for each attribute, as VirtualDomain reads them:
 * autoset wins over unset.  Returns FALSE when every attribute is KEEP. */
gboolean xvm_utilization_select(const XvmParams *params, XvmUtilWant want[XVM_UTIL_N]);

/* The values for a domain of vcpus vCPUs and memory_kib KiB of maximum
 * memory (MiB, rounded down, as VirtualDomain divides virsh's KiB).  An
 * unknown size (0) leaves its attributes as they are. */
void xvm_utilization_wanted(const XvmUtilWant want[XVM_UTIL_N], guint vcpus,
                            guint64 memory_kib, XvmUtilWanted *out);

/* The resource's utilization values as cibadmin printed them (nvpair
 * elements, alone, in an <xpath-query>, or a bare <primitive> when there is
 * none): name -> value.  NULL when the text is not such XML. */
GHashTable *xvm_utilization_parse_query(const char *xml);

/* Reads resource_id's cpu, host_memory and hv_memory from the CIB with one
 * cibadmin query.  Fails when the CIB cannot be read or holds no such
 * primitive. */
gboolean xvm_utilization_cib_read(const char *resource_id, const XvmDeadline *deadline,
                                  GHashTable **current, GError **error);

/* Makes the CIB hold wanted, writing only what differs from what it holds.
 * *changes counts the attributes written or removed.  FALSE with the first
 * failure; the other attributes are still tried. */
gboolean xvm_utilization_sync(const char *resource_id, const XvmUtilWanted *wanted,
                              const XvmDeadline *deadline, guint *changes, GError **error);

typedef enum {
    XVM_UTIL_IF_DUE,    /* recurring monitor: only when this node's note is stale */
    XVM_UTIL_NOW,       /* start, migrate_from, probe: always look at the CIB */
} XvmUtilWhen;

/* The whole step, for an action that has just seen the domain run here:
 * never fails, warns about a CIB it could not read or write. */
void xvm_utilization_update(XvmContext *ctx, XvmUtilWhen when);

/* The node-local note (next to the identity note). */
char *xvm_utilization_note_path(const XvmContext *ctx);
