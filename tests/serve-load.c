/* serve-load.c: shared parts of bench-serve and soak-serve (see the header). */
#include "config.h"

#include "serve-load.h"

#include <gio/gio.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Most stderr lines and client errors kept word for word (all are counted). */
#define MAX_KEPT_LINES 1000
/* A following client without a frame for this long is stalled. */
#define STALL_US (30 * G_USEC_PER_SEC)
/* Largest server message a client reassembles (frames are far smaller). */
#define MAX_RX_BYTES (64u << 20)
/* Housekeeping period of the client pool (joins, leaves, actions). */
#define TICK_US (50 * 1000)

/* ---- the server ---------------------------------------------------------- */

struct _ServeLoadServer {
  GPid pid;
  int web_port, tcp_port;
  gboolean reaped;
  int status;
  gboolean echo;
  FILE *out, *err;
  GThread *out_thread, *err_thread;
  GMutex lock;
  GPtrArray *err_lines;        /* char *, at most MAX_KEPT_LINES */
  guint n_err_lines;
};

static gpointer
drain_stdout (gpointer data)
{
  ServeLoadServer *s = data;
  char buf[4096];

  while (fgets (buf, sizeof buf, s->out) != NULL)
    ;
  return NULL;
}

static gpointer
read_stderr (gpointer data)
{
  ServeLoadServer *s = data;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;

  while ((n = getline (&line, &cap, s->err)) >= 0)
    {
      if (n > 0 && line[n - 1] == '\n')
        line[n - 1] = '\0';
      if (s->echo)
        fprintf (stderr, "[server] %s\n", line);
      g_mutex_lock (&s->lock);
      s->n_err_lines++;
      if (s->err_lines->len < MAX_KEPT_LINES)
        g_ptr_array_add (s->err_lines, g_strdup (line));
      g_mutex_unlock (&s->lock);
    }
  free (line);
  return NULL;
}

ServeLoadServer *
serve_load_server_start (const char *actorscope, const char *const *extra_args, gboolean echo,
                         GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  ServeLoadServer *s = g_new0 (ServeLoadServer, 1);
  g_auto(GStrv) envp = NULL;
  int out_fd, err_fd;
  char line[4096];

  g_ptr_array_add (argv, (gpointer) actorscope);
  for (const char *const *a = (const char *const[]) { "serve", "-p", "0", "--listen",
                                                       "tcp://127.0.0.1:0", "-q", NULL }; *a; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  for (const char *const *a = extra_args; a != NULL && *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  g_mutex_init (&s->lock);
  s->err_lines = g_ptr_array_new_with_free_func (g_free);
  s->echo = echo;
  s->status = -1;
  /* Under LeakSanitizer with suppressions, the server lists the ones it
   * used on stderr at exit: not a warning, so not asked for. */
  envp = g_get_environ ();
  {
    const char *lsan = g_getenv ("LSAN_OPTIONS");
    if (lsan != NULL && *lsan != '\0')
      {
        g_autofree char *opts = g_strconcat (lsan, ":print_suppressions=0", NULL);
        envp = g_environ_setenv (envp, "LSAN_OPTIONS", opts, TRUE);
      }
  }
  /* Memory only unless the caller passes --data-dir: a load run must not
   * resume (and grow) the user's state directory, whose history would be
   * read back at start and skew every figure. */
  envp = g_environ_setenv (envp, "ACTORSCOPE_DATA_DIR", "none", TRUE);
  if (!g_spawn_async_with_pipes (NULL, (char **) argv->pdata, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                 NULL, &s->pid, NULL, &out_fd, &err_fd, error))
    {
      g_ptr_array_unref (s->err_lines);
      g_free (s);
      return NULL;
    }
  s->out = fdopen (out_fd, "r");
  s->err = fdopen (err_fd, "r");
  s->err_thread = g_thread_new ("server-stderr", read_stderr, s);
  /* "listening on http://127.0.0.1:PORT/" and "producers: tcp://127.0.0.1:PORT" */
  while ((s->web_port == 0 || s->tcp_port == 0) && fgets (line, sizeof line, s->out) != NULL)
    {
      const char *colon = strrchr (line, ':');
      if (colon == NULL)
        continue;
      if (g_str_has_prefix (line, "producers: tcp://"))
        s->tcp_port = atoi (colon + 1);
      else if (g_str_has_prefix (line, "listening on http://"))
        s->web_port = atoi (colon + 1);
    }
  s->out_thread = g_thread_new ("server-stdout", drain_stdout, s);
  if (s->web_port <= 0 || s->tcp_port <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the server did not print its ports");
      serve_load_server_free (s);
      return NULL;
    }
  return s;
}

int
serve_load_server_get_web_port (ServeLoadServer *s)
{
  return s->web_port;
}

int
serve_load_server_get_tcp_port (ServeLoadServer *s)
{
  return s->tcp_port;
}

int
serve_load_server_get_pid (ServeLoadServer *s)
{
  return (int) s->pid;
}

static long
status_field_kb (const char *text, const char *key)
{
  const char *p = strstr (text, key);
  return p != NULL ? strtol (p + strlen (key), NULL, 10) : -1;
}

gboolean
serve_load_server_memory (ServeLoadServer *s, long *rss_kb, long *hwm_kb)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) s->pid);
  g_autofree char *text = NULL;

  if (s->reaped || !g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  if (rss_kb != NULL)
    *rss_kb = status_field_kb (text, "VmRSS:");
  if (hwm_kb != NULL)
    *hwm_kb = status_field_kb (text, "VmHWM:");
  return TRUE;
}

