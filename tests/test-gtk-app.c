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

#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "render-columns.h"
#include <gtk/gtk.h>

#include <gio/gunixsocketaddress.h>

#include "actorscope-application.h"
#include "actorscope-window.h"
#include "ingest-log-disk.h"
#include "render-svg.h"
#include "test-util.h"
#include "web-deviations.h"
#include "web-actor-charts.h"
#include "web-search.h"
#include "render-sparkline.h"

static ActorscopeApplication *app;
static ActorscopeWindow *window;
static char *tmpdir;
static const char *shotdir;

/* Generous: a condition wait costs nothing when things are fast. */
#define WAIT_MS 20000

/* The scene view has a scene for its current parameters, and the window
 * has been laid out and drawn since (no frame pending). */
static gboolean
view_idle (gpointer data)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);

  return !actorscope_scene_view_is_busy (view) && actorscope_scene_view_get_scene (view) != NULL &&
         gtk_widget_get_realized (GTK_WIDGET (view)) && gtk_widget_get_width (GTK_WIDGET (view)) > 0;
}

/* The view shows kind data: the scene's root class ("actorscope graph
 * theme-light") names the layout it was built with. */
static gboolean
view_shows (gpointer data)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  const char *kind = render_view_kind_to_string (GPOINTER_TO_INT (data));
  g_auto(GStrv) classes = NULL;
  const char *root;

  if (actorscope_scene_view_get_kind (view) != (RenderViewKind) GPOINTER_TO_INT (data) || !view_idle (NULL))
    return FALSE;
  root = render_scene_get_root_class (actorscope_scene_view_get_scene (view));
  classes = g_strsplit (root ? root : "", " ", -1);
  return g_strv_contains ((const char *const *) classes, kind);
}

static gboolean
filter_applied (gpointer data)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);

  const char *filter = actorscope_scene_view_get_filter (view);

  /* An empty entry clears the filter (NULL or ""). */
  return g_strcmp0 (filter ? filter : "", data) == 0 && view_idle (NULL);
}

/* Lets pending layout and drawing run: the frame clock has ticked twice. */
static void
wait_frames (void)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gint64 start = clock ? gdk_frame_clock_get_frame_counter (clock) : 0;
  gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  gtk_widget_queue_draw (GTK_WIDGET (window));
  /* spin(), not a blocking iteration: with nothing to draw and no other
   * source the loop would sleep forever and never see the deadline. */
  while (clock && gdk_frame_clock_get_frame_counter (clock) < start + 2 && g_get_monotonic_time () < end)
    test_spin_ms (10);
}

static gboolean
wait_loaded (guint max_ms)
{
  gint64 end = g_get_monotonic_time () + max_ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!actorscope_window_is_loading (window) && actorscope_window_get_document (window) != NULL)
        return TRUE;
      test_spin_ms (20);
    }
  return FALSE;
}

/* Saves what widget's own surface shows (the window, or a popover: a
 * popover is a surface of its own, not part of the window's picture). */
static void
screenshot_native (GtkWidget *widget, const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_strdup_printf ("%s/%s.png", shotdir, name);
  int w, h;

  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  wait_frames ();
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  assert_non_null (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  assert_non_null (texture);
  assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  print_message ("screenshot: %s\n", path);
}

static void
screenshot (const char *name)
{
  screenshot_native (GTK_WIDGET (window), name);
}

static void
set_view (const char *kind)
{
  RenderViewKind k;

  assert_true (render_view_kind_from_string (kind, &k));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.view", "s", kind);
  assert_true (test_wait_for (view_shows, GINT_TO_POINTER (k), WAIT_MS));
}

/* Types into the filter entry and waits until the view has applied it
 * (the entry's own search delay, then a rebuild). */
static void
set_filter (const char *text)
{
  gtk_editable_set_text (actorscope_window_get_filter_entry (window), text);
  assert_true (test_wait_for (filter_applied, (gpointer) text, WAIT_MS));
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

  tmpdir = test_tmpdir_new ("actorscope-gtk-XXXXXX");
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
  if (!wait_loaded (30000) || !test_wait_for (view_idle, NULL, WAIT_MS))
    return -1;
  wait_frames ();
  return 0;
}

static int
group_teardown (void **state)
{
  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  test_spin_ms (50);
  g_clear_object (&app);
  /* Our temporary files go; screenshots asked for in another folder stay. */
  test_tmpdir_clear (&tmpdir);
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
  assert_int_equal (actorscope_scene_view_get_kind (view), RENDER_VIEW_GRAPH);
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor") >= 10);
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "edge") >= 10);
  screenshot ("graph");

  set_view ("sequence");
  assert_int_equal (actorscope_scene_view_get_kind (view), RENDER_VIEW_SEQUENCE);
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "message") > 10);
  screenshot ("sequence");

  set_view ("timeline");
  assert_int_equal (actorscope_scene_view_get_kind (view), RENDER_VIEW_TIMELINE);
  assert_true (render_scene_n_nodes (actorscope_scene_view_get_scene (view)) > 100);
  screenshot ("timeline");
}

/* The sequence chart keeps its lane headers and time ruler on screen and
 * readable: fitted (the chart's own text is scaled down), scrolled to the
 * end and zoomed in, every lane has a 9 pt (12 px) name in the band at the
 * top, and the ruler has times along the visible rows. */
static guint
n_header_lanes (const RenderScene *scene)
{
  guint n = 0;
  gboolean in_header = FALSE;
  for (const RenderNode *nd = render_scene_get_first (scene); nd != NULL; nd = nd->next)
    {
      if (nd->kind != RENDER_NODE_GROUP_BEGIN)
        continue;
      if (g_strcmp0 (nd->u.group.klass, "header") == 0)
        {
          if (in_header)
            break;   /* the first header only */
          in_header = TRUE;
        }
      else if (in_header && g_strcmp0 (nd->u.group.klass, "actor") == 0)
        n++;
      else if (in_header && nd->u.group.depth <= 1 && g_strcmp0 (nd->u.group.klass, "actor") != 0)
        break;
    }
  return n;
}

static void
check_sticky (ActorscopeSceneView *view, guint n_lanes, const char *when)
{
  g_autoptr(GArray) labels = actorscope_scene_view_get_sticky_labels (view);
  guint lanes = 0, ruler = 0;
  int h = gtk_widget_get_height (GTK_WIDGET (view));
  for (guint i = 0; i < labels->len; i++)
    {
      const ActorscopeStickyLabel *l = &g_array_index (labels, ActorscopeStickyLabel, i);
      assert_true (l->font_px >= 12.0);
      assert_true (l->text != NULL && l->text[0] != '\0');
      if (l->is_lane)
        {
          lanes++;
          assert_true (l->y > 0 && l->y < ACTORSCOPE_STICKY_BAND_PX);
        }
      else
        {
          ruler++;
          assert_true (l->y > ACTORSCOPE_STICKY_BAND_PX && l->y < h);
        }
    }
  print_message ("%s: %u lane headers, %u ruler labels\n", when, lanes, ruler);
  assert_int_equal (lanes, n_lanes);
  assert_true (ruler >= 2);
}

static void
test_sequence_sticky (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);

  set_view ("sequence");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-reset", NULL);
  actorscope_scene_view_rebuild_now (view);
  const RenderScene *scene = actorscope_scene_view_get_scene (view);
  guint n_lanes = n_header_lanes (scene);
  assert_true (n_lanes >= 5);
  check_sticky (view, n_lanes, "fitted");
  actorscope_scene_view_render_picture_now (view);
  screenshot ("details");

  /* zoomed in and scrolled far down: the headers and times came along */
  actorscope_scene_view_zoom (view, 3.0);
  actorscope_scene_view_rebuild_now (view);
  check_sticky (view, n_lanes, "zoomed");
  actorscope_scene_view_pan (view, 0, -2000);
  wait_frames ();
  check_sticky (view, n_lanes, "scrolled");
  actorscope_scene_view_render_picture_now (view);
  screenshot ("sequence-zoomed-scrolled");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-reset", NULL);
  actorscope_scene_view_rebuild_now (view);
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
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
}

/* The view and the overview share the window's session: what one writes
 * the other shows. */
