/* bench-console-queries.c: figures (not a timed test) for what the browser
 * console asks the service beside frames: the deviations of a window, a
 * search over all messages, one actor's charts. Each is one scan on the
 * service's loop, so its cost bounds how often a page may ask.
 *
 *   bench-console-queries [EVENTS]     (default 3,000,000)
 *
 * Builds a store of EVENTS events (send, receive, done of messages among
 * 200 actors, one message in ten with a payload, one request in four
 * answered late, a few drops and crashes), then times each query over the
 * whole store and over the last 5 s, printing CPU milliseconds and events/s.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ingest-actor-series.h"
#include "ingest-deviations.h"
#include "ingest-search.h"

#define ACTORS 200

static void
ev (IngestStore *s, IngestEventKind kind, gint64 t, const char *actor, const char *peer,
    const char *key, const char *label, const char *payload, const char *reply_to)
{
  IngestEventInput in = { .kind = kind, .time_ns = t, .actor = INGEST_STR (actor) };
  if (peer)
    in.peer = INGEST_STR (peer);
  if (key)
    in.message_key = INGEST_STR (key);
  if (label)
    in.label = INGEST_STR (label);
  if (payload)
    in.payload = INGEST_STR (payload);
  if (reply_to)
    in.reply_to = INGEST_STR (reply_to);
  if (kind == INGEST_EVENT_EXIT)
    in.exit_status = INGEST_EXIT_CRASH;
  ingest_store_append (s, &in);
}

/* CPU time of this process: on a shared machine wall time measures the
 * neighbours. */
static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
report (const char *what, double ms, guint64 events, const char *extra)
{
  printf ("%-44s %9.1f ms CPU  %7.1f M events/s  %s\n", what, ms, events / (ms / 1000.0) / 1e6, extra);
}

int
main (int argc, char **argv)
{
  guint64 n = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 3000000;
  g_autoptr(IngestStore) s = ingest_store_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  char names[ACTORS][32], key[32], payload[96];
  gint64 t = G_GINT64_CONSTANT (1767229200) * 1000000000, lo, hi;
  double t0;
  char extra[128];

  for (int i = 0; i < ACTORS; i++)
    g_snprintf (names[i], sizeof names[i], "/user/worker-%d", i);
  t0 = now_ms ();
  for (guint64 i = 0; ingest_store_n_events (s) < n; i++)
    {
      int from = g_rand_int_range (rand, 0, ACTORS), to = (from * 7 + 13) % ACTORS;
      gboolean request = i % 4 == 0;
      g_snprintf (key, sizeof key, "m%" G_GUINT64_FORMAT, i);
      g_snprintf (payload, sizeof payload, "{\"job\":%" G_GUINT64_FORMAT ",\"file\":\"in/%05u.png\"}",
                  i, (guint) (i % 100000));
      t += 20000; /* 50k messages/s: 150k events/s */
      ev (s, INGEST_EVENT_SEND, t, names[from], names[to], key, request ? "Ask" : "Job",
          i % 10 == 0 ? payload : NULL, request ? names[from] : NULL);
      if (i % 1000 == 999)
        {
          ev (s, INGEST_EVENT_DROP, t + 1000, names[to], NULL, key, NULL, NULL, NULL);
          continue;
        }
      ev (s, INGEST_EVENT_RECEIVE, t + 5000, names[to], names[from], key, NULL, NULL, NULL);
      ev (s, INGEST_EVENT_DONE, t + 9000, names[to], NULL, key, NULL, NULL, NULL);
      if (i % 100000 == 5)
        ev (s, INGEST_EVENT_EXIT, t + 9500, names[to], NULL, NULL, NULL, NULL, NULL);
    }
  ingest_store_time_range (s, &lo, &hi);
  printf ("store: %" G_GUINT64_FORMAT " events, %u messages, %u actors, built in %.0f ms\n",
          ingest_store_n_events (s), ingest_store_n_messages (s), ingest_store_n_actors (s), now_ms () - t0);

  IngestDeviationSpec all = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                              .wait_p99_ns = 1000000, .mailbox_limit = 100, .max_events = G_MAXUINT64 };
  t0 = now_ms ();
  g_autoptr(IngestDeviations) d = ingest_deviations_find (s, &all);
  g_snprintf (extra, sizeof extra, "(%" G_GUINT64_FORMAT " deviations)", d->total);
  report ("deviations, whole store", now_ms () - t0, ingest_store_n_events (s), extra);

  IngestDeviationSpec last = all;
  last.from_ns = hi - 5 * G_GINT64_CONSTANT (1000000000);
  t0 = now_ms ();
  g_autoptr(IngestDeviations) d30 = ingest_deviations_find (s, &last);
  g_snprintf (extra, sizeof extra, "(%" G_GUINT64_FORMAT " deviations)", d30->total);
  report ("deviations, last 5 s", now_ms () - t0,
          ingest_store_n_events (s) - ingest_store_time_lower_bound (s, last.from_ns), extra);

  const char *texts[] = { "worker-17", "ask", "in/00040.png" };
  for (guint k = 0; k < G_N_ELEMENTS (texts); k++)
    {
      char what[64];
      t0 = now_ms ();
      g_autoptr(IngestSearchResult) r = ingest_search_messages (s, texts[k], INGEST_SEARCH_ALL, INGEST_TIME_MIN,
                                                                INGEST_TIME_MAX, 1000, G_MAXUINT64);
      g_snprintf (what, sizeof what, "search \"%s\", all messages", texts[k]);
      g_snprintf (extra, sizeof extra, "(%" G_GUINT64_FORMAT " matches)", r->total);
      report (what, now_ms () - t0, ingest_store_n_events (s), extra);
    }

  IngestActorId busiest = ingest_store_find_actor (s, names[13]);
  t0 = now_ms ();
  g_autoptr(IngestActorSeries) series = ingest_actor_series_build (s, busiest, lo, hi, 60, 5, G_MAXUINT64);
  g_snprintf (extra, sizeof extra, "(%u partners)", series != NULL ? series->partners->len : 0);
  report ("actor charts, whole store", now_ms () - t0, ingest_store_n_events (s), extra);
  t0 = now_ms ();
  g_autoptr(IngestActorSeries) recent = ingest_actor_series_build (s, busiest, last.from_ns, hi, 60, 5, G_MAXUINT64);
  g_snprintf (extra, sizeof extra, "(%u partners)", recent != NULL ? recent->partners->len : 0);
  report ("actor charts, last 5 s", now_ms () - t0,
          ingest_store_n_events (s) - ingest_store_time_lower_bound (s, last.from_ns), extra);
  return 0;
}
