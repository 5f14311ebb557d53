/* snapshot (save on stop, restore on start, refusals) and save_config_on_stop
 * / sync_config_on_stop (write on change, csync2), through the real actions
 * against the scripted fake hypervisor on the fake clock.  The state file
 * the fake "saves" is the domain XML itself, so a test writes any header it
 * needs as plain XML. */
#include <string.h>
#include <sys/stat.h>
#include <utime.h>
#include <libvirt/libvirt.h>   /* state enums for the scripts */
#include <glib.h>
#include <glib/gstdio.h>

#include "xvm-actions.h"
#include "xvm-domxml.h"
#include "xvm-error.h"
#include "xvm-saveconfig.h"
#include "xvm-snapshot.h"

#include "fake-clock.h"
#include "fake-virt.h"
#include "action-fixture.h"
#include "test-util.h"

#define UUID XVM_TEST_UUID
#define OTHER_UUID "0b7a1c7e-5d8e-4f3a-8e0f-9a2d3c4b5e6f"
#define INSTANCE "vm1-rsc"

typedef struct {
    ActionFx act;
    char *snapdir;
    char *state;        /* snapdir/vm1.state */
} Fx;

static void
fx_setup(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *src = g_test_build_filename(G_TEST_DIST, "data", "unit", "vm1.xml", NULL);
    g_autofree char *text = NULL;

    action_fx_init(&fx->act, INSTANCE);
    fx->snapdir = g_build_filename(fx->act.tmpdir, "snap", NULL);
    g_assert_cmpint(g_mkdir(fx->snapdir, 0700), ==, 0);
    fx->state = g_build_filename(fx->snapdir, "vm1.state", NULL);
    g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
    g_assert_true(g_file_set_contents(fx->act.config, text, -1, NULL));
    xvm_env_set(fx->act.env, "OCF_RESKEY_snapshot", fx->snapdir);
    xvm_env_set(fx->act.env, "OCF_RESKEY_CRM_meta_interval", "10000");
}

static void
fx_teardown(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    action_fx_clear(&fx->act);
    g_free(fx->snapdir);
    g_free(fx->state);
}

static XvmOcfRc
run(Fx *fx, XvmAction action)
{
    return action_fx_run(&fx->act, action);
}

static void
set_running(Fx *fx)
{
    fake_virt_set_state(fx->act.fake, TRUE, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED);
}

/* A state file whose header names name/uuid, with the disks given. */
static void
write_state(Fx *fx, const char *name, const char *uuid, const char *disk)
{
    g_autofree char *devices = disk ? g_strdup_printf("<devices><disk type='file' device='disk'>"
                                                      "<source file='%s'/></disk></devices>",
                                                      disk)
                                    : g_strdup("");
    g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>%s</name><uuid>%s</uuid>"
                                           "<memory unit='MiB'>512</memory>%s</domain>\n",
                                           name, uuid, devices);

    g_assert_true(g_file_set_contents(fx->state, xml, -1, NULL));
}

static void
set_mtime(const char *path, time_t when)
{
    struct utimbuf times = { when, when };

    g_assert_cmpint(utime(path, &times), ==, 0);
}

/* ---- stop: save --------------------------------------------------------------- */

static void
test_stop_saves(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    set_running(fx);
    g_assert_cmpint(run(fx, XVM_ACTION_STOP), ==, XVM_OCF_SUCCESS);
    g_assert_no_error(fx->act.error);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_SAVE), ==, 1);
    g_assert_cmpstr(fake_virt_last_arg(fx->act.fake, FAKE_OP_SAVE), ==, fx->state);
    g_assert_true(g_file_test(fx->state, G_FILE_TEST_IS_REGULAR));
    /* Saved is stopped: no power button, no destroy. */
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_SHUTDOWN), ==, 0);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_DESTROY), ==, 0);
}

