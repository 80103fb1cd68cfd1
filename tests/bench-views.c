/* bench-views.c: what following live views costs the loop of `actorscope
 * serve`, without sockets or rendering (printed figures, never a test).
 *
 * A store is filled the way bench-serve's producer fills the service
 * (64 clients send Job messages to 16 workers, which receive and finish
 * them: send, receive, done; 200,000 events per second of trace time) in
 * steps of 100 ms of trace time; after each step every one of the twenty
 * distinct views of bench-serve --distinct-views advances its sliding
 * window (a graph view its IngestGraphWindow, a timeline or sequence view
 * its IngestTimelineWindow) and takes its snapshot, as a frame round
 * does. Every half second of trace each view's snapshot is also laid out
 * and written as SVG within the default frame budget, as a render worker
 * does (web-frame.c: 2,000 elements at most, then less detail until the
 * SVG fits). Printed: CPU time per event appended, for appending alone
 * and for each kind of window, per snapshot (also per timeline view:
 * their windows, filters and groups differ) and per rendering.
 *
 *   bench-views [--seconds S] [--rate N]
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ingest-graph-window.h"
#include "ingest-timeline-window.h"
#include "render-view.h"
#include "test-util.h"

#define N_VIEWS 20
#define NS G_GINT64_CONSTANT (1000000000)

int
main (int argc, char **argv)
{
  /* bench-serve's distinct views (tests/serve-load.c: distinct_view) */
  static const double windows[] = { 1, 5, 10, 30 };
  static const char *const filters[] = { NULL, "/user/worker-1*", NULL, "/client-[0-9]$/", NULL };
  static const char *const group_a[] = { "/user/client-*", NULL };
  static const char *const group_b[] = { "/user/worker-*", "/user/client-1*", NULL };
  static const char *const *const groups[] = { NULL, NULL, group_a, NULL, group_b };
  double seconds = 20, rate = 200000;
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "trace seconds (20)", "S" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "events per trace second (200000)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = g_option_context_new ("— cost of live views per event");
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestStore) store = ingest_store_new ();
  IngestGraphWindow *gw[N_VIEWS] = { 0 };
  IngestTimelineWindow *tw[N_VIEWS] = { 0 };
  IngestViewSpec specs[N_VIEWS];
  double t_append = 0, t_graph = 0, t_timeline = 0, t_gsnap = 0, t_tsnap = 0, t_gdetach = 0, t_tdetach = 0;
  double t_render[RENDER_VIEW_N_KINDS] = { 0 };
  double t_view_snap[N_VIEWS] = { 0 };
  guint n_render[RENDER_VIEW_N_KINDS] = { 0 };
  guint n_graph = 0, n_timeline = 0, n_gsnaps = 0, n_tsnaps = 0, n_steps = 0;
  guint64 sent = 0, id = 0;
  gint64 t0 = G_GINT64_CONSTANT (1700000000) * NS;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || rate <= 0 || seconds <= 0)
    {
      fprintf (stderr, "usage: bench-views [--seconds S] [--rate N]\n");
      return 2;
    }
  for (guint i = 0; i < N_VIEWS; i++)
    {
      IngestViewSpec *spec = &specs[i];
      memset (spec, 0, sizeof *spec);
      spec->actor_filter = filters[i % G_N_ELEMENTS (filters)];
      spec->label_filter = i % 7 == 6 ? "Job[0-2]" : NULL;
      spec->groups = (const char *const *) groups[(i / 2) % G_N_ELEMENTS (groups)];
      if (i % 3 == 0)
        {
          gw[i] = ingest_graph_window_new (store, spec, &error);
          n_graph++;
        }
      else
        {
          tw[i] = ingest_timeline_window_new (store, spec, (gint64) (windows[i % 4] * NS), &error);
          n_timeline++;
        }
      if (gw[i] == NULL && tw[i] == NULL)
        {
          fprintf (stderr, "bench-views: view %u: %s\n", i, error->message);
          return 1;
        }
    }

  guint64 total = (guint64) (seconds * rate), step = (guint64) (rate / 10);
  while (sent < total)
    {
      double c = test_thread_cpu_seconds ();
      for (guint64 k = 0; k < step; k++, sent++)
        {
          char from[32], to[32], key[24], label[8];
          gint64 ts = t0 + (gint64) ((double) sent * NS / rate);
          guint phase = (guint) (sent % 3);
          IngestEventInput in = { 0 };
          if (phase == 0)
            id++;
          g_snprintf (from, sizeof from, "/user/client-%u", (guint) (id % 64));
          g_snprintf (to, sizeof to, "/user/worker-%u", (guint) (id % 16));
          g_snprintf (key, sizeof key, "%" G_GUINT64_FORMAT, id);
          g_snprintf (label, sizeof label, "Job%u", (guint) (id % 5));
          in.time_ns = ts;
          in.message_key = INGEST_STR (key);
          if (phase == 0)
            {
              in.kind = INGEST_EVENT_SEND;
              in.actor = INGEST_STR (from);
              in.peer = INGEST_STR (to);
              in.label = INGEST_STR (label);
            }
          else
            {
              in.kind = phase == 1 ? INGEST_EVENT_RECEIVE : INGEST_EVENT_DONE;
              in.actor = INGEST_STR (to);
            }
          ingest_store_append (store, &in);
        }
      t_append += test_thread_cpu_seconds () - c;
      gint64 latest = t0 + (gint64) ((double) sent * NS / rate);
      gboolean draw = ++n_steps % 5 == 0;
      for (guint i = 0; i < N_VIEWS; i++)
        {
          gint64 from_ns = latest - (gint64) (windows[i % 4] * NS);
          c = test_thread_cpu_seconds ();
          if (gw[i] != NULL)
            ingest_graph_window_advance (gw[i], from_ns);
          else
            ingest_timeline_window_advance (tw[i], from_ns);
          double c2 = test_thread_cpu_seconds ();
          g_autoptr(IngestGraph) graph = NULL;
          g_autoptr(IngestTimeline) timeline = NULL;
          if (gw[i] != NULL)
            {
              t_graph += c2 - c;
              graph = ingest_graph_window_dup_graph (gw[i]);
              double c3 = test_thread_cpu_seconds ();
              t_gsnap += c3 - c2;
              n_gsnaps++;
              ingest_graph_free (ingest_graph_dup_detached (graph));
              t_gdetach += test_thread_cpu_seconds () - c3;
            }
          else
            {
              t_timeline += c2 - c;
              timeline = ingest_timeline_window_dup_timeline (tw[i]);
              double c3 = test_thread_cpu_seconds ();
              t_tsnap += c3 - c2;
              t_view_snap[i] += c3 - c2;
              n_tsnaps++;
              /* the copy a frame input takes (web-frame.c) */
              ingest_timeline_free (ingest_timeline_dup_detached (timeline));
              t_tdetach += test_thread_cpu_seconds () - c3;
            }
          if (draw)
            {
              RenderViewKind kind = (RenderViewKind) (i % 3);
              IngestViewSpec spec = specs[i];
              RenderViewRequest request = { .kind = kind, .spec = &spec, .graph = graph,
                                            .timeline = timeline, .keep_svg = TRUE,
                                            .svg_budget = 170 * 1024 };
              g_auto(RenderViewResult) built = { 0 };
              spec.from_ns = from_ns;
              spec.to_ns = INGEST_TIME_MAX;
              request.layout.width = 900 + 20 * i;
              request.layout.height = kind == RENDER_VIEW_GRAPH ? 600 + 10 * i : 0;
              request.layout.max_elements = 2000;
              request.layout.seed = 1;
              request.layout.header_every = G_MAXINT;
              c = test_thread_cpu_seconds ();
              if (!render_view_build (NULL, &request, &built, &error))
                {
                  fprintf (stderr, "bench-views: view %u: %s\n", i, error->message);
                  return 1;
                }
              t_render[kind] += test_thread_cpu_seconds () - c;
              n_render[kind]++;
            }
        }
    }
  printf ("bench-views: %" G_GUINT64_FORMAT " events (%.0f per trace second), %u graph and %u timeline "
          "windows advanced every 100 ms of trace\n", sent, rate, n_graph, n_timeline);
  printf ("append to the store:  %7.1f ns per event\n", 1e9 * t_append / (double) sent);
  printf ("graph window:         %7.1f ns per event per window\n", 1e9 * t_graph / (double) sent / n_graph);
  printf ("timeline window:      %7.1f ns per event per window\n", 1e9 * t_timeline / (double) sent / n_timeline);
  printf ("graph snapshot:       %7.3f ms each, detached copy %.3f ms\n", 1e3 * t_gsnap / MAX (n_gsnaps, 1),
          1e3 * t_gdetach / MAX (n_gsnaps, 1));
  printf ("timeline snapshot:    %7.3f ms each, detached copy %.3f ms\n", 1e3 * t_tsnap / MAX (n_tsnaps, 1),
          1e3 * t_tdetach / MAX (n_tsnaps, 1));
  /* Per timeline view: where the snapshot time goes (a small or filtered
   * window is built by the batch scan, a busy one from the buckets). */
  for (guint i = 0; i < N_VIEWS; i++)
    if (tw[i] != NULL)
      printf ("  timeline view %2u (%2.0f s, filter %s%s, %s): %7.3f ms per snapshot\n", i, windows[i % 4],
              specs[i].actor_filter != NULL ? specs[i].actor_filter : "none",
              specs[i].label_filter != NULL ? " + label" : "",
              specs[i].groups != NULL ? "groups" : "no groups",
              1e3 * t_view_snap[i] / MAX (n_steps, 1));
  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    printf ("%-9s rendering:  %7.2f ms each (%u, SVG within 170 KiB)\n", render_view_kind_to_string (k),
            1e3 * t_render[k] / MAX (n_render[k], 1), n_render[k]);
  printf ("all %u windows:       %7.1f ns per event (%.0f %% of one core at %.0f events/s)\n", N_VIEWS,
          1e9 * (t_graph + t_timeline) / (double) sent, 100 * (t_graph + t_timeline) / (double) sent * rate, rate);
  for (guint i = 0; i < N_VIEWS; i++)
    {
      ingest_graph_window_free (gw[i]);
      ingest_timeline_window_free (tw[i]);
    }
  return 0;
}
