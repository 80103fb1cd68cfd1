/* test-ingest-source-mswitch.c: the message-switch long-poll client
 * (ingest-source-mswitch) against a fake broker with the real /trace
 * semantics (shared/formats/message-switch.md): a ring of RING events,
 * an answer at once when an event with id >= from is buffered, else a poll
 * that really blocks until the next event or its timeout; ring wrap (lost
 * events counted), broker restart (ids from 0 again: counted, and message
 * keys of the new broker never pair with the old one's), and outage with
 * reconnection.
 *
 * The broker answers from a GThreadedSocketService: each poll blocks in a
 * pool thread, as in the real broker, while the client runs on the test's
 * main loop.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "ingest-source-mswitch.h"
#include "ingest-store.h"
#include "test-util.h"

#define RING 4

typedef struct {
  GSocketService *service;
  GMutex lock;
  GCond cond;
  GQueue ring;               /* char* "[id,{...}]" */
  gint64 next_id;
  double base_time;
  guint blocked;             /* polls waiting for an event right now */
  gboolean hold;             /* blocked polls wait even with events buffered */
  guint64 added;             /* events ever added (wakes blocked polls) */
  guint64 answered;
  gboolean stopping;
} FakeBroker;


static void
spin_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (!cond (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

/* The body for a poll from `from`: every buffered event with id >= from;
 * or, for a poll that blocked and was woken by new events that are all
 * below from (a restarted broker counting from 0 again), those new ones:
 * "what is there", as the real broker answers. Called with the lock held. */
static char *
broker_body (FakeBroker *b, gint64 from, guint64 n_new)
{
  GString *body = g_string_new ("{\"events\":[");
  gint64 id = b->next_id - (gint64) b->ring.length;
  gboolean first = TRUE;
  gboolean any = b->ring.length > 0 && b->next_id - 1 >= from;
  gint64 first_new = b->next_id - (gint64) MIN (n_new, b->ring.length);

  for (GList *l = b->ring.head; l != NULL; l = l->next, id++)
    {
      if (any ? id < from : id < first_new)
        continue;
      if (!first)
        g_string_append_c (body, ',');
      g_string_append (body, l->data);
      first = FALSE;
    }
  g_string_append (body, "]}");
  return g_string_free (body, FALSE);
}

static gboolean
broker_has_from (FakeBroker *b, gint64 from)
{
  return b->ring.length > 0 && b->next_id - 1 >= from;
}

static gboolean
broker_run (GThreadedSocketService *service, GSocketConnection *conn, GObject *src,
            gpointer data)
{
  FakeBroker *b = data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  char req[1024] = { 0 };
  gsize got = 0;
  gint64 from = -1, deadline;
  guint64 start;
  double timeout = 5;
  g_autofree char *body = NULL;
  g_autofree char *resp = NULL;

  while (got < sizeof req - 1 && strstr (req, "\r\n\r\n") == NULL)
    {
      gssize n = g_input_stream_read (in, req + got, sizeof req - 1 - got, NULL, NULL);
      if (n <= 0)
        return TRUE;
      got += (gsize) n;
    }
  if (sscanf (req, "GET /trace/%" G_GINT64_FORMAT "/%lf", &from, &timeout) != 2)
    {
      const char r404[] = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), r404,
                                 strlen (r404), NULL, NULL, NULL);
      return TRUE;
    }
  deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);
  g_mutex_lock (&b->lock);
  start = b->added;
  b->blocked++;
  g_cond_broadcast (&b->cond);
  while ((b->hold || (!broker_has_from (b, from) && b->added == start)) && !b->stopping)
    if (!g_cond_wait_until (&b->cond, &b->lock, deadline))
      break;
  b->blocked--;
  body = broker_body (b, from, b->added - start);
  b->answered++;
  g_mutex_unlock (&b->lock);
  resp = g_strdup_printf ("HTTP/1.1 200 OK\r\ncontent-length: %zu\r\n\r\n%s", strlen (body), body);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), resp,
                             strlen (resp), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return TRUE;
}

static void
broker_start (FakeBroker *b, const char *path)
{
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new (path);

  b->stopping = FALSE;
  b->service = g_threaded_socket_service_new (4);
  assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (b->service), addr,
                                              G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                              NULL, NULL, NULL));
  g_signal_connect (b->service, "run", G_CALLBACK (broker_run), b);
  g_socket_service_start (b->service);
}

