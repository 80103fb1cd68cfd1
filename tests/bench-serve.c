/* bench-serve.c: figures for `actorscope serve` under load (printed, never
 * a test): a producer writes native NDJSON over TCP at a target rate
 * (default 200,000 events/s) while N websocket clients (default 20, lws
 * client, permessage-deflate) follow /live views; reports the ingest rate
 * sustained, frames received, event-to-frame latency (p50/p99/max: the
 * newest event time in a frame, stamped by the producer with the wall
 * clock, to the frame's arrival) and the server's RSS over the run.
 *
 *   bench-serve ACTORSCOPE [--rate N] [--clients N] [--seconds S] [--window S]
 *
 * RSS grows with the store (every event is kept); the figure to watch is
 * the growth per event staying constant, and that it does not depend on
 * the clients (a slow client holds one frame at most).
 */
#include "config.h"

#include <libwebsockets.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>

#define MAX_SAMPLES (1u << 20)

typedef struct {
  struct lws *wsi;
  GByteArray *rx;
  const char *view;          /* the view JSON to send */
  gboolean sent_view;
  guint64 frames;
  guint64 bytes;
} Client;

static struct {
  GMutex lock;
  double *latency_ms;        /* samples */
  guint n_samples;
  guint64 frames, bytes;
  guint64 last_events;       /* "events" of the newest frame */
  volatile gint stop;
  int port;
  guint n_clients, connected, closed;
} g;

static double
now_ms (void)
{
  return (double) g_get_real_time () / 1000.0;
}

/* "to_ms" of the frame's "window" object (no full JSON parse: frames are
 * large and arrive 200 times a second). */
static void
frame_seen (const char *text, gsize len)
{
  const char *w = g_strstr_len (text, (gssize) MIN (len, 4096), "\"window\":{");
  const char *to = w != NULL ? g_strstr_len (w, 200, "\"to_ms\":") : NULL;
  const char *ev = g_strstr_len (text, (gssize) MIN (len, 256), "\"events\":");
  double t = now_ms ();

  g_mutex_lock (&g.lock);
  g.frames++;
  g.bytes += len;
  if (ev != NULL)
    g.last_events = MAX (g.last_events, g_ascii_strtoull (ev + 9, NULL, 10));
  if (to != NULL && g.n_samples < MAX_SAMPLES)
    g.latency_ms[g.n_samples++] = t - g_ascii_strtod (to + 8, NULL);
  g_mutex_unlock (&g.lock);
}