static void
test_stop_save_fails_shuts_down(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    set_running(fx);
    fake_virt_fail(fx->act.fake, FAKE_OP_SAVE, XVM_ERROR_LIBVIRT, 1);
    g_assert_cmpint(run(fx, XVM_ACTION_STOP), ==, XVM_OCF_SUCCESS);
    g_assert_no_error(fx->act.error);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_SAVE), ==, 1);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_SHUTDOWN), ==, 1);
    g_assert_false(g_file_test(fx->state, G_FILE_TEST_EXISTS));
}

/* force_stop means power off at once: no time for a save. */
static void
test_stop_force_stop_no_save(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    set_running(fx);
    xvm_env_set(fx->act.env, "OCF_RESKEY_force_stop", "true");
    g_assert_cmpint(run(fx, XVM_ACTION_STOP), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_SAVE), ==, 0);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_DESTROY), ==, 1);
}

/* Another domain's state under our file name is kept; the guest is shut
 * down instead. */
static void
test_stop_keeps_foreign_state(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *text = NULL;

    set_running(fx);
    write_state(fx, "vm1", OTHER_UUID, NULL);
    g_assert_cmpint(run(fx, XVM_ACTION_STOP), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_SAVE), ==, 0);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_SHUTDOWN), ==, 1);
    g_assert_true(g_file_get_contents(fx->state, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, OTHER_UUID));
}

/* ---- start: restore ------------------------------------------------------------- */

static void
test_start_restores(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    const char *xml;
    g_autofree char *marker = NULL;

    write_state(fx, "vm1", UUID, NULL);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    g_assert_no_error(fx->act.error);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_RESTORE), ==, 1);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
    /* The saved definition, marked as ours, so monitor and guard know it. */
    xml = fake_virt_last_arg(fx->act.fake, FAKE_OP_RESTORE);
    g_assert_nonnull(strstr(xml, "<memory unit=\"MiB\">512</memory>"));
    marker = xvm_domxml_marker_instance(xml);
    g_assert_cmpstr(marker, ==, INSTANCE);
    g_assert_false(g_file_test(fx->state, G_FILE_TEST_EXISTS));
}

/* stop then start, as Pacemaker runs them: the guest resumes. */
static void
test_stop_then_start_resumes(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    set_running(fx);
    g_assert_cmpint(run(fx, XVM_ACTION_STOP), ==, XVM_OCF_SUCCESS);
    g_assert_true(g_file_test(fx->state, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_RESTORE), ==, 1);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
    g_assert_false(g_file_test(fx->state, G_FILE_TEST_EXISTS));
}

static void
test_start_without_state_boots(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_RESTORE), ==, 0);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 1);
}

/* Refused: rc 1 with the cause, nothing started, the file kept. */
static void
check_refused(Fx *fx, const char *mention)
{
    g_assert_error(fx->act.error, XVM_ERROR, XVM_ERROR_SAVED_STATE);
    g_assert_nonnull(strstr(fx->act.error->message, mention));
    g_assert_nonnull(strstr(fx->act.error->message, "to boot fresh"));
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_RESTORE), ==, 0);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_CREATE), ==, 0);
    g_assert_true(g_file_test(fx->state, G_FILE_TEST_IS_REGULAR));
}

static void
test_start_refuses_other_uuid(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    write_state(fx, "vm1", OTHER_UUID, NULL);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_GENERIC);
    check_refused(fx, "UUID " OTHER_UUID);
}

static void
test_start_refuses_other_name(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    write_state(fx, "vm2", UUID, NULL);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_GENERIC);
    check_refused(fx, "of domain vm2, not vm1");
}

static void
test_start_refuses_unreadable(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_assert_true(g_file_set_contents(fx->state, "LibvirtQemudPart", -1, NULL));
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_GENERIC);
    check_refused(fx, "cannot read saved state");
}

/* A state file saved ten minutes ago whose disk was written after_s seconds
 * after the save; the disk's path into *disk. */
