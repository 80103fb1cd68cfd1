/* bench-nats.c: events/s from producers to a collector's durable store,
 * through NATS JetStream beside the direct TCP producer path.
 *
 *   bench-nats ACTORSCOPE ACTORSCOPE-GEN [EVENTS]   (default 1000000)
 *
 * Starts a real nats-server (JetStream, file storage, loopback port, a
 * temporary store dir). For 1 and 4 producers, each sending EVENTS/P
 * events (actorscope-gen traces): the time from the producers' start to
 * the collector's data directory holding every event (serve -v reports
 * each flush), for
 *   nats: `actorscope publish` processes -> stream (R1) -> `serve --nats`
 *   tcp:  sockets writing the same files -> `serve --listen tcp://...`
 * Then the durable log (`serve --nats --log disk|stream`, 1 producer, a
 * 16 MiB memory limit): events/s to durable, local bytes per event (the
 * data directory: segments, or the stream's index and the journal),
 * restart time (the store rebuilt from the log), and the read-back latency
 * of a window of 1000 events from the middle of the (stopped) log, cold
 * and again, through ingest_log_read: what a view reaching into evicted
 * time costs when it must go to the log.
 * Prints figures only; not a test.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ingest-log-disk.h"
#include "ingest-log-nats.h"

typedef struct {
  GSubprocess *proc;
  GThread *reader;
  gpointer durable;         /* atomic, a count: the last "data: N events durable" */
  char *first_line;         /* stdout line starting with the wanted prefix */
  GMutex lock;
  GCond cond;
  const char *want;         /* stdout prefix to wait for */
} Serve;

static gpointer
read_stderr (gpointer data)
{
  Serve *s = data;
  g_autoptr(GDataInputStream) in =
    g_data_input_stream_new (g_subprocess_get_stderr_pipe (s->proc));
  char *line;

  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) != NULL)
    {
      unsigned long long n;
      if (sscanf (line, "actorscope serve: data: %llu events durable", &n) == 1)
        g_atomic_pointer_set (&s->durable, (gpointer) (gsize) n);
      else if (strstr (line, "error") != NULL)
        fprintf (stderr, "  serve: %s\n", line);
      g_free (line);
    }
  return NULL;
}

static Serve *
serve_start (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  Serve *s = g_new0 (Serve, 1);
  g_autoptr(GDataInputStream) out = NULL;
  char *line;

  s->proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  if (s->proc == NULL)
    g_error ("serve: %s", error->message);
  s->reader = g_thread_new ("stderr", read_stderr, s);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  while ((line = g_data_input_stream_read_line (out, NULL, NULL, NULL)) != NULL)
    {
      if (g_str_has_prefix (line, "producers: "))
        s->first_line = g_strdup (line + strlen ("producers: "));
      if (g_str_has_prefix (line, "listening on"))
        {
          g_free (line);
          break;
        }
      g_free (line);
    }
  return s;
}

static gint64
serve_durable (Serve *s)
{
  return (gint64) (gsize) g_atomic_pointer_get (&s->durable);
}

static void
serve_stop (Serve *s)
{
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_subprocess_wait (s->proc, NULL, NULL);
  g_thread_join (s->reader);
  g_object_unref (s->proc);
  g_free (s->first_line);
  g_free (s);
}

typedef struct {
  const char *address;      /* "tcp://127.0.0.1:PORT" */
  const char *path;
} TcpProducer;

static gpointer
tcp_produce (gpointer data)
{
  TcpProducer *p = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (!g_file_get_contents (p->path, &text, &len, &error))
    g_error ("%s", error->message);
  conn = g_socket_client_connect_to_host (client, p->address + strlen ("tcp://"), 0, NULL, &error);
  if (conn == NULL)
    g_error ("connect: %s", error->message);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), text, len,
                                  NULL, NULL, &error))
    g_error ("write: %s", error->message);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return NULL;
}

static double
wait_durable (Serve *s, gint64 events, gint64 t0)
{
  gint64 deadline = t0 + 300 * G_USEC_PER_SEC;

  while (serve_durable (s) < events && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  if (serve_durable (s) < events)
    fprintf (stderr, "  timeout: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " events durable\n",
             serve_durable (s), events);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static int
free_port (void)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) got = NULL;

  g_socket_bind (sock, addr, TRUE, NULL);
  got = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (got));
}

static guint64
dir_bytes (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;
  guint64 n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *f = g_build_filename (path, name, NULL);
      GStatBuf st;
      if (g_stat (f, &st) == 0 && S_ISREG (st.st_mode))
        n += (guint64) st.st_size;
    }
  return n;
}

static gboolean
count_event (IngestSeq seq, const IngestEventInput *input, gpointer user_data)
{
  (void) seq;
  (void) input;
  (*(guint64 *) user_data)++;
  return TRUE;
}

