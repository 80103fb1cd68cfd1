/* test-ingest-log-nats.c: the event log over a JetStream stream
 * (ingest-log-nats.c) against a real nats-server (JetStream, a private
 * loopback port and store dir; skipped without nats-server): messages
 * published to the stream and parsed into a writer store are noted,
 * appended and flushed; reopened, the log rebuilds the same store; seq and
 * time ranges; a torn index tail is cut; a purge moves first_seq and is
 * counted; a deleted message is skipped and counted (lenient) or named
 * (strict); events not from the stream are indexed as local-only; a
 * second writer and another stream's index are refused. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <nats/nats.h>

#include "ingest-log-nats.h"
#include "ingest-native-writer.h"
#include "ingest-parser.h"

#define N_MESSAGES 12
#define LINES_PER_MESSAGE 50

typedef struct {
  char *dir;
  GSubprocess *server;
  char *url;
  natsConnection *nc;
  jsCtx *js;
  IngestStore *writer;      /* what the collector would hold */
  guint64 sseq[N_MESSAGES];
  IngestSeq a[N_MESSAGES], b[N_MESSAGES];
} Fixture;

static char *
index_path (Fixture *f)
{
  return g_build_filename (f->dir, "nats-T.index", NULL);
}

static IngestLog *
open_log (Fixture *f, const char *stream, GError **error)
{
  IngestLogNatsOptions o = { 0 };
  g_autofree char *index = index_path (f);

  o.url = f->url;
  o.stream = stream;
  o.index_path = index;
  o.page_dir = f->dir;
  return ingest_log_nats_open (&o, error);
}

static char *
native_text (IngestStore *store)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  assert_true (ingest_native_write (store, 0, out, NULL));
  assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

/* Message m: sends, receives (of the previous message's sends too, so
 * pairing crosses messages) and a spawn with a kind only in message 0. */
static char *
message_text (int m)
{
  GString *s = g_string_new (NULL);
  if (m == 0)
    g_string_append (s, "{\"ts\":1,\"ev\":\"spawn\",\"actor\":\"/user/sup\",\"kind\":\"supervisor\"}\n");
  for (int i = 0; i < LINES_PER_MESSAGE; i++)
    {
      long id = (long) m * LINES_PER_MESSAGE + i;
      long t = 1000000 + id * 1000;
      if (i % 2 == 0)
        g_string_append_printf (s, "{\"ts\":%ld,\"ev\":\"send\",\"from\":\"/user/sup\",\"to\":"
                                "\"/user/w%ld\",\"id\":\"m%ld\",\"label\":\"L%ld\"}\n",
                                t, id % 5, id, id % 3);
      else
        g_string_append_printf (s, "{\"ts\":%ld,\"ev\":\"receive\",\"actor\":\"/user/w%ld\","
                                "\"id\":\"m%ld\"}\n", t, (id - 3) % 5, id - 3);
    }
  if (m == 3)
    g_string_append (s, "this line is not json\n");
  return g_string_free (s, FALSE);
}

static gboolean
connect_server (Fixture *f)
{
  for (int i = 0; i < 100; i++)
    {
      if (natsConnection_ConnectTo (&f->nc, f->url) == NATS_OK)
        return natsConnection_JetStream (&f->js, f->nc, NULL) == NATS_OK;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) got = NULL;
  g_autofree char *store_dir = NULL, *port = NULL;
  g_autofree char *created = NULL;

  g_autofree char *server = g_find_program_in_path ("nats-server");

  *state = f;
  if (server == NULL)
    return 0;
  f->dir = g_dir_make_tmp ("actorscope-log-nats-XXXXXX", NULL);
  assert_non_null (f->dir);
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  got = g_socket_get_local_address (sock, NULL);
  port = g_strdup_printf ("%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (got)));
  g_socket_close (sock, NULL);
  store_dir = g_build_filename (f->dir, "js", NULL);
  f->url = g_strdup_printf ("nats://127.0.0.1:%s", port);
  f->server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                &error, "nats-server", "-js", "-a", "127.0.0.1", "-p", port,
                                "-sd", store_dir, NULL);
  assert_non_null (f->server);
  assert_true (connect_server (f));
  assert_true (ingest_nats_ensure_stream (f->js, "T", "t.>", 1, 0, &created, &error));
  f->writer = ingest_store_new ();
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  if (f->js != NULL)
    jsCtx_Destroy (f->js);
  if (f->nc != NULL)
    natsConnection_Destroy (f->nc);
  if (f->server != NULL)
    {
      g_subprocess_send_signal (f->server, SIGTERM);
      g_subprocess_wait (f->server, NULL, NULL);
      g_object_unref (f->server);
    }
  if (f->dir != NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);
      assert_int_equal (system (cmd), 0);
    }
  if (f->writer != NULL)
    ingest_store_free (f->writer);
  g_free (f->dir);
  g_free (f->url);
  g_free (f);
  return 0;
}