static void
write_state_and_disk(Fx *fx, time_t after_s, char **disk)
{
    time_t saved = time(NULL) - 600;

    *disk = g_build_filename(fx->act.tmpdir, "vm1.img", NULL);
    g_assert_true(g_file_set_contents(*disk, "disk", -1, NULL));
    write_state(fx, "vm1", UUID, *disk);
    set_mtime(fx->state, saved);
    set_mtime(*disk, saved + after_s);
}

/* A disk written (by another run) a minute after the save. */
static void
test_start_refuses_older_than_disk(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *disk = NULL;

    write_state_and_disk(fx, 60, &disk);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_GENERIC);
    check_refused(fx, "was written 60 s after");
    g_assert_nonnull(strstr(fx->act.error->message, disk));
}

/* Written as the save completed (within the slack), or before: restored. */
static void
test_start_disk_within_slack(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *disk = NULL;

    write_state_and_disk(fx, XVM_SNAPSHOT_DISK_SLACK_S, &disk);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_RESTORE), ==, 1);
    g_assert_false(g_file_test(fx->state, G_FILE_TEST_EXISTS));
}

/* libvirt refuses the image: rc 1, file kept for a person to judge. */
static void
test_start_restore_fails(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    write_state(fx, "vm1", UUID, NULL);
    fake_virt_fail(fx->act.fake, FAKE_OP_RESTORE, XVM_ERROR_NOT_INSTALLED, 1);
    g_assert_cmpint(run(fx, XVM_ACTION_START), ==, XVM_OCF_ERR_GENERIC);
    g_assert_error(fx->act.error, XVM_ERROR, XVM_ERROR_SAVED_STATE);
    g_assert_nonnull(strstr(fx->act.error->message, fx->state));
    g_assert_true(g_file_test(fx->state, G_FILE_TEST_IS_REGULAR));
}

/* ---- parameters ------------------------------------------------------------------ */

static void
test_validate_refuses_force_stop(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    xvm_env_set(fx->act.env, "OCF_RESKEY_force_stop", "true");
    g_assert_cmpint(run(fx, XVM_ACTION_VALIDATE_ALL), ==, XVM_OCF_ERR_CONFIGURED);
    g_assert_nonnull(strstr(fx->act.error->message, "force_stop"));
}

static void
test_relative_snapshot_ignored(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    xvm_env_set(fx->act.env, "OCF_RESKEY_snapshot", "snap");
    set_running(fx);
    g_assert_cmpint(run(fx, XVM_ACTION_VALIDATE_ALL), ==, XVM_OCF_ERR_CONFIGURED);
    g_assert_nonnull(strstr(fx->act.error->message, "not an absolute directory"));
    g_assert_cmpint(run(fx, XVM_ACTION_STOP), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_SAVE), ==, 0);
}

/* ---- save_config_on_stop / sync_config_on_stop -------------------------------------- */

static void
set_save_config(Fx *fx)
{
    xvm_env_set(fx->act.env, "OCF_RESKEY_snapshot", "");
    xvm_env_set(fx->act.env, "OCF_RESKEY_save_config_on_stop", "true");
    set_running(fx);
}

/* Every monitor compares; only a change writes (a new inode: the atomic
 * rename). */
static void
test_monitor_writes_on_change_only(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *text = NULL;
    guint64 first;

    set_save_config(fx);
    g_assert_cmpint(run(fx, XVM_ACTION_MONITOR), ==, XVM_OCF_SUCCESS);
    g_assert_true(g_file_get_contents(fx->act.config, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "saved by the fake"));
    first = xvm_test_inode_of(fx->act.config);
    g_assert_cmpint(run(fx, XVM_ACTION_MONITOR), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_DUMP_XML), ==, 2);
    g_assert_cmpuint(xvm_test_inode_of(fx->act.config), ==, first);
}

