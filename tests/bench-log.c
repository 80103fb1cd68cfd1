/* bench-log.c: figures for the durable event log (not a timed test).
 *
 *   bench-log TRACE [ZSTD_LEVEL]
 *
 * Loads TRACE (e.g. `actorscope-gen -n 1000000 -o /tmp/1m.ndjson`) into a
 * store, then appends it to a fresh data directory the way `serve` does:
 * one append + flush (write + fdatasync) per FLUSH_EVENTS events, i.e. per
 * 200 ms at 1 M events/s. Prints events/s of that sustained appending on
 * one core, bytes per event on disk next to its peers (the NDJSON file,
 * the in-memory store), and the read-back (restart) rate.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <glib/gstdio.h>

#include "ingest-log-disk.h"
#include "ingest-parser.h"

#define FLUSH_EVENTS 200000

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;
  if (d != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (path, name, NULL);
        g_unlink (p);
      }
  g_rmdir (path);
}

static gboolean
count_event (IngestSeq seq, const IngestEventInput *input, gpointer user_data)
{
  (void) seq;
  (void) input;
  (*(guint64 *) user_data)++;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  g_autoptr (IngestStore) back = ingest_store_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  IngestLogDiskOptions o = { 0 };
  GStatBuf st;
  guint64 n, payloadless = 0;
  gint64 t0, t1, t2;
  const IngestLogDiskInfo *info;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-log TRACE [ZSTD_LEVEL]\n");
      return 2;
    }
  o.level = argc > 2 ? atoi (argv[2]) : 0;
  if (!ingest_load_file (store, argv[1], NULL, NULL, NULL, &error))
    {
      fprintf (stderr, "bench-log: %s\n", error->message);
      return 1;
    }
  n = ingest_store_n_events (store);
  for (IngestSeq s = 0; s < n; s++)
    {
      const IngestEvent *ev = ingest_store_event (store, s);
      const IngestMessage *m = ev->message ? ingest_store_message (store, ev->message) : NULL;
      if (m == NULL || m->payload == 0)
        payloadless++;
    }
  g_stat (argv[1], &st);
  dir = g_dir_make_tmp ("bench-log-XXXXXX", NULL);

  {
    g_autoptr (IngestLog) log = ingest_log_disk_open (dir, &o, &error);
    if (log == NULL)
      {
        fprintf (stderr, "bench-log: %s\n", error->message);
        return 1;
      }
    t0 = g_get_monotonic_time ();
    for (IngestSeq from = 0; from < n; from += FLUSH_EVENTS)
      if (!ingest_log_append (log, store, from, MIN (n, from + FLUSH_EVENTS), &error)
          || !ingest_log_flush (log, &error))
        {
          fprintf (stderr, "bench-log: %s\n", error->message);
          return 1;
        }
    t1 = g_get_monotonic_time ();
    info = ingest_log_disk_get_info (log);
    printf ("trace:            %s, %" G_GUINT64_FORMAT " events (%" G_GUINT64_FORMAT
            " without payload)\n", argv[1], n, payloadless);
    printf ("append+flush:     %.2f M events/s on one core (flush = write + fdatasync every "
            "%d events; %.3f s)\n", n / ((t1 - t0) / 1e6) / 1e6, FLUSH_EVENTS, (t1 - t0) / 1e6);
    printf ("on disk:          %" G_GUINT64_FORMAT " bytes = %.2f bytes/event "
            "(%u segments, %" G_GUINT64_FORMAT " blocks, zstd level %d)\n",
            info->bytes, (double) info->bytes / n, info->n_segments, info->n_blocks,
            o.level ? o.level : 1);
    printf ("peer, NDJSON:     %" G_GUINT64_FORMAT " bytes = %.2f bytes/event\n",
            (guint64) st.st_size, (double) st.st_size / n);
    printf ("peer, in memory:  %" G_GSIZE_FORMAT " bytes = %.2f bytes/event (the store)\n",
            ingest_store_memory_bytes (store), (double) ingest_store_memory_bytes (store) / n);
    ingest_log_close (log, NULL);
  }
  {
    g_autoptr (IngestLog) log = NULL;
    o.read_only = TRUE;
    log = ingest_log_disk_open (dir, &o, &error);
    {
      const IngestLogReadFuncs funcs = { NULL, count_event, NULL };
      guint64 counted = 0;
      t1 = g_get_monotonic_time ();
      if (log == NULL || !ingest_log_read (log, 0, G_MAXUINT64, INGEST_TIME_MIN, INGEST_TIME_MAX,
                                           &funcs, &counted, NULL, &error))
        {
          fprintf (stderr, "bench-log: %s\n", error->message);
          return 1;
        }
      t2 = g_get_monotonic_time ();
      printf ("decode only:      %.2f M events/s (blocks to IngestEventInputs; %.3f s)\n",
              counted / ((t2 - t1) / 1e6) / 1e6, (t2 - t1) / 1e6);
    }
    t1 = g_get_monotonic_time ();
    if (!ingest_log_read_into_store (log, 0, G_MAXUINT64, back, NULL, NULL, &error))
      {
        fprintf (stderr, "bench-log: %s\n", error->message);
        return 1;
      }
    t2 = g_get_monotonic_time ();
    printf ("read back:        %.2f M events/s into a new store (restart; %.3f s)\n",
            n / ((t2 - t1) / 1e6) / 1e6, (t2 - t1) / 1e6);
  }
  rm_rf (dir);
  return ingest_store_n_events (back) == n ? 0 : 1;
}