/* ms to read log seqs [from, from + n) of log; *got gets the count. */
static double
time_read (IngestLog *log, IngestSeq from, guint64 n, guint64 *got)
{
  static const IngestLogReadFuncs funcs = { NULL, count_event, NULL };
  g_auto(IngestLogSkipped) skipped = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  *got = 0;
  if (!ingest_log_read (log, from, from + n, INGEST_TIME_MIN, INGEST_TIME_MAX, &funcs, got, &skipped,
                        &error))
    fprintf (stderr, "  read: %s\n", error->message);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* The durable log compared: disk vs the stream. */
static void
bench_logs (const char *cli, const char *url, const char *tmp, gint64 events)
{
  g_autofree char *all = g_strdup_printf ("%s/all.ndjson", tmp);
  g_autoptr(GError) error = NULL;

  printf ("\nthe durable log (1 producer, --memory-limit 16MiB): disk vs the stream\n");
  printf ("%-7s %10s %12s %12s %11s %14s %14s\n", "log", "seconds", "events/s", "local B/ev",
          "restart s", "window cold ms", "window warm ms");
  for (int round = 0; round < 2; round++)
    {
      gboolean stream_log = round == 1;
      g_autofree char *dir = g_strdup_printf ("%s/log%d", tmp, round);
      g_autofree char *stream = g_strdup_printf ("LOG%d", round);
      g_autofree char *subjects = g_strdup_printf ("log%d.>", round);
      g_autofree char *subj = g_strdup_printf ("log%d.h0", round);
      const char *sargv[] = { cli, "serve", "-p", "0", "-q", "-v", "--nats", url, "--stream",
                              stream, "--subjects", subjects, "--data-dir", dir,
                              "--memory-limit", "16MiB", "--log",
                              stream_log ? "stream" : "disk", NULL };
      GSubprocess *p;
      gint64 t0;
      double secs, restart, cold, warm;
      guint64 local, got = 0, got2 = 0;
      Serve *s = serve_start (sargv);
      IngestLog *log;

      g_usleep (500 * 1000);
      t0 = g_get_monotonic_time ();
      p = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, cli, "publish", "-q", "--nats", url,
                            "--subject", subj, all, NULL);
      if (p == NULL)
        g_error ("publish: %s", error->message);
      g_subprocess_wait (p, NULL, NULL);
      g_object_unref (p);
      secs = wait_durable (s, events, t0);
      serve_stop (s);
      local = dir_bytes (dir);
      t0 = g_get_monotonic_time ();
      s = serve_start (sargv);
      restart = (g_get_monotonic_time () - t0) / 1e6;
      serve_stop (s);
      if (stream_log)
        {
          IngestLogNatsOptions o = { 0 };
          g_autofree char *index = g_strdup_printf ("%s/nats-%s.index", dir, stream);
          o.url = url;
          o.stream = stream;
          o.index_path = index;
          o.page_dir = dir;
          log = ingest_log_nats_open (&o, &error);
        }
      else
        {
          IngestLogDiskOptions o = { 0 };
          o.read_only = TRUE;
          log = ingest_log_disk_open (dir, &o, &error);
        }
      if (log == NULL)
        g_error ("open the log: %s", error->message);
      cold = time_read (log, (IngestSeq) events / 2, 1000, &got);
      warm = time_read (log, (IngestSeq) events / 2, 1000, &got2);
      if (got != 1000 || got2 != 1000)
        fprintf (stderr, "  the window read %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT
                 " events, not 1000\n", got, got2);
      ingest_log_close (log, NULL);
      ingest_log_free (log);
      printf ("%-7s %10.2f %12.0f %12.2f %11.2f %14.2f %14.2f\n", stream_log ? "stream" : "disk",
              secs, events / secs, (double) local / (double) events, restart, cold, warm);
      fflush (stdout);
    }
}

