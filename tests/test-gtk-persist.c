/* test-gtk-persist.c: what the desktop app keeps across a restart (suite
 * "gui", under Xvfb).
 *
 * Starts the real application and window, opens a trace, changes the
 * window size, both pane positions, the view, the theme and the replay
 * speed, closes the window (which saves its state) and drops the
 * application; then starts a new application and window and checks that
 * each came back, and that the trace is a recent file. As on a desktop
 * without a D-Bus session, the settings go to the key file fallback
 * (app/gtk/actorscope-settings.c), in a temporary XDG_CONFIG_HOME; recent
 * files go to a temporary XDG_DATA_HOME. Both files are read back from disk.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <gtk/gtk.h>

#include "actorscope-application.h"
#include "actorscope-settings.h"
#include "actorscope-window.h"
#include "test-util.h"

static char *home;

/* Waits are at most 20 s (a loaded CI machine is slow). */
#define WAIT_MS 20000

static gboolean
shown (gpointer data)
{
  ActorscopeWindow *window = data;
  GtkWidget *view = GTK_WIDGET (actorscope_window_get_scene_view (window));

  return actorscope_window_get_document (window) != NULL && !actorscope_window_is_loading (window) &&
         gtk_widget_get_mapped (view) && gtk_widget_get_width (view) > 0;
}

static GtkWidget *
part (ActorscopeWindow *window, const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), ACTORSCOPE_TYPE_WINDOW, name));
}

/* Starts the application as the command line does with file. */
static ActorscopeWindow *
start (ActorscopeApplication **app_out, GFile *file)
{
  ActorscopeApplication *app = actorscope_application_new ();
  GFile *files[1] = { file };
  GList *windows;
  ActorscopeWindow *window;

  assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_open (G_APPLICATION (app), files, 1, "");
  windows = gtk_application_get_windows (GTK_APPLICATION (app));
  assert_non_null (windows);
  window = ACTORSCOPE_WINDOW (windows->data);
  assert_true (test_wait_for (shown, window, WAIT_MS));
  test_spin_ms (100);
  *app_out = app;
  return window;
}

/* Quits as the window's close button does: close_request saves. */
static void
quit (ActorscopeApplication *app, ActorscopeWindow *window)
{
  gtk_window_close (GTK_WINDOW (window));
  test_spin_ms (100);
  g_settings_sync ();
  g_object_unref (app);
}

static int details_width;   /* what the first run left */

static gboolean
details_width_is (gpointer data)
{
  ActorscopeWindow *window = data;
  return gtk_widget_get_width (part (window, "details_scroller")) == details_width;
}

static gboolean
details_width_changed (gpointer data)
{
  ActorscopeWindow *window = data;
  int w = gtk_widget_get_width (part (window, "details_scroller"));

  return w != details_width && w > 0;
}

static void
test_state_survives_restart (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces",
                                             "akka-supervision.ndjson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (trace);
  g_autofree char *uri = g_file_get_uri (file);
  g_autofree char *ini_path = g_build_filename (home, PACKAGE_NAME, "settings.ini", NULL);
  g_autofree char *xbel_path = g_build_filename (home, "data", "recently-used.xbel", NULL);
  g_autofree char *ini = NULL, *xbel = NULL, *encoded = NULL;
  g_autoptr(GSettingsBackend) default_backend = g_settings_backend_get_default ();
  ActorscopeApplication *app;
  ActorscopeWindow *window;
  ActorscopeSettingsStore store;
  g_autoptr(GSettings) probe = actorscope_settings_new (ACTORSCOPE_APP_ID, &store, NULL);
  GtkSettings *gtk_settings = gtk_settings_get_default ();
  int w = 0, h = 0;
  gboolean dark = FALSE;

  /* Which store the app's settings use here (the key file, unless GSettings'
   * default backend is not dconf). */
  assert_non_null (probe);

  /* First run: change everything the user can. */
  window = start (&app, file);
  assert_false (actorscope_scene_view_get_kind (actorscope_window_get_scene_view (window)) == RENDER_VIEW_TIMELINE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_paned_set_position (GTK_PANED (part (window, "sidebar_paned")), 300);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", "timeline");
  g_action_group_activate_action (G_ACTION_GROUP (app), "color-scheme", g_variant_new_string ("dark"));
  actorscope_window_set_replay_speed (window, 10);
  test_spin_ms (200);
  {
    GtkPaned *details = GTK_PANED (part (window, "details_paned"));
    int max = 0;

    details_width = gtk_widget_get_width (part (window, "details_scroller"));
    g_object_get (details, "max-position", &max, NULL);
    gtk_paned_set_position (details, max - details_width - 60);
  }
  assert_true (test_wait_for (details_width_changed, window, WAIT_MS));
  test_spin_ms (100);
  details_width = gtk_widget_get_width (part (window, "details_scroller"));
  quit (app, window);

  /* Saved on disk, not only in this process. */
  if (store == ACTORSCOPE_SETTINGS_STORE_KEYFILE)
    {
      assert_true (g_file_get_contents (ini_path, &ini, NULL, NULL));
      assert_non_null (strstr (ini, "window-width=1200"));
      assert_non_null (strstr (ini, "view='timeline'"));
      assert_non_null (strstr (ini, "color-scheme='dark'"));
    }
  else
    print_message ("settings backend %s: the key file is not used\n", G_OBJECT_TYPE_NAME (default_backend));
  assert_true (g_file_get_contents (xbel_path, &xbel, NULL, NULL));
  encoded = g_markup_escape_text (uri, -1);
  assert_non_null (strstr (xbel, encoded));

  /* What the theme would be without the app: the restart must set it. */
  g_object_set (gtk_settings, "gtk-application-prefer-dark-theme", FALSE, NULL);

  /* Second run: everything is back. */
  window = start (&app, file);
  gtk_window_get_default_size (GTK_WINDOW (window), &w, &h);
  assert_int_equal (w, 1200);
  assert_int_equal (h, 760);
  assert_int_equal (gtk_paned_get_position (GTK_PANED (part (window, "sidebar_paned"))), 300);
  assert_true (test_wait_for (details_width_is, window, WAIT_MS));
  assert_true (actorscope_scene_view_get_kind (actorscope_window_get_scene_view (window)) == RENDER_VIEW_TIMELINE);
  g_object_get (gtk_settings, "gtk-application-prefer-dark-theme", &dark, NULL);
  assert_true (dark);
  assert_true (actorscope_window_get_replay_speed (window) == 10);
  assert_true (gtk_recent_manager_has_item (gtk_recent_manager_get_default (), uri));
  quit (app, window);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_state_survives_restart),
  };
  g_autofree char *data_home = NULL;
  int failed;

  /* A desktop without a session bus: GSettings' dconf cannot write, the
   * app's key file takes over (what the gui suite's memory backend would
   * hide: it forgets everything at exit). */
  home = test_tmpdir_new ("actorscope-persist-XXXXXX");
  data_home = g_build_filename (home, "data", NULL);
  g_unsetenv ("GSETTINGS_BACKEND");
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("XDG_RUNTIME_DIR");
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_set_application_name ("Actorscope");
  gtk_init ();

  failed = cmocka_run_group_tests (tests, NULL, NULL);
  test_tmpdir_clear (&home);
  return failed;
}