#define NEED_SERVER(f) do { if ((f)->server == NULL) { skip (); return; } } while (0)

/* Publishes the messages, parses each into the writer as the collector
 * would (a fresh lenient native parser per message), notes, appends and
 * flushes every 4 messages. */
static void
write_messages (Fixture *f, IngestLog *log)
{
  IngestSeq appended = 0;

  for (int m = 0; m < N_MESSAGES; m++)
    {
      g_autofree char *text = message_text (m);
      jsPubAck *pa = NULL;
      jsErrCode jerr = 0;
      IngestParserOptions po = { 0 };
      g_autoptr(IngestParser) parser = NULL;
      g_autoptr(GError) error = NULL;

      assert_int_equal (js_Publish (&pa, f->js, "t.a", text, (int) strlen (text), NULL, &jerr),
                        NATS_OK);
      f->sseq[m] = pa->Sequence;
      jsPubAck_Destroy (pa);
      po.format = INGEST_FORMAT_NATIVE;
      parser = ingest_parser_new (f->writer, &po);
      f->a[m] = ingest_store_n_events (f->writer);
      assert_true (ingest_parser_feed (parser, (const guint8 *) text, strlen (text), &error));
      assert_true (ingest_parser_finish (parser, &error));
      f->b[m] = ingest_store_n_events (f->writer);
      ingest_log_nats_note (log, f->sseq[m], f->a[m], f->b[m]);
      if (m % 4 == 3)
        {
          assert_true (ingest_log_append (log, f->writer, appended, f->b[m], &error));
          assert_true (ingest_log_flush (log, &error));
          appended = f->b[m];
        }
    }
  assert_int_equal (ingest_log_n_durable (log), ingest_store_n_events (f->writer));
}

static IngestStore *
rebuild (IngestLog *log, IngestLogSkipped *skipped, GError **error)
{
  IngestStore *store = ingest_store_new ();
  if (!ingest_log_read_into_store (log, 0, G_MAXUINT64, store, NULL, skipped, error))
    {
      ingest_store_free (store);
      return NULL;
    }
  return store;
}

static void
test_round_trip (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestLog) log = NULL;
  g_autoptr(IngestStore) back = NULL;
  g_autofree char *want = NULL, *have = NULL;
  g_auto(IngestLogSkipped) skipped = { 0 };

  NEED_SERVER (f);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  write_messages (f, log);
  assert_true (ingest_log_close (log, &error));
  g_clear_pointer (&log, ingest_log_free);

  log = open_log (f, "T", &error);
  assert_non_null (log);
  assert_int_equal (ingest_log_n_durable (log), ingest_store_n_events (f->writer));
  assert_int_equal (ingest_log_first_seq (log), 0);
  assert_int_equal (ingest_log_nats_get_info (log)->entries, N_MESSAGES);
  back = rebuild (log, &skipped, &error);
  assert_non_null (back);
  assert_int_equal (skipped.bad_blocks, 0);
  want = native_text (f->writer);
  have = native_text (back);
  assert_string_equal (have, want);
  /* The source-fed counters (the skipped line of message 3) are the
   * writer's, carried in the index header. */
  assert_true (ingest_store_counters (f->writer)->skipped_records > 0);
  assert_memory_equal (ingest_store_counters (back), ingest_store_counters (f->writer),
                       sizeof (IngestStoreCounters));
}

typedef struct {
  guint64 n;
  IngestSeq first, last;
  gint64 min_ns, max_ns;
} Count;