gboolean
serve_load_server_memory_parts (ServeLoadServer *s, ServeLoadMemoryParts *out)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps", (int) s->pid);
  g_autofree char *text = NULL;
  long *cur = NULL;

  memset (out, 0, sizeof *out);
  if (s->reaped || !g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  for (char *line = text, *next; line != NULL && *line != '\0'; line = next)
    {
      next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';
      unsigned long long lo, hi;
      char perms[8] = "", name[512] = "";
      unsigned long long off;
      char dev[16];
      unsigned long inode;
      int n = sscanf (line, "%llx-%llx %7s %llx %15s %lu %511s", &lo, &hi, perms, &off, dev, &inode, name);
      if (n >= 6)
        {
          unsigned long long kb = (hi - lo) / 1024;
          if (strcmp (name, "[heap]") == 0)
            cur = &out->heap;
          else if (strcmp (name, "[stack]") == 0 || (name[0] == '\0' && kb == 8192))
            cur = &out->stacks;
          else if (name[0] == '/')
            cur = &out->files;
          else if (name[0] == '\0' && lo % (64ull << 20) == 0)
            cur = &out->arenas;
          else
            cur = &out->big_blocks;
          continue;
        }
      if (cur != NULL && strncmp (line, "Rss:", 4) == 0)
        *cur += strtol (line + 4, NULL, 10);
    }
  return TRUE;
}

gboolean
serve_load_server_alive (ServeLoadServer *s)
{
  if (!s->reaped && waitpid (s->pid, &s->status, WNOHANG) == s->pid)
    s->reaped = TRUE;
  return !s->reaped;
}

guint
serve_load_server_n_stderr (ServeLoadServer *s)
{
  guint n;
  g_mutex_lock (&s->lock);
  n = s->n_err_lines;
  g_mutex_unlock (&s->lock);
  return n;
}

char **
serve_load_server_dup_stderr (ServeLoadServer *s)
{
  GStrvBuilder *b = g_strv_builder_new ();
  char **v;

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->err_lines->len; i++)
    g_strv_builder_add (b, s->err_lines->pdata[i]);
  g_mutex_unlock (&s->lock);
  v = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return v;
}

int
serve_load_server_stop (ServeLoadServer *s, double timeout_s)
{
  if (serve_load_server_alive (s))
    {
      gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
      kill (s->pid, SIGTERM);
      while (serve_load_server_alive (s) && g_get_monotonic_time () < deadline)
        g_usleep (20 * 1000);
      if (!s->reaped)
        {
          kill (s->pid, SIGKILL);
          if (waitpid (s->pid, &s->status, 0) == s->pid)
            s->reaped = TRUE;
        }
    }
  g_clear_pointer (&s->out_thread, g_thread_join);
  g_clear_pointer (&s->err_thread, g_thread_join);
  return s->reaped ? s->status : -1;
}

void
serve_load_server_free (ServeLoadServer *s)
{
  if (s == NULL)
    return;
  serve_load_server_stop (s, 10);
  g_spawn_close_pid (s->pid);
  if (s->out != NULL)
    fclose (s->out);
  if (s->err != NULL)
    fclose (s->err);
  g_ptr_array_unref (s->err_lines);
  g_mutex_clear (&s->lock);
  g_free (s);
}

/* ---- the producer -------------------------------------------------------- */

struct _ServeLoadProducer {
  GSocketClient *client;
  GSocketConnection *conn;
  GOutputStream *os;
  GString *batch;
  double rate;
  guint64 sent, id;
  gint64 t_start;
};

ServeLoadProducer *
serve_load_producer_new (int tcp_port, double rate, GError **error)
{
  ServeLoadProducer *p = g_new0 (ServeLoadProducer, 1);

  p->client = g_socket_client_new ();
  p->conn = g_socket_client_connect_to_host (p->client, "127.0.0.1", (guint16) tcp_port, NULL, error);
  p->batch = g_string_sized_new (1 << 20);
  p->rate = rate;
  if (p->conn == NULL ||
      !g_output_stream_write_all (p->os = g_io_stream_get_output_stream (G_IO_STREAM (p->conn)),
                                  "{\"actorscope\":1}\n", 17, NULL, NULL, error))
    {
      serve_load_producer_free (p);
      return NULL;
    }
  return p;
}

