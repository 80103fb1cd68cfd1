/* test-fault-mswitch.c: every fault of the message-switch client
 * (ingest-source-mswitch) is a test: broker down at start, killed mid-poll,
 * restarted while unreachable, ring wrapped, slow and partial answers, a
 * poll that never ends, malformed answers and hostile payloads; the client
 * keeps going, backs off, and reports each gap (notes, IngestMswitchStats,
 * store counters). Then the pure HTTP answer parser on each byte pattern,
 * and the real `actorscope serve --mswitch` against a broker killed and
 * restarted under it.
 *
 * The fake broker (TCP on 127.0.0.1, so a connection can be reset) has the
 * real /trace semantics (shared/formats/message-switch.md) and a script:
 * each new connection takes the next act from a queue (answer normally,
 * reset while blocked, half an answer, dribble, short body, hang, raw bytes).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <gio/gio.h>

#include "ingest-parser.h"
#include "ingest-source-mswitch.h"
#include "ingest-store.h"
#include "test-util.h"

typedef enum {
  ACT_NORMAL,
  ACT_RESET,      /* wait until the poll has blocked a while, then RST */
  ACT_HALF,       /* headers and half the body of the real answer, close */
  ACT_DRIBBLE,    /* the real answer, 3 bytes at a time with pauses */
  ACT_SHORT,      /* Content-Length larger than the body sent, close */
  ACT_HANG,       /* read the request, never answer */
  ACT_RAW,        /* send raw bytes, close */
} ActKind;

typedef struct {
  ActKind kind;
  GBytes *raw;
} Act;

typedef struct {
  GSocketService *service;
  guint16 port;
  guint ring_size;
  GMutex lock;
  GCond cond;
  GQueue ring;               /* GBytes "[id,{...}]" */
  gint64 next_id;
  guint blocked;
  guint64 added;
  guint64 connections;
  gint64 last_from;
  GQueue acts;               /* Act* */
  gboolean stopping;
  guint running;             /* connection threads alive */
} Broker;

static const char *cli_path;

/* ---- the fake broker ---- */

static GBytes *
broker_body (Broker *b, gint64 from, guint64 n_new)
{
  GByteArray *body = g_byte_array_new ();
  gint64 id = b->next_id - (gint64) b->ring.length;
  gboolean first = TRUE;
  gboolean any = b->ring.length > 0 && b->next_id - 1 >= from;
  gint64 first_new = b->next_id - (gint64) MIN (n_new, b->ring.length);

  g_byte_array_append (body, (const guint8 *) "{\"events\":[", 11);
  for (GList *l = b->ring.head; l != NULL; l = l->next, id++)
    {
      gsize len;
      const guint8 *d;
      if (any ? id < from : id < first_new)
        continue;
      if (!first)
        g_byte_array_append (body, (const guint8 *) ",", 1);
      d = g_bytes_get_data (l->data, &len);
      g_byte_array_append (body, d, (guint) len);
      first = FALSE;
    }
  g_byte_array_append (body, (const guint8 *) "]}", 2);
  return g_byte_array_free_to_bytes (body);
}

static GBytes *
http_answer (GBytes *body)
{
  gsize len;
  const char *d = g_bytes_get_data (body, &len);
  GString *s = g_string_new (NULL);
  g_string_printf (s, "HTTP/1.1 200 OK\r\ncontent-length: %zu\r\n\r\n", len);
  g_string_append_len (s, d, (gssize) len);
  return g_string_free_to_bytes (s);
}

static void
send_bytes (GOutputStream *out, const void *data, gsize len)
{
  g_output_stream_write_all (out, data, len, NULL, NULL, NULL);
}

/* Blocks like the real broker until an event >= from (or a new one) is
 * there, the timeout passes or the broker stops. Lock held. */
static void
broker_wait (Broker *b, gint64 from, double timeout, guint64 *start)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);
  *start = b->added;
  b->blocked++;
  g_cond_broadcast (&b->cond);
  while (!(b->ring.length > 0 && b->next_id - 1 >= from) && b->added == *start && !b->stopping)
    if (!g_cond_wait_until (&b->cond, &b->lock, deadline))
      break;
  b->blocked--;
}