static gboolean
count_event (IngestSeq seq, const IngestEventInput *input, gpointer user_data)
{
  Count *c = user_data;
  if (c->n == 0)
    c->first = seq;
  c->last = seq;
  c->n++;
  c->min_ns = MIN (c->min_ns, input->time_ns);
  c->max_ns = MAX (c->max_ns, input->time_ns);
  return TRUE;
}

static void
test_ranges_and_cache (void **state)
{
  Fixture *f = *state;
  static const IngestLogReadFuncs funcs = { NULL, count_event, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestLog) log = NULL;
  Count c = { 0, 0, 0, G_MAXINT64, G_MININT64 };
  guint64 fetched;

  NEED_SERVER (f);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  write_messages (f, log);
  /* A seq range across a message boundary. */
  assert_true (ingest_log_read (log, f->a[2] + 10, f->a[5] + 3, INGEST_TIME_MIN, INGEST_TIME_MAX,
                                &funcs, &c, NULL, &error));
  assert_int_equal (c.n, f->a[5] + 3 - (f->a[2] + 10));
  assert_int_equal (c.first, f->a[2] + 10);
  assert_int_equal (c.last, f->a[5] + 2);
  fetched = ingest_log_nats_get_info (log)->fetched;
  assert_int_equal (fetched, 4);
  /* Again: from the cache. */
  memset (&c, 0, sizeof c);
  c.min_ns = G_MAXINT64, c.max_ns = G_MININT64;
  assert_true (ingest_log_read (log, f->a[2] + 10, f->a[5] + 3, INGEST_TIME_MIN, INGEST_TIME_MAX,
                                &funcs, &c, NULL, &error));
  assert_int_equal (ingest_log_nats_get_info (log)->fetched, fetched);
  assert_true (ingest_log_nats_get_info (log)->cache_hits >= 4);
  /* A time range: only the messages that overlap it are fetched. */
  memset (&c, 0, sizeof c);
  c.min_ns = G_MAXINT64, c.max_ns = G_MININT64;
  assert_true (ingest_log_read (log, 0, G_MAXUINT64, 1000000 + 7 * LINES_PER_MESSAGE * 1000,
                                1000000 + 8 * LINES_PER_MESSAGE * 1000 - 1, &funcs, &c, NULL,
                                &error));
  assert_int_equal (c.n, LINES_PER_MESSAGE);
  assert_true (c.min_ns >= 1000000 + 7 * LINES_PER_MESSAGE * 1000);
}

static void
test_torn_index_tail (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestLog) log = NULL;
  g_autofree char *index = index_path (f);
  IngestSeq durable;
  int fd;

  NEED_SERVER (f);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  write_messages (f, log);
  durable = ingest_log_n_durable (log);
  assert_true (ingest_log_close (log, &error));
  g_clear_pointer (&log, ingest_log_free);
  /* Half an entry at the end (a write cut short by a kill -9). */
  fd = open (index, O_WRONLY | O_APPEND);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, "0123456789abcdefghi", 19), 19);
  close (fd);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  assert_int_equal (ingest_log_nats_get_info (log)->torn_bytes, 19);
  assert_int_equal (ingest_log_n_durable (log), durable);
  assert_true (ingest_log_close (log, &error));
  g_clear_pointer (&log, ingest_log_free);
  /* A last entry that does not follow on (its first log seq wrong). */
  fd = open (index, O_WRONLY);
  assert_true (fd >= 0);
  {
    guint8 bad[8] = { 0xff, 0xff, 0, 0, 0, 0, 0, 0 };
    off_t last = 160 + (off_t) (N_MESSAGES - 1) * 40 + 8;
    assert_int_equal (pwrite (fd, bad, 8, last), 8);
  }
  close (fd);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  assert_int_equal (ingest_log_nats_get_info (log)->torn_bytes, 40);
  assert_int_equal (ingest_log_n_durable (log), f->a[N_MESSAGES - 1]);
  /* Another writer is refused while this one holds the index. */
  {
    g_autoptr(GError) e2 = NULL;
    IngestLog *second = open_log (f, "T", &e2);
    assert_null (second);
    assert_non_null (strstr (e2->message, "another collector"));
  }
}