int
main (int argc, char **argv)
{
  const char *cli, *gen;
  gint64 events = 1000000;
  g_autofree char *tmp = NULL, *url = NULL, *port_s = NULL, *store = NULL;
  g_autoptr(GSubprocess) nats = NULL;
  g_autoptr(GError) error = NULL;
  char *files[4];

  if (argc < 3)
    {
      fprintf (stderr, "usage: bench-nats ACTORSCOPE ACTORSCOPE-GEN [EVENTS]\n");
      return 2;
    }
  cli = argv[1];
  gen = argv[2];
  if (argc > 3)
    events = g_ascii_strtoll (argv[3], NULL, 10);
  if (g_find_program_in_path ("nats-server") == NULL)
    {
      fprintf (stderr, "bench-nats: nats-server is not installed\n");
      return 77;
    }
  g_setenv ("ACTORSCOPE_DATA_DIR", "none", TRUE);
  tmp = g_dir_make_tmp ("bench-nats-XXXXXX", NULL);
  store = g_build_filename (tmp, "js", NULL);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, events / 4);
      g_autofree char *seed = g_strdup_printf ("%d", i + 1);
      g_autoptr(GSubprocess) g = NULL;
      files[i] = g_strdup_printf ("%s/p%d.ndjson", tmp, i);
      g = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, gen, "-q", "-n", n, "-s", seed,
                            "--no-payload", "-o", files[i], NULL);
      if (g == NULL || !g_subprocess_wait_check (g, NULL, &error))
        g_error ("gen: %s", error->message);
    }
  {
    /* One producer sends all four files' events, as one file. */
    g_autofree char *all = g_strdup_printf ("%s/all.ndjson", tmp);
    g_autofree char *cmd = g_strdup_printf ("cat '%s' '%s' '%s' '%s' > '%s'", files[0], files[1],
                                            files[2], files[3], all);
    if (system (cmd) != 0)
      g_error ("cat failed");
  }
  port_s = g_strdup_printf ("%d", free_port ());
  url = g_strdup_printf ("nats://127.0.0.1:%s", port_s);
  nats = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error, "nats-server", "-js", "-a", "127.0.0.1", "-p", port_s,
                           "-sd", store, NULL);
  if (nats == NULL)
    g_error ("nats-server: %s", error->message);
  g_usleep (500 * 1000);

  printf ("bench-nats: %" G_GINT64_FORMAT " events (no payloads) from producers to a collector's "
          "data directory (durable)\n", events);
  printf ("%-6s %-10s %10s %12s %14s\n", "path", "producers", "seconds", "events/s", "publish s");
  for (int round = 0; round < 4; round++)
    {
      gboolean use_nats = round < 2;
      guint producers = round % 2 == 0 ? 1 : 4;
      g_autofree char *dir = g_strdup_printf ("%s/data%d", tmp, round);
      g_autofree char *stream = g_strdup_printf ("BENCH%d", round);
      gint64 t0;
      double secs, pub_secs = 0;
      Serve *s;

      if (use_nats)
        {
          const char *sargv[] = { cli, "serve", "-p", "0", "-q", "-v", "--nats", url, "--stream",
                                  stream, "--subjects", NULL, "--data-dir", dir, NULL };
          g_autofree char *subjects = g_strdup_printf ("bench%d.>", round);
          GPtrArray *pubs = g_ptr_array_new_with_free_func (g_object_unref);
          sargv[11] = subjects;
          s = serve_start (sargv);
          g_usleep (500 * 1000);  /* the stream and consumer exist */
          t0 = g_get_monotonic_time ();
          for (guint i = 0; i < producers; i++)
            {
              g_autofree char *subj = g_strdup_printf ("bench%d.h%u", round, i);
              g_autofree char *file = producers == 1 ? g_strdup_printf ("%s/all.ndjson", tmp)
                                                     : g_strdup (files[i]);
              GSubprocess *p = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, cli, "publish",
                                                 "-q", "--nats", url, "--subject", subj, file, NULL);
              if (p == NULL)
                g_error ("publish: %s", error->message);
              g_ptr_array_add (pubs, p);
            }
          for (guint i = 0; i < pubs->len; i++)
            g_subprocess_wait (g_ptr_array_index (pubs, i), NULL, NULL);
          pub_secs = (g_get_monotonic_time () - t0) / 1e6;
          secs = wait_durable (s, events, t0);
          g_ptr_array_unref (pubs);
        }
      else
        {
          const char *sargv[] = { cli, "serve", "-p", "0", "-q", "-v", "--listen",
                                  "tcp://127.0.0.1:0", "--data-dir", dir, NULL };
          GThread *threads[4];
          TcpProducer tp[4];
          g_autofree char *all = g_strdup_printf ("%s/all.ndjson", tmp);
          s = serve_start (sargv);
          t0 = g_get_monotonic_time ();
          for (guint i = 0; i < producers; i++)
            {
              tp[i].address = s->first_line;
              tp[i].path = producers == 1 ? all : files[i];
              threads[i] = g_thread_new ("producer", tcp_produce, &tp[i]);
            }
          for (guint i = 0; i < producers; i++)
            g_thread_join (threads[i]);
          pub_secs = (g_get_monotonic_time () - t0) / 1e6;
          secs = wait_durable (s, events, t0);
        }
      printf ("%-6s %-10u %10.2f %12.0f %14.2f\n", use_nats ? "nats" : "tcp", producers, secs,
              events / secs, pub_secs);
      fflush (stdout);
      serve_stop (s);
    }
  bench_logs (cli, url, tmp, events);
  g_subprocess_send_signal (nats, SIGTERM);
  g_subprocess_wait (nats, NULL, NULL);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
    if (system (cmd) != 0)
      fprintf (stderr, "bench-nats: could not remove %s\n", tmp);
  }
  for (int i = 0; i < 4; i++)
    g_free (files[i]);
  return 0;
}