gboolean
serve_load_producer_step (ServeLoadProducer *p, gboolean *wrote, GError **error)
{
  gint64 now = g_get_monotonic_time ();
  guint64 due, n;
  gint64 ts;

  if (p->t_start == 0)
    p->t_start = now;
  due = (guint64) ((double) (now - p->t_start) / G_USEC_PER_SEC * p->rate);
  *wrote = p->sent < due;
  if (!*wrote)
    return TRUE;
  /* One batch: what is due now, at most 20 ms worth. */
  g_string_truncate (p->batch, 0);
  n = MIN (due - p->sent, (guint64) (p->rate / 50) + 1);
  ts = g_get_real_time () * 1000;
  for (guint64 k = 0; k < n; k++, p->sent++)
    {
      guint phase = (guint) (p->sent % 3);
      if (phase == 0)
        {
          p->id++;
          g_string_append_printf (p->batch, "{\"ts\":%" G_GINT64_FORMAT ",\"ev\":\"send\",\"from\":\"/user/client-%u\","
                                  "\"to\":\"/user/worker-%u\",\"id\":%" G_GUINT64_FORMAT ",\"label\":\"Job%u\"}\n",
                                  ts, (guint) (p->id % 64), (guint) (p->id % 16), p->id, (guint) (p->id % 5));
        }
      else
        g_string_append_printf (p->batch, "{\"ts\":%" G_GINT64_FORMAT ",\"ev\":\"%s\",\"actor\":\"/user/worker-%u\","
                                "\"id\":%" G_GUINT64_FORMAT "}\n",
                                ts, phase == 1 ? "receive" : "done", (guint) (p->id % 16), p->id);
    }
  return g_output_stream_write_all (p->os, p->batch->str, p->batch->len, NULL, NULL, error);
}

guint64
serve_load_producer_get_sent (ServeLoadProducer *p)
{
  return p->sent;
}

void
serve_load_producer_free (ServeLoadProducer *p)
{
  if (p == NULL)
    return;
  if (p->conn != NULL)
    g_io_stream_close (G_IO_STREAM (p->conn), NULL, NULL);
  g_clear_object (&p->conn);
  g_clear_object (&p->client);
  g_string_free (p->batch, TRUE);
  g_free (p);
}

/* ---- latency samples ------------------------------------------------------ */

void
serve_load_latency_init (ServeLoadLatency *lat)
{
  lat->ms = g_array_new (FALSE, FALSE, sizeof (double));
  lat->dropped = 0;
}

void
serve_load_latency_clear (ServeLoadLatency *lat)
{
  g_clear_pointer (&lat->ms, g_array_unref);
}