static void
test_session (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeSession *session = actorscope_window_get_session (window);
  gint64 t0, t1, from, to;

  set_view ("timeline");
  assert_ptr_equal (actorscope_scene_view_get_session (view), session);
  assert_true (actorscope_document_get_time_range (actorscope_window_get_document (window), &t0, &t1));

  /* As the overview scrubs: the view builds the session's window. */
  actorscope_session_set_window (session, t0 + (t1 - t0) / 4, t0 + (t1 - t0) / 2);
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  actorscope_scene_view_get_window (view, &from, &to);
  assert_true (to - from < (t1 - t0) * 0.3);
  assert_true (from >= t0 + (t1 - t0) / 5);

  /* The view's own changes land in the session. */
  actorscope_scene_view_set_area (view, t0 + 10, t0 + 20);
  assert_true (actorscope_session_get_area (session, &from, &to));
  assert_true (from == t0 + 10 && to == t0 + 20);
  actorscope_scene_view_set_area (view, 0, 0);
  assert_false (actorscope_session_get_area (session, NULL, NULL));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.zoom-reset", NULL);
  actorscope_session_get_window (session, &from, &to);
  assert_true (from == INGEST_TIME_MIN && to == INGEST_TIME_MAX);
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
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

/* An edge's card title never breaks inside an actor name: one line per
 * actor, shortened in the middle, the full name in a tooltip. */
static void
test_edge_title (void **state)
{
  ActorscopeDetails *details = actorscope_window_get_details (window);
  IngestStore *store = actorscope_document_get_store (actorscope_window_get_document (window));
  IngestActorId from = ingest_store_find_actor (store, "/user/supervisor/workers");
  IngestActorId to = ingest_store_find_actor (store, "/user/supervisor/workers/w3");
  const char *names[2] = { "/user/supervisor/workers", "/user/supervisor/workers/w3" };

  assert_true (from != 0 && to != 0);
  actorscope_details_show_edge (details, from, to);
  assert_string_equal (actorscope_details_get_kind (details), "edge");
  assert_string_equal (actorscope_details_get_title (details),
                       "/user/supervisor/workers → /user/supervisor/workers/w3");
  wait_frames ();
  for (int end = 0; end < 2; end++)
    {
      GtkLabel *label = actorscope_details_get_edge_end (details, end);
      PangoLayout *layout;

      assert_non_null (label);
      assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
      assert_false (gtk_label_get_wrap (label));
      assert_int_equal (gtk_label_get_ellipsize (label), PANGO_ELLIPSIZE_MIDDLE);
      assert_string_equal (gtk_widget_get_tooltip_text (GTK_WIDGET (label)), names[end]);
      assert_non_null (strstr (gtk_label_get_text (label), names[end]));
      /* One line, within the pane: nothing wraps, nothing spills. */
      layout = gtk_label_get_layout (label);
      assert_int_equal (pango_layout_get_line_count (layout), 1);
      assert_true (gtk_widget_get_width (GTK_WIDGET (label)) <=
                   gtk_widget_get_width (GTK_WIDGET (details)));
    }
  screenshot ("edge-title");
  /* Another kind of selection brings the plain title back. */
  actorscope_details_show_actor (details, from);
  assert_null (actorscope_details_get_edge_end (details, FALSE));
}

/* Every column of the actor tree is visible in the default sidebar, the
 * name column keeps its room, and short headers explain themselves. */
static void
test_tree_columns (void **state)
{
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);

  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  assert_true (gtk_widget_get_width (GTK_WIDGET (tree)) > 0);
  assert_true (actorscope_actor_tree_get_columns_width (tree) <= gtk_widget_get_width (GTK_WIDGET (tree)));
  assert_non_null (actorscope_actor_tree_get_column_tooltip (tree, "errors"));
  assert_non_null (actorscope_actor_tree_get_column_tooltip (tree, "depth"));
  assert_null (actorscope_actor_tree_get_column_tooltip (tree, "no-such-column"));

  /* The cells are render-columns' (as `stats` and the console write them):
   * Rate is received per second, Wait and Proc the 99th percentiles, a
   * count in full. */
  {
    ActorscopeDocument *doc = actorscope_window_get_document (window);
    IngestStore *store = actorscope_document_get_store (doc);
    IngestActorId busiest = 0;
    IngestActorStats st, best = { 0 };
    gint64 t0, t1;

    for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
      {
        ingest_store_actor_stats (store, id, &st);
        if (ingest_store_actor (store, id)->parent != 0 &&
            ingest_store_actor (store, id)->kind != INGEST_ACTOR_QUEUE && st.received > best.received)
          {
            best = st;
            busiest = id;
          }
      }
    assert_true (busiest != 0 && best.processing.count > 0);
    assert_true (ingest_store_time_range (store, &t0, &t1) && t1 > t0);
    g_autofree char *in = actorscope_actor_tree_dup_cell_text (tree, busiest, "in");
    g_autofree char *want_in = g_strdup_printf ("%" G_GUINT64_FORMAT, best.received);
    g_autofree char *rate = actorscope_actor_tree_dup_cell_text (tree, busiest, "rate");
    g_autofree char *want_rate = render_column_format_rate ((double) best.received / ((t1 - t0) / 1e9));
    g_autofree char *proc = actorscope_actor_tree_dup_cell_text (tree, busiest, "processing");
    g_autofree char *want_proc = render_column_format_duration (best.processing.p99_ns);
    assert_string_equal (in, want_in);
    assert_string_equal (rate, want_rate);
    assert_string_equal (proc, want_proc);
    assert_null (actorscope_actor_tree_dup_cell_text (tree, busiest, "no-such-column"));
  }
}

/* The payload as shown: JSON re-indented with its own spelling, anything
 * else verbatim, invisible characters made visible, markup left as text,
 * bounded. */
