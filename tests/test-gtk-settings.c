/* test-gtk-settings.c: the desktop app's settings from a fresh checkout
 * (schema not installed, not in GSETTINGS_SCHEMA_DIR) and without a D-Bus
 * session (dconf cannot write: hiding the sidebar must still stick). No
 * display needed. Each test runs in its own process state: GSettings'
 * search path is read once, so the environment is set up in main. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "actorscope-application.h"
#include "actorscope-settings.h"
#include "test-util.h"

static char *config_home;

static void
test_schema_from_build_tree (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  ActorscopeSettingsStore store;

  settings = actorscope_settings_new (ACTORSCOPE_APP_ID, &store, &error);
  assert_null (error);
  assert_non_null (settings);
  assert_true (g_settings_get_boolean (settings, "sidebar-visible"));
}

static void
test_unknown_schema_is_an_error (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = actorscope_settings_new ("io.github.actorscope.NoSuchSchema", NULL, &error);

  assert_null (settings);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  assert_non_null (strstr (error->message, BUILD_GSCHEMADIR));
}

/* Without a session bus the sidebar toggle is written somewhere it can be
 * read back from: by a second settings object (as the next start) and in
 * the key file under XDG_CONFIG_HOME. */
static void
test_sidebar_toggle_without_dbus (void **state)
{
  g_autoptr(GSettings) first = NULL;
  g_autoptr(GSettings) second = NULL;
  g_autofree char *file = g_build_filename (config_home, PACKAGE_NAME, "settings.ini", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GSettingsBackend) default_backend = g_settings_backend_get_default ();
  ActorscopeSettingsStore store;

  first = actorscope_settings_new (ACTORSCOPE_APP_ID, &store, NULL);
  assert_non_null (first);
  assert_true (g_settings_set_boolean (first, "sidebar-visible", FALSE));
  g_settings_sync ();
  assert_false (g_settings_get_boolean (first, "sidebar-visible"));

  second = actorscope_settings_new (ACTORSCOPE_APP_ID, NULL, NULL);
  assert_false (g_settings_get_boolean (second, "sidebar-visible"));

  /* dconf is what GSettings picks on Debian when it is installed; the key
   * file replaces it. With no dconf module the default is the memory
   * backend, which the read-back above covers. */
  if (g_str_equal (G_OBJECT_TYPE_NAME (default_backend), "DConfSettingsBackend"))
    {
      assert_int_equal (store, ACTORSCOPE_SETTINGS_STORE_KEYFILE);
      assert_true (g_file_get_contents (file, &contents, NULL, NULL));
      assert_non_null (strstr (contents, "sidebar-visible=false"));
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_schema_from_build_tree),
    cmocka_unit_test (test_unknown_schema_is_an_error),
    cmocka_unit_test (test_sidebar_toggle_without_dbus),
  };
  g_autofree char *data_home = NULL;
  int failed;

  /* A fresh checkout's environment: nothing installed where GSettings
   * looks, no backend requested, no session bus. */
  config_home = test_tmpdir_new ("actorscope-settings-XXXXXX");
  data_home = g_build_filename (config_home, "data", NULL);
  g_unsetenv ("GSETTINGS_SCHEMA_DIR");
  g_unsetenv ("GSETTINGS_BACKEND");
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("XDG_RUNTIME_DIR");
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_DATA_DIRS", data_home, TRUE);

  failed = cmocka_run_group_tests (tests, NULL, NULL);
  test_tmpdir_clear (&config_home);
  return failed;
}
