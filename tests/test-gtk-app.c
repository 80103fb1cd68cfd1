/* test-gtk-app.c: the desktop app driven under Xvfb (suite "gui").
 *
 * Starts the real ActorscopeApplication and window (the same library the
 * actorscope-gtk executable links), opens a sample trace through the same
 * path as the command line (g_application_open), then drives it through its
 * actions and widgets and asserts on what happened: view kinds and scenes,
 * zoom, selection in the view / tree / details, filtering, replay, area
 * statistics, and exported files (SVG parsed back, PNG decoded, PDF magic).
 * Window screenshots are saved with the window rendered to a texture, into
 * $ACTORSCOPE_SCREENSHOT_DIR or a temporary folder.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "actorscope-application.h"
#include "actorscope-window.h"

static ActorscopeApplication *app;
static ActorscopeWindow *window;
static char *tmpdir;
static const char *shotdir;

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for ms milliseconds (lets GTK lay out and draw). */
static void
spin (guint ms)
{
  gboolean done = FALSE;
  guint id = g_timeout_add (ms, timeout_cb, &done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
}

static gboolean
wait_loaded (guint max_ms)
{
  gint64 end = g_get_monotonic_time () + max_ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!actorscope_window_is_loading (window) && actorscope_window_get_document (window) != NULL)
        return TRUE;
      spin (20);
    }
  return FALSE;
}

static void
screenshot (const char *name)
{
  GtkWidget *widget = GTK_WIDGET (window);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_strdup_printf ("%s/%s.png", shotdir, name);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  spin (150);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  assert_non_null (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  assert_non_null (texture);
  assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  print_message ("screenshot: %s\n", path);
}

static void
set_view (const char *kind)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", kind);
  spin (200);
}

static int
group_setup (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces",
                                             "akka-supervision.ndjson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (trace);
  GFile *files[1] = { file };
  GList *windows;

  tmpdir = g_dir_make_tmp ("actorscope-gtk-XXXXXX", NULL);
  if (tmpdir == NULL)
    return -1;
  shotdir = g_getenv ("ACTORSCOPE_SCREENSHOT_DIR");
  if (shotdir == NULL || *shotdir == '\0')
    shotdir = tmpdir;

  app = actorscope_application_new ();
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    return -1;
  g_application_open (G_APPLICATION (app), files, 1, "");
  windows = gtk_application_get_windows (GTK_APPLICATION (app));
  if (windows == NULL)
    return -1;
  window = ACTORSCOPE_WINDOW (windows->data);
  gtk_window_set_default_size (GTK_WINDOW (window), 1360, 840);
  if (!wait_loaded (30000))
    return -1;
  spin (300);
  return 0;
}

static int
group_teardown (void **state)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  spin (50);
  g_clear_object (&app);
  /* Our temporary files go; screenshots asked for in another folder stay. */
  dir = g_dir_open (tmpdir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (tmpdir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return 0;
}

static void
test_loaded (void **state)
{
  ActorscopeDocument *doc = actorscope_window_get_document (window);
  IngestStore *store = actorscope_document_get_store (doc);
  const char *status = actorscope_window_get_status (window);
  g_autofree char *expect = g_strdup_printf ("%" G_GUINT64_FORMAT " events", ingest_store_n_events (store));

  assert_true (ingest_store_n_events (store) > 1000);
  assert_non_null (strstr (status, expect));
  assert_non_null (strstr (gtk_window_get_title (GTK_WINDOW (window)), "akka-supervision"));
  /* The whole small tree is expanded: every actor has a row. */
  assert_int_equal (actorscope_actor_tree_get_n_visible (actorscope_window_get_actor_tree (window)),
                    ingest_store_n_actors (store));
  assert_null (actorscope_window_get_error (window));
}

static void
test_views (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);

  set_view ("graph");
  assert_int_equal (actorscope_scene_view_get_kind (view), ACTORSCOPE_VIEW_GRAPH);
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor") >= 10);
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "edge") >= 10);
  screenshot ("graph");

  set_view ("sequence");
  assert_int_equal (actorscope_scene_view_get_kind (view), ACTORSCOPE_VIEW_SEQUENCE);
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "message") > 10);
  screenshot ("sequence");

  set_view ("timeline");
  assert_int_equal (actorscope_scene_view_get_kind (view), ACTORSCOPE_VIEW_TIMELINE);
  assert_true (render_scene_n_nodes (actorscope_scene_view_get_scene (view)) > 100);
  screenshot ("timeline");
}