static gboolean
broker_run (GThreadedSocketService *service, GSocketConnection *conn, GObject *src,
            gpointer data)
{
  Broker *b = data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  char req[1024] = { 0 };
  gsize got = 0;
  gint64 from = -1;
  double timeout = 5;
  Act *act;
  guint64 start;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  gsize alen;
  const char *a;

  while (got < sizeof req - 1 && strstr (req, "\r\n\r\n") == NULL)
    {
      gssize n = g_input_stream_read (in, req + got, sizeof req - 1 - got, NULL, NULL);
      if (n <= 0)
        return TRUE;
      got += (gsize) n;
    }
  if (sscanf (req, "GET /trace/%" G_GINT64_FORMAT "/%lf", &from, &timeout) != 2)
    return TRUE;
  g_mutex_lock (&b->lock);
  b->connections++;
  b->last_from = from;
  act = g_queue_pop_head (&b->acts);
  b->running++;
  if (act == NULL || act->kind == ACT_NORMAL || act->kind == ACT_DRIBBLE || act->kind == ACT_HALF)
    {
      broker_wait (b, from, timeout, &start);
      if (b->stopping)
        {
          /* Killed while the poll blocked: the connection is reset, no
           * answer. */
          if (act == NULL)
            act = g_new0 (Act, 1);
          act->kind = ACT_RESET;
        }
      else
        body = broker_body (b, from, b->added - start);
    }
  else if (act->kind == ACT_RESET)
    {
      /* The client is blocked in its read: let it wait a little. */
      gint64 until = g_get_monotonic_time () + 200 * 1000;
      b->blocked++;
      g_cond_broadcast (&b->cond);
      while (!b->stopping && g_cond_wait_until (&b->cond, &b->lock, until))
        ;
      b->blocked--;
    }
  g_mutex_unlock (&b->lock);

  if (body != NULL)
    answer = http_answer (body);
  a = answer != NULL ? g_bytes_get_data (answer, &alen) : NULL;
  switch (act != NULL ? act->kind : ACT_NORMAL)
    {
    case ACT_NORMAL:
      send_bytes (out, a, alen);
      break;
    case ACT_DRIBBLE:
      for (gsize i = 0; i < alen; i += 3)
        {
          send_bytes (out, a + i, MIN (3, alen - i));
          g_usleep (2000);
        }
      break;
    case ACT_HALF:
      {
        const char *hdr_end = g_strstr_len (a, (gssize) alen, "\r\n\r\n") + 4;
        send_bytes (out, a, (gsize) (hdr_end - a) + (alen - (gsize) (hdr_end - a)) / 2);
      }
      break;
    case ACT_RESET:
      {
        /* SO_LINGER 0: close sends RST, the client's read fails with
         * "connection reset". */
        struct linger lg = { 1, 0 };
        setsockopt (g_socket_get_fd (g_socket_connection_get_socket (conn)), SOL_SOCKET,
                    SO_LINGER, &lg, sizeof lg);
      }
      break;
    case ACT_SHORT:
      {
        const char r[] = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"events\":[";
        send_bytes (out, r, strlen (r));
      }
      break;
    case ACT_HANG:
      {
        /* Until the client gives up and closes. */
        char c;
        while (g_input_stream_read (in, &c, 1, NULL, NULL) > 0)
          ;
      }
      break;
    case ACT_RAW:
      {
        gsize rlen;
        const void *r = g_bytes_get_data (act->raw, &rlen);
        send_bytes (out, r, rlen);
      }
      break;
    }
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  if (act != NULL)
    {
      g_clear_pointer (&act->raw, g_bytes_unref);
      g_free (act);
    }
  g_mutex_lock (&b->lock);
  b->running--;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
  return TRUE;
}

static void
broker_init (Broker *b, guint ring_size)
{
  memset (b, 0, sizeof *b);
  g_mutex_init (&b->lock);
  g_cond_init (&b->cond);
  b->ring_size = ring_size;
  b->last_from = G_MININT64;
}

/* Listens on 127.0.0.1:port (0 = any free port, remembered in b->port). */
static void
broker_start (Broker *b, guint16 port)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, port);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  b->stopping = FALSE;
  b->service = g_threaded_socket_service_new (8);
  /* The port of a stopped broker may linger a moment; retry. */
  while (!g_socket_listener_add_address (G_SOCKET_LISTENER (b->service), addr,
                                         G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                         &effective, &error))
    {
      assert_true (g_get_monotonic_time () < end);
      g_clear_error (&error);
      g_usleep (50 * 1000);
    }
  b->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (b->service, "run", G_CALLBACK (broker_run), b);
  g_socket_service_start (b->service);
}

static void
broker_stop (Broker *b)
{
  g_mutex_lock (&b->lock);
  b->stopping = TRUE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
  g_socket_service_stop (b->service);
  g_socket_listener_close (G_SOCKET_LISTENER (b->service));
  /* Unref waits for nothing; connection threads hold their own refs and
   * end as soon as they see stopping. */
  g_clear_object (&b->service);
}

static void
broker_clear (Broker *b)
{
  Act *act;
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  /* Connection threads use b until they end. */
  g_mutex_lock (&b->lock);
  b->stopping = TRUE;
  while (b->running > 0 && g_get_monotonic_time () < end)
    {
      g_cond_broadcast (&b->cond);
      g_mutex_unlock (&b->lock);
      g_usleep (1000);
      g_mutex_lock (&b->lock);
    }
  assert_int_equal (b->running, 0);
  g_mutex_unlock (&b->lock);
  g_queue_clear_full (&b->ring, (GDestroyNotify) g_bytes_unref);
  while ((act = g_queue_pop_head (&b->acts)) != NULL)
    {
      g_clear_pointer (&act->raw, g_bytes_unref);
      g_free (act);
    }
  g_mutex_clear (&b->lock);
  g_cond_clear (&b->cond);
}

/* Appends one event; its text is "[ID,<event>]" with event printed from
 * fmt (which gets the id as its only argument, or ignores it). len < 0:
 * NUL-terminated. */