static void
test_retention_and_deleted (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestLog) log = NULL;
  g_autoptr(IngestStore) back = NULL;
  g_auto(IngestLogSkipped) skipped = { 0 };
  jsOptions o;
  jsErrCode jerr = 0;

  NEED_SERVER (f);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  write_messages (f, log);
  assert_true (ingest_log_close (log, &error));
  g_clear_pointer (&log, ingest_log_free);
  /* The stream forgets the first 3 messages, and message 7 alone. */
  jsOptions_Init (&o);
  o.Stream.Purge.Sequence = f->sseq[3];
  assert_int_equal (js_PurgeStream (f->js, "T", &o, &jerr), NATS_OK);
  assert_int_equal (js_DeleteMsg (f->js, "T", f->sseq[7], NULL, &jerr), NATS_OK);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  assert_int_equal (ingest_log_first_seq (log), f->a[3]);
  assert_int_equal (ingest_log_nats_get_info (log)->retained_events, f->a[3]);
  back = rebuild (log, &skipped, &error);
  assert_non_null (back);
  assert_int_equal (skipped.bad_blocks, 1);
  assert_int_equal (skipped.lost_events, f->b[7] - f->a[7]);
  assert_non_null (strstr (skipped.first_problem, "no longer has this message"));
  assert_int_equal (ingest_store_n_events (back),
                    ingest_store_n_events (f->writer) - f->a[3] - (f->b[7] - f->a[7]));
  /* Strict: the deleted message is an error naming it. */
  {
    g_autoptr(IngestStore) strict = ingest_store_new ();
    g_autoptr(GError) e2 = NULL;
    g_autofree char *name = g_strdup_printf ("nats:T#%" G_GUINT64_FORMAT, f->sseq[7]);
    assert_false (ingest_log_read_into_store (log, 0, G_MAXUINT64, strict, NULL, NULL, &e2));
    assert_non_null (strstr (e2->message, name));
  }
}

static void
test_local_events_and_other_stream (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestLog) log = NULL;
  g_autoptr(IngestStore) back = NULL;
  g_auto(IngestLogSkipped) skipped = { 0 };
  IngestEventInput in = { 0 };
  IngestSeq before;
  g_autofree char *created = NULL;

  NEED_SERVER (f);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  write_messages (f, log);
  /* Two events from another source: not in the stream. */
  before = ingest_store_n_events (f->writer);
  in.kind = INGEST_EVENT_MARK;
  in.time_ns = 5;
  in.text = INGEST_STR ("local");
  ingest_store_append (f->writer, &in);
  ingest_store_append (f->writer, &in);
  assert_true (ingest_log_append (log, f->writer, before, before + 2, &error));
  assert_true (ingest_log_flush (log, &error));
  assert_int_equal (ingest_log_nats_get_info (log)->local_events, 2);
  assert_int_equal (ingest_log_n_durable (log), before + 2);
  assert_true (ingest_log_close (log, &error));
  g_clear_pointer (&log, ingest_log_free);
  log = open_log (f, "T", &error);
  assert_non_null (log);
  back = rebuild (log, &skipped, &error);
  assert_non_null (back);
  assert_int_equal (ingest_store_n_events (back), before);
  assert_int_equal (skipped.lost_events, 2);
  assert_non_null (strstr (skipped.first_problem, "another source"));
  assert_true (ingest_log_close (log, &error));
  g_clear_pointer (&log, ingest_log_free);
  /* The index is T's: opening it for U is refused. */
  assert_true (ingest_nats_ensure_stream (f->js, "U", "u.>", 1, 0, &created, &error));
  {
    g_autoptr(GError) e2 = NULL;
    assert_null (open_log (f, "U", &e2));
    assert_non_null (strstr (e2->message, "another stream"));
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_round_trip, setup, teardown),
    cmocka_unit_test_setup_teardown (test_ranges_and_cache, setup, teardown),
    cmocka_unit_test_setup_teardown (test_torn_index_tail, setup, teardown),
    cmocka_unit_test_setup_teardown (test_retention_and_deleted, setup, teardown),
    cmocka_unit_test_setup_teardown (test_local_events_and_other_stream, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