static void
test_zoom (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  gint64 from0, to0, from1, to1;
  double z0;

  set_view ("timeline");
  actorscope_scene_view_get_window (view, &from0, &to0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-in", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-in", NULL);
  actorscope_scene_view_rebuild_now (view);
  actorscope_scene_view_get_window (view, &from1, &to1);
  /* Two steps of 1.25: the window is 1/1.5625 as wide, inside the old one. */
  assert_true (to1 - from1 < (to0 - from0) * 0.7);
  assert_true (to1 - from1 > (to0 - from0) * 0.55);
  assert_true (from1 >= from0 && to1 <= to0);
  spin (100);
  screenshot ("timeline-zoomed");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-reset", NULL);
  actorscope_scene_view_rebuild_now (view);
  actorscope_scene_view_get_window (view, &from1, &to1);
  assert_true (from1 == from0);
  assert_true (to1 == to0);

  set_view ("graph");
  z0 = actorscope_scene_view_get_zoom (view);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-in", NULL);
  assert_true (actorscope_scene_view_get_zoom (view) > z0 * 1.2);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-reset", NULL);
  spin (50);
}

static void
test_select_actor (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeDetails *details = actorscope_window_get_details (window);
  IngestStore *store = actorscope_document_get_store (actorscope_window_get_document (window));
  IngestActorId api = ingest_store_find_actor (store, "/user/api");
  double x, y;

  set_view ("graph");
  assert_true (api != 0);
  assert_true (actorscope_scene_view_locate (view, "actor", "/user/api", &x, &y));
  /* A click where the actor is drawn: hit testing picks it. */
  assert_true (actorscope_scene_view_activate_at (view, x, y));
  assert_string_equal (actorscope_scene_view_get_selected_class (view), "actor");
  assert_string_equal (actorscope_scene_view_get_selected_id (view), "/user/api");
  assert_string_equal (actorscope_details_get_kind (details), "actor");
  assert_string_equal (actorscope_details_get_title (details), "api");
  assert_int_equal (actorscope_actor_tree_get_selected_actor (actorscope_window_get_actor_tree (window)), api);
  screenshot ("graph-selected");

  /* And the other way: selecting in the tree selects in the view. */
  actorscope_actor_tree_select_actor (actorscope_window_get_actor_tree (window),
                                      ingest_store_find_actor (store, "/user/supervisor/cache"));
  g_signal_emit_by_name (actorscope_window_get_actor_tree (window), "actor-selected",
                         ingest_store_find_actor (store, "/user/supervisor/cache"));
  assert_string_equal (actorscope_scene_view_get_selected_id (view), "/user/supervisor/cache");
  assert_string_equal (actorscope_details_get_title (details), "cache");
}

static void
test_filter (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  guint all_rows = actorscope_actor_tree_get_n_visible (tree);
  guint all_actors;

  set_view ("graph");
  all_actors = render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor");
  gtk_editable_set_text (actorscope_window_get_filter_entry (window), "workers");
  spin (400);   /* the search entry's own delay */
  assert_string_equal (actorscope_scene_view_get_filter (view), "workers");
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor") < all_actors);
  /* Tree: the workers and their parents only. */
  assert_true (actorscope_actor_tree_get_n_visible (tree) < all_rows);
  assert_true (actorscope_actor_tree_get_n_visible (tree) >= 3);
  screenshot ("graph-filtered");

  /* A bad regex is reported on the entry, not a crash. */
  gtk_editable_set_text (actorscope_window_get_filter_entry (window), "/[unclosed/");
  spin (400);
  assert_non_null (actorscope_scene_view_get_filter_error (view));
  assert_true (gtk_widget_has_css_class (GTK_WIDGET (actorscope_window_get_filter_entry (window)), "error"));

  gtk_editable_set_text (actorscope_window_get_filter_entry (window), "");
  spin (400);
  assert_null (actorscope_scene_view_get_filter_error (view));
  assert_int_equal (actorscope_actor_tree_get_n_visible (tree), all_rows);
}

static void
test_sort (void **state)
{
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  IngestStore *store = actorscope_document_get_store (actorscope_window_get_document (window));
  IngestActorId parent = ingest_store_find_actor (store, "/user/supervisor/workers");
  guint64 last = G_MAXUINT64;
  guint siblings = 0;

  /* Busiest first, within each level of the tree. */
  assert_true (actorscope_actor_tree_sort_by (tree, "in", TRUE));
  spin (50);
  for (guint i = 0; i < actorscope_actor_tree_get_n_visible (tree); i++)
    {
      IngestActorId id = actorscope_actor_tree_get_actor_at (tree, i);
      IngestActorStats st;

      if (ingest_store_actor (store, id)->parent != parent)
        continue;
      ingest_store_actor_stats (store, id, &st);
      assert_true (st.received <= last);
      last = st.received;
      siblings++;
    }
  assert_true (siblings >= 4);
  /* And by name, ascending. */
  assert_true (actorscope_actor_tree_sort_by (tree, "actor", FALSE));
  spin (50);
  {
    const char *prev = "";
    for (guint i = 0; i < actorscope_actor_tree_get_n_visible (tree); i++)
      {
        IngestActorId id = actorscope_actor_tree_get_actor_at (tree, i);
        const IngestActor *a = ingest_store_actor (store, id);
        const char *name;

        if (a->parent != parent)
          continue;
        name = ingest_store_atom (store, a->short_name);
        assert_true (strcmp (prev, name) <= 0);
        prev = name;
      }
  }
  assert_false (actorscope_actor_tree_sort_by (tree, "no-such-column", TRUE));
}

