/* bench-memory.c: figures for `actorscope serve --memory-limit` (printed,
 * never a test): a producer writes native NDJSON over TCP at a high rate
 * into a service with a data directory and a memory limit until EVENTS
 * events were sent; the figures are the rate the service made them durable,
 * its peak RSS against the limit, the bytes per event in RAM and on disk.
 * Then the service is restarted on the same data directory (the history is
 * restored under the same limit: its time and peak RSS), stopped, and
 * `actorscope stats DIR` must count exactly the events sent.
 *
 *   bench-memory ACTORSCOPE [--memory-limit SIZE] [--events N] [--rate N]
 *                [--data-dir DIR] [--retain-size SIZE]
 *
 * Defaults: 256MiB, 20,000,000 events at 1,000,000 events/s offered (the
 * producer sends what is due; the service reads as fast as it can), in a
 * temporary data directory removed at the end. The target of issue 10:
 * peak RSS <= limit + 32 MiB over >= 20 M events, and stats exact.
 * It also prints what the store's per-chunk tables take at the end (bytes
 * per 2048 events durable: what grows with uptime without retention;
 * with --retain-size, passed to serve, they follow what is held).
 */
#include "config.h"

#include "serve-load.h"
#include "test-util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

/* The last "data: N events durable ..., M evicted from memory" line. */
static void
durable_from_stderr (ServeLoadServer *server, guint64 *durable, guint64 *evicted, double *store_mib,
                     double *tables_kib)
{
  g_auto(GStrv) lines = serve_load_server_dup_stderr (server);
  for (guint i = g_strv_length (lines); i-- > 0;)
    {
      const char *p = strstr (lines[i], "data: ");
      const char *e = p ? strstr (p, " evicted from memory") : NULL;
      if (e == NULL)
        continue;
      *durable = g_ascii_strtoull (p + 6, NULL, 10);
      const char *q = e;
      while (q > p && q[-1] != ' ')
        q--;
      *evicted = g_ascii_strtoull (q, NULL, 10);
      const char *m = strstr (e, "(store ");
      if (m != NULL)
        *store_mib = g_ascii_strtod (m + 7, NULL);
      const char *c = strstr (e, "chunk tables ");
      if (c != NULL)
        *tables_kib = g_ascii_strtod (c + 13, NULL);
      return;
    }
}

static guint64
dir_bytes (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;
  guint64 total = 0;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (path, name, NULL);
      GStatBuf st;
      if (g_stat (p, &st) == 0 && S_ISREG (st.st_mode))
        total += (guint64) st.st_size;
    }
  return total;
}