static int
client_cb (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  Client *c = user;

  switch (reason)
    {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      g_atomic_int_inc ((gint *) &g.connected);
      lws_callback_on_writable (wsi);
      break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
      if (!c->sent_view)
        {
          gsize n = strlen (c->view);
          guint8 *buf = g_malloc (LWS_PRE + n);
          memcpy (buf + LWS_PRE, c->view, n);
          lws_write (wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
          g_free (buf);
          c->sent_view = TRUE;
        }
      break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
      if (c->rx == NULL)
        c->rx = g_byte_array_new ();
      g_byte_array_append (c->rx, in, (guint) len);
      if (lws_is_final_fragment (wsi) && lws_remaining_packet_payload (wsi) == 0)
        {
          if (c->rx->len > 16 && memcmp (c->rx->data, "{\"type\":\"frame\"", 15) == 0)
            frame_seen ((const char *) c->rx->data, c->rx->len);
          g_byte_array_set_size (c->rx, 0);
        }
      break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    case LWS_CALLBACK_CLIENT_CLOSED:
      g_atomic_int_inc ((gint *) &g.closed);
      if (c != NULL && c->rx != NULL)
        g_clear_pointer (&c->rx, g_byte_array_unref);
      break;
    default:
      break;
    }
  return 0;
}

static const struct lws_protocols protocols[] = {
  { "actorscope", client_cb, sizeof (Client), 1 << 20, 0, NULL, 0 },
  { NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_extension extensions[] = {
  { "permessage-deflate", lws_extension_callback_pm_deflate,
    "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
  { NULL, NULL, NULL }
};

static gpointer
clients_thread (gpointer data)
{
  const char *const *views = data;
  struct lws_context_creation_info info = { 0 };
  struct lws_context *ctx;
  Client *clients = g_new0 (Client, g.n_clients);

  lws_set_log_level (LLL_ERR, NULL);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols;
  info.extensions = extensions;
  info.options = 0;
  ctx = lws_create_context (&info);
  for (guint i = 0; i < g.n_clients; i++)
    {
      struct lws_client_connect_info ci = { 0 };
      clients[i].view = views[i % 3];
      ci.context = ctx;
      ci.address = "127.0.0.1";
      ci.port = g.port;
      ci.path = "/live";
      ci.host = "127.0.0.1";
      ci.origin = NULL;
      ci.protocol = NULL;
      ci.local_protocol_name = "actorscope";
      ci.userdata = &clients[i];
      ci.pwsi = &clients[i].wsi;
      lws_client_connect_via_info (&ci);
    }
  while (!g_atomic_int_get (&g.stop))
    lws_service (ctx, 50);
  lws_context_destroy (ctx);
  for (guint i = 0; i < g.n_clients; i++)
    if (clients[i].rx != NULL)
      g_byte_array_unref (clients[i].rx);
  g_free (clients);
  return NULL;
}

static long
rss_kb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  p = strstr (text, "VmRSS:");
  return p != NULL ? strtol (p + 6, NULL, 10) : -1;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Reads "KEY ... PORT" lines from the server's stdout. */
static gboolean
read_ports (GDataInputStream *out, int *web_port, int *tcp_port)
{
  for (int i = 0; i < 10 && (*web_port == 0 || *tcp_port == 0); i++)
    {
      g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, NULL);
      const char *colon;
      if (line == NULL)
        return FALSE;
      colon = strrchr (line, ':');
      if (colon == NULL)
        continue;
      if (g_str_has_prefix (line, "producers: tcp://"))
        *tcp_port = atoi (colon + 1);
      else if (g_str_has_prefix (line, "listening on http://"))
        *web_port = atoi (colon + 1);
    }
  return *web_port > 0 && *tcp_port > 0;
}

int
main (int argc, char **argv)
{
  double rate = 200000, seconds = 60, window_s = 10;
  gint n_clients = 20;
  const GOptionEntry entries[] = {
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "events per second (200000)", "N" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "websocket clients (20)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "duration (60)", "S" },
    { "window", 0, 0, G_OPTION_ARG_DOUBLE, &window_s, "followed window of the views (10)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) octx = g_option_context_new ("ACTORSCOPE — load figures of actorscope serve");
  g_autoptr(GError) error = NULL;
  const char *spawn_argv[] = { NULL, "serve", "-p", "0", "--listen", "tcp://127.0.0.1:0", "-q", NULL };
  GPid pid;
  gint out_fd;
  g_autoptr(GInputStream) out_raw = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  int web_port = 0, tcp_port = 0;
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  GOutputStream *os;
  GThread *thread;
  char *views[3];
  guint64 sent = 0, id = 0;
  gint64 t_start, t_end, next_rss;
  long rss_first = -1, rss_last = -1;
  guint64 events_first = 0;
  GString *batch = g_string_sized_new (1 << 20);

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || argc < 2)
    {
      fprintf (stderr, "usage: bench-serve ACTORSCOPE [--rate N] [--clients N] [--seconds S]\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  spawn_argv[0] = argv[1];
  if (!g_spawn_async_with_pipes (NULL, (char **) spawn_argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                 &pid, NULL, &out_fd, NULL, &error))
    {
      fprintf (stderr, "bench-serve: %s\n", error->message);
      return 1;
    }
  out_raw = g_unix_input_stream_new (out_fd, TRUE);
  out = g_data_input_stream_new (out_raw);
  if (!read_ports (out, &web_port, &tcp_port))
    {
      fprintf (stderr, "bench-serve: the server did not print its ports\n");
      kill (pid, SIGKILL);
      return 1;
    }
  g.port = web_port;
  g.n_clients = (guint) n_clients;
  g.latency_ms = g_new (double, MAX_SAMPLES);
  g_mutex_init (&g.lock);
  views[0] = g_strdup_printf ("{\"v\":1,\"type\":\"view\",\"kind\":\"graph\",\"follow\":true,\"window_s\":%g,\"width\":1000,\"height\":700}", window_s);
  views[1] = g_strdup_printf ("{\"v\":1,\"type\":\"view\",\"kind\":\"timeline\",\"follow\":true,\"window_s\":%g,\"width\":1000}", window_s);
  views[2] = g_strdup_printf ("{\"v\":1,\"type\":\"view\",\"kind\":\"sequence\",\"follow\":true,\"window_s\":%g,\"width\":1000}", window_s);

  conn = g_socket_client_connect_to_host (sc, "127.0.0.1", (guint16) tcp_port, NULL, &error);
  if (conn == NULL)
    {
      fprintf (stderr, "bench-serve: %s\n", error->message);
      kill (pid, SIGKILL);
      return 1;
    }
  os = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_output_stream_write_all (os, "{\"actorscope\":1}\n", 17, NULL, NULL, NULL);
  thread = g_thread_new ("clients", clients_thread, views);

  printf ("actorscope serve: %g events/s of TCP NDJSON for %g s, %d /live clients "
          "(graph, timeline, sequence views of the last %g s)\n", rate, seconds, n_clients, window_s);
  printf ("%8s %12s %12s %10s %10s\n", "t (s)", "sent", "in store", "frames", "RSS (MiB)");
  t_start = g_get_monotonic_time ();
  t_end = t_start + (gint64) (seconds * G_USEC_PER_SEC);
  next_rss = t_start;
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      guint64 due = (guint64) ((double) (now - t_start) / G_USEC_PER_SEC * rate);
      if (now >= t_end)
        break;
      if (now >= next_rss)
        {
          long rss = rss_kb (pid);
          guint64 in_store, frames;
          g_mutex_lock (&g.lock);
          in_store = g.last_events;
          frames = g.frames;
          g_mutex_unlock (&g.lock);
          if (rss_first < 0 && now - t_start >= 5 * G_USEC_PER_SEC)
            {
              rss_first = rss;
              events_first = in_store;
            }
          rss_last = rss;
          printf ("%8.0f %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10.1f\n",
                  (double) (now - t_start) / G_USEC_PER_SEC, sent, in_store, frames, rss / 1024.0);
          fflush (stdout);
          next_rss += 5 * G_USEC_PER_SEC;
        }
      if (sent >= due)
        {
          g_usleep (2000);
          continue;
        }
      /* One batch: what is due now, at most 20 ms worth. Events are
       * send/receive/done triples between 64 senders and 16 workers, each
       * stamped with the wall clock (the latency reference). */
      g_string_truncate (batch, 0);
      {
        guint64 n = MIN (due - sent, (guint64) (rate / 50) + 1);
        gint64 ts = g_get_real_time () * 1000;
        for (guint64 k = 0; k < n; k++, sent++)
          {
            guint phase = (guint) (sent % 3);
            if (phase == 0)
              {
                id++;
                g_string_append_printf (batch, "{\"ts\":%" G_GINT64_FORMAT ",\"ev\":\"send\",\"from\":\"/user/client-%u\","
                                        "\"to\":\"/user/worker-%u\",\"id\":%" G_GUINT64_FORMAT ",\"label\":\"Job%u\"}\n",
                                        ts, (guint) (id % 64), (guint) (id % 16), id, (guint) (id % 5));
              }
            else
              g_string_append_printf (batch, "{\"ts\":%" G_GINT64_FORMAT ",\"ev\":\"%s\",\"actor\":\"/user/worker-%u\","
                                      "\"id\":%" G_GUINT64_FORMAT "}\n",
                                      ts, phase == 1 ? "receive" : "done", (guint) (id % 16), id);
          }
      }
      if (!g_output_stream_write_all (os, batch->str, batch->len, NULL, NULL, &error))
        {
          fprintf (stderr, "bench-serve: producer: %s\n", error->message);
          break;
        }
    }
  g_usleep (1000 * 1000);
  {
    double elapsed = (double) (g_get_monotonic_time () - t_start) / G_USEC_PER_SEC;
    long rss_end = rss_kb (pid);
    guint n;
    guint64 in_store;

    g_atomic_int_set (&g.stop, 1);
    g_thread_join (thread);
    g_mutex_lock (&g.lock);
    n = g.n_samples;
    in_store = g.last_events;
    qsort (g.latency_ms, n, sizeof (double), cmp_double);
    printf ("\nproducer wrote %" G_GUINT64_FORMAT " events (%.0f/s); the newest frame showed %"
            G_GUINT64_FORMAT " in the store (%.0f/s accepted)\n",
            sent, sent / (elapsed - 1), in_store, in_store / (elapsed - 1));
    printf ("clients: %u connected, %" G_GUINT64_FORMAT " frames (%.1f/s per client), %.1f MiB of frames\n",
            g.connected, g.frames, g.frames / (elapsed - 1) / MAX (1, g.connected), g.bytes / 1048576.0);
    if (n > 0)
      printf ("event-to-frame latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%u frames)\n",
              g.latency_ms[n / 2], g.latency_ms[MIN (n - 1, (guint) ceil (n * 0.99) - 1)], g.latency_ms[n - 1], n);
    if (rss_first > 0 && in_store > events_first)
      printf ("server RSS: %.1f MiB at 5 s, %.1f MiB at the end; %.0f bytes per event accepted in between\n",
              rss_first / 1024.0, rss_end / 1024.0,
              (double) (rss_end - rss_first) * 1024.0 / (double) (in_store - events_first));
    (void) rss_last;
    g_mutex_unlock (&g.lock);
  }
  {
    int status = 0;
    if (waitpid (pid, &status, WNOHANG) == pid)
      printf ("the server died during the run (%s %d)\n", WIFSIGNALED (status) ? "signal" : "exit status",
              WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
    else
      {
        kill (pid, SIGTERM);
        waitpid (pid, &status, 0);
      }
  }
  g_spawn_close_pid (pid);
  for (int i = 0; i < 3; i++)
    g_free (views[i]);
  g_free (g.latency_ms);
  g_string_free (batch, TRUE);
  return 0;
}