static void
test_replay (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeDetails *details = actorscope_window_get_details (window);
  gint64 c1, c2;
  g_autofree char *first = NULL;

  set_view ("timeline");
  assert_true (actorscope_scene_view_get_cursor (view) == INGEST_TIME_MAX);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step-next", NULL);
  c1 = actorscope_scene_view_get_cursor (view);
  assert_true (c1 != INGEST_TIME_MAX);
  assert_string_equal (actorscope_details_get_kind (details), "message");
  first = g_strdup (actorscope_details_get_value (details, "Id"));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step-next", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step-next", NULL);
  c2 = actorscope_scene_view_get_cursor (view);
  assert_true (c2 >= c1);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step-prev", NULL);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step-prev", NULL);
  assert_true (actorscope_scene_view_get_cursor (view) == c1);
  assert_string_equal (actorscope_details_get_value (details, "Id"), first);

  /* Play advances the cursor on the frame clock. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  spin (400);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  assert_true (actorscope_scene_view_get_cursor (view) > c1);
  screenshot ("replay");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.jump-to-now", NULL);
  assert_true (actorscope_scene_view_get_cursor (view) == INGEST_TIME_MAX);
}

static void
test_area (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeDetails *details = actorscope_window_get_details (window);
  gint64 from, to;
  const char *messages;

  set_view ("timeline");
  actorscope_scene_view_rebuild_now (view);
  actorscope_scene_view_get_window (view, &from, &to);
  g_signal_emit_by_name (view, "area-selected", from + (to - from) / 4, from + (to - from) / 2);
  assert_string_equal (actorscope_details_get_kind (details), "range");
  messages = actorscope_details_get_value (details, "Messages");
  assert_non_null (messages);
  assert_true (g_ascii_strtoull (messages, NULL, 10) > 10);
  assert_non_null (actorscope_details_get_value (details, "top-edge"));
  screenshot ("timeline-area");
  actorscope_scene_view_set_area (view, 0, 0);
}

static gsize
count (const char *haystack, const char *needle)
{
  gsize n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_export (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  g_autofree char *svg = g_build_filename (tmpdir, "view.svg", NULL);
  g_autofree char *png = g_build_filename (tmpdir, "view.png", NULL);
  g_autofree char *pdf = g_build_filename (tmpdir, "view.pdf", NULL);
  g_autofree char *text = NULL;
  g_autofree char *pdftext = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  gsize len = 0;
  guint shown;

  set_view ("graph");
  shown = render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor");
  assert_true (actorscope_window_export (window, svg, "svg", &error));
  assert_true (g_file_get_contents (svg, &text, &len, NULL));
  assert_non_null (strstr (text, "<svg"));
  /* What you see is what you export: same actors as on screen. */
  assert_int_equal (count (text, "class=\"actor\""), shown);
  assert_non_null (strstr (text, "data-id=\"/user/api\""));

  assert_true (actorscope_window_export (window, png, "png", &error));
  texture = gdk_texture_new_from_filename (png, &error);
  assert_non_null (texture);
  assert_true (gdk_texture_get_width (texture) >= 400);

  set_view ("sequence");
  assert_true (actorscope_window_export (window, pdf, "pdf", &error));
  assert_true (g_file_get_contents (pdf, &pdftext, &len, NULL));
  assert_true (len > 1000 && memcmp (pdftext, "%PDF", 4) == 0);

  assert_false (actorscope_window_export (window, svg, "bmp", &error));
  assert_non_null (error);
}

static void
test_bad_file (void **state)
{
  g_autofree char *path = g_build_filename (tmpdir, "missing.ndjson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  ActorscopeDocument *before = actorscope_window_get_document (window);
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  actorscope_window_open (window, file);
  while (actorscope_window_is_loading (window) && g_get_monotonic_time () < end)
    spin (20);
  /* The error is shown and the open trace stays. */
  assert_non_null (actorscope_window_get_error (window));
  assert_ptr_equal (actorscope_window_get_document (window), before);
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_loaded),
    cmocka_unit_test (test_views),
    cmocka_unit_test (test_zoom),
    cmocka_unit_test (test_select_actor),
    cmocka_unit_test (test_filter),
    cmocka_unit_test (test_sort),
    cmocka_unit_test (test_replay),
    cmocka_unit_test (test_area),
    cmocka_unit_test (test_export),
    cmocka_unit_test (test_bad_file),
  };

  g_set_application_name ("Actorscope");
  gtk_init ();
  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