static void
test_migrate_to_saves_first(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    set_save_config(fx);
    xvm_env_set(fx->act.env, "OCF_RESKEY_CRM_meta_migrate_target", "node2");
    xvm_env_set(fx->act.env, "OCF_RESKEY_CRM_meta_migrate_source", "node1");
    g_assert_cmpint(run(fx, XVM_ACTION_MIGRATE_TO), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_DUMP_XML), ==, 1);
    g_assert_cmpint(fake_virt_call_us(fx->act.fake, FAKE_OP_DUMP_XML, 0), <=,
                    fake_virt_call_us(fx->act.fake, FAKE_OP_MIGRATE, 0));
}

static void
test_migrate_from_saves(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    set_save_config(fx);
    xvm_env_set(fx->act.env, "OCF_RESKEY_CRM_meta_migrate_source", "node1");
    g_assert_cmpint(run(fx, XVM_ACTION_MIGRATE_FROM), ==, XVM_OCF_SUCCESS);
    g_assert_cmpuint(fake_virt_count(fx->act.fake, FAKE_OP_DUMP_XML), ==, 1);
}

/* A fake csync2 in PATH that records its arguments. */
static char *
install_fake_csync2(Fx *fx, int status)
{
    g_autofree char *bin = g_build_filename(fx->act.tmpdir, "bin", NULL);
    char *args = g_build_filename(fx->act.tmpdir, "csync2.args", NULL);
    g_autofree char *text = g_strdup_printf("#!/bin/sh\necho \"$@\" >> '%s'\n"
                                            "echo 'csync2 says no' >&2\nexit %d\n",
                                            args, status);

    g_free(xvm_test_write_program(bin, "csync2", text));
    g_setenv("PATH", bin, TRUE);
    return args;
}