static void
broker_add_raw (Broker *b, const char *event, gssize len)
{
  GByteArray *ev = g_byte_array_new ();
  g_mutex_lock (&b->lock);
  {
    g_autofree char *head = g_strdup_printf ("[%" G_GINT64_FORMAT ",", b->next_id++);
    g_byte_array_append (ev, (const guint8 *) head, (guint) strlen (head));
    g_byte_array_append (ev, (const guint8 *) event, len < 0 ? (guint) strlen (event) : (guint) len);
    g_byte_array_append (ev, (const guint8 *) "]", 1);
    g_queue_push_tail (&b->ring, g_byte_array_free_to_bytes (ev));
    while (b->ring.length > b->ring_size)
      g_bytes_unref (g_queue_pop_head (&b->ring));
    b->added++;
  }
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

/* A request sent by client:1 to queue, message id [queue, n]; time t. */
static void
broker_add (Broker *b, const char *queue, gint64 n, double t)
{
  g_autofree char *ev =
    g_strdup_printf ("{\"time\":%.6f,\"input\":\"client:1\",\"queue\":\"%s\",\"message\":"
                     "[\"Message\",[\"%s\",%" G_GINT64_FORMAT "],{\"payload\":\"p\",\"kind\":"
                     "[\"Request\",\"client:1\"]}]}", t, queue, queue, n);
  broker_add_raw (b, ev, -1);
}

static void
broker_reset_ids (Broker *b)
{
  g_mutex_lock (&b->lock);
  g_queue_clear_full (&b->ring, (GDestroyNotify) g_bytes_unref);
  b->next_id = 0;
  g_mutex_unlock (&b->lock);
}

static void
broker_push_act (Broker *b, ActKind kind, const char *raw, gssize len)
{
  Act *act = g_new0 (Act, 1);
  act->kind = kind;
  if (raw != NULL)
    act->raw = g_bytes_new (raw, len < 0 ? strlen (raw) : (gsize) len);
  g_mutex_lock (&b->lock);
  g_queue_push_tail (&b->acts, act);
  g_mutex_unlock (&b->lock);
}

static guint
broker_acts_left (Broker *b)
{
  guint n;
  g_mutex_lock (&b->lock);
  n = b->acts.length;
  g_mutex_unlock (&b->lock);
  return n;
}

static gboolean
broker_blocked (Broker *b)
{
  gboolean r;
  g_mutex_lock (&b->lock);
  r = b->blocked > 0;
  g_mutex_unlock (&b->lock);
  return r;
}

/* A port with nothing listening (bound, then released). */
static guint16
free_port (void)
{
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) local = NULL;
  assert_true (g_socket_bind (s, addr, TRUE, NULL));
  local = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* ---- the client under test ---- */

typedef struct {
  IngestStore *store;
  IngestMswitchSource *src;
  GPtrArray *notes;          /* "level: message" */
  char *target;
} Client;

static void
on_note (IngestSourceNoteLevel level, const char *source, const char *message, gpointer data)
{
  Client *c = data;
  g_ptr_array_add (c->notes, g_strdup_printf ("%d: %s", (int) level, message));
}

static void
client_start (Client *c, guint16 port, const IngestMswitchOptions *mo)
{
  IngestSourceHooks hooks = { NULL, on_note, c };
  c->store = ingest_store_new ();
  c->notes = g_ptr_array_new_with_free_func (g_free);
  c->target = g_strdup_printf ("http://127.0.0.1:%u", port);
  c->src = ingest_mswitch_source_new (c->store, c->target, mo, &hooks, NULL);
  assert_non_null (c->src);
}

static void
client_stop (Client *c)
{
  g_clear_pointer (&c->src, ingest_mswitch_source_free);
  /* Let cancelled operations finish (they hold the sockets). */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_pointer (&c->store, ingest_store_free);
  g_clear_pointer (&c->notes, g_ptr_array_unref);
  g_clear_pointer (&c->target, g_free);
}

static IngestMswitchStats
stats (Client *c)
{
  IngestMswitchStats st;
  ingest_mswitch_source_get_stats (c->src, &st);
  return st;
}

static guint
n_notes (Client *c, const char *needle)
{
  guint n = 0;
  for (guint i = 0; i < c->notes->len; i++)
    if (strstr (g_ptr_array_index (c->notes, i), needle) != NULL)
      n++;
  return n;
}

static void
dump_notes (Client *c)
{
  for (guint i = 0; i < c->notes->len; i++)
    fprintf (stderr, "# note %s\n", (char *) g_ptr_array_index (c->notes, i));
}

/* Runs the main loop until cond holds (generous deadline: a loaded CI). */
#define WAIT_UNTIL(cond)                                                         \
  do {                                                                           \
    gint64 end_ = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;                 \
    while (!(cond) && g_get_monotonic_time () < end_)                            \
      {                                                                          \
        g_main_context_iteration (NULL, FALSE);                                  \
        g_usleep (1000);                                                         \
      }                                                                          \
    if (!(cond))                                                                 \
      fprintf (stderr, "# timed out waiting for %s\n", #cond);                   \
  } while (0)

static const char *
message_key (IngestStore *store, IngestMessageId id)
{
  const IngestMessage *m = ingest_store_message (store, id);
  return m != NULL ? ingest_store_atom (store, m->key) : "";
}

/* ---- broker down at start ---- */

static void
test_down_at_start (void **state)
{
  guint16 port = free_port ();
  IngestMswitchOptions mo = { .poll_timeout_s = 2, .backoff_min_ms = 20, .backoff_max_ms = 160 };
  Broker b;
  Client c = { 0 };
  gint64 t0;
  guint64 failures, elapsed_ms;

  broker_init (&b, 16);
  t0 = g_get_monotonic_time ();
  client_start (&c, port, &mo);
  WAIT_UNTIL (stats (&c).failures >= 6);
  failures = stats (&c).failures;
  elapsed_ms = (guint64) (g_get_monotonic_time () - t0) / 1000;
  assert_true (failures >= 6);
  assert_false (stats (&c).connected);
  /* Backoff: 20, 40, 80, 160, 160...: never more attempts than that allows
   * (timers never fire early, so this holds on any machine). */
  assert_true (failures <= 5 + elapsed_ms / 160);
  assert_int_equal (stats (&c).backoff_ms, 160);
  /* The outage is reported once, however many attempts fail. */
  assert_int_equal (n_notes (&c, "broker unavailable"), 1);
  assert_int_equal (stats (&c).outages, 1);
  assert_int_equal (stats (&c).events, 0);

  broker_start (&b, port);
  for (int i = 0; i < 3; i++)
    broker_add (&b, "svc", i, 100.0 + i);
  WAIT_UNTIL (stats (&c).events == 3);
  assert_int_equal (stats (&c).events, 3);
  assert_true (stats (&c).connected);
  assert_int_equal (stats (&c).backoff_ms, 0);
  assert_int_equal (stats (&c).next, 3);
  assert_int_equal (stats (&c).lost, 0);
  assert_int_equal (stats (&c).restarts, 0);
  assert_int_equal (ingest_store_n_events (c.store), 3);
  assert_int_equal (n_notes (&c, "connected to the broker again"), 1);
  assert_int_equal (n_notes (&c, "broker unavailable"), 1);

  client_stop (&c);
  broker_stop (&b);
  broker_clear (&b);
}

/* ---- broker killed mid-poll ---- */

static void
test_killed_mid_poll (void **state)
{
  IngestMswitchOptions mo = { .poll_timeout_s = 2, .backoff_min_ms = 20, .backoff_max_ms = 100 };
  Broker b;
  Client c = { 0 };

  broker_init (&b, 16);
  broker_start (&b, 0);
  broker_add (&b, "svc", 0, 100.0);
  broker_add (&b, "svc", 1, 100.1);
  /* 1st poll answered; 2nd blocks and is reset; the 3rd (a probe from
   * next - 1) gets half an answer and a close; the 4th probes again. */
  broker_push_act (&b, ACT_NORMAL, NULL, 0);
  broker_push_act (&b, ACT_RESET, NULL, 0);
  broker_push_act (&b, ACT_HALF, NULL, 0);
  client_start (&c, b.port, &mo);
  WAIT_UNTIL (broker_acts_left (&b) == 0 && stats (&c).connected && broker_blocked (&b));
  assert_int_equal (broker_acts_left (&b), 0);
  assert_true (stats (&c).connected);
  broker_add (&b, "svc", 2, 100.2);
  WAIT_UNTIL (stats (&c).events == 3);

  assert_int_equal (stats (&c).events, 3);
  assert_int_equal (stats (&c).failures, 2);
  assert_int_equal (stats (&c).bad_answers, 1);  /* the half answer */
  assert_int_equal (stats (&c).restarts, 0);     /* the probe found the same broker */
  assert_int_equal (stats (&c).duplicates, 0);
  assert_int_equal (stats (&c).lost, 0);
  assert_int_equal (ingest_store_n_events (c.store), 3);
  assert_int_equal (ingest_store_counters (c.store)->duplicate_events, 0);
  assert_int_equal (n_notes (&c, "broker unavailable"), 1);
  assert_int_equal (n_notes (&c, "connection closed after"), 1);
  assert_int_equal (n_notes (&c, "connected to the broker again"), 1);

  client_stop (&c);
  broker_stop (&b);
  broker_clear (&b);
}

/* ---- broker restarted while unreachable ---- */

/* more: the new broker has counted past our next id (detected by the
 * probe's event differing); else it has fewer events (the probe from
 * next - 1 blocks and comes back empty). */
static void
restart_case (gboolean more)
{
  IngestMswitchOptions mo = { .poll_timeout_s = 0.5, .backoff_min_ms = 20, .backoff_max_ms = 100,
                              .answer_grace_ms = 3000 };
  Broker b;
  Client c = { 0 };
  guint16 port;
  guint n_new = more ? 7 : 2;
  IngestMessageId first_new;

  broker_init (&b, 16);
  broker_start (&b, 0);
  port = b.port;
  for (int i = 0; i < 5; i++)
    broker_add (&b, "svc", i, 100.0 + i);
  client_start (&c, port, &mo);
  WAIT_UNTIL (stats (&c).events == 5);
  assert_int_equal (stats (&c).next, 5);
  first_new = (IngestMessageId) ingest_store_n_messages (c.store) + 1;

  /* Killed; a new process on the same port counts from 0 again and reuses
   * message ids ["svc",0]... */
  broker_stop (&b);
  broker_reset_ids (&b);
  WAIT_UNTIL (!stats (&c).connected);
  for (guint i = 0; i < n_new; i++)
    broker_add (&b, "svc", i, 200.0 + i);
  broker_start (&b, port);
  WAIT_UNTIL (stats (&c).events == 5 + n_new);
  if (stats (&c).events != 5 + n_new)
    dump_notes (&c);

  assert_int_equal (stats (&c).events, 5 + n_new);
  assert_int_equal (stats (&c).restarts, 1);
  assert_int_equal (stats (&c).duplicates, 0);
  assert_int_equal (stats (&c).lost, 0);
  assert_int_equal (stats (&c).next, n_new);
  assert_int_equal (ingest_store_n_events (c.store), 5 + n_new);
  assert_int_equal (ingest_store_counters (c.store)->duplicate_events, 0);
  assert_int_equal (ingest_store_counters (c.store)->lost_events, 0);
  assert_int_equal (n_notes (&c, "the broker restarted"), 1);
  /* New keys: the new broker's svc#0 is not the old one's. */
  assert_string_equal (message_key (c.store, first_new), "svc#0@1");
  assert_string_equal (message_key (c.store, 1), "svc#0");

  /* And it goes on. */
  broker_add (&b, "svc", n_new, 300.0);
  WAIT_UNTIL (stats (&c).events == 6 + n_new);
  assert_int_equal (stats (&c).events, 6 + n_new);

  client_stop (&c);
  broker_stop (&b);
  broker_clear (&b);
}

static void
test_restarted_more (void **state)
{
  restart_case (TRUE);
}

static void
test_restarted_fewer (void **state)
{
  restart_case (FALSE);
}

/* ---- ring wrapped while unreachable: lost ids counted exactly ---- */

static void
test_ring_wrapped (void **state)
{
  IngestMswitchOptions mo = { .poll_timeout_s = 2, .backoff_min_ms = 20, .backoff_max_ms = 100 };
  Broker b;
  Client c = { 0 };
  guint16 port;

  broker_init (&b, 4);
  broker_start (&b, 0);
  port = b.port;
  broker_add (&b, "svc", 0, 100.0);
  broker_add (&b, "svc", 1, 100.1);
  client_start (&c, port, &mo);
  WAIT_UNTIL (stats (&c).events == 2);
  /* Unreachable while ten events pass through a ring of four. */
  broker_stop (&b);
  WAIT_UNTIL (!stats (&c).connected);
  for (int i = 2; i < 12; i++)
    broker_add (&b, "svc", i, 100.0 + i);
  broker_start (&b, port);
  WAIT_UNTIL (stats (&c).next == 12);

  assert_int_equal (stats (&c).next, 12);
  assert_int_equal (stats (&c).lost, 6);             /* ids 2..7 */
  assert_int_equal (stats (&c).events, 2 + 4);
  assert_int_equal (stats (&c).restarts, 0);
  assert_int_equal (ingest_store_counters (c.store)->lost_events, 6);
  assert_int_equal (ingest_store_n_events (c.store), 6);
  assert_int_equal (n_notes (&c, "lost 6 events (ids 2..7)"), 1);

  client_stop (&c);
  broker_stop (&b);
  broker_clear (&b);
}

/* ---- slow and partial answers; a poll that never ends ---- */

static void
test_slow_partial_hung (void **state)
{
  IngestMswitchOptions mo = { .poll_timeout_s = 0.5, .backoff_min_ms = 20, .backoff_max_ms = 100,
                              .answer_grace_ms = 1500 };
  Broker b;
  Client c = { 0 };
  gint64 t0;

  broker_init (&b, 16);
  broker_start (&b, 0);
  for (int i = 0; i < 3; i++)
    broker_add (&b, "svc", i, 100.0 + i);
  /* Headers and body 3 bytes at a time: parsed all the same. */
  broker_push_act (&b, ACT_DRIBBLE, NULL, 0);
  client_start (&c, b.port, &mo);
  WAIT_UNTIL (stats (&c).events == 3);
  assert_int_equal (stats (&c).events, 3);
  assert_int_equal (stats (&c).failures, 0);

  /* A body shorter than its Content-Length, then close: a reported bad
   * answer, retried, nothing half-parsed. */
  WAIT_UNTIL (broker_blocked (&b));
  broker_push_act (&b, ACT_SHORT, NULL, 0);
  broker_add (&b, "svc", 3, 103.0);  /* answers the blocked poll */
  WAIT_UNTIL (stats (&c).events == 4 && stats (&c).bad_answers == 1 && stats (&c).connected);
  assert_int_equal (stats (&c).bad_answers, 1);
  assert_int_equal (n_notes (&c, "closed after 11 of 100 body bytes"), 1);
  assert_int_equal (ingest_store_counters (c.store)->skipped_records, 0);

  /* A poll that never answers: abandoned after poll_timeout + grace. */
  WAIT_UNTIL (broker_blocked (&b));
  broker_push_act (&b, ACT_HANG, NULL, 0);
  broker_add (&b, "svc", 4, 104.0);  /* the blocked poll answers; the next one hangs */
  t0 = g_get_monotonic_time ();
  WAIT_UNTIL (stats (&c).timeouts >= 1);
  assert_true (stats (&c).timeouts >= 1);
  assert_true (g_get_monotonic_time () - t0 >= 1500 * 1000);
  assert_true (n_notes (&c, "did not answer a poll") >= 1);
  broker_add (&b, "svc", 5, 105.0);
  WAIT_UNTIL (stats (&c).events == 6 && stats (&c).connected);
  assert_int_equal (stats (&c).events, 6);
  assert_int_equal (stats (&c).lost, 0);
  assert_int_equal (stats (&c).duplicates, 0);
  assert_int_equal (stats (&c).restarts, 0);
  assert_int_equal (ingest_store_n_events (c.store), 6);

  client_stop (&c);
  broker_stop (&b);
  broker_clear (&b);
}

/* ---- malformed answers ---- */

typedef struct {
  const char *what;
  const char *bytes;
  gsize len;                  /* 0: strlen */
  const char *note;           /* expected in a note */
} BadAnswer;

static void
test_malformed_answers (void **state)
{
  g_autofree char *big = NULL;
  BadAnswer bad[] = {
    { "not JSON", "HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world", 0, "not a message-switch /trace body" },
    { "wrong shape", "HTTP/1.1 200 OK\r\ncontent-length: 14\r\n\r\n{\"events\":{}} ", 0, "not a message-switch /trace body" },
    { "no events key", "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{\"other\":[]}", 0, "not a message-switch /trace body" },
    { "HTTP 500", "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 5\r\n\r\nerror", 0, "HTTP status 500" },
    { "garbage status line", "HTPT/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", 0, "not an HTTP/1.x status line" },
    { "huge Content-Length", "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999\r\n\r\n{\"events\":[", 0, "announced" },
    { "bad Content-Length", "HTTP/1.1 200 OK\r\ncontent-length: 12x\r\n\r\n{\"events\":[]}", 0, "bad Content-Length" },
    { "NUL in headers", "HTTP/1.1 200 OK\r\nx: a\0b\r\ncontent-length: 3\r\n\r\n{\0}", 50, "not a message-switch /trace body" },
    { "no headers end", "HTTP/1.1 200 OK\r\ncontent-length: 3", 0, "before the HTTP headers ended" },
    { "closed without a byte", "", 0, "before the HTTP headers ended (0 bytes)" },
    { "larger than max_body_bytes", NULL, 0, "larger than 4096 bytes" },
  };
  IngestMswitchOptions mo = { .poll_timeout_s = 2, .backoff_min_ms = 10, .backoff_max_ms = 40,
                              .max_body_bytes = 4096 };
  Broker b;
  Client c = { 0 };

  /* Valid JSON of the right shape, but 10 kB: without Content-Length, so
   * only the running size can refuse it. */
  {
    GString *s = g_string_new ("HTTP/1.1 200 OK\r\n\r\n{\"events\":[[0,{\"time\":1.0,\"queue\":\"q\",\"message\":[\"Ack\",[\"q\",0]],\"pad\":\"");
    for (int i = 0; i < 10000; i++)
      g_string_append_c (s, 'x');
    g_string_append (s, "\"}]]}");
    big = g_string_free (s, FALSE);
    bad[G_N_ELEMENTS (bad) - 1].bytes = big;
  }
  broker_init (&b, 16);
  broker_start (&b, 0);
  broker_add (&b, "svc", 0, 100.0);
  broker_push_act (&b, ACT_NORMAL, NULL, 0);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    broker_push_act (&b, ACT_RAW, bad[i].bytes, bad[i].len ? (gssize) bad[i].len : -1);
  client_start (&c, b.port, &mo);
  WAIT_UNTIL (broker_acts_left (&b) == 0 && stats (&c).connected && broker_blocked (&b));
  broker_add (&b, "svc", 1, 101.0);
  WAIT_UNTIL (stats (&c).events == 2);
  if (stats (&c).bad_answers != G_N_ELEMENTS (bad))
    dump_notes (&c);

  assert_int_equal (stats (&c).events, 2);
  assert_int_equal (stats (&c).bad_answers, G_N_ELEMENTS (bad));
  assert_int_equal (stats (&c).failures, G_N_ELEMENTS (bad));
  assert_int_equal (stats (&c).outages, 1);
  assert_int_equal (stats (&c).restarts, 0);
  assert_int_equal (stats (&c).duplicates, 0);
  assert_int_equal (stats (&c).lost, 0);
  assert_int_equal (ingest_store_n_events (c.store), 2);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      if (n_notes (&c, bad[i].note) == 0)
        fprintf (stderr, "# no note for %s (\"%s\")\n", bad[i].what, bad[i].note);
      assert_true (n_notes (&c, bad[i].note) >= 1);
    }
  assert_int_equal (n_notes (&c, "bad answer from the broker"), G_N_ELEMENTS (bad));

  client_stop (&c);
  broker_stop (&b);
  broker_clear (&b);
}

/* ---- hostile payloads inside good answers ---- */

static void
test_hostile_payloads (void **state)
{
  IngestMswitchOptions mo = { .poll_timeout_s = 2, .backoff_min_ms = 10, .backoff_max_ms = 40 };
  Broker b;
  Client c = { 0 };
  /* Raw bytes above 0x7F that are not UTF-8, as the broker sends them. */
  const char bad_utf8[] = "{\"time\":100.0,\"input\":\"c:1\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",0],"
                          "{\"payload\":\"\xff\xfe\xc0 cut\",\"kind\":[\"Request\",\"c:1\"]}]}";
  /* A raw NUL inside a string: not JSON; the record is skipped, reported. */
  const char raw_nul[] = "{\"time\":100.1,\"input\":\"c:1\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",1],"
                         "{\"payload\":\"a\0b\",\"kind\":[\"Request\",\"c:1\"]}]}";
  /* An escaped NUL is valid JSON. */
  const char esc_nul[] = "{\"time\":100.2,\"input\":\"c:1\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",2],"
                         "{\"payload\":\"a\\u0000b\",\"kind\":[\"Request\",\"c:1\"]}]}";

  broker_init (&b, 16);
  broker_start (&b, 0);
  broker_add_raw (&b, bad_utf8, -1);
  broker_add_raw (&b, raw_nul, sizeof raw_nul - 1);
  broker_add_raw (&b, esc_nul, -1);
  broker_add (&b, "svc", 0, 101.0);
  client_start (&c, b.port, &mo);
  WAIT_UNTIL (stats (&c).next == 4);
  if (ingest_store_n_events (c.store) != 3)
    dump_notes (&c);

  assert_int_equal (stats (&c).next, 4);
  assert_int_equal (stats (&c).events, 4);      /* handed to the parser */
  assert_int_equal (stats (&c).bad_answers, 0);
  assert_int_equal (ingest_store_n_events (c.store), 3);
  assert_int_equal (ingest_store_counters (c.store)->skipped_records, 1);
  assert_true (n_notes (&c, "skipped a malformed record") >= 1);
  /* The client goes on. */
  broker_add (&b, "svc", 1, 102.0);
  WAIT_UNTIL (stats (&c).next == 5);
  assert_int_equal (ingest_store_n_events (c.store), 4);

  client_stop (&c);
  broker_stop (&b);
  broker_clear (&b);
}

