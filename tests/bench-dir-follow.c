/* bench-dir-follow.c: what following a data directory costs the desktop
 * app (figures, not a timed test).
 *
 *   bench-dir-follow TRACE [EVENTS_PER_FLUSH]
 *
 * The desktop's ActorscopeDirFollow (app/gtk/actorscope-dir-follow.c)
 * opens the directory read-only twice a second, on the UI thread, and
 * reads what was written since. That open scans every block header, so
 * its cost grows with the blocks a directory holds: a service flushes
 * every 200 ms, so at EVENTS_PER_FLUSH events per flush (default 2000,
 * i.e. 10 k events/s) TRACE becomes n / EVENTS_PER_FLUSH blocks. Prints
 * the time of an idle poll (open, nothing new) and of a poll that reads
 * one new flush into the store, with the directory holding all of TRACE.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <glib/gstdio.h>

#include "ingest-log-disk.h"
#include "ingest-parser.h"

#define N_POLLS 20

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (path, name, NULL);
        g_remove (p);
      }
  g_rmdir (path);
}

static int
fail (GError *error)
{
  fprintf (stderr, "bench-dir-follow: %s\n", error->message);
  return 1;
}

int
main (int argc, char **argv)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  g_autoptr (IngestStore) follower = ingest_store_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  IngestLogDiskOptions wo = { 0 }, ro = { 0 };
  guint64 per_flush, n, last, end = 0, read = 0;
  gint64 t0, idle_us = 0, grow_us = 0, read_us = 0;
  g_autoptr (IngestLog) writer = NULL;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-dir-follow TRACE [EVENTS_PER_FLUSH]\n");
      return 2;
    }
  per_flush = argc > 2 ? g_ascii_strtoull (argv[2], NULL, 10) : 2000;
  per_flush = MAX (per_flush, 1);
  if (!ingest_load_file (store, argv[1], NULL, NULL, NULL, &error))
    return fail (error);
  n = ingest_store_n_events (store);
  if (n < 2 * per_flush)
    {
      fprintf (stderr, "bench-dir-follow: TRACE needs at least %" G_GUINT64_FORMAT " events\n",
               2 * per_flush);
      return 2;
    }
  /* All but the last flush now; the last one is what a poll finds new. */
  last = n - per_flush;
  dir = g_dir_make_tmp ("bench-dir-follow-XXXXXX", NULL);
  writer = ingest_log_disk_open (dir, &wo, &error);
  if (writer == NULL)
    return fail (error);
  for (IngestSeq from = 0; from < last; from += per_flush)
    if (!ingest_log_append (writer, store, from, MIN (last, from + per_flush), &error) ||
        !ingest_log_flush (writer, &error))
      return fail (error);

  /* Idle polls: the writer holds the lock, the reader opens without it. */
  ro.read_only = TRUE;
  for (int i = 0; i < N_POLLS; i++)
    {
      g_autoptr (IngestLog) log = NULL;

      t0 = g_get_monotonic_time ();
      log = ingest_log_disk_open (dir, &ro, &error);
      if (log == NULL)
        return fail (error);
      end = ingest_log_n_durable (log);
      idle_us += g_get_monotonic_time () - t0;
      if (i == 0 && !ingest_log_read_into_store (log, 0, end, follower, NULL, NULL, &error))
        return fail (error);
    }

  /* One more flush, then the poll that reads it. */
  if (!ingest_log_append (writer, store, last, n, &error) || !ingest_log_flush (writer, &error))
    return fail (error);
  {
    g_autoptr (IngestLog) log = NULL;
    guint64 new_end;

    t0 = g_get_monotonic_time ();
    log = ingest_log_disk_open (dir, &ro, &error);
    if (log == NULL)
      return fail (error);
    new_end = ingest_log_n_durable (log);
    read_us = g_get_monotonic_time ();
    if (!ingest_log_read_into_store (log, end, new_end, follower, &read, NULL, &error))
      return fail (error);
    grow_us = g_get_monotonic_time () - t0;
    read_us = g_get_monotonic_time () - read_us;
  }

  printf ("trace:        %s, %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT
          " events per flush (%" G_GUINT64_FORMAT " blocks)\n",
          argv[1], n, per_flush, (n + per_flush - 1) / per_flush);
  printf ("idle poll:    %.2f ms (read-only open, nothing new; mean of %d)\n",
          idle_us / 1000.0 / N_POLLS, N_POLLS);
  printf ("growing poll: %.2f ms (open + %" G_GUINT64_FORMAT " new events into the store;"
          " the read alone %.2f ms)\n", grow_us / 1000.0, read, read_us / 1000.0);
  printf ("follower:     %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " events\n",
          ingest_store_n_events (follower), n);
  ingest_log_close (writer, NULL);
  rm_rf (dir);
  return ingest_store_n_events (follower) == n ? 0 : 1;
}
