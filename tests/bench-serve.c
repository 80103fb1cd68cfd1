/* bench-serve.c: figures for `actorscope serve` under load (printed, never
 * a test): a producer writes native NDJSON over TCP at a target rate
 * (default 200,000 events/s) while N websocket clients (default 20, lws
 * client, permessage-deflate) follow /live views; reports the ingest rate
 * sustained, frames received, event-to-frame latency (p50/p90/p99/max: the
 * newest event time in a frame, stamped by the producer with the wall
 * clock, to the frame's arrival) and the server's RSS over the run.
 *
 *   bench-serve ACTORSCOPE [--rate N] [--clients N] [--seconds S] [--window S]
 *               [--distinct-views] [--updates]
 *
 * With --updates the clients ask for update messages as the page does
 * (frame sizes are then what goes on the wire, updates included).
 * With --distinct-views client i follows view i % 20 of twenty views that
 * share no rendering (kinds, windows, filters, groups, sizes differ):
 * the figure of issue 10. The summary gives events sent and accepted,
 * frames/s per client (median and slowest), event-to-frame p50/p99, frame
 * size p50/p95 and the server's peak RSS, plus the load average seen and
 * the server's CPU time (loop and render workers apart): on a shared
 * machine the CPU per frame is the figure that compares runs.
 *
 * RSS grows with the store (every event is kept); the figure to watch is
 * the growth per event staying constant, and that it does not depend on
 * the clients (a slow client holds one frame at most). The long-running
 * variant with clients joining and leaving, which fails on any error, is
 * soak-serve; both share serve-load.c.
 */
#include "config.h"

#include "serve-load.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

/* CPU seconds (user + system) of /proc/PID/stat or /proc/PID/task/TID/stat. */
static double
cpu_seconds (const char *path)
{
  g_autofree char *text = NULL;
  const char *p;
  unsigned long long ut = 0, st = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strrchr (text, ')')) == NULL)
    return 0;
  /* after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt
   * majflt cmajflt utime stime */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return 0;
  return (double) (ut + st) / (double) sysconf (_SC_CLK_TCK);
}

/* The server's CPU time so far: the whole process and its main thread
 * (the loop: ingestion, view preparation, I/O); the rest is the render
 * workers. On a shared machine these, not the wall clock, say what a
 * frame costs. */
static void
server_cpu (int pid, double *process_s, double *loop_s)
{
  g_autofree char *pp = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *tp = g_strdup_printf ("/proc/%d/task/%d/stat", pid, pid);

  *process_s = cpu_seconds (pp);
  *loop_s = cpu_seconds (tp);
}