/* ---- the pure HTTP answer parser, byte pattern by byte pattern ---- */

static IngestMswitchHttp
parse (const char *data, gsize len, gboolean eof, IngestMswitchResponse *r, char **why)
{
  g_autoptr(GError) error = NULL;
  IngestMswitchHttp h = ingest_mswitch_parse_response (data, len, eof, r, &error);
  if (why != NULL)
    *why = error != NULL ? g_strdup (error->message) : NULL;
  assert_true ((h == INGEST_MSWITCH_HTTP_BAD) == (error != NULL));
  return h;
}

static void
test_parse_response (void **state)
{
  IngestMswitchResponse r;
  g_autofree char *why = NULL;
  const char ok[] = "HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\n{\"events\":[]}";
  gsize ok_len = sizeof ok - 1;

  /* Complete; and every prefix is INCOMPLETE, never a half answer (the
   * dribbled answer, whichever byte it stops at). */
  assert_int_equal (parse (ok, ok_len, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_COMPLETE);
  assert_int_equal (r.status, 200);
  assert_int_equal (r.content_length, 13);
  assert_int_equal (r.body_len, 13);
  assert_memory_equal (ok + r.body_offset, "{\"events\":[]}", 13);
  for (gsize n = 0; n < ok_len; n++)
    {
      g_autofree char *copy = g_memdup2 (ok, n); /* no terminator past n */
      assert_int_equal (parse (copy, n, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_INCOMPLETE);
      /* ... and BAD if the connection closed there. */
      assert_int_equal (parse (copy, n, TRUE, &r, NULL), INGEST_MSWITCH_HTTP_BAD);
    }
  /* Extra bytes after Content-Length are not part of the body. */
  {
    g_autofree char *more = g_strconcat (ok, "garbage", NULL);
    assert_int_equal (parse (more, strlen (more), FALSE, &r, NULL), INGEST_MSWITCH_HTTP_COMPLETE);
    assert_int_equal (r.body_len, 13);
  }
  /* Short body then close. */
  assert_int_equal (parse (ok, ok_len - 3, TRUE, &r, &why), INGEST_MSWITCH_HTTP_BAD);
  assert_non_null (strstr (why, "closed after 10 of 13 body bytes"));
  g_clear_pointer (&why, g_free);
  /* No Content-Length: the body runs to the close. */
  {
    const char s[] = "HTTP/1.0 200 OK\r\n\r\n{\"events\":[]}";
    assert_int_equal (parse (s, sizeof s - 1, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_INCOMPLETE);
    assert_int_equal (parse (s, sizeof s - 1, TRUE, &r, NULL), INGEST_MSWITCH_HTTP_COMPLETE);
    assert_int_equal (r.body_len, 13);
    assert_int_equal (r.content_length, -1);
  }
  /* HTTP 500 is a complete answer with its status (the client refuses it). */
  {
    const char s[] = "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n";
    assert_int_equal (parse (s, sizeof s - 1, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_COMPLETE);
    assert_int_equal (r.status, 500);
    assert_int_equal (r.body_len, 0);
  }
  /* Garbage status lines. */
  {
    const char *const bad_status[] = {
      "HTPT/1.1 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/2 200 OK\r\n\r\n", "\r\n\r\n", "HTTP/1.1 abc\r\n\r\n", "hello\r\n\r\n",
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad_status); i++)
      {
        assert_int_equal (parse (bad_status[i], strlen (bad_status[i]), FALSE, &r, &why),
                          INGEST_MSWITCH_HTTP_BAD);
        assert_non_null (strstr (why, "status line"));
        g_clear_pointer (&why, g_free);
      }
  }
  /* Bad, conflicting and huge Content-Length. */
  {
    const char *const bad_cl[] = {
      "HTTP/1.1 200 OK\r\ncontent-length: \r\n\r\n",
      "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\ncontent-length: 1 2\r\n\r\nab",
      "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nContent-Length: 3\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999999\r\n\r\n",
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad_cl); i++)
      {
        assert_int_equal (parse (bad_cl[i], strlen (bad_cl[i]), FALSE, &r, &why),
                          INGEST_MSWITCH_HTTP_BAD);
        assert_non_null (strstr (why, "Content-Length"));
        g_clear_pointer (&why, g_free);
      }
    /* A big but representable length waits for its bytes: the client
     * refuses it against max_body_bytes (content_length is known). */
    {
      const char s[] = "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999\r\n\r\n{";
      assert_int_equal (parse (s, sizeof s - 1, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_INCOMPLETE);
      assert_int_equal (r.content_length, 99999999999999);
    }
    /* The same length twice is fine. */
    {
      const char s[] = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nContent-Length:2\r\n\r\nab";
      assert_int_equal (parse (s, sizeof s - 1, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_COMPLETE);
    }
  }
  /* NUL bytes: in a header and in the body, counted by length. */
  {
    const char s[] = "HTTP/1.1 200 OK\r\nx: a\0b\r\ncontent-length: 3\r\n\r\na\0b";
    assert_int_equal (parse (s, sizeof s - 1, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_COMPLETE);
    assert_int_equal (r.body_len, 3);
    assert_memory_equal (s + r.body_offset, "a\0b", 3);
  }
  /* Invalid UTF-8 in the body is the parser's business, not HTTP's. */
  {
    const char s[] = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n\xff\xfe";
    assert_int_equal (parse (s, sizeof s - 1, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_COMPLETE);
    assert_int_equal (r.body_len, 2);
  }
  /* Headers that never end: BAD at the limit, not a growing buffer. */
  {
    gsize n = INGEST_MSWITCH_MAX_HEADER_BYTES + 10;
    g_autofree char *s = g_malloc (n);
    memcpy (s, "HTTP/1.1 200 OK\r\n", 17);
    memset (s + 17, 'x', n - 17);
    assert_int_equal (parse (s, INGEST_MSWITCH_MAX_HEADER_BYTES - 1, FALSE, &r, NULL),
                      INGEST_MSWITCH_HTTP_INCOMPLETE);
    assert_int_equal (parse (s, n, FALSE, &r, &why), INGEST_MSWITCH_HTTP_BAD);
    assert_non_null (strstr (why, "HTTP headers longer"));
    g_clear_pointer (&why, g_free);
  }
  /* Nothing at all, then close. */
  assert_int_equal (parse ("", 0, TRUE, &r, NULL), INGEST_MSWITCH_HTTP_BAD);
  assert_int_equal (parse ("", 0, FALSE, &r, NULL), INGEST_MSWITCH_HTTP_INCOMPLETE);
}

/* ---- the real CLI: `actorscope serve --mswitch` with the broker killed
 * and restarted under it ---- */

static gboolean
text_has (GString *s, GMutex *lock, const char *needle)
{
  gboolean r;
  g_mutex_lock (lock);
  r = strstr (s->str, needle) != NULL;
  g_mutex_unlock (lock);
  return r;
}

typedef struct {
  GInputStream *in;
  GString *text;
  GMutex lock;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *r = data;
  char buf[4096];
  gssize n;
  while ((n = g_input_stream_read (r->in, buf, sizeof buf, NULL, NULL)) > 0)
    {
      g_mutex_lock (&r->lock);
      g_string_append_len (r->text, buf, n);
      g_mutex_unlock (&r->lock);
    }
  return NULL;
}

static gboolean
broker_from_at_least (Broker *b, gint64 from)
{
  gboolean r;
  g_mutex_lock (&b->lock);
  r = b->last_from >= from && b->blocked > 0;
  g_mutex_unlock (&b->lock);
  return r;
}

static void
test_cli_serve_restart (void **state)
{
  g_autofree char *record = g_build_filename (test_tmpdir (), "cli-mswitch.ndjson", NULL);
  g_autofree char *target = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestStore) store = ingest_store_new ();
  Reader err = { 0 };
  GThread *thread;
  Broker b;
  guint16 port;

  if (cli_path == NULL)
    {
      fprintf (stderr, "# the actorscope executable was not given\n");
      fail ();
    }
  broker_init (&b, 16);
  broker_start (&b, 0);
  port = b.port;
  for (int i = 0; i < 4; i++)
    broker_add (&b, "svc", i, 100.0 + i);
  target = g_strdup_printf ("http://127.0.0.1:%u", port);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, cli_path, "serve", "--port", "0", "--mswitch", target,
                           "--record", record, NULL);
  assert_non_null (proc);
  err.in = g_subprocess_get_stderr_pipe (proc);
  err.text = g_string_new (NULL);
  g_mutex_init (&err.lock);
  thread = g_thread_new ("stderr", reader_thread, &err);

  /* It has read ids 0..3 when it polls from 4. */
  WAIT_UNTIL (broker_from_at_least (&b, 4));
  assert_true (broker_from_at_least (&b, 4));
  /* Killed; a new broker (ids from 0, six events) on the same port. */
  broker_stop (&b);
  broker_reset_ids (&b);
  WAIT_UNTIL (text_has (err.text, &err.lock, "broker unavailable"));
  for (int i = 0; i < 6; i++)
    broker_add (&b, "svc", i, 200.0 + i);
  broker_start (&b, port);
  WAIT_UNTIL (broker_from_at_least (&b, 6) && text_has (err.text, &err.lock, "connected to the broker again"));
  assert_true (broker_from_at_least (&b, 6));

  g_subprocess_send_signal (proc, SIGTERM);
  assert_true (g_subprocess_wait (proc, NULL, NULL));
  g_thread_join (thread);
  fprintf (stderr, "# serve stderr:\n%s", err.text->str);
  assert_true (g_subprocess_get_if_exited (proc));
  assert_int_equal (g_subprocess_get_exit_status (proc), 0);
  assert_non_null (strstr (err.text->str, "broker unavailable"));
  assert_non_null (strstr (err.text->str, "the broker restarted"));
  assert_non_null (strstr (err.text->str, "connected to the broker again"));

  /* The record holds all ten, the new broker's under new keys. */
  assert_true (ingest_load_file (store, record, NULL, NULL, NULL, &error));
  assert_int_equal (ingest_store_n_events (store), 10);
  assert_int_equal (ingest_store_n_messages (store), 10);
  assert_string_equal (message_key (store, 4), "svc#3");
  assert_string_equal (message_key (store, 5), "svc#0@1");
  assert_string_equal (message_key (store, 10), "svc#5@1");

  g_string_free (err.text, TRUE);
  g_mutex_clear (&err.lock);
  broker_stop (&b);
  broker_clear (&b);
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_parse_response),
    cmocka_unit_test (test_down_at_start),
    cmocka_unit_test (test_killed_mid_poll),
    cmocka_unit_test (test_restarted_more),
    cmocka_unit_test (test_restarted_fewer),
    cmocka_unit_test (test_ring_wrapped),
    cmocka_unit_test (test_slow_partial_hung),
    cmocka_unit_test (test_malformed_answers),
    cmocka_unit_test (test_hostile_payloads),
    cmocka_unit_test (test_cli_serve_restart),
  };
  cli_path = argc > 1 ? argv[1] : NULL;
  /* A broker killed mid-write must not kill the test. */
  signal (SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests (tests, test_tmpdir_group_setup, test_tmpdir_group_teardown);
}
