/* soak-serve.c: a long run of `actorscope serve` that fails on any error.
 * A producer writes native NDJSON over TCP at a sustained rate (default
 * 50,000 events/s) while /live websocket clients join and leave
 * continuously: random views (kind, window, filters, groups, theme, size),
 * pause/live/ping/view changes, a fifth of them slow readers (socket not
 * read for 1-6 s at a time), 30% leaving abruptly (socket shut down, no
 * close frame, possibly mid-frame), the rest closing politely.
 *
 *   soak-serve ACTORSCOPE [--duration S] [--rate N] [--clients N] [--report S]
 *              [--memory-limit SIZE] [--max-hwm MIB] ...
 *
 * Every --report seconds and at the end it prints events sent and accepted,
 * throughput, event-to-frame latency percentiles (steady following clients
 * only), frames per client per second, the server's VmRSS/VmHWM, joins and
 * leaves, and every error. Exits 1 on any error: an event not accepted
 * (the store's count short of what was sent, or counted as skipped), the
 * server dead or not stopping cleanly on SIGTERM, anything on its stderr
 * (it runs with -q: warnings and sanitizer reports), a refused or dropped
 * connection, an error reply, a malformed frame, a following client
 * without frames for 30 s, or RSS growing more per accepted event than
 * --max-bytes-per-event, or a peak RSS above --max-hwm. The figures are not pass/fail (the machine may be
 * loaded); they are for the reader.
 */
#include "config.h"

#include "serve-load.h"
#include "test-util.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

typedef struct {
  double t;
  guint64 sent, events, frames;
  double client_seconds;
} Mark;

static void
print_header (void)
{
  printf ("%6s %10s %10s %8s %8s %8s %8s %8s %8s %7s %4s %6s %6s %8s %8s %4s\n", "t(s)", "sent", "accepted",
          "sent/s", "acc/s", "p50ms", "p90ms", "p99ms", "maxms", "fr/cl/s", "cl", "joins", "leaves",
          "RSS MiB", "HWM MiB", "err");
}

static void
print_latency_cells (ServeLoadLatency *lat)
{
  double p50, p90, p99, max;
  if (serve_load_latency_percentiles (lat, &p50, &p90, &p99, &max))
    printf (" %8.1f %8.1f %8.1f %8.1f", p50, p90, p99, max);
  else
    printf (" %8s %8s %8s %8s", "-", "-", "-", "-");
}