static void
broker_stop (FakeBroker *b, const char *path)
{
  g_mutex_lock (&b->lock);
  b->stopping = TRUE;
  g_cond_broadcast (&b->cond);
  /* Let every blocked poll answer before the broker goes away. */
  while (b->blocked > 0)
    {
      g_mutex_unlock (&b->lock);
      g_usleep (1000);
      g_mutex_lock (&b->lock);
    }
  g_mutex_unlock (&b->lock);
  g_socket_service_stop (b->service);
  g_socket_listener_close (G_SOCKET_LISTENER (b->service));
  g_clear_object (&b->service);
  g_unlink (path);
}

/* A request sent by client:1 to queue (message id [queue, n]). */
static void
broker_add (FakeBroker *b, const char *queue, gint64 n)
{
  g_mutex_lock (&b->lock);
  {
    gint64 id = b->next_id++;
    char *ev = g_strdup_printf ("[%" G_GINT64_FORMAT ",{\"time\":%.6f,\"input\":\"client:1\",\"queue\":\"%s\","
                                "\"message\":[\"Message\",[\"%s\",%" G_GINT64_FORMAT "],{\"payload\":\"p\",\"kind\":[\"Request\",\"client:1\"]}]}]",
                                id, b->base_time, queue, queue, n);
    b->base_time += 0.001;
    b->added++;
    g_queue_push_tail (&b->ring, ev);
    while (b->ring.length > RING)
      g_free (g_queue_pop_head (&b->ring));
  }
  /* A blocked poll answers as soon as a new event arrives. */
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

static void
broker_restart_ids (FakeBroker *b)
{
  g_mutex_lock (&b->lock);
  g_queue_clear_full (&b->ring, g_free);
  b->next_id = 0;
  g_mutex_unlock (&b->lock);
}

typedef struct { IngestMswitchSource *src; FakeBroker *b; guint64 polls; guint64 events; } Want;

static gboolean
have_events (gpointer p)
{
  Want *w = p;
  IngestMswitchStats st;
  ingest_mswitch_source_get_stats (w->src, &st);
  return st.events >= w->events;
}

/* The client's next poll is blocked in the broker. */
static gboolean
poll_blocked (gpointer p)
{
  Want *w = p;
  gboolean blocked;
  g_mutex_lock (&w->b->lock);
  blocked = w->b->blocked > 0;
  g_mutex_unlock (&w->b->lock);
  return blocked;
}

static gboolean
disconnected (gpointer p)
{
  Want *w = p;
  IngestMswitchStats st;
  ingest_mswitch_source_get_stats (w->src, &st);
  return !st.connected && st.failures > 0;
}

static const char *
last_message_key (IngestStore *store)
{
  guint64 n = ingest_store_n_messages (store);
  const IngestMessage *m = n > 0 ? ingest_store_message (store, (IngestMessageId) n) : NULL;
  return m != NULL ? ingest_store_atom (store, m->key) : "";
}

static void
test_mswitch_long_poll (void **state)
{
  g_autofree char *path = g_build_filename (test_tmpdir (), "switch.sock", NULL);
  g_autofree char *target = g_strconcat ("unix:", path, NULL);
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestMswitchSource) src = NULL;
  IngestMswitchOptions mo = { .poll_timeout_s = 2, .backoff_min_ms = 20, .backoff_max_ms = 50 };
  FakeBroker b = { 0 };
  IngestMswitchStats st;
  Want w = { 0 };
  guint64 messages_before;
  gint64 t0;

  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  b.base_time = 1795484650.0;
  broker_start (&b, path);
  for (int i = 0; i < 3; i++)
    broker_add (&b, "svc", i);

  src = ingest_mswitch_source_new (store, target, &mo, NULL, NULL);
  assert_non_null (src);
  w.src = src;
  w.b = &b;
  w.events = 3;
  spin_until (have_events, &w, 5000);
  ingest_mswitch_source_get_stats (src, &st);
  assert_int_equal (st.events, 3);
  assert_int_equal (st.next, 3);
  assert_true (st.connected);
  assert_int_equal (ingest_store_n_messages (store), 3);
  assert_string_equal (last_message_key (store), "svc#2");

  /* Long poll: the next request blocks in the broker (no answer before an
   * event, nothing busy-polled), and a new event is delivered at once by
   * the blocked request, well before its 2 s timeout. */
  spin_until (poll_blocked, &w, 3000);
  assert_true (poll_blocked (&w));
  ingest_mswitch_source_get_stats (src, &st);
  w.polls = st.polls;
  g_usleep (300 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  ingest_mswitch_source_get_stats (src, &st);
  assert_int_equal (st.polls, w.polls); /* still blocked: no empty answers */
  t0 = g_get_monotonic_time ();
  broker_add (&b, "svc", 3);
  w.events = 4;
  spin_until (have_events, &w, 3000);
  assert_true (g_get_monotonic_time () - t0 < G_USEC_PER_SEC);
  ingest_mswitch_source_get_stats (src, &st);
  assert_int_equal (st.events, 4);
  assert_int_equal (st.lost, 0);

  /* Ring wrap: ten events arrive while the client is blocked; the blocked
   * poll answers at the first one, and by the next poll the ring (4) has
   * dropped some: they are counted as lost, in the source and the store. */
  spin_until (poll_blocked, &w, 3000);
  g_mutex_lock (&b.lock);
  b.hold = TRUE; /* hold the answer until all ten are in */
  g_mutex_unlock (&b.lock);
  for (int i = 4; i < 14; i++)
    broker_add (&b, "svc", i);
  g_mutex_lock (&b.lock);
  b.hold = FALSE;
  g_cond_broadcast (&b.cond);
  g_mutex_unlock (&b.lock);
  for (gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC; g_get_monotonic_time () < end;)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
      ingest_mswitch_source_get_stats (src, &st);
      if (st.next == 14)
        break;
    }
  ingest_mswitch_source_get_stats (src, &st);
  assert_int_equal (st.next, 14);
  assert_int_equal (st.lost, 10 - RING);
  assert_int_equal (st.events + st.lost, 14);
  assert_int_equal (ingest_store_counters (store)->lost_events, st.lost);
  assert_int_equal (st.duplicates, 0);

  /* Restart: a new broker process counts ids from 0 again and reuses
   * message ids (["svc",0] again). Detected, and the new messages get keys
   * of their own instead of pairing with the old broker's svc#0/svc#1. */
  messages_before = ingest_store_n_messages (store);
  spin_until (poll_blocked, &w, 3000);
  broker_restart_ids (&b);
  broker_add (&b, "svc", 0);
  broker_add (&b, "svc", 1);
  w.events = st.events + 2;
  spin_until (have_events, &w, 5000);
  ingest_mswitch_source_get_stats (src, &st);
  if (st.restarts != 1)
    fprintf (stderr, "# restarts %" G_GUINT64_FORMAT " events %" G_GUINT64_FORMAT " next %" G_GINT64_FORMAT "\n",
             st.restarts, st.events, st.next);
  assert_int_equal (st.restarts, 1);
  assert_int_equal (st.next, 2);
  assert_int_equal (ingest_store_n_messages (store), messages_before + 2);
  assert_string_equal (last_message_key (store), "svc#1@1");

  /* Outage: the broker goes away; failures are counted and the client
   * backs off; when a broker is back at the path, polling resumes. */
  broker_stop (&b, path);
  spin_until (disconnected, &w, 5000);
  assert_true (disconnected (&w));
  broker_start (&b, path);
  broker_add (&b, "svc", 2);
  w.events = st.events + 1;
  spin_until (have_events, &w, 5000);
  ingest_mswitch_source_get_stats (src, &st);
  assert_true (st.connected);
  assert_int_equal (st.next, 3);

  g_clear_pointer (&src, ingest_mswitch_source_free);
  broker_stop (&b, path);
  g_queue_clear_full (&b.ring, g_free);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
}

/* Each poll's answer is checked even when the broker was never reachable:
 * a bad address is refused up front. */
static void
test_mswitch_bad_target (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;

  assert_null (ingest_mswitch_source_new (store, "ftp://x", NULL, NULL, &error));
  assert_non_null (error);
  assert_non_null (strstr (error->message, "unix:PATH or http://HOST:PORT"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_mswitch_long_poll),
    cmocka_unit_test (test_mswitch_bad_target),
  };
  return cmocka_run_group_tests (tests, test_tmpdir_group_setup, test_tmpdir_group_teardown);
}