static void
test_payload (void **state)
{
  ActorscopeDetails *details = actorscope_window_get_details (window);
  gsize controls = 99;
  g_autofree char *json = actorscope_details_format_payload ("{\"a\":[1,0.1,1e3],\"b\":{},\"c\":\"x, {y}: \\\"z\\\"\"}", &controls);
  g_autofree char *text = actorscope_details_format_payload ("<b>bold</b> {not json", &controls);
  g_autofree char *hostile = NULL;
  g_autofree char *big_in = g_strnfill (200 * 1024, 'x');
  g_autofree char *big = actorscope_details_format_payload (big_in, NULL);
  const char *shown;

  assert_string_equal (json, "{\n  \"a\": [\n    1,\n    0.1,\n    1e3\n  ],\n  \"b\": {},\n"
                             "  \"c\": \"x, {y}: \\\"z\\\"\"\n}");
  assert_string_equal (text, "<b>bold</b> {not json");
  assert_int_equal (controls, 0);
  hostile = actorscope_details_format_payload ("a\033[31mred\r\x7f \xe2\x80\xae evil\tend\nnext", &controls);
  assert_string_equal (hostile, "a\xe2\x90\x9b[31mred\xe2\x90\x8d\xe2\x90\xa1 <U+202E> evil\tend\nnext");
  assert_int_equal (controls, 4);
  assert_true (strlen (big) < 70 * 1024);
  assert_non_null (strstr (big, "bytes"));

  /* The pane shows message 1's JSON payload in full, indented. */
  g_signal_emit_by_name (details, "jump-to-message", 1u);
  assert_string_equal (actorscope_details_get_kind (details), "message");
  shown = actorscope_details_get_value (details, "payload-shown");
  assert_non_null (shown);
  assert_non_null (strstr (shown, "\n  \"job\": "));
  assert_non_null (actorscope_details_get_value (details, "payload"));
  screenshot ("details-payload");
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
  set_filter ("workers");
  assert_string_equal (actorscope_scene_view_get_filter (view), "workers");
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor") < all_actors);
  /* Tree: the workers and their parents only. */
  assert_true (actorscope_actor_tree_get_n_visible (tree) < all_rows);
  assert_true (actorscope_actor_tree_get_n_visible (tree) >= 3);
  screenshot ("graph-filtered");

  /* The case-insensitive regex form shows the workers too (it once became
   * a glob that matched nothing). */
  set_filter ("/WORKERS/i");
  assert_null (actorscope_scene_view_get_filter_error (view));
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor") > 0);
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor") < all_actors);
  assert_true (actorscope_actor_tree_get_n_visible (tree) >= 3);

  /* A bad regex is reported on the entry, not a crash. */
  set_filter ("/[unclosed/");
  assert_non_null (actorscope_scene_view_get_filter_error (view));
  assert_true (gtk_widget_has_css_class (GTK_WIDGET (actorscope_window_get_filter_entry (window)), "error"));

  set_filter ("");
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
  /* The sort list model sorts synchronously (not incremental). */
  assert_true (actorscope_actor_tree_sort_by (tree, "in", TRUE));
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

/* Waits (bounded) until the view has a scene for its current parameters. */
static void
wait_view_idle (ActorscopeSceneView *view)
{
  (void) view;
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
}

static void
test_group (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  IngestStore *store = actorscope_document_get_store (actorscope_window_get_document (window));
  IngestActorId workers = ingest_store_find_actor (store, "/user/supervisor/workers");
  IngestActorId user = ingest_store_find_actor (store, "/user");
  guint64 sum_in = 0, sum_out = 0, row_in = 0, row_out = 0, user_in = 0;
  gint64 max_depth = 0, row_depth = 0, row_wait = 0;
  guint members = 0, all_nodes, all_lanes;
  const char *const *groups;
  IngestActorStats own;

  assert_true (workers != 0 && user != 0);
  /* The row of a subtree adds up its members (and itself). */
  for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
    {
      IngestActorStats st;
      IngestActorId a = id;

      while (a != 0 && a != workers)
        a = ingest_store_actor (store, a)->parent;
      if (a != workers)
        continue;
      ingest_store_actor_stats (store, id, &st);
      sum_in += st.received;
      sum_out += st.sent;
      max_depth = MAX (max_depth, st.mailbox_depth_max);
      members++;
    }
  assert_true (members >= 5);
  g_object_get (actorscope_actor_tree_get_item (tree, workers), "received", &row_in, "sent", &row_out,
                "depth", &row_depth, "mailbox", &row_wait, NULL);
  assert_true (sum_in > 0);
  assert_true (row_in == sum_in);
  assert_true (row_out == sum_out);
  assert_true (row_depth == max_depth);
  assert_true (row_wait > 0);   /* the merged percentile of the members' waits */
  /* The card of the subtree's actor shows the row's sums too. */
  {
    ActorscopeDetails *details = actorscope_window_get_details (window);
    g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT, sum_in);

    actorscope_details_show_actor (details, workers);
    assert_non_null (actorscope_details_get_value (details, "Received (subtree)"));
    assert_string_equal (actorscope_details_get_value (details, "Received (subtree)"), want);
  }
  /* "/user" is only a path component: no traffic of its own, yet its row
   * shows everything under it. */
  ingest_store_actor_stats (store, user, &own);
  g_object_get (actorscope_actor_tree_get_item (tree, user), "received", &user_in, NULL);
  assert_true (user_in > own.received);
  assert_true (user_in >= sum_in);

  set_view ("graph");
  wait_view_idle (view);
  all_nodes = render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor");

  /* The row's context menu folds the subtree into one node. */
  actorscope_actor_tree_popup_menu (tree, workers, 20, 20);
  assert_true (actorscope_actor_tree_get_menu_visible (tree));
  screenshot ("tree-menu");
  /* 0 = the row the menu was opened on, as the menu's items do. */
  gtk_widget_activate_action (GTK_WIDGET (tree), "tree.group", "u", 0);
  assert_false (actorscope_actor_tree_get_menu_visible (tree));
  assert_true (actorscope_actor_tree_get_grouped (tree, workers));
  groups = actorscope_scene_view_get_groups (view);
  assert_non_null (groups);
  assert_string_equal (groups[0], actorscope_actor_tree_get_groups (tree)[0]);
  assert_null (groups[1]);
  wait_view_idle (view);
  assert_int_equal (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor"),
                    all_nodes - members + 1);
  {
    double x, y;

    assert_true (actorscope_scene_view_locate (view, "actor", groups[0], &x, &y));
    assert_false (actorscope_scene_view_locate (view, "actor", "/user/supervisor/workers", &x, &y));
  }
  screenshot ("graph-grouped");

  /* One lane in the timeline too. */
  set_view ("timeline");
  wait_view_idle (view);
  all_lanes = render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor");
  assert_int_equal (all_lanes, all_nodes - members + 1);

  /* And back. */
  gtk_widget_activate_action (GTK_WIDGET (tree), "tree.ungroup", "u", workers);
  assert_false (actorscope_actor_tree_get_grouped (tree, workers));
  assert_null (actorscope_scene_view_get_groups (view));
  wait_view_idle (view);
  assert_true (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor") > all_lanes);
  set_view ("graph");
  wait_view_idle (view);
  assert_int_equal (render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor"), all_nodes);
  /* A leaf is one node already: nothing to group. */
  assert_false (actorscope_actor_tree_set_grouped (tree, ingest_store_find_actor (store, "/user/api"), TRUE));
}

static gint64 replay_from;

static gboolean
cursor_moved (gpointer data)
{
  return actorscope_scene_view_get_cursor (actorscope_window_get_scene_view (window)) > replay_from;
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
  replay_from = c1;
  assert_true (test_wait_for (cursor_moved, NULL, WAIT_MS));
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

/* Exporting as the menu does says where the file went, in the window; a
 * failure is shown in the window's error bar, not on stderr. */
static void
test_export_confirm (void **state)
{
  g_autofree char *path = g_build_filename (tmpdir, "confirmed.svg", NULL);
  g_autofree char *bad = g_build_filename (tmpdir, "no-such-folder", "view.svg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad_file = g_file_new_for_path (bad);

  set_view ("graph");
  assert_true (actorscope_window_export_file (window, file, "svg"));
  assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  assert_non_null (actorscope_window_get_export_message (window));
  assert_non_null (strstr (actorscope_window_get_export_message (window), path));
  test_spin_ms (400); /* the bar slides in */
  screenshot ("export-confirmed");

  assert_false (actorscope_window_export_file (window, bad_file, "svg"));
  assert_null (actorscope_window_get_export_message (window));
  assert_non_null (actorscope_window_get_error (window));
  assert_non_null (strstr (actorscope_window_get_error (window), "Could not export"));
  assert_non_null (strstr (actorscope_window_get_error (window), "view.svg"));
}


/* The header bar's deviations list shows what the browser console's panel
 * shows for the same trace: the console's reply (web_deviations_reply,
 * default thresholds, the whole trace) is built here from the same store
 * and compared row by row. Activating a row moves the view's window to
 * that time and selects the actor in the tree, view and details. */
static void
test_deviations (void **state)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeDeviationsList *list = actorscope_window_get_deviations_list (window);
  IngestStore *store = actorscope_document_get_store (actorscope_window_get_document (window));
  const IngestDeviations *mine = actorscope_deviations_list_get_deviations (list);
  g_autoptr(GError) error = NULL;
  json_t *request = json_pack ("{s:s}", "type", "deviations");
  g_autofree char *reply = web_deviations_reply (store, INGEST_TIME_MIN, INGEST_TIME_MAX, request, &error);
  json_t *console, *rows, *counts;
  guint crash_row = G_MAXUINT;
  const IngestDeviation *d;
  gint64 from, to;
  GtkWidget *popover;

  json_decref (request);
  assert_non_null (reply);
  console = json_loads (reply, 0, NULL);
  assert_non_null (console);
  rows = json_object_get (console, "rows");
  counts = json_object_get (console, "counts");
  assert_non_null (mine);
  /* The sample trace has crashes (the supervision demo) and drops. */
  assert_true (mine->per_kind[INGEST_DEVIATION_CRASH] > 0);
  assert_int_equal (json_integer_value (json_object_get (console, "total")), mine->total);
  for (guint k = 0; k < INGEST_DEVIATION_N_KINDS; k++)
    assert_int_equal (json_integer_value (json_object_get (counts, ingest_deviation_kind_to_string (k))),
                      mine->per_kind[k]);
  assert_int_equal (json_array_size (rows), mine->rows->len);
  for (guint i = 0; i < mine->rows->len; i++)
    {
      json_t *row = json_array_get (rows, i);
      json_t *actor = json_object_get (row, "actor");
      json_t *time_ms = json_object_get (row, "time_ms");
      g_autofree char *shown = actorscope_deviations_list_dup_row_text (list, i);

      d = &g_array_index (mine->rows, IngestDeviation, i);
      assert_string_equal (json_string_value (json_object_get (row, "kind")), ingest_deviation_kind_to_string (d->kind));
      assert_true (d->time_ns == 0 ? json_is_null (time_ms)
                                   : fabs (json_real_value (time_ms) - (double) d->time_ns / 1e6) < 1e-3);
      if (d->actor != 0)
        {
          assert_string_equal (json_string_value (actor), ingest_store_actor_name (store, d->actor));
          /* The row names the actor the console names. */
          assert_non_null (strstr (shown, json_string_value (actor)));
        }
      else
        assert_true (json_is_null (actor));
      /* And says the same thing, in the same words (untranslated here). */
      assert_non_null (strstr (shown, json_string_value (json_object_get (row, "what"))));
      if (d->kind == INGEST_DEVIATION_CRASH && crash_row == G_MAXUINT)
        crash_row = i;
    }
  assert_null (actorscope_deviations_list_dup_row_text (list, mine->rows->len));
  json_decref (console);

  /* A crash row: the window moves to when it happened, the actor is
   * selected everywhere. */
  set_view ("timeline");
  assert_true (crash_row != G_MAXUINT);
  d = &g_array_index (mine->rows, IngestDeviation, crash_row);
  popover = gtk_widget_get_ancestor (GTK_WIDGET (list), GTK_TYPE_POPOVER);
  assert_non_null (popover);
  gtk_menu_button_popup (GTK_MENU_BUTTON (gtk_widget_get_parent (popover)));
  test_spin_ms (300); /* the popover maps and lays out */
  assert_true (gtk_widget_get_mapped (GTK_WIDGET (list)));
  screenshot_native (popover, "deviations-list");
  actorscope_deviations_list_activate_row (list, crash_row);
  actorscope_scene_view_get_window (view, &from, &to);
  assert_true (from <= d->time_ns && d->time_ns <= to);
  assert_int_equal (actorscope_actor_tree_get_selected_actor (actorscope_window_get_actor_tree (window)), d->actor);
  assert_string_equal (actorscope_scene_view_get_selected_id (view), ingest_store_actor_name (store, d->actor));
  assert_string_equal (actorscope_details_get_kind (actorscope_window_get_details (window)), "actor");
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  screenshot ("deviations-activated");
  actorscope_session_reset_time (actorscope_window_get_session (window));
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
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
    test_spin_ms (20);
  /* The error is shown and the open trace stays. */
  assert_non_null (actorscope_window_get_error (window));
  assert_ptr_equal (actorscope_window_get_document (window), before);
}

/* Shortcuts: every accelerator the app installs resolves to an action the
 * window can activate; activating the view shortcuts switches the view. */
static void
test_shortcuts (void **state)
{
  static const struct { const char *accel; RenderViewKind kind; } views[] = {
    { "<Control>2", RENDER_VIEW_SEQUENCE }, { "<Control>3", RENDER_VIEW_TIMELINE },
    { "<Control>1", RENDER_VIEW_GRAPH },
  };
  g_auto(GStrv) actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));

  assert_true (g_strv_length (actions) >= 15);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_auto(GStrv) names = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), views[i].accel);
      g_autofree char *name = NULL;
      g_autoptr(GVariant) target = NULL;

      assert_non_null (names);
      assert_non_null (names[0]);
      assert_true (g_action_parse_detailed_name (names[0], &name, &target, NULL));
      assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (window), name, target));
      assert_true (test_wait_for (view_shows, GINT_TO_POINTER (views[i].kind), WAIT_MS));
      assert_int_equal (actorscope_scene_view_get_kind (actorscope_window_get_scene_view (window)),
                        views[i].kind);
    }
  /* The attach shortcuts exist and name window actions. */
  {
    g_auto(GStrv) a = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), "<Control>l");
    g_auto(GStrv) b = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), "<Control><Shift>l");

    assert_string_equal (a[0], "win.attach");
    assert_string_equal (b[0], "win.attach-mswitch");
  }
}

/* Drag and drop: the window's drop target gets a file list, the file is
 * opened and lands in the recent files; dark mode follows the setting. */
static gboolean dark_wanted;

/* The scene was rebuilt in the wanted theme (judged by its background). */
static gboolean
scene_is_dark (gpointer data)
{
  const RenderScene *scene = actorscope_scene_view_get_scene (actorscope_window_get_scene_view (window));
  RenderColor bg;

  if (!view_idle (NULL))
    return FALSE;
  bg = render_scene_get_background (scene);
  return (bg.r + bg.g + bg.b < 3 * 128) == dark_wanted;
}

static void
test_drop_recent_dark (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces",
                                             "chrome-flows.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (trace);
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  g_autofree char *uri = g_file_get_uri (file);
  GtkDropTarget *drop = NULL;
  ActorscopeDocument *before = actorscope_window_get_document (window);
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;
  GSList *list;
  RenderColor bg_light, bg_dark;
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);

  if (!g_file_query_exists (file, NULL))
    {
      g_free (trace);
      trace = g_build_filename (root ? root : "..", "data", "traces", "akka-supervision.ndjson", NULL);
      g_object_unref (file);
      file = g_file_new_for_path (trace);
      g_free (uri);
      uri = g_file_get_uri (file);
    }
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);
      if (GTK_IS_DROP_TARGET (c))
        drop = GTK_DROP_TARGET (c);
    }
  assert_non_null (drop);
  list = g_slist_prepend (NULL, file);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_set_boxed (&value, list);
  g_signal_emit_by_name (drop, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  g_slist_free (list);
  assert_true (accepted);
  assert_true (wait_loaded (20000));
  assert_ptr_not_equal (actorscope_window_get_document (window), before);
  assert_true (g_file_equal (actorscope_document_get_file (actorscope_window_get_document (window)), file));
  assert_true (gtk_recent_manager_has_item (gtk_recent_manager_get_default (), uri));

  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  bg_light = render_scene_get_background (actorscope_scene_view_get_scene (view));
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  dark_wanted = TRUE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
  bg_dark = render_scene_get_background (actorscope_scene_view_get_scene (view));
  screenshot ("dark");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
  dark_wanted = FALSE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
  /* Dark scenes have a darker background. */
  assert_true (bg_dark.r + bg_dark.g + bg_dark.b + 60 < bg_light.r + bg_light.g + bg_light.b);
}


static guint64
n_events (void)
{
  ActorscopeDocument *doc = actorscope_window_get_document (window);

  return doc ? ingest_store_n_events (actorscope_document_get_store (doc)) : 0;
}

static gboolean
has_events (gpointer data)
{
  return n_events () >= GPOINTER_TO_UINT (data);
}

static gboolean
scene_has_actors (gpointer data)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);

  if (actorscope_scene_view_is_busy (view))
    return FALSE;
  return render_scene_count_groups (actorscope_scene_view_get_scene (view), "actor") >= GPOINTER_TO_UINT (data);
}