int
main (int argc, char **argv)
{
  double rate = 50000, duration = 60, report_s = 10, window_s = 10, mean_life = 15, warmup = -1;
  double max_bytes_per_event = 1024, accept_wait = 120, max_hwm_mib = 0;
  gint n_clients = 20, seed = -1;
  gboolean no_churn = FALSE, distinct = FALSE;
  double min_rate_share = 0, min_client_fps = 0;
  g_autofree char *memory_limit = NULL;
  const GOptionEntry entries[] = {
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, "seconds of load (60; 600 for the real soak)", "S" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, "producer events per second (50000)", "N" },
    { "clients", 'c', 0, G_OPTION_ARG_INT, &n_clients, "/live clients at once (20)", "N" },
    { "report", 0, 0, G_OPTION_ARG_DOUBLE, &report_s, "seconds between report lines (10)", "S" },
    { "window", 0, 0, G_OPTION_ARG_DOUBLE, &window_s, "followed window without churn (10)", "S" },
    { "mean-life", 0, 0, G_OPTION_ARG_DOUBLE, &mean_life, "mean seconds a client stays (15)", "S" },
    { "no-churn", 0, 0, G_OPTION_ARG_NONE, &no_churn, "fixed clients for the whole run", NULL },
    { "distinct-views", 0, 0, G_OPTION_ARG_NONE, &distinct,
      "without churn: client i follows the i-th of 20 distinct views", NULL },
    { "min-rate-share", 0, 0, G_OPTION_ARG_DOUBLE, &min_rate_share,
      "fail when the producer could send less than this share of --rate (0: no check)", "F" },
    { "min-client-fps", 0, 0, G_OPTION_ARG_DOUBLE, &min_client_fps,
      "without churn: fail when a client got fewer frames per second (0: no check)", "F" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "random seed (default: from the clock, printed)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "RSS baseline taken after this (duration/6, at most 30)", "S" },
    { "max-bytes-per-event", 0, 0, G_OPTION_ARG_DOUBLE, &max_bytes_per_event,
      "most RSS growth per accepted event after the warm-up (1024)", "B" },
    { "max-hwm", 0, 0, G_OPTION_ARG_DOUBLE, &max_hwm_mib,
      "fail when the server's peak RSS (VmHWM) exceeds this many MiB (0: no check; the target with "
      "--memory-limit L is L + 32 MiB)", "MIB" },
    { "accept-wait", 0, 0, G_OPTION_ARG_DOUBLE, &accept_wait,
      "seconds to wait at the end for every event to be accepted (120)", "S" },
    { "memory-limit", 0, 0, G_OPTION_ARG_STRING, &memory_limit,
      "serve --memory-limit, with a temporary data directory (default: none, memory only)", "SIZE" },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = g_option_context_new ("ACTORSCOPE — soak test of actorscope serve");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServeLoadServer) server = NULL;
  g_autoptr(ServeLoadProducer) producer = NULL;
  g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) client_errors = NULL, server_lines = NULL;
  ServeLoadClients *pool;
  ServeLoadClientsConfig cfg = { 0 };
  ServeLoadClientsStats st = { 0 };
  ServeLoadLatency lat_total, lat_interval;
  Mark prev = { 0 };
  gint64 t_start, t_end, next_report;
  long rss = -1, hwm = -1, rss_base = -1, rss_end = -1, hwm_end = -1, rss_top = -1;
  /* where the memory was at the highest RSS seen at a report, and at the end */
  ServeLoadMemoryParts parts_top = { 0 }, parts_end = { 0 };
  guint64 events_base = 0, sent = 0;
  gboolean rss_base_taken = FALSE, producer_failed = FALSE;
  double elapsed_load;
  int status;
  g_autofree char *data_dir = NULL;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || argc != 2 || n_clients < 1 || rate <= 0
      || duration <= 0 || report_s <= 0)
    {
      fprintf (stderr, "usage: soak-serve ACTORSCOPE [--duration S] [--rate N] [--clients N] "
                       "(--help for more)%s%s\n", error != NULL ? ": " : "", error != NULL ? error->message : "");
      return 2;
    }
  if (warmup < 0)
    warmup = MIN (duration / 6, 30);
  if (seed < 0)
    seed = (gint) (g_get_real_time () % G_MAXINT);
  signal (SIGPIPE, SIG_IGN);
  setvbuf (stdout, NULL, _IOLBF, 0);

  /* --memory-limit: the long run that shows whether RSS stays flat once
   * the limit is reached (a data directory is what events are evicted to). */
  if (memory_limit != NULL)
    {
      data_dir = test_tmpdir_new ("soak-serve-XXXXXX");
      const char *const args[] = { "--data-dir", data_dir, "--memory-limit", memory_limit, NULL };
      server = serve_load_server_start (argv[1], args, TRUE, &error);
      printf ("serve --memory-limit %s, data directory %s\n", memory_limit, data_dir);
    }
  else
    server = serve_load_server_start (argv[1], NULL, TRUE, &error);
  if (server == NULL)
    {
      fprintf (stderr, "soak-serve: %s\n", error->message);
      return 1;
    }
  producer = serve_load_producer_new (serve_load_server_get_tcp_port (server), rate, &error);
  if (producer == NULL)
    {
      fprintf (stderr, "soak-serve: producer: %s\n", error->message);
      return 1;
    }
  cfg.port = serve_load_server_get_web_port (server);
  cfg.clients = (guint) n_clients;
  cfg.window_s = window_s;
  cfg.churn = !no_churn;
  cfg.distinct_views = distinct;
  cfg.mean_life_s = mean_life;
  cfg.seed = (guint32) seed;
  cfg.validate_every = 25;
  pool = serve_load_clients_start (&cfg);
  serve_load_latency_init (&lat_total);
  serve_load_latency_init (&lat_interval);

  printf ("soak: actorscope serve (pid %d) for %g s: %g events/s of TCP NDJSON, %d /live clients at once "
          "(%s), seed %d\n", serve_load_server_get_pid (server), duration, rate, n_clients,
          no_churn ? "fixed" : "joining and leaving, mean stay of the clients given by --mean-life", seed);
  printf ("soak: latency = wall clock at a frame's arrival minus the newest event time it shows "
          "(steady following clients)\n");
  print_header ();
  t_start = g_get_monotonic_time ();
  t_end = t_start + (gint64) (duration * G_USEC_PER_SEC);
  next_report = t_start + (gint64) (report_s * G_USEC_PER_SEC);
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gboolean wrote = FALSE, last = now >= t_end;

      if (!rss_base_taken && now - t_start >= (gint64) (warmup * G_USEC_PER_SEC))
        {
          serve_load_clients_get_stats (pool, &st);
          serve_load_server_memory (server, &rss_base, NULL);
          events_base = st.events;
          rss_base_taken = TRUE;
        }
      if (now >= next_report || last)
        {
          double t = (double) (now - t_start) / G_USEC_PER_SEC, dt = MAX (t - prev.t, 1e-3);
          sent = serve_load_producer_get_sent (producer);
          serve_load_clients_get_stats (pool, &st);
          serve_load_clients_take_latency (pool, &lat_interval, &lat_total);
          rss = hwm = -1;
          serve_load_server_memory (server, &rss, &hwm);
          if (rss > rss_top && serve_load_server_memory_parts (server, &parts_top))
            rss_top = rss;
          printf ("%6.0f %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %8.0f %8.0f", t, sent, st.events,
                  (sent - prev.sent) / dt, (st.events - prev.events) / dt);
          print_latency_cells (&lat_interval);
          printf (" %7.1f %4" G_GUINT64_FORMAT " %6" G_GUINT64_FORMAT " %6" G_GUINT64_FORMAT " %8.1f %8.1f %4"
                  G_GUINT64_FORMAT "\n",
                  st.client_seconds > prev.client_seconds
                    ? (st.frames - prev.frames) / (st.client_seconds - prev.client_seconds) : 0.0,
                  st.connected_now, st.joins, st.polite_leaves + st.abrupt_leaves, rss / 1024.0, hwm / 1024.0,
                  st.errors + serve_load_server_n_stderr (server));
          g_array_set_size (lat_interval.ms, 0);
          prev = (Mark) { t, sent, st.events, st.frames, st.client_seconds };
          next_report += (gint64) (report_s * G_USEC_PER_SEC);
          if (!serve_load_server_alive (server))
            break;
        }
      if (last)
        break;
      if (!serve_load_producer_step (producer, &wrote, &error))
        {
          g_ptr_array_add (failures, g_strdup_printf ("the producer's connection failed: %s", error->message));
          g_clear_error (&error);
          producer_failed = TRUE;
          break;
        }
      if (!wrote)
        g_usleep (2000);
    }
  elapsed_load = (double) (g_get_monotonic_time () - t_start) / G_USEC_PER_SEC;
  sent = serve_load_producer_get_sent (producer);

  /* Every event sent must show up in the store: wait for a frame that
   * counts them all (clients keep joining, so frames keep coming). */
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) (accept_wait * G_USEC_PER_SEC);
    for (;;)
      {
        serve_load_clients_get_stats (pool, &st);
        if (st.events >= sent || !serve_load_server_alive (server) || g_get_monotonic_time () >= deadline)
          break;
        g_usleep (100 * 1000);
      }
  }
  serve_load_clients_expect_frames (pool, FALSE);
  serve_load_clients_take_latency (pool, NULL, &lat_total);
  serve_load_server_memory (server, &rss_end, &hwm_end);
  serve_load_server_memory_parts (server, &parts_end);
  serve_load_clients_get_stats (pool, &st);

  /* The verdict. */
  if (!serve_load_server_alive (server))
    {
      status = serve_load_server_stop (server, 10);
      g_ptr_array_add (failures, g_strdup_printf ("the server died during the run (%s %d)",
                                                  WIFSIGNALED (status) ? "signal" : "exit status",
                                                  WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status)));
    }
  if (st.events != sent)
    g_ptr_array_add (failures, g_strdup_printf ("%" G_GUINT64_FORMAT " events sent, %" G_GUINT64_FORMAT
                                                " in the store after waiting %g s", sent, st.events, accept_wait));
  /* The producer is paced and stalls when the server stops reading: what
   * it managed to send is the rate the service accepted. */
  if (min_rate_share > 0 && sent < min_rate_share * rate * elapsed_load)
    g_ptr_array_add (failures, g_strdup_printf ("the service accepted %.0f events/s, less than %g of %g",
                                                sent / elapsed_load, min_rate_share, rate));
  if (no_churn && min_client_fps > 0)
    {
      g_autofree guint64 *per_client = g_new0 (guint64, n_clients);
      serve_load_clients_get_slot_frames (pool, per_client, (guint) n_clients);
      for (gint i = 0; i < n_clients; i++)
        if (per_client[i] < min_client_fps * elapsed_load)
          g_ptr_array_add (failures, g_strdup_printf ("client %d got %" G_GUINT64_FORMAT " frames in %.0f s "
                                                      "(fewer than %g/s)", i, per_client[i], elapsed_load,
                                                      min_client_fps));
    }
  if (st.skipped > 0)
    g_ptr_array_add (failures, g_strdup_printf ("the server skipped %" G_GUINT64_FORMAT " records", st.skipped));
  if (st.frames == 0 || lat_total.ms->len == 0)
    g_ptr_array_add (failures, g_strdup ("no frames with a latency sample were received"));
  if (!no_churn && duration >= 4 * mean_life && (st.polite_leaves == 0 || st.abrupt_leaves == 0))
    g_ptr_array_add (failures, g_strdup ("clients did not both leave politely and abruptly (no churn?)"));
  if (rss_base > 0 && rss_end > 0 && st.events > events_base)
    {
      double per_event = (double) (rss_end - rss_base) * 1024.0 / (double) (st.events - events_base);
      if (per_event > max_bytes_per_event)
        g_ptr_array_add (failures, g_strdup_printf ("RSS grew %.0f bytes per accepted event after the warm-up "
                                                    "(bound %g)", per_event, max_bytes_per_event));
    }
  else if (!producer_failed)
    g_ptr_array_add (failures, g_strdup ("no RSS figures (the server or the store did not move)"));
  /* --memory-limit bounds the whole process, clients included: the live
   * views' windows and frames must fit beside the store. */
  if (max_hwm_mib > 0 && hwm_end > max_hwm_mib * 1024)
    g_ptr_array_add (failures, g_strdup_printf ("the server's peak RSS was %.1f MiB (bound %g MiB)",
                                                hwm_end / 1024.0, max_hwm_mib));

  client_errors = serve_load_clients_dup_errors (pool);
  serve_load_clients_stop (pool);
  if (serve_load_server_alive (server))
    {
      status = serve_load_server_stop (server, 30);
      if (status == -1 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
        g_ptr_array_add (failures, g_strdup_printf ("the server did not stop cleanly on SIGTERM (wait status %d)",
                                                    status));
    }
  server_lines = serve_load_server_dup_stderr (server);

  printf ("\nsoak summary (%.0f s of load, seed %d)\n", elapsed_load, seed);
  printf ("  events: %" G_GUINT64_FORMAT " sent (%.0f/s), %" G_GUINT64_FORMAT " accepted, %" G_GUINT64_FORMAT
          " skipped\n", sent, sent / elapsed_load, st.events, st.skipped);
  {
    double p50, p90, p99, max;
    if (serve_load_latency_percentiles (&lat_total, &p50, &p90, &p99, &max))
      printf ("  event-to-frame latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%u frames)\n",
              p50, p90, p99, max, lat_total.ms->len);
  }
  printf ("  frames: %" G_GUINT64_FORMAT " (%.1f MiB), %.2f per client per second over %.0f client-seconds\n",
          st.frames, st.bytes / 1048576.0, st.client_seconds > 0 ? st.frames / st.client_seconds : 0.0,
          st.client_seconds);
  printf ("  frames to clients following live (not paused, not stalled): %.2f per client per second "
          "over %.0f client-seconds\n",
          st.following_seconds > 0 ? st.following_frames / st.following_seconds : 0.0,
          st.following_seconds);
  printf ("  clients: %" G_GUINT64_FORMAT " joins, %" G_GUINT64_FORMAT " polite leaves, %" G_GUINT64_FORMAT
          " abrupt leaves\n", st.joins, st.polite_leaves, st.abrupt_leaves);
  if (rss_base > 0 && rss_end > 0 && st.events > events_base)
    printf ("  server memory: VmRSS %.1f MiB after %.0f s of warm-up (%" G_GUINT64_FORMAT " events), %.1f MiB at "
            "the end, VmHWM %.1f MiB; %.0f bytes of RSS per event accepted after the warm-up\n",
            rss_base / 1024.0, warmup, events_base, rss_end / 1024.0, hwm_end / 1024.0,
            (double) (rss_end - rss_base) * 1024.0 / (double) (st.events - events_base));
  {
    const ServeLoadMemoryParts *ps[] = { &parts_top, &parts_end };
    const char *when[] = { "at the highest RSS reported", "at the end" };
    for (guint i = 0; i < 2; i++)
      printf ("  server memory %s (MiB): heap %.1f, thread arenas %.1f, thread stacks %.1f, "
              "big blocks %.1f, files %.1f\n", when[i], ps[i]->heap / 1024.0, ps[i]->arenas / 1024.0,
              ps[i]->stacks / 1024.0, ps[i]->big_blocks / 1024.0, ps[i]->files / 1024.0);
  }
  for (guint i = 0; client_errors[i] != NULL; i++)
    g_ptr_array_add (failures, g_strdup (client_errors[i]));
  if (st.errors > g_strv_length (client_errors))
    g_ptr_array_add (failures, g_strdup_printf ("... %" G_GUINT64_FORMAT " client errors in all",
                                                st.errors));
  for (guint i = 0; server_lines[i] != NULL; i++)
    g_ptr_array_add (failures, g_strdup_printf ("server stderr: %s", server_lines[i]));
  serve_load_latency_clear (&lat_total);
  serve_load_latency_clear (&lat_interval);
  if (data_dir != NULL) /* the server has stopped */
    test_tmpdir_remove (data_dir);
  if (failures->len == 0)
    {
      printf ("soak: PASS (no errors, every event accepted, the server alive and stopped cleanly)\n");
      return 0;
    }
  printf ("soak: FAIL, %u error(s):\n", failures->len);
  for (guint i = 0; i < failures->len; i++)
    printf ("  %s\n", (const char *) failures->pdata[i]);
  return 1;
}
