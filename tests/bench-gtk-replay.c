/* bench-gtk-replay.c: what a replay frame's build costs over a big trace.
 *
 * Usage: bench-gtk-replay TRACE [POSITIONS]
 * All times are CPU time of the calling thread, in ms. For each view kind
 * and POSITIONS cursor positions spread over the trace (default 9), it
 * runs the scene view's build (actorscope_scene_build_run, as its worker
 * does) for the window ending at the cursor: the scene alone, the scene
 * with the figures the tree and the details pane show during a replay
 * (ActorscopeWindowFigures), and, for the graph, the layout started from
 * the previous position's node positions (what keeps nodes still).
 * Figures, not a test.
 */
#include "config.h"

#include <stdlib.h>

#include "actorscope-scene-builder.h"

static double
build_ms (ActorscopeDocument *doc, RenderViewKind kind, gint64 cursor, gboolean figures,
          RenderGraphPositions **positions)
{
  g_autoptr(ActorscopeSceneBuild) job = actorscope_scene_build_new (doc);

  job->kind = kind;
  job->from_ns = INGEST_TIME_MIN;
  job->to_ns = cursor;
  job->width = 1100;
  job->height = kind == RENDER_VIEW_GRAPH ? 800 : 0;
  job->want_figures = figures;
  if (positions != NULL && *positions != NULL)
    job->previous = render_graph_positions_copy (*positions);
  actorscope_scene_build_run (job);
  if (job->scene == NULL)
    {
      g_printerr ("build failed: %s\n", job->error ? job->error->message : "?");
      exit (1);
    }
  if (positions != NULL)
    {
      render_graph_positions_free (*positions);
      *positions = g_steal_pointer (&job->positions);
    }
  return job->build_ms;
}

int
main (int argc, char **argv)
{
  g_autoptr(IngestStore) store = NULL;
  g_autoptr(ActorscopeDocument) doc = NULL;
  g_autoptr(GError) error = NULL;
  int n = argc > 2 ? atoi (argv[2]) : 9;
  gint64 t0, t1;

  if (argc < 2 || n < 1)
    {
      g_printerr ("usage: %s TRACE [POSITIONS]\n", argv[0]);
      return 2;
    }
  store = ingest_store_new ();
  if (!ingest_load_file (store, argv[1], NULL, NULL, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("trace: %s, %" G_GUINT64_FORMAT " events, %u actors\n", argv[1],
           ingest_store_n_events (store), ingest_store_n_actors (store));
  doc = actorscope_document_new (g_steal_pointer (&store), "bench");
  if (!actorscope_document_get_time_range (doc, &t0, &t1))
    return 1;
  for (int k = RENDER_VIEW_GRAPH; k <= RENDER_VIEW_TIMELINE; k++)
    {
      double scene = 0, with_figures = 0, kept = 0;
      g_autoptr(RenderGraphPositions) positions = NULL;

      for (int i = 1; i <= n; i++)
        {
          gint64 cursor = t0 + (t1 - t0) / (n + 1) * i;

          scene += build_ms (doc, k, cursor, FALSE, NULL);
          with_figures += build_ms (doc, k, cursor, TRUE, NULL);
          if (k == RENDER_VIEW_GRAPH)
            kept += build_ms (doc, k, cursor, TRUE, &positions);
        }
      g_print ("%-9s mean over %d cursors: scene %.1f ms, scene + window figures %.1f ms",
               render_view_kind_to_string (k), n, scene / n, with_figures / n);
      if (k == RENDER_VIEW_GRAPH)
        g_print (", + previous positions %.1f ms", kept / n);
      g_print ("\n");
    }
  return 0;
}