static gboolean
live_disconnected (gpointer data)
{
  return !actorscope_live_is_connected (actorscope_window_get_live (window));
}

static gboolean
live_reconnected (gpointer data)
{
  ActorscopeLive *live = actorscope_window_get_live (window);

  return actorscope_live_get_n_connects (live) >= GPOINTER_TO_UINT (data) &&
         actorscope_live_is_connected (live);
}

/* A free loopback port (bound and released). */
static guint
free_port (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Starts `actorscope serve` replaying a sample on port. (Its "listening
 * on" line is block-buffered on a pipe, so the port is chosen here.) */
static GSubprocess *
start_serve (guint port)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  const char *build = g_getenv ("ACTORSCOPE_BUILD_ROOT");
  g_autofree char *exe = g_build_filename (build ? build : ".", "app", "actorscope", NULL);
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces",
                                             "akka-supervision.ndjson", NULL);
  g_autofree char *port_s = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           exe, "serve", "--replay", trace, "--speed", "1", "--loop", "--quiet",
                           "--port", port_s, NULL);
  assert_non_null (proc);
  return proc;
}

/* Live: attach to a real `actorscope serve` on an ephemeral port; events
 * arrive in the app's store and the view shows them; when the service
 * restarts the app reconnects by itself and keeps receiving. */
static void
test_live_serve (void **state)
{
  g_autoptr(GSubprocess) serve = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint port = free_port ();
  guint64 before;

  serve = start_serve (port);
  url = g_strdup_printf ("ws://127.0.0.1:%u/events", port);
  set_view ("graph");
  assert_true (actorscope_window_attach (window, url, &error));
  assert_true (actorscope_document_get_live (actorscope_window_get_document (window)));
  assert_true (test_wait_for (has_events, GUINT_TO_POINTER (20), 15000));
  assert_true (actorscope_live_is_connected (actorscope_window_get_live (window)));
  assert_true (test_wait_for (scene_has_actors, GUINT_TO_POINTER (3), 10000));
  screenshot ("live");

  /* The service restarts: the client retries with backoff and reconnects. */
  g_subprocess_send_signal (serve, SIGTERM);
  g_subprocess_wait (serve, NULL, NULL);
  assert_true (test_wait_for (live_disconnected, NULL, WAIT_MS));
  before = n_events ();
  again = start_serve (port);
  assert_true (test_wait_for (live_reconnected, GUINT_TO_POINTER (2), 15000));
  assert_true (test_wait_for (has_events, GUINT_TO_POINTER ((guint) before + 1), 15000));
  g_subprocess_send_signal (again, SIGTERM);
  g_subprocess_wait (again, NULL, NULL);
}

/* ---- a small fake message-switch broker: GET /trace/<from>/<timeout> on
 * a unix socket, served from its own threads (the app's client runs on
 * this test's main loop, so the broker must not); answers with every event
 * whose id >= from (after 200 ms when there is none yet). */

typedef struct {
  GSocketService *service;
  GMutex lock;
  GPtrArray *events;           /* "[id,{...}]" */
} FakeBroker;

static gboolean
broker_run (GThreadedSocketService *s, GSocketConnection *conn, GObject *src, gpointer data)
{
  FakeBroker *b = data;
  char req[1024] = { 0 };
  gsize got = 0;
  gint64 from = -1;
  g_autoptr(GString) body = g_string_new ("{\"events\":[");
  g_autofree char *resp = NULL;

  while (got < sizeof req - 1 && strstr (req, "\r\n\r\n") == NULL)
    {
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), req + got,
                                      sizeof req - 1 - got, NULL, NULL);
      if (n <= 0)
        break;
      got += (gsize) n;
    }
  sscanf (req, "GET /trace/%" G_GINT64_FORMAT, &from);
  g_mutex_lock (&b->lock);
  if (from >= (gint64) b->events->len)
    {
      g_mutex_unlock (&b->lock);
      g_usleep (200 * 1000);
      g_mutex_lock (&b->lock);
    }
  for (guint i = (guint) MAX (0, from); i < b->events->len; i++)
    {
      if (body->str[body->len - 1] != '[')
        g_string_append_c (body, ',');
      g_string_append (body, g_ptr_array_index (b->events, i));
    }
  g_mutex_unlock (&b->lock);
  g_string_append (body, "]}");
  resp = g_strdup_printf ("HTTP/1.1 200 OK\r\ncontent-length: %zu\r\n\r\n%s", body->len, body->str);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), resp,
                             strlen (resp), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return TRUE;
}

static void
broker_add (FakeBroker *b, const char *queue, const char *from)
{
  guint id;

  g_mutex_lock (&b->lock);
  id = b->events->len;
  g_ptr_array_add (b->events, g_strdup_printf (
    "[%u,{\"time\":%.6f,\"input\":\"%s\",\"queue\":\"%s\","
    "\"message\":[\"Message\",[\"%s\",%u],{\"payload\":\"p\",\"kind\":[\"Request\",\"%s\"]}]}]",
    id, 1795484650.0 + id * 0.001, from, queue, queue, id, from));
  g_mutex_unlock (&b->lock);
}

/* Direct attach to a message-switch broker through its unix socket. */
static void
test_mswitch (void **state)
{
  g_autofree char *path = g_build_filename (tmpdir, "switch.sock", NULL);
  g_autofree char *target = g_strconcat ("unix:", path, NULL);
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;
  FakeBroker b = { 0 };

  b.events = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&b.lock);
  b.service = g_threaded_socket_service_new (4);
  assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (b.service), addr, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error));
  g_signal_connect (b.service, "run", G_CALLBACK (broker_run), &b);
  for (int i = 0; i < 5; i++)
    broker_add (&b, "org.xen.xapi.xenops", "client:1");

  /* A bad address is refused with a message. */
  assert_false (actorscope_window_attach (window, "ftp://nowhere", &error));
  assert_non_null (error);
  g_clear_error (&error);

  assert_true (actorscope_window_attach (window, target, &error));
  assert_true (test_wait_for (has_events, GUINT_TO_POINTER (5), 10000));
  for (int i = 0; i < 5; i++)
    broker_add (&b, "org.xen.xapi.storage", "client:2");
  assert_true (test_wait_for (has_events, GUINT_TO_POINTER (10), 10000));
  assert_true (actorscope_live_is_connected (actorscope_window_get_live (window)));
  assert_true (test_wait_for (scene_has_actors, GUINT_TO_POINTER (2), 10000));

  g_socket_service_stop (b.service);
  g_socket_listener_close (G_SOCKET_LISTENER (b.service));
  /* Detach before the broker goes, so no poll outlives it. */
  actorscope_window_set_document (window, NULL);
  test_spin_ms (400);
  g_object_unref (b.service);
  g_ptr_array_unref (b.events);
}

/* The hostile sample: an actor named <script>… selected in the tree shows
 * that text in the details title (a markup label would have failed to parse
 * it, a critical under G_DEBUG=fatal-criticals), and every view draws. */
static void
test_hostile_names (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces", "hostile.ndjson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (trace);
  ActorscopeDetails *details = actorscope_window_get_details (window);
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  actorscope_window_open (window, file);
  test_spin_ms (50);
  while ((actorscope_window_is_loading (window) || actorscope_window_get_document (window) == NULL)
         && g_get_monotonic_time () < end)
    test_spin_ms (20);
  IngestStore *store = actorscope_document_get_store (actorscope_window_get_document (window));
  IngestActorId id = ingest_store_find_actor (store, "/user/<img src=x onerror=window.__pwned(1)>");
  assert_true (id != 0);
  actorscope_actor_tree_select_actor (tree, id);
  g_signal_emit_by_name (tree, "actor-selected", id);
  assert_string_equal (actorscope_details_get_title (details), "<img src=x onerror=window.__pwned(1)>");
  id = ingest_store_find_actor (store, "/user/</text></g></svg><script>window.__pwned(3)</script>");
  assert_true (id != 0);
  g_signal_emit_by_name (tree, "actor-selected", id);
  /* (a path-like name: its short name is what follows the last '/') */
  const char *short_name = ingest_store_atom (store, ingest_store_actor (store, id)->short_name);
  assert_non_null (strchr (short_name, '>'));
  assert_string_equal (actorscope_details_get_title (details), short_name);
  set_view ("sequence");
  set_view ("timeline");
  set_view ("graph");
  test_spin_ms (600); /* the main stack's crossfade from the loading page */
  screenshot ("hostile-graph");
}

/* The status bar says what `stats` says of a capture's records (the
 * bundled one has lost, duplicate and unmatched records), and a broker
 * queue's processing does not apply. */
static void
test_status_counters (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces", "mswitch-rpc.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (trace);
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  const char *status;

  actorscope_window_open (window, file);
  test_spin_ms (50);
  while ((actorscope_window_is_loading (window) || actorscope_window_get_document (window) == NULL)
         && g_get_monotonic_time () < end)
    test_spin_ms (20);
  IngestStore *store = actorscope_document_get_store (actorscope_window_get_document (window));
  IngestStoreCounters *c = ingest_store_counters (store);
  g_autofree char *dup = g_strdup_printf (" %" G_GUINT64_FORMAT " duplicate, %" G_GUINT64_FORMAT " unmatched",
                                          c->duplicate_events, c->unmatched);
  g_autofree char *lost = g_strdup_printf ("%" G_GUINT64_FORMAT " while attached", c->lost_events);

  assert_true (c->duplicate_events > 0 && c->unmatched > 0 && c->lost_events > 0);
  status = actorscope_window_get_status (window);
  assert_non_null (strstr (status, dup));
  assert_non_null (strstr (status, lost));

  IngestActorId queue = ingest_store_find_actor (store, "org.xen.xapi.squeezed");
  assert_true (queue != 0);
  g_autofree char *proc = actorscope_actor_tree_dup_cell_text (tree, queue, "processing");
  assert_string_equal (proc, "—");
}


/* ---- replay that shows the past ---- */

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* The opening tags of the graph's actor and edge groups in svg, sorted:
 * ids, counts, traffic and kinds, no positions (so two layouts of the same
 * window at different sizes give the same list). Owned. */