static void
test_sync_runs_csync2_after_write(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *args = install_fake_csync2(fx, 0);
    g_autofree char *want = g_strdup_printf("-x %s\n", fx->act.config);
    g_autofree char *text = NULL;

    set_save_config(fx);
    xvm_env_set(fx->act.env, "OCF_RESKEY_save_config_on_stop", "false");
    xvm_env_set(fx->act.env, "OCF_RESKEY_sync_config_on_stop", "true");    /* implies save */
    g_assert_cmpint(run(fx, XVM_ACTION_MONITOR), ==, XVM_OCF_SUCCESS);
    g_assert_true(g_file_get_contents(args, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, want);
    /* Nothing changed since: no write, no sync. */
    g_assert_cmpint(run(fx, XVM_ACTION_MONITOR), ==, XVM_OCF_SUCCESS);
    g_clear_pointer(&text, g_free);
    g_assert_true(g_file_get_contents(args, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, want);
}

/* csync2 failing is a warning: the action succeeds. */
static void
test_sync_failure_only_warns(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *args = install_fake_csync2(fx, 3);
    XvmDeadline deadline;
    g_autoptr(GError) error = NULL;

    set_save_config(fx);
    xvm_env_set(fx->act.env, "OCF_RESKEY_sync_config_on_stop", "true");
    g_assert_cmpint(run(fx, XVM_ACTION_STOP), ==, XVM_OCF_SUCCESS);
    g_assert_true(g_file_test(args, G_FILE_TEST_IS_REGULAR));
    xvm_deadline_init(&deadline, 5000, fake_clock_now);
    g_assert_false(xvm_saveconfig_sync(fx->act.config, &deadline, &error));
    g_assert_error(error, XVM_ERROR, XVM_ERROR_SCRIPT_FAILED);
    g_assert_nonnull(strstr(error->message, "csync2 says no"));
    g_assert_nonnull(strstr(error->message, "exited with status 3"));
}

static void
test_sync_csync2_missing(Fx *fx, gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *empty = g_build_filename(fx->act.tmpdir, "empty-bin", NULL);
    g_autofree char *text = NULL;
    XvmDeadline deadline;
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
    g_setenv("PATH", empty, TRUE);
    xvm_deadline_init(&deadline, 5000, fake_clock_now);
    g_assert_false(xvm_saveconfig_sync(fx->act.config, &deadline, &error));
    g_assert_nonnull(strstr(error->message, "csync2 is not installed"));
    /* The save itself still happens, and the action succeeds. */
    set_save_config(fx);
    xvm_env_set(fx->act.env, "OCF_RESKEY_sync_config_on_stop", "true");
    g_assert_cmpint(run(fx, XVM_ACTION_MONITOR), ==, XVM_OCF_SUCCESS);
    g_assert_true(g_file_get_contents(fx->act.config, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "saved by the fake"));
}

/* Our marker (the resource of this run) never lands in the user's file. */
static void
test_marker_stripped(void)
{
    const char *dump = "<domain type='kvm'>\n  <name>vm1</name>\n  <metadata>\n"
                       "    <xvm:resource xmlns:xvm='urn:xvm:domain:resource:1'"
                       " instance='vm1-rsc'/>\n  </metadata>\n</domain>\n";
    const char *other = "<domain type='kvm'>\n  <metadata>\n"
                        "    <app:x xmlns:app='urn:app'/>\n"
                        "    <xvm:resource xmlns:xvm='urn:xvm:domain:resource:1'"
                        " instance='vm1-rsc'/>\n  </metadata>\n</domain>\n";
    const char *plain = "<domain type='kvm'><name>vm1</name></domain>\n";
    g_autofree char *a = xvm_domxml_without_marker(dump);
    g_autofree char *b = xvm_domxml_without_marker(other);
    g_autofree char *c = xvm_domxml_without_marker(plain);

    g_assert_cmpstr(a, ==, "<domain type=\"kvm\">\n  <name>vm1</name>\n</domain>\n");
    g_assert_null(strstr(b, "urn:xvm"));
    g_assert_nonnull(strstr(b, "<app:x"));
    g_assert_cmpstr(c, ==, plain);
}

int
main(int argc, char **argv)
{
    xvm_test_init(&argc, &argv);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
    ADD("/xvm/snapshot/stop/saves", test_stop_saves);
    ADD("/xvm/snapshot/stop/save-fails-shuts-down", test_stop_save_fails_shuts_down);
    ADD("/xvm/snapshot/stop/force-stop-no-save", test_stop_force_stop_no_save);
    ADD("/xvm/snapshot/stop/keeps-foreign-state", test_stop_keeps_foreign_state);
    ADD("/xvm/snapshot/start/restores", test_start_restores);
    ADD("/xvm/snapshot/start/stop-then-start-resumes", test_stop_then_start_resumes);
    ADD("/xvm/snapshot/start/without-state-boots", test_start_without_state_boots);
    ADD("/xvm/snapshot/start/refuses-other-uuid", test_start_refuses_other_uuid);
    ADD("/xvm/snapshot/start/refuses-other-name", test_start_refuses_other_name);
    ADD("/xvm/snapshot/start/refuses-unreadable", test_start_refuses_unreadable);
    ADD("/xvm/snapshot/start/refuses-older-than-disk", test_start_refuses_older_than_disk);
    ADD("/xvm/snapshot/start/disk-within-slack", test_start_disk_within_slack);
    ADD("/xvm/snapshot/start/restore-fails", test_start_restore_fails);
    ADD("/xvm/snapshot/params/validate-refuses-force-stop", test_validate_refuses_force_stop);
    ADD("/xvm/snapshot/params/relative-ignored", test_relative_snapshot_ignored);
    ADD("/xvm/saveconfig/monitor-writes-on-change-only", test_monitor_writes_on_change_only);
    ADD("/xvm/saveconfig/migrate-to-saves-first", test_migrate_to_saves_first);
    ADD("/xvm/saveconfig/migrate-from-saves", test_migrate_from_saves);
    ADD("/xvm/saveconfig/sync-runs-csync2-after-write", test_sync_runs_csync2_after_write);
    ADD("/xvm/saveconfig/sync-failure-only-warns", test_sync_failure_only_warns);
    ADD("/xvm/saveconfig/sync-csync2-missing", test_sync_csync2_missing);
#undef ADD
    g_test_add_func("/xvm/saveconfig/marker-stripped", test_marker_stripped);
    return g_test_run();
}