static void
print_load (const char *when)
{
  g_autofree char *text = NULL;

  if (g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    printf ("load average %s: %s", when, text);
}

int
main (int argc, char **argv)
{
  double rate = 200000, seconds = 60, window_s = 10;
  gint n_clients = 20;
  gboolean distinct = FALSE, updates = FALSE;
  const GOptionEntry entries[] = {
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "events per second (200000)", "N" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "websocket clients (20)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "duration (60)", "S" },
    { "window", 0, 0, G_OPTION_ARG_DOUBLE, &window_s, "followed window of the views (10)", "S" },
    { "distinct-views", 0, 0, G_OPTION_ARG_NONE, &distinct, "clients follow 20 distinct views", NULL },
    { "updates", 0, 0, G_OPTION_ARG_NONE, &updates, "clients ask for updates as the page does", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = g_option_context_new ("ACTORSCOPE — load figures of actorscope serve");
  g_autoptr(GError) error = NULL;
  g_autoptr(ServeLoadServer) server = NULL;
  g_autoptr(ServeLoadProducer) producer = NULL;
  ServeLoadClients *pool;
  ServeLoadClientsConfig cfg = { 0 };
  ServeLoadClientsStats st;
  ServeLoadLatency lat;
  gint64 t_start, t_end, next_rss;
  long rss_first = -1, rss_end = -1, hwm = -1;
  guint64 events_first = 0;
  double p50, p90, p99, max;
  double cpu_start = 0, cpu_end = 0, loop_start = 0, loop_end = 0;
  int status;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || argc < 2 || n_clients < 0)
    {
      fprintf (stderr, "usage: bench-serve ACTORSCOPE [--rate N] [--clients N] [--seconds S]\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  server = serve_load_server_start (argv[1], NULL, TRUE, &error);
  if (server == NULL)
    {
      fprintf (stderr, "bench-serve: %s\n", error->message);
      return 1;
    }
  producer = serve_load_producer_new (serve_load_server_get_tcp_port (server), rate, &error);
  if (producer == NULL)
    {
      fprintf (stderr, "bench-serve: %s\n", error->message);
      return 1;
    }
  cfg.port = serve_load_server_get_web_port (server);
  cfg.clients = (guint) n_clients;
  cfg.window_s = window_s;
  cfg.distinct_views = distinct;
  cfg.updates = updates;
  pool = serve_load_clients_start (&cfg);
  serve_load_latency_init (&lat);

  if (distinct)
    printf ("actorscope serve: %g events/s of TCP NDJSON for %g s, %d /live clients "
            "(%d distinct views)\n", rate, seconds, n_clients, MIN (n_clients, SERVE_LOAD_DISTINCT_VIEWS));
  else
    printf ("actorscope serve: %g events/s of TCP NDJSON for %g s, %d /live clients "
            "(graph, timeline, sequence views of the last %g s)\n", rate, seconds, n_clients, window_s);
  print_load ("before");
  printf ("%8s %12s %12s %10s %10s\n", "t (s)", "sent", "in store", "frames", "RSS (MiB)");
  server_cpu (serve_load_server_get_pid (server), &cpu_start, &loop_start);
  t_start = g_get_monotonic_time ();
  t_end = t_start + (gint64) (seconds * G_USEC_PER_SEC);
  next_rss = t_start;
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gboolean wrote;
      if (now >= t_end)
        break;
      if (now >= next_rss)
        {
          long rss = -1;
          serve_load_server_memory (server, &rss, NULL);
          serve_load_clients_get_stats (pool, &st);
          if (rss_first < 0 && now - t_start >= 5 * G_USEC_PER_SEC)
            {
              rss_first = rss;
              events_first = st.events;
            }
          printf ("%8.0f %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10.1f\n",
                  (double) (now - t_start) / G_USEC_PER_SEC, serve_load_producer_get_sent (producer),
                  st.events, st.frames, rss / 1024.0);
          fflush (stdout);
          next_rss += 5 * G_USEC_PER_SEC;
        }
      if (!serve_load_producer_step (producer, &wrote, &error))
        {
          fprintf (stderr, "bench-serve: producer: %s\n", error->message);
          break;
        }
      if (!wrote)
        g_usleep (2000);
    }
  g_usleep (1000 * 1000);
  server_cpu (serve_load_server_get_pid (server), &cpu_end, &loop_end);
  {
    double elapsed = (double) (g_get_monotonic_time () - t_start) / G_USEC_PER_SEC;
    guint64 sent = serve_load_producer_get_sent (producer);

    g_autofree guint64 *per_client = g_new0 (guint64, MAX (n_clients, 1));
    ServeLoadLatency sizes, rates;

    serve_load_latency_init (&sizes);
    serve_load_latency_init (&rates);
    print_load ("after");
    serve_load_server_memory (server, &rss_end, &hwm);
    serve_load_clients_take_latency (pool, &lat, NULL);
    serve_load_clients_take_sizes (pool, &sizes);
    serve_load_clients_get_slot_frames (pool, per_client, (guint) n_clients);
    serve_load_clients_get_stats (pool, &st);
    serve_load_clients_stop (pool);
    for (gint i = 0; i < n_clients; i++)
      serve_load_latency_add (&rates, (double) per_client[i] / elapsed);
    if (n_clients > 0)
      {
        double r50, r90, r99, rmax;
        serve_load_latency_percentiles (&rates, &r50, &r90, &r99, &rmax);
        printf ("frames/s per client: median %.2f, slowest %.2f, fastest %.2f\n", r50,
                g_array_index (rates.ms, double, 0), rmax);
      }
    if (serve_load_latency_percentiles (&sizes, &p50, &p90, &p99, &max))
      {
        double p95 = g_array_index (sizes.ms, double, (guint) (0.95 * (sizes.ms->len - 1)));
        printf ("frame size: p50 %.1f KiB, p95 %.1f KiB, max %.1f KiB\n", p50 / 1024, p95 / 1024, max / 1024);
      }
    serve_load_latency_clear (&sizes);
    serve_load_latency_clear (&rates);
    printf ("\nproducer wrote %" G_GUINT64_FORMAT " events (%.0f/s); the newest frame showed %"
            G_GUINT64_FORMAT " in the store (%.0f/s accepted)\n",
            sent, sent / (elapsed - 1), st.events, st.events / (elapsed - 1));
    printf ("clients: %" G_GUINT64_FORMAT " connected, %" G_GUINT64_FORMAT " frames (%.1f/s per client), "
            "%.1f MiB of frames, %" G_GUINT64_FORMAT " of them updates\n", st.joins, st.frames,
            st.client_seconds > 0 ? st.frames / st.client_seconds : 0.0, st.bytes / 1048576.0,
            st.updates);
    if (serve_load_latency_percentiles (&lat, &p50, &p90, &p99, &max))
      printf ("event-to-frame latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%u frames)\n",
              p50, p90, p99, max, lat.ms->len);
    if (rss_first > 0 && st.events > events_first)
      printf ("server RSS: %.1f MiB at 5 s, %.1f MiB at the end (peak %.1f MiB); %.0f bytes per event "
              "accepted in between\n", rss_first / 1024.0, rss_end / 1024.0, hwm / 1024.0,
              (double) (rss_end - rss_first) * 1024.0 / (double) (st.events - events_first));
    if (cpu_end > cpu_start)
      printf ("server CPU: %.1f s in %.0f s (%.0f %% of one core): loop %.1f s (%.0f %%), render workers "
              "%.1f s; %.1f ms of CPU per frame received, %.2f us of loop per event accepted\n",
              cpu_end - cpu_start, elapsed, 100 * (cpu_end - cpu_start) / elapsed, loop_end - loop_start,
              100 * (loop_end - loop_start) / elapsed, (cpu_end - cpu_start) - (loop_end - loop_start),
              st.frames > 0 ? 1000 * (cpu_end - cpu_start) / (double) st.frames : 0.0,
              st.events > 0 ? 1e6 * (loop_end - loop_start) / (double) st.events : 0.0);
    if (st.errors > 0)
      printf ("%" G_GUINT64_FORMAT " client errors (soak-serve lists them)\n", st.errors);
  }
  if (!serve_load_server_alive (server))
    {
      status = serve_load_server_stop (server, 10);
      printf ("the server died during the run (%s %d)\n", WIFSIGNALED (status) ? "signal" : "exit status",
              WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
    }
  serve_load_latency_clear (&lat);
  return 0;
}