static GPtrArray *
graph_figures (const char *svg)
{
  g_autoptr(GRegex) re = g_regex_new ("<g class=\"(?:edge|actor)\"[^>]*>", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  g_regex_match (re, svg, 0, &match);
  while (g_match_info_matches (match))
    {
      g_ptr_array_add (out, g_match_info_fetch (match, 0));
      g_match_info_next (match, NULL);
    }
  g_ptr_array_sort (out, compare_strings);
  return out;
}

static GPtrArray *
view_graph_figures (void)
{
  g_autoptr(GString) svg = g_string_new (NULL);

  render_svg_write (actorscope_scene_view_get_scene (actorscope_window_get_scene_view (window)), svg);
  return graph_figures (svg->str);
}

/* What `actorscope export TRACE --to TO_NS` draws, as graph_figures. */
static GPtrArray *
cli_graph_figures (const char *trace, gint64 to_ns)
{
  const char *build = g_getenv ("ACTORSCOPE_BUILD_ROOT");
  g_autofree char *exe = g_build_filename (build ? build : ".", "app", "actorscope", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "replay-cli.svg", NULL);
  g_autofree char *to = g_strdup_printf ("%" G_GINT64_FORMAT, to_ns);
  g_autofree char *svg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, exe, "export", trace,
                                                  "--to", to, "-o", out, NULL);

  assert_non_null (proc);
  assert_true (g_subprocess_wait_check (proc, NULL, &error));
  assert_true (g_file_get_contents (out, &svg, NULL, NULL));
  return graph_figures (svg);
}

static gboolean
figures_equal (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (g_strcmp0 (a->pdata[i], b->pdata[i]) != 0)
      return FALSE;
  return TRUE;
}

/* The view's scene is current and the picture on screen is of it. */
static gboolean
view_pictured (gpointer data)
{
  return view_idle (NULL) && actorscope_scene_view_has_picture (actorscope_window_get_scene_view (window));
}

static void
seek_to (gint64 t_ns)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.seek", "x", t_ns);
  wait_frames ();
  assert_true (test_wait_for (view_pictured, NULL, WAIT_MS));
}

/* The id of the last group of class klass in paint order, or NULL. */
static const char *
last_group_id (const RenderScene *scene, const char *klass)
{
  const char *id = NULL;

  for (const RenderNode *n = render_scene_get_first (scene); n != NULL; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, klass) == 0)
      id = n->u.group.id;
  return id;
}

static guint scenes_shown;

static void
count_scene (ActorscopeSceneView *view, gpointer data)
{
  scenes_shown++;
}

/* A checksum of the pixels the scene view shows now (what a frame paints). */
static char *
view_pixels_checksum (void)
{
  GtkWidget *widget = GTK_WIDGET (actorscope_window_get_scene_view (window));
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autofree guchar *pixels = g_malloc ((gsize) w * h * 4);

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return g_strdup ("");
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA1, pixels, (gsize) w * h * 4);
}

static gboolean
replay_playing (void)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (window), "play");

  return state != NULL && g_variant_get_boolean (state);
}

/* Three scenes shown while playing, or the replay reached the end first
 * (a slow machine, e.g. under the sanitizers). */
static gboolean
scenes_shown_or_replay_over (gpointer data)
{
  return scenes_shown >= 3 || !replay_playing ();
}

/* The graph during a replay is the graph of the window ending at the
 * cursor: the same figures the CLI draws for `--to CURSOR`, at two cursor
 * positions that differ; step moves to the next message, seek jumps, and
 * playing keeps showing new pictures. */
static void
test_replay_past (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces",
                                             "akka-supervision.ndjson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (trace);
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeDocument *doc;
  g_autoptr(GPtrArray) early = NULL, late = NULL, cli_early = NULL, cli_late = NULL;
  gint64 t0, t1, ta, tb, pos;
  gulong handler;

  actorscope_window_open (window, file);
  test_spin_ms (50);
  assert_true (wait_loaded (30000));
  doc = actorscope_window_get_document (window);
  set_view ("graph");
  assert_true (actorscope_document_get_time_range (doc, &t0, &t1));
  ta = t0 + (t1 - t0) / 8;
  tb = t0 + (t1 - t0) * 5 / 8;

  seek_to (ta);
  assert_true (actorscope_scene_view_get_cursor (view) == ta);
  early = view_graph_figures ();
  cli_early = cli_graph_figures (trace, ta);
  assert_true (early->len > 0);
  assert_true (figures_equal (early, cli_early));
  screenshot ("replay-past-early");

  seek_to (tb);
  late = view_graph_figures ();
  cli_late = cli_graph_figures (trace, tb);
  assert_true (figures_equal (late, cli_late));
  assert_false (figures_equal (early, late));
  screenshot ("replay-past-late");

  /* Step: the next message send after the cursor, one at a time. */
  assert_true (actorscope_document_find_send (doc, actorscope_document_position_for_time (doc, tb + 1) - 1,
                                              TRUE, &pos));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.step-next", NULL);
  assert_true (actorscope_scene_view_get_cursor (view) == actorscope_document_event_at (doc, pos)->time_ns);
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  {
    g_autoptr(GPtrArray) stepped = view_graph_figures ();
    g_autoptr(GPtrArray) cli_stepped = cli_graph_figures (trace, actorscope_scene_view_get_cursor (view));

    assert_true (figures_equal (stepped, cli_stepped));
  }

  /* Seek back jumps; seeking to the end shows everything again. */
  seek_to (ta);
  assert_true (actorscope_scene_view_get_cursor (view) == ta);
  {
    g_autoptr(GPtrArray) again = view_graph_figures ();

    assert_true (figures_equal (again, early));
  }

  /* The sequence chart ends at the cursor and is scrolled to it: its last
   * message is on screen, its first (the chart is taller than the view)
   * above the top. */
  set_view ("sequence");
  seek_to (tb);
  {
    const RenderScene *scene = actorscope_scene_view_get_scene (view);
    g_autofree char *last = g_strdup (last_group_id (scene, "message"));
    const IngestMessage *msg;
    double x, y, first_y;
    const char *first = NULL;

    assert_non_null (last);
    msg = ingest_store_message (actorscope_document_get_store (doc), (IngestMessageId) g_ascii_strtoull (last, NULL, 10));
    assert_non_null (msg);
    assert_true (ingest_store_event (actorscope_document_get_store (doc), msg->send_seq)->time_ns <= tb);
    assert_true (actorscope_scene_view_locate (view, "message", last, &x, &y));
    assert_true (y >= 0 && y <= gtk_widget_get_height (GTK_WIDGET (view)));
    for (const RenderNode *n = render_scene_get_first (scene); n != NULL && first == NULL; n = n->next)
      if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "message") == 0)
        first = n->u.group.id;
    assert_true (actorscope_scene_view_locate (view, "message", first, &x, &first_y));
    assert_true (first_y < 0);
    screenshot ("replay-past-sequence");
  }

  /* The timeline, zoomed in, slides its window to a cursor outside it. */
  set_view ("timeline");
  actorscope_scene_view_set_window (view, t0, t0 + (t1 - t0) / 10);
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  seek_to (tb);
  {
    gint64 from, to;

    actorscope_scene_view_get_window (view, &from, &to);
    assert_true (from <= tb && tb <= to);
    assert_true (to - from < (t1 - t0) / 2);
  }
  actorscope_scene_view_set_window (view, INGEST_TIME_MIN, INGEST_TIME_MAX);
  set_view ("graph");

  /* Playing from the start (slowest speed: the whole sample lasts 1.75 s)
   * shows picture after picture, not just a moving cursor (before, every
   * build was dropped and only the end of the replay showed one). */
  seek_to (t0);
  scenes_shown = 0;
  handler = g_signal_connect (view, "scene-changed", G_CALLBACK (count_scene), NULL);
  actorscope_window_set_replay_speed (window, 0.1);
  assert_true (actorscope_window_get_replay_speed (window) == 0.1);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  assert_true (test_wait_for (scenes_shown_or_replay_over, NULL, WAIT_MS));
  g_signal_handler_disconnect (view, handler);
  assert_true (scenes_shown >= 2);
  assert_true (actorscope_scene_view_get_cursor (view) > t0);
  /* ... and the canvas itself changes while it plays (it used to stay
   * pixel-identical: every picture was dropped as stale). */
  {
    g_autoptr(GHashTable) frames = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

    /* The replay above may still be playing (it lasts 1.75 s): "play"
     * toggles, so pause it first or the toggle below would pause it. */
    if (replay_playing ())
      gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
    seek_to (t0);
    g_hash_table_add (frames, view_pixels_checksum ());
    gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
    /* Sampled until the canvas changed twice, past the end of the replay
     * if need be: under ASan a build can outlast the 1.75 s replay, and
     * the picture it ends on still differs from the one at t0. (That the
     * canvas keeps changing during a long replay, test_replay_big shows.) */
    for (guint waited = 0; g_hash_table_size (frames) < 3 && waited < WAIT_MS; waited += 60)
      {
        test_spin_ms (60);
        g_hash_table_add (frames, view_pixels_checksum ());
      }
    assert_true (g_hash_table_size (frames) >= 2);
  }
  if (replay_playing ())
    gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);

  /* The same two positions in the dark theme. */
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  dark_wanted = TRUE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
  seek_to (ta);
  screenshot ("replay-past-early-dark");
  seek_to (tb);
  screenshot ("replay-past-late-dark");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
  dark_wanted = FALSE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));

  seek_to (t1);
  assert_true (actorscope_scene_view_get_cursor (view) == INGEST_TIME_MAX);
}


/* ---- a data directory a service is writing ---- */

static gboolean
data_dir_has_events (gpointer data)
{
  IngestLogDiskOptions options = { .read_only = TRUE };
  g_autoptr(IngestLog) log = NULL;

  if (!ingest_log_disk_is_data_dir (data))
    return FALSE;
  log = ingest_log_disk_open (data, &options, NULL);
  return log != NULL && ingest_log_n_durable (log) > 0;
}

static guint64 data_dir_events_seen;

static gboolean
document_grew (gpointer data)
{
  ActorscopeDocument *doc = actorscope_window_get_document (window);

  return doc != NULL && ingest_store_n_events (actorscope_document_get_store (doc)) > data_dir_events_seen;
}

/* A data directory that a running `serve --data-dir` writes (and holds the
 * lock of) opens like a trace file, as the command line opens it, and
 * keeps growing in the window as the service writes; it is then a recent
 * file like any trace. */
