/* bench-store-order.c: what the store's time index costs when events
 * arrive out of time order, as they do from two producers whose clocks
 * differ by a few milliseconds (printed figures, never a test).
 *
 * The same events are appended twice to fresh stores: once in time order
 * (the peer), once from two "producers" interleaved, the second stamped
 * --skew-ms behind. Every --query-every events (a frame round of serve at
 * 10 rounds/s and 50,000 events/s) the time index is asked for the start
 * of the last second, as a live window's advance does. Printed: ns per
 * event (append and queries) for both, their ratio, and the store's bytes
 * per event; then the skewed run again in a store with a 64 MiB memory
 * budget and a page file, whose memory must stay at the budget.
 *
 *   bench-store-order [--events N] [--skew-ms MS] [--query-every K]
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include <glib/gstdio.h>

#include "ingest-store.h"
#include "test-util.h"

#define MS G_GINT64_CONSTANT (1000000)

/* Appends n MARK events 20 us apart, odd ones skew_ns behind when skewed;
 * returns CPU seconds; *bytes_out: the store's memory count at the end.
 * With a budget (page_dir set) every event counts as durable at once, so
 * the store may evict anything it needs to. */
static double
run (guint64 n, gint64 skew_ns, guint64 query_every, const char *page_dir, gsize *bytes_out,
     guint64 *late_out)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  if (page_dir != NULL && !ingest_store_set_memory_budget (store, 64 << 20, page_dir, &error))
    g_error ("bench-store-order: %s", error->message);
  double c = test_thread_cpu_seconds ();
  gint64 prev = G_MININT64;
  guint64 late = 0;

  for (guint64 i = 0; i < n; i++)
    {
      IngestEventInput in = { 0 };
      in.kind = INGEST_EVENT_MARK;
      in.time_ns = (gint64) i * 20000 - ((i & 1) ? skew_ns : 0);
      in.actor = INGEST_STR ((i & 1) ? "/producer-b" : "/producer-a");
      late += in.time_ns < prev;
      prev = MAX (prev, in.time_ns);
      ingest_store_append (store, &in);
      if (i % query_every == query_every - 1)
        {
          if (page_dir != NULL)
            ingest_store_set_evictable (store, i + 1);
          (void) ingest_store_time_lower_bound (store, in.time_ns - 1000 * MS);
        }
    }
  c = test_thread_cpu_seconds () - c;
  *bytes_out = ingest_store_memory_bytes (store);
  *late_out = late;
  return c;
}

int
main (int argc, char **argv)
{
  double events = 10e6, skew_ms = 3;
  gint query_every = 5000;
  const GOptionEntry entries[] = {
    { "events", 0, 0, G_OPTION_ARG_DOUBLE, &events, "events per run (10000000)", "N" },
    { "skew-ms", 0, 0, G_OPTION_ARG_DOUBLE, &skew_ms, "the second producer's clock behind by (3)", "MS" },
    { "query-every", 0, 0, G_OPTION_ARG_INT, &query_every, "events between index queries (5000)", "K" },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = g_option_context_new ("— the time index under late events");
  g_autoptr(GError) error = NULL;
  gsize bytes_in_order, bytes_skewed, bytes_budget;
  guint64 late_in_order, late_skewed, late_budget;
  g_autofree char *dir = g_dir_make_tmp ("bench-store-order-XXXXXX", NULL);

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || events < 1 || skew_ms < 0 || query_every < 1)
    {
      fprintf (stderr, "usage: bench-store-order [--events N] [--skew-ms MS] [--query-every K]\n");
      return 2;
    }
  guint64 n = (guint64) events;
  double t_in_order = run (n, 0, (guint64) query_every, NULL, &bytes_in_order, &late_in_order);
  double t_skewed = run (n, (gint64) (skew_ms * MS), (guint64) query_every, NULL, &bytes_skewed, &late_skewed);
  double t_budget = run (n, (gint64) (skew_ms * MS), (guint64) query_every, dir, &bytes_budget, &late_budget);
  g_rmdir (dir);

  printf ("bench-store-order: %" G_GUINT64_FORMAT " events, a time-index query every %d\n", n, query_every);
  printf ("in time order:            %7.1f ns per event, store %6.1f bytes per event (%" G_GUINT64_FORMAT " late)\n",
          1e9 * t_in_order / (double) n, (double) bytes_in_order / (double) n, late_in_order);
  printf ("two producers %4.1f ms apart: %7.1f ns per event, store %6.1f bytes per event (%" G_GUINT64_FORMAT " late)\n",
          skew_ms, 1e9 * t_skewed / (double) n, (double) bytes_skewed / (double) n, late_skewed);
  printf ("ratio (skewed / in order): %.2f time, %.2f memory\n", t_skewed / t_in_order,
          (double) bytes_skewed / (double) bytes_in_order);
  printf ("skewed, 64 MiB budget:    %7.1f ns per event, store %6.1f MiB at the end (%.2f x the in-order time)\n",
          1e9 * t_budget / (double) n, (double) bytes_budget / (1 << 20), t_budget / t_in_order);
  return 0;
}