int
main (int argc, char **argv)
{
  double rate = 1e6;
  gint64 n_events = 20000000;
  g_autofree char *limit = g_strdup ("256MiB"), *data_arg = NULL, *retain_size = NULL;
  const GOptionEntry entries[] = {
    { "memory-limit", 0, 0, G_OPTION_ARG_STRING, &limit, "serve --memory-limit (256MiB)", "SIZE" },
    { "events", 0, 0, G_OPTION_ARG_INT64, &n_events, "events to send (20000000)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "events per second offered (1000000)", "N" },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_arg, "data directory (default: a temporary one)", "DIR" },
    { "retain-size", 0, 0, G_OPTION_ARG_STRING, &retain_size, "serve --retain-size (none)", "SIZE" },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = g_option_context_new ("ACTORSCOPE — memory figures of actorscope serve");
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  const char *data;
  guint64 durable = 0, evicted = 0, sent;
  double store_mib = 0, tables_kib = 0;
  long rss = -1, hwm = -1, hwm_max = -1;
  gint64 t0, t_sent, t_durable, next_print;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || argc < 2 || n_events <= 0)
    {
      fprintf (stderr, "usage: bench-memory ACTORSCOPE [--memory-limit SIZE] [--events N] [--rate N] "
               "[--data-dir DIR] [--retain-size SIZE]\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  if (data_arg == NULL)
    tmp = test_tmpdir_new ("bench-memory-XXXXXX");
  data = data_arg != NULL ? data_arg : tmp;
  const char *const args[] = { "--data-dir", data, "--memory-limit", limit, "-v",
                               retain_size ? "--retain-size" : NULL, retain_size, NULL };

  g_autoptr(ServeLoadServer) server = serve_load_server_start (argv[1], args, FALSE, &error);
  if (server == NULL)
    {
      fprintf (stderr, "bench-memory: %s\n", error->message);
      return 1;
    }
  g_autoptr(ServeLoadProducer) producer =
    serve_load_producer_new (serve_load_server_get_tcp_port (server), rate, &error);
  if (producer == NULL)
    {
      fprintf (stderr, "bench-memory: %s\n", error->message);
      return 1;
    }
  printf ("actorscope serve --memory-limit %s: %" G_GINT64_FORMAT " events of TCP NDJSON offered at %.0f/s\n",
          limit, n_events, rate);
  printf ("%8s %12s %12s %12s %10s %10s %10s\n", "t (s)", "sent", "durable", "evicted", "store", "RSS (MiB)",
          "peak");
  t0 = next_print = g_get_monotonic_time ();
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gboolean wrote;
      sent = serve_load_producer_get_sent (producer);
      if (now >= next_print)
        {
          durable_from_stderr (server, &durable, &evicted, &store_mib, &tables_kib);
          serve_load_server_memory (server, &rss, &hwm);
          printf ("%8.0f %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
                  " %10.1f %10.1f %10.1f\n", (now - t0) / 1e6, sent, durable, evicted, store_mib, rss / 1024.0,
                  hwm / 1024.0);
          fflush (stdout);
          next_print += 10 * G_USEC_PER_SEC;
        }
      if (sent >= (guint64) n_events)
        break;
      if (!serve_load_producer_step (producer, &wrote, &error))
        {
          fprintf (stderr, "bench-memory: producer: %s\n", error->message);
          return 1;
        }
      if (!wrote)
        g_usleep (1000);
    }
  t_sent = g_get_monotonic_time ();
  g_clear_pointer (&producer, serve_load_producer_free);
  /* Until the service has made everything durable (or gives up). */
  for (gint64 wait_end = t_sent + 120 * G_USEC_PER_SEC; g_get_monotonic_time () < wait_end;)
    {
      durable_from_stderr (server, &durable, &evicted, &store_mib, &tables_kib);
      if (durable >= sent || !serve_load_server_alive (server))
        break;
      g_usleep (20000);
    }
  t_durable = g_get_monotonic_time ();
  serve_load_server_memory (server, &rss, &hwm);
  hwm_max = hwm;
  guint64 disk = dir_bytes (data);
  printf ("\nsent %" G_GUINT64_FORMAT " events in %.1f s (%.0f/s); durable %" G_GUINT64_FORMAT
          " after %.1f s (%.0f events/s accepted end to end)\n", sent, (t_sent - t0) / 1e6,
          sent / ((t_sent - t0) / 1e6), durable, (t_durable - t0) / 1e6, durable / ((t_durable - t0) / 1e6));
  printf ("evicted from RAM: %" G_GUINT64_FORMAT " events (%.1f %%); the store counts %.1f MiB in RAM\n",
          evicted, 100.0 * (double) evicted / (double) MAX (durable, 1), store_mib);
  printf ("server RSS at the end %.1f MiB, peak %.1f MiB (limit %s; %.1f bytes per event of the peak)\n",
          rss / 1024.0, hwm / 1024.0, limit, hwm * 1024.0 / (double) MAX (durable, 1));
  printf ("data directory: %.1f MiB, %.1f bytes per event\n", disk / 1048576.0,
          (double) disk / (double) MAX (durable, 1));
  printf ("the store's chunk tables: %.1f KiB, %.1f bytes per 2048 events durable (%s)\n", tables_kib,
          tables_kib * 1024 * 2048 / (double) MAX (durable, 1),
          retain_size ? "with --retain-size: what is held" : "no retention: the whole history");
  int status = serve_load_server_stop (server, 30);
  printf ("service stopped (%s %d)\n", WIFSIGNALED (status) ? "signal" : "exit status",
          WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
  g_clear_pointer (&server, serve_load_server_free);

  /* The restart: the whole history back under the same limit. */
  gint64 r0 = g_get_monotonic_time ();
  server = serve_load_server_start (argv[1], args, FALSE, &error);
  if (server == NULL)
    {
      fprintf (stderr, "bench-memory: restart: %s\n", error->message);
      return 1;
    }
  gint64 r1 = g_get_monotonic_time ();
  serve_load_server_memory (server, &rss, &hwm);
  hwm_max = MAX (hwm_max, hwm);
  printf ("restart: history restored in %.1f s (%.0f events/s), RSS %.1f MiB, peak %.1f MiB\n",
          (r1 - r0) / 1e6, durable / ((r1 - r0) / 1e6), rss / 1024.0, hwm / 1024.0);
  serve_load_server_stop (server, 30);
  g_clear_pointer (&server, serve_load_server_free);

  /* stats DIR must count exactly what was sent. */
  {
    g_autofree char *out = NULL;
    int wait_status = 0;
    const char *const sargv[] = { argv[1], "stats", "--json", data, NULL };
    if (!g_spawn_sync (NULL, (char **) sargv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                       NULL, &wait_status, &error))
      {
        fprintf (stderr, "bench-memory: stats: %s\n", error->message);
        return 1;
      }
    const char *p = out ? strstr (out, "\"events\":") : NULL;
    guint64 counted = p ? g_ascii_strtoull (p + 9, NULL, 10) : 0;
    /* with retention, the directory holds the newest events only */
    printf ("stats DIR: %" G_GUINT64_FORMAT " events, sent %" G_GUINT64_FORMAT ": %s\n", counted, sent,
            counted == sent ? "exact" : retain_size && counted < sent ? "the newest, retained" : "MISMATCH");
    printf ("peak RSS over both runs %.1f MiB\n", hwm_max / 1024.0);
  }
  if (tmp != NULL)
    test_tmpdir_clear (&tmp);
  return 0;
}