static void
test_data_dir_live (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  const char *build = g_getenv ("ACTORSCOPE_BUILD_ROOT");
  g_autofree char *exe = g_build_filename (build ? build : ".", "app", "actorscope", NULL);
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces",
                                             "akka-supervision.ndjson", NULL);
  g_autofree char *dir = g_build_filename (tmpdir, "service-data", NULL);
  g_autofree char *port = g_strdup_printf ("%u", free_port ());
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autofree char *uri = g_file_get_uri (file);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) serve = NULL;
  ActorscopeDocument *doc;
  guint64 end = 0;

  serve = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                            exe, "serve", "--replay", trace, "--speed", "1", "--loop", "--quiet",
                            "--port", port, "--data-dir", dir, NULL);
  assert_non_null (serve);
  assert_true (test_wait_for (data_dir_has_events, dir, WAIT_MS));

  actorscope_window_open (window, file);
  test_spin_ms (50);
  assert_true (wait_loaded (30000));
  assert_null (actorscope_window_get_error (window));
  doc = actorscope_window_get_document (window);
  assert_true (actorscope_document_get_data_dir_end (doc, &end));
  assert_true (end > 0);
  assert_true (actorscope_document_get_live (doc));
  data_dir_events_seen = ingest_store_n_events (actorscope_document_get_store (doc));
  assert_true (data_dir_events_seen > 0);

  /* The service goes on writing: the window's store follows it. */
  assert_true (test_wait_for (document_grew, NULL, WAIT_MS));
  set_view ("graph");
  screenshot ("data-dir-live");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  dark_wanted = TRUE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
  data_dir_events_seen = ingest_store_n_events (actorscope_document_get_store (doc));
  assert_true (test_wait_for (document_grew, NULL, WAIT_MS));
  screenshot ("data-dir-live-dark");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
  dark_wanted = FALSE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
  assert_true (gtk_recent_manager_has_item (gtk_recent_manager_get_default (), uri));

  g_subprocess_send_signal (serve, SIGTERM);
  g_subprocess_wait (serve, NULL, NULL);
}


/* On a trace whose graph takes longer to build than a frame lasts (200 k
 * generated events), the canvas keeps changing while a replay plays: it
 * used to stay pixel-identical (each cursor move dropped the build and the
 * picture under way), only the cursor moved. */
static void
test_replay_big (void **state)
{
  const char *build = g_getenv ("ACTORSCOPE_BUILD_ROOT");
  g_autofree char *gen = g_build_filename (build ? build : ".", "tools", "gen", "actorscope-gen", NULL);
  g_autofree char *trace = g_build_filename (tmpdir, "replay-200k.ndjson", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (trace);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, gen, "-n", "200000",
                                                  "-o", trace, NULL);
  g_autoptr(GHashTable) frames = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 t0, t1, end;

  assert_non_null (proc);
  assert_true (g_subprocess_wait_check (proc, NULL, &error));
  actorscope_window_open (window, file);
  test_spin_ms (50);
  assert_true (wait_loaded (30000));
  set_view ("graph");
  assert_true (actorscope_document_get_time_range (actorscope_window_get_document (window), &t0, &t1));
  seek_to (t0 + (t1 - t0) / 20);
  actorscope_window_set_replay_speed (window, 1);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (replay_playing () && g_hash_table_size (frames) < 4 && g_get_monotonic_time () < end)
    {
      test_spin_ms (60);
      g_hash_table_add (frames, view_pixels_checksum ());
    }
  if (replay_playing ())
    gtk_widget_activate_action (GTK_WIDGET (window), "win.play", NULL);
  assert_true (g_hash_table_size (frames) >= 3);
}

/* A screenshot of the window in the light theme and one in the dark
 * ("NAME-dark"), back to light afterwards. */
static void
screenshot_both (const char *name)
{
  g_autofree char *dark_name = g_strdup_printf ("%s-dark", name);

  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  test_spin_ms (300);
  wait_frames ();
  screenshot (name);
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  dark_wanted = TRUE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
  /* The scene is rebuilt dark, then rasterised off the UI thread. */
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  test_spin_ms (300);
  wait_frames ();
  screenshot (dark_name);
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
  dark_wanted = FALSE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
}

/* Opens a bundled trace in the window and waits until it is shown. */
static IngestStore *
open_sample (const char *name)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces", name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (trace);
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  ActorscopeDocument *doc = actorscope_window_get_document (window);
  g_autofree char *base = g_path_get_basename (name);
  g_autofree char *stem = g_strndup (base, strcspn (base, "."));

  /* Already open (the title names it): reading it again only costs time. */
  if (doc != NULL && !actorscope_window_is_loading (window) &&
      strstr (gtk_window_get_title (GTK_WINDOW (window)), stem) != NULL)
    return actorscope_document_get_store (doc);
  actorscope_window_open (window, file);
  test_spin_ms (50);
  while ((actorscope_window_is_loading (window) || actorscope_window_get_document (window) == NULL)
         && g_get_monotonic_time () < end)
    test_spin_ms (20);
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  return actorscope_document_get_store (actorscope_window_get_document (window));
}

/* The actor card's charts are the console's: for the same actor and the
 * same (whole-trace) window, each series drawn as the console draws it is
 * the console's SVG, and the partners are the console's, in its order. */
static void
test_actor_charts (void **state)
{
  IngestStore *store = open_sample ("akka-supervision.ndjson");
  ActorscopeDetails *details = actorscope_window_get_details (window);
  ActorscopeActorCharts *charts = actorscope_details_get_charts (details);
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  const char *names[] = { "/user/api", "/user/supervisor/cache" };
  static const char *const keys[ACTORSCOPE_ACTOR_N_CHARTS] = { "mailbox", "rate", "wait_p99" };
  static const char *const titles[ACTORSCOPE_ACTOR_N_CHARTS] = { "Mailbox depth", "Received /s", "Wait p99 (ms)" };

  for (guint a = 0; a < G_N_ELEMENTS (names); a++)
    {
      IngestActorId id = ingest_store_find_actor (store, names[a]);
      g_autoptr(GError) error = NULL;
      json_t *request = json_pack ("{s:s, s:s}", "type", "charts", "actor", names[a]);
      g_autofree char *reply = web_actor_charts_reply (store, INGEST_TIME_MIN, INGEST_TIME_MAX, RENDER_THEME_LIGHT,
                                                       request, &error);
      json_t *console, *partners;
      double busiest = 0;

      json_decref (request);
      assert_true (id != 0);
      assert_non_null (reply);
      actorscope_actor_tree_select_actor (tree, id);
      g_signal_emit_by_name (tree, "actor-selected", id);
      assert_string_equal (actorscope_details_get_kind (details), "actor");
      assert_true (gtk_widget_get_visible (GTK_WIDGET (charts)));
      console = json_loads (reply, 0, NULL);
      assert_non_null (console);
      for (guint c = 0; c < ACTORSCOPE_ACTOR_N_CHARTS; c++)
        {
          json_t *chart = json_array_get (json_object_get (console, "charts"), c);
          const double *mine = actorscope_actor_charts_get_values (charts, c);
          g_autofree char *label = g_strdup_printf ("%s of %s", titles[c], names[a]);
          g_autofree char *svg = NULL;

          assert_non_null (mine);
          assert_string_equal (json_string_value (json_object_get (chart, "name")), keys[c]);
          svg = render_sparkline_svg (mine, ACTORSCOPE_ACTOR_CHARTS_BINS, 220, 36, RENDER_THEME_LIGHT, label);
          assert_string_equal (svg, json_string_value (json_object_get (chart, "svg")));
          assert_true (fabs (mine[ACTORSCOPE_ACTOR_CHARTS_BINS - 1] - json_number_value (json_object_get (chart, "last"))) < 1e-9);
          for (guint b = 0; b < ACTORSCOPE_ACTOR_CHARTS_BINS; b++)
            busiest = MAX (busiest, mine[b]);
        }
      /* Not a flat line of zeros: the sample's actors do receive. */
      assert_true (busiest > 0);
      partners = json_object_get (console, "partners");
      assert_true (json_array_size (partners) > 0);
      for (guint i = 0; i < json_array_size (partners); i++)
        {
          json_t *p = json_array_get (partners, i);
          guint64 sent = 0, received = 0;
          const char *name = actorscope_actor_charts_get_partner (charts, i, &sent, &received);

          assert_non_null (name);
          assert_string_equal (name, json_string_value (json_object_get (p, "name")));
          assert_int_equal (sent, json_integer_value (json_object_get (p, "sent")));
          assert_int_equal (received, json_integer_value (json_object_get (p, "received")));
        }
      assert_null (actorscope_actor_charts_get_partner (charts, json_array_size (partners), NULL, NULL));
      json_decref (console);
    }
  screenshot_both ("actor-charts");
  /* Anything else on the card: no charts. */
  actorscope_details_show_nothing (details);
  assert_false (gtk_widget_get_visible (GTK_WIDGET (charts)));
  assert_null (actorscope_actor_charts_get_values (charts, ACTORSCOPE_ACTOR_CHART_RATE));
}

/* Desktop search finds what the console finds, in the same order, and
 * steps through it: the window jumps to each match and selects it. */
