/* bench-gtk-frame.c: how long a frame of each view takes over a big trace.
 *
 * Usage: bench-gtk-frame TRACE [FRAMES]   (under an X server: xvfb-run)
 * All times are CPU time of the UI thread, in ms.
 * Loads TRACE, shows it in the real ActorscopeSceneView at 1100x800 and
 * prints, per view: the time to build the scene (ingest view + layout) and
 * to rasterise its picture (both run in worker threads in the app; here
 * they run on this thread so they can be timed), what a full scene draw
 * would cost on the UI thread, and the time per frame through the whole
 * GTK path (the widget's snapshot -> render node -> GSK renderer ->
 * texture), at rest and while zooming. Figures, not a test.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <time.h>

#include "actorscope-scene-view.h"

#define W 1100
#define H 800

/* Thread CPU time, not wall time: the figures stay meaningful on a
 * machine busy with other work (the GSK cairo renderer and the layouts run
 * on this thread). */
static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One frame through the whole GTK path: the widget's snapshot -> render
 * node -> GSK renderer -> texture. */
static double
frame_ms (GtkWidget *view, GskRenderer *renderer)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  GdkTexture *texture;
  double a = now_ms (), b;

  GTK_WIDGET_GET_CLASS (view)->snapshot (view, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, W, H));
  b = now_ms () - a;
  g_object_unref (texture);
  gsk_render_node_unref (node);
  return b;
}

int
main (int argc, char **argv)
{
  g_autoptr(IngestStore) store = NULL;
  g_autoptr(ActorscopeDocument) doc = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *view;
  int frames = argc > 2 ? atoi (argv[2]) : 30;
  double t0;

  if (argc < 2)
    {
      g_printerr ("usage: %s TRACE [FRAMES]\n", argv[0]);
      return 2;
    }
  gtk_init ();
  store = ingest_store_new ();
  t0 = now_ms ();
  if (!ingest_load_file (store, argv[1], NULL, NULL, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("trace: %s, %" G_GUINT64_FORMAT " events, %u actors, %u messages, loaded in %.0f ms\n",
           argv[1], ingest_store_n_events (store), ingest_store_n_actors (store),
           ingest_store_n_messages (store), now_ms () - t0);
  doc = actorscope_document_new (g_steal_pointer (&store), "bench");
  t0 = now_ms ();
  (void) actorscope_document_get_activity (doc, NULL);
  g_print ("overview histogram: %.1f ms\n", now_ms () - t0);

  window = gtk_window_new ();
  view = actorscope_scene_view_new ();
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), W, H);
  gtk_window_present (GTK_WINDOW (window));
  actorscope_scene_view_set_document (ACTORSCOPE_SCENE_VIEW (view), doc);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (200000);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  for (int k = RENDER_VIEW_GRAPH; k <= RENDER_VIEW_TIMELINE; k++)
    {
      ActorscopeSceneView *sv = ACTORSCOPE_SCENE_VIEW (view);
      GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
      double build_ms, pic_ms, full_ms, a;
      double new_sum = 0, new_max = 0, rest_sum = 0, rest_max = 0, zoom_sum = 0, zoom_max = 0;
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
      cairo_t *cr;
      guint nodes;

      actorscope_scene_view_set_kind (sv, k);
      build_ms = actorscope_scene_view_rebuild_now (sv);
      nodes = render_scene_n_nodes (actorscope_scene_view_get_scene (sv));
      pic_ms = actorscope_scene_view_render_picture_now (sv);
      /* What a frame would cost if it drew the scene itself. */
      cr = cairo_create (surface);
      a = now_ms ();
      actorscope_scene_view_draw (sv, cr, W, H);
      cairo_surface_flush (surface);
      full_ms = now_ms () - a;
      cairo_destroy (cr);
      cairo_surface_destroy (surface);

      for (int f = 0; f < frames; f++)
        {
          double b;

          /* At rest: the picture matches the transform. */
          b = frame_ms (view, renderer);
          new_sum += b;
          new_max = MAX (new_max, b);
          b = frame_ms (view, renderer);
          rest_sum += b;
          rest_max = MAX (rest_max, b);
          /* Zooming in and out around moving points, as a user would: the
           * picture is stretched (the worker's new picture is not waited
           * for here). */
          actorscope_scene_view_zoom_at (sv, f % 2 ? 0.9 : 1.1, 200 + f * 20 % 600, 300);
          b = frame_ms (view, renderer);
          zoom_sum += b;
          zoom_max = MAX (zoom_max, b);
          actorscope_scene_view_render_picture_now (sv);
        }
      g_print ("%-9s build (worker) %6.1f ms, %u nodes | picture (worker) %5.1f ms | "
               "full draw on the UI thread (old path) %5.1f ms\n"
               "          frames: first with a new picture mean %5.2f max %5.2f ms | at rest mean %5.2f max %5.2f ms | "
               "while zooming mean %5.2f max %5.2f ms\n",
               render_view_kind_to_string (k), build_ms, nodes, pic_ms, full_ms,
               new_sum / frames, new_max, rest_sum / frames, rest_max, zoom_sum / frames, zoom_max);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