void
serve_load_latency_add (ServeLoadLatency *lat, double ms)
{
  if (lat->ms->len < SERVE_LOAD_MAX_SAMPLES)
    g_array_append_val (lat->ms, ms);
  else
    lat->dropped++;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

gboolean
serve_load_latency_percentiles (ServeLoadLatency *lat, double *p50, double *p90, double *p99, double *max)
{
  guint n = lat->ms->len;
  double *v = (double *) (void *) lat->ms->data;

  if (n == 0)
    return FALSE;
  qsort (v, n, sizeof (double), cmp_double);
  /* nearest-rank percentiles */
  *p50 = v[MIN (n - 1, (guint) ceil (n * 0.50) - 1)];
  *p90 = v[MIN (n - 1, (guint) ceil (n * 0.90) - 1)];
  *p99 = v[MIN (n - 1, (guint) ceil (n * 0.99) - 1)];
  *max = v[n - 1];
  return TRUE;
}

/* ---- /live clients ---------------------------------------------------------- */

typedef enum {
  CLIENT_STEADY,               /* reads at full speed */
  CLIENT_SLOW,                 /* stops reading for seconds at a time */
} ClientKind;

typedef struct {
  ServeLoadClients *pool;
  guint serial;
  guint slot;
  ClientKind kind;
  gboolean abrupt;             /* leaves by shutting its socket down */
  struct lws *wsi;
  GByteArray *rx;
  char *pending;               /* next message to send */
  gboolean established, leaving, we_closed, detached;
  gboolean following;          /* a follow view, not paused */
  guint skip_latency;          /* frames to leave out after a change */
  gint64 leave_at, next_action_at, progress_at;
  gint64 stall_until, next_stall_at; /* slow readers */
  guint64 frames;
} Client;

struct _ServeLoadClients {
  ServeLoadClientsConfig cfg;
  GThread *thread;
  gint stop;
  gint expect_frames;
  GRand *rand;
  struct lws_context *ctx;
  lws_sorted_usec_list_t tick;
  Client **slots;
  gint64 *rejoin_at;
  GHashTable *alive;           /* Client * → itself (owned) */
  guint serial;
  gint64 last_tick;
  GMutex lock;                 /* guards what follows */
  ServeLoadClientsStats stats;
  ServeLoadLatency latency;
  ServeLoadLatency sizes;      /* frame sizes in bytes */
  guint64 *slot_frames;        /* per slot */
  GPtrArray *errors;
};

static void
pool_error (ServeLoadClients *pool, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
pool_error (ServeLoadClients *pool, const char *format, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_mutex_lock (&pool->lock);
  pool->stats.errors++;
  if (pool->errors->len < MAX_KEPT_LINES)
    g_ptr_array_add (pool->errors, msg);
  else
    g_free (msg);
  g_mutex_unlock (&pool->lock);
}

static const char *const kinds[] = { "graph", "timeline", "sequence" };

static char *
fixed_view (ServeLoadClients *pool, guint i)
{
  const char *extra = i % 3 == 0 ? ",\"height\":700" : "";
  return g_strdup_printf ("{\"v\":1,\"type\":\"view\",\"kind\":\"%s\",\"follow\":true,\"window_s\":%g,"
                          "\"width\":1000%s}", kinds[i % 3], pool->cfg.window_s, extra);
}

/* Twenty views that share no rendering and little view data: every kind,
 * windows of 1 to 30 s, actor and label filters, groups, sizes, themes. */
static char *
distinct_view (ServeLoadClients *pool, guint i)
{
  static const double windows[] = { 1, 5, 10, 30 };
  static const char *const filters[] = {
    "null", "\"/user/worker-1*\"", "null", "\"/client-[0-9]$/\"", "null",
  };
  static const char *const groups[] = {
    "null", "null", "[\"/user/client-*\"]", "null", "[\"/user/worker-*\",\"/user/client-1*\"]",
  };
  (void) pool;
  i %= SERVE_LOAD_DISTINCT_VIEWS;
  return g_strdup_printf ("{\"v\":1,\"type\":\"view\",\"kind\":\"%s\",\"follow\":true,\"window_s\":%g,"
                          "\"width\":%u,\"height\":%u,\"filter\":%s,\"label_filter\":%s,\"groups\":%s,"
                          "\"theme\":\"%s\"}",
                          kinds[i % 3], windows[i % G_N_ELEMENTS (windows)], 900 + 20 * i, 600 + 10 * i,
                          filters[i % G_N_ELEMENTS (filters)], i % 7 == 6 ? "\"Job[0-2]\"" : "null",
                          groups[(i / 2) % G_N_ELEMENTS (groups)], i % 2 ? "dark" : "light");
}

static char *
random_view (ServeLoadClients *pool)
{
  static const double windows[] = { 1, 5, 10, 30, 60 };
  static const char *const filters[] = {
    "null", "null", "null", "\"/user/worker-1*\"", "\"/client-[0-9]$/\"",
  };
  static const char *const groups[] = { "null", "null", "[\"/user/client-*\"]", "[\"/user/worker-*\",\"/user/client-1*\"]" };
  GRand *r = pool->rand;

  return g_strdup_printf ("{\"v\":1,\"type\":\"view\",\"kind\":\"%s\",\"follow\":true,\"window_s\":%g,"
                          "\"width\":%d,\"height\":%d,\"filter\":%s,\"label_filter\":%s,\"groups\":%s,"
                          "\"theme\":\"%s\",\"zoom\":%g}",
                          kinds[g_rand_int_range (r, 0, 3)], windows[g_rand_int_range (r, 0, G_N_ELEMENTS (windows))],
                          g_rand_int_range (r, 300, 2000), g_rand_int_range (r, 200, 1400),
                          filters[g_rand_int_range (r, 0, G_N_ELEMENTS (filters))],
                          g_rand_boolean (r) ? "null" : "\"Job[0-2]\"",
                          groups[g_rand_int_range (r, 0, G_N_ELEMENTS (groups))],
                          g_rand_boolean (r) ? "dark" : "light", g_rand_double_range (r, 0.5, 3));
}

static void
client_send (Client *c, char *msg)
{
  g_free (c->pending);
  c->pending = msg;
  lws_callback_on_writable (c->wsi);
}

static gint64
random_us (ServeLoadClients *pool, double mean_s)
{
  /* exponential, capped at 4 means */
  double u = g_rand_double_range (pool->rand, 1e-6, 1.0);
  return (gint64) (MIN (-log (u), 4.0) * mean_s * G_USEC_PER_SEC);
}

/* "to_ms" of the frame's "window" object and its "events" (no full JSON
 * parse: frames are large and arrive hundreds of times a second). */
static void
frame_scan (const char *text, gsize len, double *to_ms, guint64 *events)
{
  const char *w = g_strstr_len (text, (gssize) MIN (len, 4096), "\"window\":{");
  const char *to = w != NULL ? g_strstr_len (w, 200, "\"to_ms\":") : NULL;
  const char *ev = g_strstr_len (text, (gssize) MIN (len, 256), "\"events\":");

  *to_ms = to != NULL ? g_ascii_strtod (to + 8, NULL) : NAN;
  *events = ev != NULL ? g_ascii_strtoull (ev + 9, NULL, 10) : 0;
}

/* A whole frame, checked as a browser would read it. */
static void
frame_validate (Client *c, const char *text, gsize len)
{
  ServeLoadClients *pool = c->pool;
  json_error_t jerr;
  json_t *root = json_loadb (text, len, 0, &jerr);
  json_t *svg, *counters, *skipped;

  if (root == NULL)
    {
      pool_error (pool, "client %u: a frame is not JSON: %s (line %d, column %d)", c->serial, jerr.text,
                  jerr.line, jerr.column);
      return;
    }
  svg = json_object_get (root, "svg");
  counters = json_object_get (root, "counters");
  skipped = json_object_get (counters, "skipped");
  if (!json_is_integer (json_object_get (root, "events")) || !json_is_string (svg) ||
      !g_str_has_prefix (json_string_value (svg), "<svg") || !json_is_object (json_object_get (root, "view")) ||
      !json_is_object (json_object_get (root, "window")) || !json_is_integer (skipped))
    pool_error (pool, "client %u: a frame lacks events, svg, view, window or counters.skipped", c->serial);
  else
    {
      g_mutex_lock (&pool->lock);
      pool->stats.skipped = MAX (pool->stats.skipped, (guint64) json_integer_value (skipped));
      g_mutex_unlock (&pool->lock);
    }
  json_decref (root);
}

static void
client_message (Client *c, const char *text, gsize len)
{
  ServeLoadClients *pool = c->pool;
  gint64 now = g_get_monotonic_time ();

  gboolean is_update = len > 17 && memcmp (text, "{\"type\":\"update\"", 16) == 0;
  if (is_update || (len > 16 && memcmp (text, "{\"type\":\"frame\"", 15) == 0))
    {
      double to_ms;
      guint64 events;
      frame_scan (text, len, &to_ms, &events);
      c->frames++;
      c->progress_at = now;
      if (!is_update && pool->cfg.validate_every > 0
          && (c->frames == 1 || c->frames % pool->cfg.validate_every == 0))
        frame_validate (c, text, len);
      g_mutex_lock (&pool->lock);
      pool->stats.frames++;
      pool->stats.following_frames += c->following && c->stall_until == 0;
      pool->stats.updates += is_update;
      pool->stats.bytes += len;
      if (!pool->cfg.churn && c->slot < pool->cfg.clients)
        pool->slot_frames[c->slot]++;
      serve_load_latency_add (&pool->sizes, (double) len);
      pool->stats.events = MAX (pool->stats.events, events);
      /* A frame of a view with no data yet (window 0..0) has no newest
       * event to measure from. */
      if (c->kind == CLIENT_STEADY && c->following && c->skip_latency == 0 && isfinite (to_ms) && to_ms > 0)
        serve_load_latency_add (&pool->latency, (double) g_get_real_time () / 1000.0 - to_ms);
      g_mutex_unlock (&pool->lock);
      if (c->skip_latency > 0)
        c->skip_latency--;
      return;
    }
  /* small messages: hello, pong, details, error */
  {
    json_t *root = json_loadb (text, len, 0, NULL);
    const char *type = json_string_value (json_object_get (root, "type"));
    if (type == NULL)
      pool_error (pool, "client %u: a message without a type: %.200s", c->serial, text);
    else if (strcmp (type, "error") == 0)
      pool_error (pool, "client %u: error reply: %s: %s", c->serial,
                  json_string_value (json_object_get (root, "code")),
                  json_string_value (json_object_get (root, "message")));
    else if (strcmp (type, "hello") != 0 && strcmp (type, "pong") != 0)
      pool_error (pool, "client %u: unexpected %s message", c->serial, type);
    json_decref (root);
  }
}

static void
client_detach (Client *c)
{
  ServeLoadClients *pool = c->pool;
  if (c->detached)
    return;
  c->detached = TRUE;
  if (pool->slots[c->slot] == c)
    {
      pool->slots[c->slot] = NULL;
      pool->rejoin_at[c->slot] = g_get_monotonic_time ()
                                 + (pool->cfg.churn ? random_us (pool, 1.0) : G_MAXINT64 / 2);
    }
}

static int
client_cb (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  Client *c = user;
  ServeLoadClients *pool;

  /* every callback of interest concerns one of our connections */
  if (c == NULL)
    return 0;
  pool = c->pool;
  switch (reason)
    {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      c->established = TRUE;
      c->progress_at = g_get_monotonic_time ();
      g_mutex_lock (&pool->lock);
      pool->stats.joins++;
      pool->stats.connected_now++;
      g_mutex_unlock (&pool->lock);
      c->following = TRUE;
      client_send (c, pool->cfg.churn ? random_view (pool)
                      : pool->cfg.distinct_views ? distinct_view (pool, c->slot)
                      : fixed_view (pool, c->slot));
      break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
      if (c->leaving)
        {
          lws_close_reason (wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *) "bye", 3);
          return -1;
        }
      /* an abrupt leave shut the socket down after this turn was asked for */
      if (c->we_closed)
        return 0;
      if (c->pending != NULL)
        {
          gsize n = strlen (c->pending);
          guint8 *buf = g_malloc (LWS_PRE + n);
          memcpy (buf + LWS_PRE, c->pending, n);
          if (lws_write (wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int) n)
            pool_error (pool, "client %u: a write failed", c->serial);
          g_free (buf);
          g_clear_pointer (&c->pending, g_free);
        }
      break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
      if (c->rx == NULL)
        c->rx = g_byte_array_new ();
      if (c->rx->len + len > MAX_RX_BYTES)
        {
          pool_error (pool, "client %u: a server message exceeds %u bytes", c->serial, MAX_RX_BYTES);
          g_byte_array_set_size (c->rx, 0);
          break;
        }
      g_byte_array_append (c->rx, in, (guint) len);
      if (lws_is_final_fragment (wsi) && lws_remaining_packet_payload (wsi) == 0)
        {
          client_message (c, (const char *) c->rx->data, c->rx->len);
          g_byte_array_set_size (c->rx, 0);
        }
      break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
      if (!g_atomic_int_get (&pool->stop))
        {
          guint16 code = len >= 2 ? (guint16) (((const guint8 *) in)[0] << 8 | ((const guint8 *) in)[1]) : 0;
          pool_error (pool, "client %u: the server closed the connection (status %u: %.*s)", c->serial, code,
                      (int) (len > 2 ? MIN (len - 2, 123) : 0), len > 2 ? (const char *) in + 2 : "");
          c->we_closed = TRUE;   /* reported here, not again on CLOSED */
        }
      break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      if (c != NULL)
        {
          if (!g_atomic_int_get (&pool->stop))
            pool_error (pool, "client %u: connection failed: %s", c->serial, in != NULL ? (const char *) in : "?");
          client_detach (c);
        }
      break;
    case LWS_CALLBACK_CLIENT_CLOSED:
      if (c != NULL)
        {
          if (!c->we_closed && !g_atomic_int_get (&pool->stop))
            pool_error (pool, "client %u: the connection closed without being asked to", c->serial);
          g_mutex_lock (&pool->lock);
          if (c->established)
            pool->stats.connected_now--;
          g_mutex_unlock (&pool->lock);
          c->established = FALSE;
          client_detach (c);
        }
      break;
    case LWS_CALLBACK_WSI_DESTROY:
      if (g_hash_table_contains (pool->alive, c))
        {
          client_detach (c);
          g_hash_table_remove (pool->alive, c);
        }
      break;
    default:
      break;
    }
  return 0;
}

static void
client_free (gpointer data)
{
  Client *c = data;
  if (c->rx != NULL)
    g_byte_array_unref (c->rx);
  g_free (c->pending);
  g_free (c);
}

static const struct lws_protocols protocols[] = {
  { "actorscope", client_cb, 0, 1 << 20, 0, NULL, 0 },
  { NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_extension extensions[] = {
  { "permessage-deflate", lws_extension_callback_pm_deflate,
    "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
  { NULL, NULL, NULL }
};

static void
client_join (ServeLoadClients *pool, guint slot)
{
  struct lws_client_connect_info ci = { 0 };
  Client *c = g_new0 (Client, 1);
  gint64 now = g_get_monotonic_time ();
  GRand *r = pool->rand;

  c->pool = pool;
  c->serial = ++pool->serial;
  c->slot = slot;
  c->leave_at = G_MAXINT64;
  c->next_action_at = G_MAXINT64;
  c->next_stall_at = G_MAXINT64;
  if (pool->cfg.churn)
    {
      double roll = g_rand_double (r);
      c->kind = roll < 0.2 ? CLIENT_SLOW : CLIENT_STEADY;
      c->abrupt = g_rand_double (r) < 0.3;
      c->leave_at = now + random_us (pool, pool->cfg.mean_life_s);
      c->next_action_at = now + random_us (pool, 4.0);
      if (c->kind == CLIENT_SLOW)
        c->next_stall_at = now + random_us (pool, 2.0);
    }
  g_hash_table_add (pool->alive, c);
  pool->slots[slot] = c;
  ci.context = pool->ctx;
  ci.address = "127.0.0.1";
  ci.port = pool->cfg.port;
  ci.path = pool->cfg.updates ? "/live?updates=1" : "/live";
  ci.host = "127.0.0.1";
  ci.local_protocol_name = "actorscope";
  ci.userdata = c;
  ci.pwsi = &c->wsi;
  if (lws_client_connect_via_info (&ci) == NULL)
    {
      /* it may have reported a connection error (and been destroyed) already */
      if (g_hash_table_contains (pool->alive, c))
        {
          pool_error (pool, "client %u: lws could not start the connection", c->serial);
          client_detach (c);
          g_hash_table_remove (pool->alive, c);
        }
    }
}

/* Every TICK_US in the service thread: leaves, joins, actions, stalls. */
static void
pool_tick (lws_sorted_usec_list_t *sul)
{
  /* lws_container_of casts from char *, which -Wcast-align rejects; the
   * same arithmetic through void * (the result is a ServeLoadClients). */
  ServeLoadClients *pool = (ServeLoadClients *) (void *)
    ((char *) sul - G_STRUCT_OFFSET (ServeLoadClients, tick));
  gint64 now = g_get_monotonic_time ();
  GRand *r = pool->rand;
  guint connected = 0, following = 0;

  for (guint i = 0; i < pool->cfg.clients; i++)
    {
      Client *c = pool->slots[i];
      if (c == NULL)
        {
          if (now >= pool->rejoin_at[i])
            client_join (pool, i);
          continue;
        }
      if (!c->established || c->leaving || c->we_closed)
        continue;
      connected++;
      if (now >= c->leave_at)
        {
          c->we_closed = TRUE;
          g_mutex_lock (&pool->lock);
          if (c->abrupt)
            pool->stats.abrupt_leaves++;
          else
            pool->stats.polite_leaves++;
          g_mutex_unlock (&pool->lock);
          if (c->abrupt)
            /* no close frame, possibly in the middle of a frame */
            shutdown (lws_get_socket_fd (c->wsi), SHUT_RDWR);
          else
            {
              c->leaving = TRUE;
              lws_rx_flow_control (c->wsi, 1);
              lws_callback_on_writable (c->wsi);
            }
          continue;
        }
      if (c->kind == CLIENT_SLOW)
        {
          if (c->stall_until != 0 && now >= c->stall_until)
            {
              c->stall_until = 0;
              c->progress_at = now;
              c->next_stall_at = now + random_us (pool, 2.0);
              lws_rx_flow_control (c->wsi, 1);
            }
          else if (c->stall_until == 0 && now >= c->next_stall_at)
            {
              c->stall_until = now + (gint64) (g_rand_double_range (r, 1.0, 6.0) * G_USEC_PER_SEC);
              lws_rx_flow_control (c->wsi, 0);
            }
        }
      if (now >= c->next_action_at && c->pending == NULL)
        {
          int what = g_rand_int_range (r, 0, 10);
          c->next_action_at = now + random_us (pool, 4.0);
          if (what < 4)
            {
              c->following = TRUE;
              c->skip_latency = 1;
              client_send (c, random_view (pool));
            }
          else if (what < 6)
            client_send (c, g_strdup ("{\"v\":1,\"type\":\"ping\"}"));
          else if (what < 8 && c->following)
            {
              c->following = FALSE;
              client_send (c, g_strdup ("{\"v\":1,\"type\":\"pause\"}"));
            }
          else if (!c->following)
            {
              c->following = TRUE;
              c->skip_latency = 1;
              c->progress_at = now;
              client_send (c, g_strdup ("{\"v\":1,\"type\":\"live\"}"));
            }
        }
      following += c->following && c->stall_until == 0;
      if (c->following && c->stall_until == 0 && g_atomic_int_get (&pool->expect_frames)
          && now - c->progress_at > STALL_US)
        {
          pool_error (pool, "client %u: no frame for %.0f s (%" G_GUINT64_FORMAT " frames before)", c->serial,
                      (double) (now - c->progress_at) / G_USEC_PER_SEC, c->frames);
          c->progress_at = now;
        }
      if (!g_atomic_int_get (&pool->expect_frames))
        c->progress_at = now;
    }
  g_mutex_lock (&pool->lock);
  if (pool->last_tick != 0)
    {
      pool->stats.client_seconds += connected * (double) (now - pool->last_tick) / G_USEC_PER_SEC;
      pool->stats.following_seconds += following * (double) (now - pool->last_tick) / G_USEC_PER_SEC;
    }
  g_mutex_unlock (&pool->lock);
  pool->last_tick = now;
  if (!g_atomic_int_get (&pool->stop))
    lws_sul_schedule (pool->ctx, 0, &pool->tick, pool_tick, TICK_US);
}

static gpointer
pool_thread (gpointer data)
{
  ServeLoadClients *pool = data;

  for (guint i = 0; i < pool->cfg.clients; i++)
    client_join (pool, i);
  lws_sul_schedule (pool->ctx, 0, &pool->tick, pool_tick, TICK_US);
  while (!g_atomic_int_get (&pool->stop))
    lws_service (pool->ctx, 0);
  lws_sul_schedule (pool->ctx, 0, &pool->tick, NULL, LWS_SET_TIMER_USEC_CANCEL);
  /* closes every connection (CLOSED + WSI_DESTROY free the clients) */
  lws_context_destroy (pool->ctx);
  pool->ctx = NULL;
  return NULL;
}

ServeLoadClients *
serve_load_clients_start (const ServeLoadClientsConfig *config)
{
  ServeLoadClients *pool = g_new0 (ServeLoadClients, 1);
  struct lws_context_creation_info info = { 0 };

  pool->cfg = *config;
  pool->rand = g_rand_new_with_seed (config->seed);
  pool->slots = g_new0 (Client *, config->clients);
  pool->rejoin_at = g_new0 (gint64, config->clients);
  pool->alive = g_hash_table_new_full (NULL, NULL, client_free, NULL);
  pool->errors = g_ptr_array_new_with_free_func (g_free);
  pool->expect_frames = TRUE;
  serve_load_latency_init (&pool->latency);
  serve_load_latency_init (&pool->sizes);
  pool->slot_frames = g_new0 (guint64, MAX (config->clients, 1));
  g_mutex_init (&pool->lock);
  lws_set_log_level (LLL_ERR, NULL);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols;
  info.extensions = extensions;
  info.user = pool;
  pool->ctx = lws_create_context (&info);
  g_assert (pool->ctx != NULL);
  pool->thread = g_thread_new ("clients", pool_thread, pool);
  return pool;
}

void
serve_load_clients_expect_frames (ServeLoadClients *pool, gboolean expect)
{
  g_atomic_int_set (&pool->expect_frames, expect);
}

void
serve_load_clients_get_stats (ServeLoadClients *pool, ServeLoadClientsStats *stats)
{
  g_mutex_lock (&pool->lock);
  *stats = pool->stats;
  g_mutex_unlock (&pool->lock);
}

void
serve_load_clients_take_latency (ServeLoadClients *pool, ServeLoadLatency *interval, ServeLoadLatency *total)
{
  g_mutex_lock (&pool->lock);
  for (guint i = 0; i < pool->latency.ms->len; i++)
    {
      double ms = g_array_index (pool->latency.ms, double, i);
      if (interval != NULL)
        serve_load_latency_add (interval, ms);
      if (total != NULL)
        serve_load_latency_add (total, ms);
    }
  g_array_set_size (pool->latency.ms, 0);
  g_mutex_unlock (&pool->lock);
}

void
serve_load_clients_get_slot_frames (ServeLoadClients *pool, guint64 *counts, guint n)
{
  g_mutex_lock (&pool->lock);
  for (guint i = 0; i < n; i++)
    counts[i] = i < pool->cfg.clients ? pool->slot_frames[i] : 0;
  g_mutex_unlock (&pool->lock);
}

void
serve_load_clients_take_sizes (ServeLoadClients *pool, ServeLoadLatency *sizes)
{
  g_mutex_lock (&pool->lock);
  for (guint i = 0; i < pool->sizes.ms->len; i++)
    serve_load_latency_add (sizes, g_array_index (pool->sizes.ms, double, i));
  g_array_set_size (pool->sizes.ms, 0);
  g_mutex_unlock (&pool->lock);
}

char **
serve_load_clients_dup_errors (ServeLoadClients *pool)
{
  GStrvBuilder *b = g_strv_builder_new ();
  char **v;

  g_mutex_lock (&pool->lock);
  for (guint i = 0; i < pool->errors->len; i++)
    g_strv_builder_add (b, pool->errors->pdata[i]);
  g_mutex_unlock (&pool->lock);
  v = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return v;
}

void
serve_load_clients_stop (ServeLoadClients *pool)
{
  if (pool == NULL)
    return;
  /* the pool's tick (every 50 ms) wakes the service loop to see it */
  g_atomic_int_set (&pool->stop, 1);
  g_thread_join (pool->thread);
  g_hash_table_unref (pool->alive);
  g_free (pool->slots);
  g_free (pool->rejoin_at);
  g_ptr_array_unref (pool->errors);
  serve_load_latency_clear (&pool->latency);
  serve_load_latency_clear (&pool->sizes);
  g_free (pool->slot_frames);
  g_rand_free (pool->rand);
  g_mutex_clear (&pool->lock);
  g_free (pool);
}