static void
test_search (void **state)
{
  IngestStore *store = open_sample ("akka-supervision.ndjson");
  ActorscopeSearchBar *bar = actorscope_window_get_search_bar (window);
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeDetails *details = actorscope_window_get_details (window);
  static const struct { const char *text, *in; guint fields; } cases[] = {
    { "w3", NULL, INGEST_SEARCH_ALL },                    /* an actor name */
    { "lookupreply", "[\"label\"]", INGEST_SEARCH_LABEL }, /* a label, any case */
    { "00007.png", "[\"payload\"]", INGEST_SEARCH_PAYLOAD },
    { "no such text anywhere", NULL, INGEST_SEARCH_ALL },
  };

  set_view ("sequence");
  /* Ctrl+F's action opens the bar with its entry focused. */
  assert_false (actorscope_search_bar_is_open (bar));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL);
  test_spin_ms (100);
  assert_true (actorscope_search_bar_is_open (bar));
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *request_text = g_strdup_printf ("{\"type\":\"search\",\"text\":\"%s\"%s%s}", cases[c].text,
                                                       cases[c].in ? ",\"in\":" : "", cases[c].in ? cases[c].in : "");
      json_t *request = json_loads (request_text, 0, NULL);
      g_autofree char *reply = web_search_reply (store, request, &error);
      json_t *console, *matches;
      const IngestSearchResult *mine;

      json_decref (request);
      assert_non_null (reply);
      console = json_loads (reply, 0, NULL);
      matches = json_object_get (console, "matches");
      actorscope_search_bar_search (bar, cases[c].text, cases[c].fields);
      mine = actorscope_search_bar_get_result (bar);
      assert_non_null (mine);
      assert_int_equal (mine->total, json_integer_value (json_object_get (console, "total")));
      assert_int_equal (mine->matches->len, json_array_size (matches));
      for (guint i = 0; i < mine->matches->len; i++)
        assert_int_equal (g_array_index (mine->matches, IngestSearchMatch, i).message,
                          json_integer_value (json_object_get (json_array_get (matches, i), "message")));
      if (c < 3)
        assert_true (mine->matches->len >= 2);
      else
        {
          assert_int_equal (mine->matches->len, 0);
          assert_int_equal (actorscope_search_bar_get_current (bar), -1);
          assert_false (actorscope_search_bar_next (bar));
          assert_string_equal (actorscope_search_bar_get_count_text (bar), "No matches");
        }
      json_decref (console);
    }

  /* Step through the payload matches: each one is in the window and
   * selected in the picture and the card. */
  actorscope_search_bar_search (bar, "00007.png", INGEST_SEARCH_PAYLOAD);
  const IngestSearchResult *found = actorscope_search_bar_get_result (bar);
  guint n = found->matches->len;
  for (guint step = 0; step <= n; step++)
    {
      int at = actorscope_search_bar_get_current (bar);
      const IngestSearchMatch *m = &g_array_index (found->matches, IngestSearchMatch, at);
      g_autofree char *id = g_strdup_printf ("%u", m->message);
      g_autofree char *count = g_strdup_printf ("%d of %u", at + 1, n);
      gint64 from, to;

      assert_int_equal (at, (int) (step % n));
      assert_string_equal (actorscope_search_bar_get_count_text (bar), count);
      actorscope_scene_view_get_window (view, &from, &to);
      assert_true (from <= m->time_ns && m->time_ns <= to);
      assert_string_equal (actorscope_details_get_kind (details), "message");
      assert_string_equal (actorscope_scene_view_get_selected_class (view), "message");
      assert_string_equal (actorscope_scene_view_get_selected_id (view), id);
      if (step == 1)
        {
          assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
          screenshot_both ("search");
        }
      assert_true (actorscope_search_bar_next (bar));
    }
  /* Previous from the first wraps to the last. */
  assert_int_equal (actorscope_search_bar_get_current (bar), 1 % n);
  assert_true (actorscope_search_bar_previous (bar));
  assert_true (actorscope_search_bar_previous (bar));
  assert_int_equal (actorscope_search_bar_get_current (bar), (int) n - 1);
  actorscope_search_bar_close (bar);
  assert_false (actorscope_search_bar_is_open (bar));
  actorscope_session_reset_time (actorscope_window_get_session (window));
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  set_view ("graph");
}

/* The desktop's red numbers are the palette's error colour (checked for
 * contrast in both themes by test-render-palette), not the toolkit's dark
 * red: a label marked .error shows it, in light and in dark. */
static void
test_error_colour (void **state)
{
  GtkWidget *label = gtk_label_new ("3");
  GdkRGBA rgba;

  g_object_ref_sink (label);
  gtk_widget_add_css_class (label, "error");
  for (int dark = 0; dark <= 1; dark++)
    {
      RenderColor want = render_theme_colors (dark ? RENDER_THEME_DARK : RENDER_THEME_LIGHT)->error;

      g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", dark, NULL);
      test_spin_ms (50);
      gtk_style_context_get_color (gtk_widget_get_style_context (label), &rgba);
      assert_int_equal ((int) lround (rgba.red * 255), want.r);
      assert_int_equal ((int) lround (rgba.green * 255), want.g);
      assert_int_equal ((int) lround (rgba.blue * 255), want.b);
    }
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
  dark_wanted = FALSE;
  assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
  g_object_unref (label);
  /* The tree's error counts, light and dark. */
  open_sample ("akka-supervision.ndjson");
  screenshot_both ("error-numbers");
}

/* The whole screen as X shows it (window and popovers together), when
 * screenshots are asked for and ImageMagick's import is there. */
static void
screenshot_root (const char *name)
{
  g_autofree char *import = g_find_program_in_path ("import");
  g_autofree char *path = g_strdup_printf ("%s/%s.png", shotdir, name);
  const char *argv[] = { import, "-window", "root", path, NULL };

  if (import == NULL || g_getenv ("ACTORSCOPE_SCREENSHOT_DIR") == NULL)
    return;
  wait_frames ();
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                NULL, NULL, NULL, NULL);
  print_message ("screenshot: %s\n", path);
}

/* The widget the pointer would be over at (x, y) of the tree, or an
 * ancestor of it below the tree, has a tooltip. */
static gboolean
tooltip_at (ActorscopeActorTree *tree, double x, double y)
{
  for (GtkWidget *w = gtk_widget_pick (GTK_WIDGET (tree), x, y, GTK_PICK_DEFAULT);
       w != NULL && w != GTK_WIDGET (tree); w = gtk_widget_get_parent (w))
    if (gtk_widget_get_has_tooltip (w))
      return TRUE;
  return FALSE;
}

/* While the tree's context menu is open, the rows under the pointer show
 * no tooltip (it covered the menu's first item); once it closes they do. */
static void
test_menu_hides_tooltips (void **state)
{
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  IngestStore *store = open_sample ("akka-supervision.ndjson");
  IngestActorId workers = ingest_store_find_actor (store, "/user/supervisor/workers");
  double x = 40, y = -1;

  wait_frames ();
  /* A point on a row whose cell has a tooltip (the path of an actor). */
  for (double yy = 30; yy < gtk_widget_get_height (GTK_WIDGET (tree)) && y < 0; yy += 4)
    if (tooltip_at (tree, x, yy))
      y = yy;
  assert_true (y >= 0);
  actorscope_actor_tree_popup_menu (tree, workers, x, y);
  test_spin_ms (100);
  assert_true (actorscope_actor_tree_get_menu_visible (tree));
  assert_false (tooltip_at (tree, x, y));
  screenshot_root ("tree-menu-open");
  if (g_getenv ("ACTORSCOPE_SCREENSHOT_DIR") != NULL)
    {
      ActorscopeDeviationsList *list = actorscope_window_get_deviations_list (window);
      GtkWidget *popover = gtk_widget_get_ancestor (GTK_WIDGET (list), GTK_TYPE_POPOVER);

      g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
      dark_wanted = TRUE;
      assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
      assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
      /* The dark picture is rasterised off the UI thread, then drawn. */
      test_spin_ms (800);
      wait_frames ();
      screenshot_root ("tree-menu-open-dark");
      gtk_popover_popdown (GTK_POPOVER (gtk_widget_get_last_child (GTK_WIDGET (tree))));
      /* The deviations list's rows (worded in render/), dark. */
      gtk_menu_button_popup (GTK_MENU_BUTTON (gtk_widget_get_parent (popover)));
      test_spin_ms (300);
      screenshot_native (popover, "deviations-list-dark");
      gtk_popover_popdown (GTK_POPOVER (popover));
      g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
      dark_wanted = FALSE;
      assert_true (test_wait_for (scene_is_dark, NULL, WAIT_MS));
      actorscope_actor_tree_popup_menu (tree, workers, x, y);
      test_spin_ms (100);
    }
  gtk_popover_popdown (GTK_POPOVER (gtk_widget_get_last_child (GTK_WIDGET (tree))));
  test_spin_ms (100);
  assert_false (actorscope_actor_tree_get_menu_visible (tree));
  assert_true (tooltip_at (tree, x, y));
}

/* One selection: whatever is selected last is what the tree, the picture
 * and the card all show; an edge, a message or nothing clears the tree. */
static void
test_one_selection (void **state)
{
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  ActorscopeDetails *details = actorscope_window_get_details (window);
  IngestStore *store = open_sample ("akka-supervision.ndjson");
  IngestActorId api = ingest_store_find_actor (store, "/user/api");
  gboolean edge_clicked = FALSE, message_clicked = FALSE;
  double x, y;

  set_view ("graph");
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  /* An actor from the tree: all three show it. */
  actorscope_actor_tree_select_actor (tree, api);
  g_signal_emit_by_name (tree, "actor-selected", api);
  assert_int_equal (actorscope_actor_tree_get_selected_actor (tree), api);
  assert_string_equal (actorscope_scene_view_get_selected_id (view), "/user/api");
  assert_string_equal (actorscope_details_get_kind (details), "actor");

  /* A click on an edge in the picture: the edge everywhere, no actor row. */
  for (const RenderNode *n = render_scene_get_first (actorscope_scene_view_get_scene (view));
       n != NULL && !edge_clicked; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "edge") == 0 &&
        actorscope_scene_view_locate (view, "edge", n->u.group.id, &x, &y) &&
        actorscope_scene_view_activate_at (view, x, y))
      edge_clicked = g_strcmp0 (actorscope_scene_view_get_selected_class (view), "edge") == 0;
  assert_true (edge_clicked);
  assert_int_equal (actorscope_actor_tree_get_selected_actor (tree), 0);
  assert_string_equal (actorscope_details_get_kind (details), "edge");
  screenshot_both ("one-selection-edge");

  /* Back to an actor by clicking it in the picture, then a message in the
   * sequence chart: the message everywhere, no actor row. */
  assert_true (actorscope_scene_view_locate (view, "actor", "/user/api", &x, &y));
  assert_true (actorscope_scene_view_activate_at (view, x, y));
  assert_int_equal (actorscope_actor_tree_get_selected_actor (tree), api);
  set_view ("sequence");
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  for (const RenderNode *n = render_scene_get_first (actorscope_scene_view_get_scene (view));
       n != NULL && !message_clicked; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "message") == 0 &&
        actorscope_scene_view_locate (view, "message", n->u.group.id, &x, &y) &&
        actorscope_scene_view_activate_at (view, x, y))
      message_clicked = g_strcmp0 (actorscope_scene_view_get_selected_class (view), "message") == 0;
  assert_true (message_clicked);
  assert_int_equal (actorscope_actor_tree_get_selected_actor (tree), 0);
  assert_string_equal (actorscope_details_get_kind (details), "message");

  /* A click on empty space: nothing anywhere. */
  set_view ("graph");
  assert_true (test_wait_for (view_idle, NULL, WAIT_MS));
  actorscope_actor_tree_select_actor (tree, api);
  g_signal_emit_by_name (tree, "actor-selected", api);
  assert_false (actorscope_scene_view_activate_at (view, 3, 3));
  assert_null (actorscope_scene_view_get_selected_class (view));
  assert_int_equal (actorscope_actor_tree_get_selected_actor (tree), 0);
  assert_string_equal (actorscope_details_get_kind (details), "none");
}


/* ---- replay: the tree and the card count the past; the layout holds ---- */

/* What `actorscope export TRACE --to TO_NS` draws for each actor: name ->
 * "sent N, received M" as its node's tooltip says (owned table). */
static GHashTable *
cli_actor_counts (const char *trace, gint64 to_ns)
{
  const char *build = g_getenv ("ACTORSCOPE_BUILD_ROOT");
  g_autofree char *exe = g_build_filename (build ? build : ".", "app", "actorscope", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "replay-counts.svg", NULL);
  g_autofree char *to = g_strdup_printf ("%" G_GINT64_FORMAT, to_ns);
  g_autofree char *svg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, exe, "export", trace,
                                                  "--to", to, "-o", out, NULL);
  g_autoptr(GRegex) re = g_regex_new ("<g class=\"actor\" data-id=\"([^\"]*)\"[^>]*><title>[^<\\n]*\\n"
                                      "(sent [0-9]+, received [0-9]+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  assert_non_null (proc);
  assert_true (g_subprocess_wait_check (proc, NULL, &error));
  assert_true (g_file_get_contents (out, &svg, NULL, NULL));
  g_regex_match (re, svg, 0, &match);
  while (g_match_info_matches (match))
    {
      g_hash_table_insert (counts, g_match_info_fetch (match, 1), g_match_info_fetch (match, 2));
      g_match_info_next (match, NULL);
    }
  return counts;
}

/* "sent OUT, received IN" as the tree's row of id shows it (owned). */
static char *
tree_counts (IngestActorId id)
{
  ActorscopeActorTree *tree = actorscope_window_get_actor_tree (window);
  g_autofree char *in = actorscope_actor_tree_dup_cell_text (tree, id, "in");
  g_autofree char *out = actorscope_actor_tree_dup_cell_text (tree, id, "out");

  return g_strdup_printf ("sent %s, received %s", out, in);
}

static gboolean
is_parent (IngestStore *store, IngestActorId id)
{
  for (IngestActorId a = 1; a <= ingest_store_n_actors (store); a++)
    if (ingest_store_actor (store, a)->parent == id)
      return TRUE;
  return FALSE;
}

/* During a replay the actor tree and the details card show the figures of
 * the window ending at the cursor, as the graph (and the CLI's export
 * --to CURSOR) count them; back at the end, the whole trace's. */
static void
test_replay_tree_window (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *trace = g_build_filename (root ? root : "..", "data", "traces",
                                             "akka-supervision.ndjson", NULL);
  IngestStore *store = open_sample ("akka-supervision.ndjson");
  ActorscopeDetails *details = actorscope_window_get_details (window);
  ActorscopeDocument *doc = actorscope_window_get_document (window);
  gint64 t0, t1, tc;
  guint compared = 0, differ = 0;
  IngestActorId busiest = 0;
  guint64 busiest_received = 0;

  set_view ("graph");
  assert_true (actorscope_document_get_time_range (doc, &t0, &t1));
  tc = t0 + (t1 - t0) * 3 / 8;
  seek_to (tc);
  {
    g_autoptr(GHashTable) cli = cli_actor_counts (trace, tc);

    assert_true (g_hash_table_size (cli) > 0);
    for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
      {
        const char *want = g_hash_table_lookup (cli, ingest_store_actor_name (store, id));
        g_autofree char *shown = tree_counts (id);
        IngestActorStats st;

        /* A parent's row sums its subtree; the graph's node is its own. */
        if (is_parent (store, id))
          continue;
        /* Not in the window yet: nothing counted. */
        assert_string_equal (shown, want != NULL ? want : "sent 0, received 0");
        compared++;
        ingest_store_actor_stats (store, id, &st);
        {
          g_autofree char *whole = g_strdup_printf ("sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT,
                                                    st.sent, st.received);
          if (g_strcmp0 (whole, shown) != 0)
            differ++;
        }
        if (st.received > busiest_received)
          {
            busiest_received = st.received;
            busiest = id;
          }
      }
  }
  assert_true (compared > 3);
  /* The window is not the whole trace: some rows count less. */
  assert_true (differ > 0);

  /* The card of the busiest actor counts the same window. */
  assert_true (busiest != 0);
  actorscope_actor_tree_select_actor (actorscope_window_get_actor_tree (window), busiest);
  actorscope_details_show_actor (details, busiest);
  {
    g_autofree char *in = actorscope_actor_tree_dup_cell_text (actorscope_window_get_actor_tree (window),
                                                               busiest, "in");
    assert_string_equal (actorscope_details_get_value (details, "Received"), in);
    assert_non_null (actorscope_details_get_value (details, "Up to"));
  }
  screenshot ("replay-tree-window");

  /* Another cursor: the card follows it without being clicked again. */
  seek_to (t0 + (t1 - t0) * 6 / 8);
  {
    g_autofree char *in = actorscope_actor_tree_dup_cell_text (actorscope_window_get_actor_tree (window),
                                                               busiest, "in");
    assert_string_equal (actorscope_details_get_value (details, "Received"), in);
  }
  screenshot ("replay-tree-window-later");

  /* Back at the end: the whole trace's figures again. */
  seek_to (t1);
  assert_true (actorscope_scene_view_get_cursor (actorscope_window_get_scene_view (window)) == INGEST_TIME_MAX);
  {
    IngestActorStats st;
    g_autofree char *whole = NULL;
    g_autofree char *shown = tree_counts (busiest);
    char received[32];

    ingest_store_actor_stats (store, busiest, &st);
    whole = g_strdup_printf ("sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT, st.sent, st.received);
    assert_string_equal (shown, whole);
    g_snprintf (received, sizeof received, "%" G_GUINT64_FORMAT, st.received);
    assert_string_equal (actorscope_details_get_value (details, "Received"), received);
    assert_null (actorscope_details_get_value (details, "Up to"));
  }
}

/* The ids and widget positions of the graph's actors on screen, sorted
 * by id: "ID@X,Y" (owned). */
static GPtrArray *
actor_places (void)
{
  ActorscopeSceneView *view = actorscope_window_get_scene_view (window);
  const RenderScene *scene = actorscope_scene_view_get_scene (view);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (const RenderNode *n = render_scene_get_first (scene); n != NULL; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, "actor") == 0)
      {
        double x, y;

        assert_true (actorscope_scene_view_locate (view, "actor", n->u.group.id, &x, &y));
        g_ptr_array_add (out, g_strdup_printf ("%s@%.2f,%.2f", n->u.group.id, x, y));
      }
  g_ptr_array_sort (out, compare_strings);
  return out;
}

/* The same actors, wherever they are. */
static gboolean
same_actors (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (strcspn (a->pdata[i], "@") != strcspn (b->pdata[i], "@") ||
        strncmp (a->pdata[i], b->pdata[i], strcspn (a->pdata[i], "@")) != 0)
      return FALSE;
  return TRUE;
}

/* During a replay the graph holds still: at two close cursor positions
 * with the same actors (their traffic differs, so their sizes do) every
 * actor is where it was; the replay's positions carry on to the end. */
static void
test_replay_layout_still (void **state)
{
  ActorscopeDocument *doc;
  gint64 t0, t1, pos;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) figures_before = NULL;
  guint steps = 0, same = 0;

  open_sample ("akka-supervision.ndjson");
  doc = actorscope_window_get_document (window);
  set_view ("graph");
  assert_true (actorscope_document_get_time_range (doc, &t0, &t1));
  seek_to (t0 + (t1 - t0) / 2);
  before = actor_places ();
  figures_before = view_graph_figures ();
  assert_true (before->len > 3);
  /* Step message by message; each step with the same actors keeps every
   * one in place, while the figures (counts, sizes) move on. */
  while (steps < 12 && same < 3)
    {
      g_autoptr(GPtrArray) after = NULL;
      g_autoptr(GPtrArray) figures_after = NULL;
      gint64 cursor = actorscope_scene_view_get_cursor (actorscope_window_get_scene_view (window));

      assert_true (actorscope_document_find_send (doc, actorscope_document_position_for_time (doc, cursor + 1) - 1,
                                                  TRUE, &pos));
      gtk_widget_activate_action (GTK_WIDGET (window), "win.step-next", NULL);
      wait_frames ();
      assert_true (test_wait_for (view_pictured, NULL, WAIT_MS));
      after = actor_places ();
      figures_after = view_graph_figures ();
      if (same_actors (before, after))
        {
          assert_true (figures_equal (before, after));
          if (!figures_equal (figures_before, figures_after))
            same++;
        }
      g_ptr_array_unref (g_steal_pointer (&before));
      g_ptr_array_unref (g_steal_pointer (&figures_before));
      before = g_steal_pointer (&after);
      figures_before = g_steal_pointer (&figures_after);
      steps++;
    }
  /* Steps that changed the counts and not the actors, and none moved. */
  assert_true (same > 0);
  screenshot ("replay-layout-still");
  seek_to (t1);
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_loaded),
    cmocka_unit_test (test_views),
    cmocka_unit_test (test_zoom),
    cmocka_unit_test (test_sequence_sticky),
    cmocka_unit_test (test_session),
    cmocka_unit_test (test_select_actor),
    cmocka_unit_test (test_edge_title),
    cmocka_unit_test (test_tree_columns),
    cmocka_unit_test (test_payload),
    cmocka_unit_test (test_filter),
    cmocka_unit_test (test_sort),
    cmocka_unit_test (test_group),
    cmocka_unit_test (test_replay),
    cmocka_unit_test (test_area),
    cmocka_unit_test (test_export),
    cmocka_unit_test (test_export_confirm),
    cmocka_unit_test (test_deviations),
    cmocka_unit_test (test_bad_file),
    cmocka_unit_test (test_shortcuts),
    cmocka_unit_test (test_drop_recent_dark),
    cmocka_unit_test (test_live_serve),
    cmocka_unit_test (test_mswitch),
    cmocka_unit_test (test_hostile_names),
    cmocka_unit_test (test_status_counters),
    cmocka_unit_test (test_replay_past),
    cmocka_unit_test (test_data_dir_live),
    cmocka_unit_test (test_replay_big),
    cmocka_unit_test (test_actor_charts),
    cmocka_unit_test (test_search),
    cmocka_unit_test (test_error_colour),
    cmocka_unit_test (test_menu_hides_tooltips),
    cmocka_unit_test (test_one_selection),
    cmocka_unit_test (test_replay_tree_window),
    cmocka_unit_test (test_replay_layout_still),
  };

  g_autofree char *data_home = test_tmpdir_new ("actorscope-gtk-data-XXXXXX");

  /* Recent files go to a temporary folder, not the user's. */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_set_application_name ("Actorscope");
  gtk_init ();
  int rc;

  rc = cmocka_run_group_tests (tests, group_setup, group_teardown);
  test_tmpdir_remove (data_home);
  return rc;
}
