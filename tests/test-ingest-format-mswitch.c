/* test-ingest-format-mswitch.c: message-switch /trace bodies: the mapping
 * (client -> queue -> server and back), exact times, duplicates, gaps,
 * restarts, concatenated bodies split anywhere, malformed bodies. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-parser.h"
#include "test-ingest-common.h"

#define REQ(id, t, n, method) \
  "[" #id ",{\"time\":" t ",\"input\":\"xapi:1\",\"queue\":\"svc\",\"message\":[\"Message\",[\"svc\"," #n "]," \
  "{\"payload\":\"{\\\"method\\\":\\\"" method "\\\",\\\"params\\\":[],\\\"id\\\":1}\",\"kind\":[\"Request\",\"xapi:1\"]}]}]"
#define DELIVER(id, t, n) \
  "[" #id ",{\"time\":" t ",\"queue\":\"svc\",\"output\":\"server:2\",\"message\":[\"Message\",[\"svc\"," #n "]," \
  "{\"payload\":\"{}\",\"kind\":[\"Request\",\"xapi:1\"]}]}]"
#define RESP(id, t, m, n, err) \
  "[" #id ",{\"time\":" t ",\"input\":\"server:2\",\"queue\":\"xapi:1\",\"message\":[\"Message\",[\"xapi:1\"," #m "]," \
  "{\"payload\":\"{\\\"result\\\":1,\\\"error\\\":" err "}\",\"kind\":[\"Response\",[\"svc\"," #n "]]}]}]"
#define RESP_DELIVER(id, t, m, n) \
  "[" #id ",{\"time\":" t ",\"queue\":\"xapi:1\",\"output\":\"xapi:1\",\"message\":[\"Message\",[\"xapi:1\"," #m "]," \
  "{\"payload\":\"{}\",\"kind\":[\"Response\",[\"svc\"," #n "]]}],\"processing_time\":5000000}]"
#define ACK(id, t, n) \
  "[" #id ",{\"time\":" t ",\"input\":\"server:2\",\"queue\":\"svc\",\"message\":[\"Ack\",[\"svc\"," #n "]]}]"

static const char body1[] =
  "{\"events\":[" REQ (0, "1795484650.000001", 0, "VM.start") "," DELIVER (1, "1795484650.001001", 0) ","
  RESP (2, "1795484650.003001", 0, 0, "null") "," RESP_DELIVER (3, "1795484650.005001", 0, 0) ","
  ACK (4, "1795484650.005101", 0) "]}";
/* overlapping poll: 3 and 4 again, then 5; then a gap (7..8 lost); then a
 * restart (id 0 with a later time) */
static const char body2[] =
  "{\"events\":[" RESP_DELIVER (3, "1795484650.005001", 0, 0) "," ACK (4, "1795484650.005101", 0) ","
  REQ (5, "1795484651.000000", 1, "VM.shutdown") "]}";
static const char body3[] = "{\"events\":[" REQ (9, "1795484652.000000", 2, "VM.pause") "]}";
static const char body4[] = "{\"events\":[" REQ (0, "1795484660.5", 0, "Host.restart") "]}";

static IngestStore *
parse_text (const char *text, gsize len, gsize step, gboolean strict, IngestParser **out, GError **error)
{
  IngestParserOptions opts = { .strict = strict, .source_name = "poll.json" };
  IngestParser *p;
  IngestStore *store = test_ingest_parse (text, len, step, &opts, &p, error);

  if (store)
    assert_int_equal (ingest_parser_get_format (p), INGEST_FORMAT_MSWITCH);
  if (out)
    *out = p;
  else
    ingest_parser_free (p);
  return store;
}

static char *
all_bodies (void)
{
  /* as a poller saves them: one per line, and two glued together */
  return g_strconcat (body1, "\n", body2, body3, "\n", body4, "\n", NULL);
}

static void
test_mapping (void **state)
{
  g_autoptr (IngestStore) store = parse_text (body1, strlen (body1), 0, TRUE, NULL, NULL);
  IngestActorId client, queue, server;
  const IngestEvent *ev;
  const IngestMessage *req;
  IngestActorStats st;
  gsize n_edges;
  g_autofree IngestEdgeStats *edges = NULL;
  gboolean client_to_queue = FALSE, queue_to_server = FALSE, server_to_client = FALSE;

  assert_non_null (store);
  client = ingest_store_find_actor (store, "xapi:1");
  queue = ingest_store_find_actor (store, "svc");
  server = ingest_store_find_actor (store, "server:2");
  assert_true (client && queue && server);
  assert_int_equal (ingest_store_actor (store, client)->kind, INGEST_ACTOR_CLIENT);
  assert_int_equal (ingest_store_actor (store, queue)->kind, INGEST_ACTOR_QUEUE);
  assert_int_equal (ingest_store_actor (store, server)->kind, INGEST_ACTOR_CLIENT);

  ev = ingest_store_event (store, 0);
  assert_int_equal (ev->kind, INGEST_EVENT_SEND);
  assert_int_equal (ev->time_ns, G_GINT64_CONSTANT (1795484650000001000)); /* exact */
  req = ingest_store_message (store, ev->message);
  assert_string_equal (ingest_store_atom (store, req->key), "svc#0");
  assert_string_equal (ingest_store_atom (store, req->label), "VM.start");
  assert_int_equal (req->reply_to, client);
  assert_non_null (strstr (ingest_store_payload (store, req->payload), "VM.start"));
  assert_int_not_equal (req->response, 0);
  assert_string_equal (ingest_store_atom (store, ingest_store_message (store, req->response)->label), "response");

  edges = ingest_store_dup_edges (store, &n_edges);
  for (gsize i = 0; i < n_edges; i++)
    {
      if (edges[i].from == client && edges[i].to == queue)
        {
          client_to_queue = TRUE;
          assert_int_equal (edges[i].mailbox.count, 1); /* in the queue until the ack: 5.1 ms */
          assert_true (edges[i].mailbox.p50_ns > 5000000 && edges[i].mailbox.p50_ns < 5200000);
        }
      queue_to_server |= edges[i].from == queue && edges[i].to == server;
      server_to_client |= edges[i].from == server && edges[i].to == client;
    }
  assert_true (client_to_queue && queue_to_server && server_to_client);

  ingest_store_actor_stats (store, server, &st);  /* delivery -> response: 2 ms */
  assert_int_equal (st.processing.count, 1);
  assert_true (st.processing.p50_ns > 1900000 && st.processing.p50_ns < 2100000);
  assert_int_equal (st.acked, 1);
  ingest_store_actor_stats (store, client, &st);  /* request -> response: 5 ms */
  assert_int_equal (st.round_trip.count, 1);
  assert_true (st.round_trip.p50_ns > 4900000 && st.round_trip.p50_ns < 5100000);
  assert_int_equal (st.unanswered, 0);
}

static void
test_duplicates_gaps_restart_every_split (void **state)
{
  g_autofree char *text = all_bodies ();
  g_autoptr (IngestStore) whole = parse_text (text, strlen (text), 0, TRUE, NULL, NULL);
  IngestStoreCounters *c;
  guint64 n;

  assert_non_null (whole);
  c = ingest_store_counters (whole);
  assert_int_equal (c->duplicate_events, 2);
  assert_int_equal (c->lost_events, 3); /* ids 6, 7, 8 */
  /* the restarted broker reuses svc#0: a new message, not the old one */
  n = ingest_store_n_events (whole);
  {
    const IngestEvent *last = ingest_store_event (whole, n - 1);
    const IngestMessage *m = ingest_store_message (whole, last->message);
    assert_string_equal (ingest_store_atom (whole, m->key), "svc#0@1");
    assert_string_equal (ingest_store_atom (whole, m->label), "Host.restart");
    assert_int_equal (last->time_ns, G_GINT64_CONSTANT (1795484660500000000));
  }
  for (gsize step = 1; step < 40; step += 3)
    {
      g_autoptr (IngestStore) s = parse_text (text, strlen (text), step, TRUE, NULL, NULL);
      assert_non_null (s);
      assert_int_equal (ingest_store_n_events (s), n);
      assert_int_equal (ingest_store_counters (s)->duplicate_events, 2);
      assert_int_equal (ingest_store_counters (s)->lost_events, 3);
    }
}

/* The clock steps back inside a body, then the next poll overlaps it:
 * the repeated events are duplicates (same id, same content), not a
 * restart (ids back while the time went on). */
static void
test_clock_back_overlap (void **state)
{
  static const char text[] =
    "{\"events\":[" REQ (0, "1795484650.000001", 0, "VM.start") "," DELIVER (1, "1795484650.001001", 0) ","
    RESP (2, "1795484649.500000", 0, 0, "null") "]}\n"
    "{\"events\":[" DELIVER (1, "1795484650.001001", 0) "," RESP (2, "1795484649.500000", 0, 0, "null") ","
    RESP_DELIVER (3, "1795484649.501000", 0, 0) "]}\n";
  static const char each_once[] =
    "{\"events\":[" REQ (0, "1795484650.000001", 0, "VM.start") "," DELIVER (1, "1795484650.001001", 0) ","
    RESP (2, "1795484649.500000", 0, 0, "null") "," RESP_DELIVER (3, "1795484649.501000", 0, 0) "]}\n";
  g_autoptr (IngestStore) s = parse_text (text, strlen (text), 0, TRUE, NULL, NULL);
  g_autoptr (IngestStore) once = parse_text (each_once, strlen (each_once), 0, TRUE, NULL, NULL);
  IngestStoreCounters *c;

  assert_non_null (s);
  c = ingest_store_counters (s);
  assert_int_equal (c->duplicate_events, 2);
  assert_int_equal (c->lost_events, 0);
  assert_int_equal (c->unmatched, 0);
  assert_int_equal (ingest_store_n_messages (s), ingest_store_n_messages (once));
  assert_int_equal (ingest_store_n_events (s), ingest_store_n_events (once));
}

/* A restarted broker whose clock is not ahead of the old one's: its ids
 * start again at 0 with new content, so it is a restart, and none of its
 * events is dropped as a duplicate. */
static void
test_restart_clock_behind (void **state)
{
  static const char text[] =
    "{\"events\":[" REQ (0, "1795484650.000001", 0, "VM.start") "," DELIVER (1, "1795484650.001001", 0) ","
    RESP (2, "1795484650.002000", 0, 0, "null") "," RESP_DELIVER (3, "1795484650.003000", 0, 0) "]}\n"
    "{\"events\":[" REQ (0, "1795484640.000001", 0, "Host.restart") "," DELIVER (1, "1795484640.001001", 0) ","
    RESP (2, "1795484640.002000", 0, 0, "null") "]}\n";
  g_autoptr (IngestStore) s = parse_text (text, strlen (text), 0, TRUE, NULL, NULL);
  /* each broker's events alone */
  const char *nl = strchr (text, '\n') + 1;
  g_autoptr (IngestStore) first = parse_text (text, nl - text, 0, TRUE, NULL, NULL);
  g_autoptr (IngestStore) second = parse_text (nl, strlen (nl), 0, TRUE, NULL, NULL);
  const IngestEvent *last;

  assert_non_null (s);
  assert_int_equal (ingest_store_counters (s)->duplicate_events, 0);
  assert_int_equal (ingest_store_counters (s)->lost_events, 0);
  assert_int_equal (ingest_store_n_events (s), ingest_store_n_events (first) + ingest_store_n_events (second));
  last = ingest_store_event (s, ingest_store_n_events (s) - 1);
  assert_string_equal (ingest_store_atom (s, ingest_store_message (s, last->message)->key), "xapi:1#0@1");

  /* The new broker had run a while before it was polled: its first id is
   * not small, but an id we never read below the last one is not an
   * overlap either (the ring repeats only recent ids). */
  {
    static const char later[] =
      "{\"events\":[" REQ (10000, "1795484650.000001", 0, "VM.start") "," DELIVER (10001, "1795484650.001001", 0) "]}\n"
      "{\"events\":[" REQ (5000, "1795484640.000001", 0, "Host.restart") "," DELIVER (5001, "1795484640.001001", 0) "]}\n";
    g_autoptr (IngestStore) t = parse_text (later, strlen (later), 0, TRUE, NULL, NULL);
    assert_non_null (t);
    assert_int_equal (ingest_store_counters (t)->duplicate_events, 0);
    assert_int_equal (ingest_store_counters (t)->lost_events, 5000);
    last = ingest_store_event (t, ingest_store_n_events (t) - 1);
    assert_true (g_str_has_prefix (ingest_store_atom (t, ingest_store_message (t, last->message)->key),
                                   "svc#0@1"));
  }
}

/* Ids at the ends of the 64-bit range: no overflow in the gap count.
 * Broker ids count from 0, so a negative one is malformed. */
static void
test_id_extremes (void **state)
{
  static const char neg[] =
    "{\"events\":[" REQ (-9223372036854775808, "1795484650.000001", 0, "A") ","
    REQ (9223372036854775807, "1795484650.000002", 1, "B") "]}\n";
  static const char gap[] =
    "{\"events\":[" REQ (0, "1795484650.000001", 0, "A") ","
    REQ (9223372036854775807, "1795484650.000002", 1, "B") "]}\n"
    "{\"events\":[" REQ (9223372036854775807, "1795484650.000002", 1, "B") "]}\n";
  g_autoptr (IngestParser) p = NULL;
  g_autoptr (IngestStore) a = parse_text (neg, strlen (neg), 0, FALSE, &p, NULL);
  g_autoptr (IngestStore) b = parse_text (gap, strlen (gap), 0, TRUE, NULL, NULL);

  assert_non_null (a);
  assert_int_equal (ingest_parser_n_skipped (p), 1);
  assert_int_equal (ingest_store_counters (a)->lost_events, 0);
  assert_int_equal (ingest_store_n_events (a), 1);
  assert_non_null (b);
  assert_true (ingest_store_counters (b)->lost_events == (guint64) G_MAXINT64 - 1);
  assert_int_equal (ingest_store_counters (b)->duplicate_events, 1);
  assert_int_equal (ingest_store_n_events (b), 2);
}

static void
test_malformed (void **state)
{
  const char *text =
    "{\"events\":[[1,{\"time\":1.5,\"queue\":\"q\",\"message\":[\"Nope\",[\"q\",1]]}],"
    "[2,{\"queue\":\"q\",\"input\":\"c\",\"message\":[\"Ack\",[\"q\",1]]}],"
    "[\"x\",{}],"
    "[3,{\"time\":2.5,\"input\":\"c\",\"queue\":\"q\",\"message\":[\"Ack\",[\"q\",1]]}]]}\n"
    "{\"events\":[[4,{\"time\":3.5,\"input\":\"c\" \"queue\":\"q\"}]]}\n"      /* syntax error */
    "{\"events\":[[5,{\"time\":4.5,\"input\":\"c\",\"queue\":\"q\",\"message\":[\"Ack\",[\"q\",1]]}]]}\n";
  IngestParser *p = NULL;
  g_autoptr (GError) error = NULL;
  IngestStore *store = parse_text (text, strlen (text), 0, FALSE, &p, NULL);
  const GError *first;

  assert_non_null (store);
  assert_int_equal (ingest_store_n_events (store), 2);   /* ids 3 and 5 */
  assert_int_equal (ingest_parser_n_skipped (p), 4);
  first = g_ptr_array_index (ingest_parser_get_diagnostics (p), 0);
  assert_true (g_str_has_prefix (first->message, "poll.json:1:12: "));
  ingest_parser_free (p);
  ingest_store_free (store);

  store = parse_text (text, strlen (text), 0, TRUE, NULL, &error);
  assert_null (store);
  assert_true (g_str_has_prefix (error->message, "poll.json:1:12: "));
  g_clear_error (&error);

  /* truncated body: lenient keeps the complete events and counts the rest */
  store = parse_text (body1, strlen (body1) - 5, 0, FALSE, &p, NULL);
  assert_non_null (store);
  assert_int_equal (ingest_parser_n_records (p), 4);
  assert_int_equal (ingest_parser_n_skipped (p), 1);
  first = g_ptr_array_index (ingest_parser_get_diagnostics (p), 0);
  assert_non_null (strstr (first->message, "truncated"));
  ingest_parser_free (p);
  ingest_store_free (store);
  store = parse_text (body1, strlen (body1) - 5, 0, TRUE, NULL, &error);
  assert_null (store);
  assert_non_null (strstr (error->message, "truncated"));
}

static void
test_hostile_payload (void **state)
{
  const char *text = "{\"events\":[[0,{\"time\":1.0,\"input\":\"<script>x</script>\",\"queue\":\"q&\\\"\\u0001\","
                     "\"message\":[\"Message\",[\"q&\\\"\\u0001\",0],{\"payload\":\"\xff\xfe\\u0000 \\\"method\\\":\\\"<b>\\\"\","
                     "\"kind\":[\"Request\",\"r\"]}]}]]}";
  g_autoptr (IngestStore) store = parse_text (text, strlen (text), 0, TRUE, NULL, NULL);
  const IngestMessage *m;
  assert_non_null (store);
  assert_true (ingest_store_find_actor (store, "<script>x</script>") != 0);
  m = ingest_store_message (store, 1);
  assert_string_equal (ingest_store_atom (store, m->label), "<b>");
  assert_true (g_utf8_validate (ingest_store_payload (store, m->payload), -1, NULL));
}

/* The broker's queue length is what was sent and not yet acked: delivery
 * does not remove a message, the (possibly much later) Ack does. */
static void
test_queue_depth_follows_acks (void **state)
{
  (void) state;
  static const char body[] =
    "{\"events\":[" REQ (0, "1795484650.000000", 0, "A") "," REQ (1, "1795484650.001000", 1, "B") ","
    REQ (2, "1795484650.002000", 2, "C") "," DELIVER (3, "1795484650.003000", 0) ","
    DELIVER (4, "1795484650.004000", 1) "," DELIVER (5, "1795484650.005000", 2) ","
    ACK (6, "1795484650.010000", 0) "]}";
  static const char more[] =
    "{\"events\":[" ACK (7, "1795484650.020000", 1) "," ACK (8, "1795484650.030000", 2) ","
    ACK (9, "1795484650.040000", 2) "]}";
  GError *error = NULL;
  IngestParserOptions opts = { .strict = TRUE, .source_name = "poll.json" };
  g_autoptr(IngestStore) store = ingest_store_new ();
  IngestParser *p = ingest_parser_new (store, &opts);
  assert_true (ingest_parser_feed (p, (const guint8 *) body, sizeof body - 1, &error));
  IngestActorId svc = ingest_store_find_actor (store, "svc");
  IngestActorId server = ingest_store_find_actor (store, "server:2");
  IngestActorStats st;

  ingest_store_actor_stats (store, svc, &st);
  assert_true (ingest_store_actor (store, svc)->removed_on_ack);
  assert_int_equal (st.mailbox_depth, 2);     /* 3 sent, 1 acked */
  assert_int_equal (st.mailbox_depth_max, 3);
  assert_int_equal (st.pending, 2);
  assert_int_equal (st.delivered_unacked, 2); /* all delivered */
  assert_int_equal (st.mailbox.count, 1);     /* time in queue ends at the ack */
  assert_int_equal (st.mailbox.max_ns, 10000000);
  /* the hops to the server are plain messages, taken out on receipt */
  ingest_store_actor_stats (store, server, &st);
  assert_false (ingest_store_actor (store, server)->removed_on_ack);
  assert_int_equal (st.mailbox_depth, 0);

  assert_true (ingest_parser_feed (p, (const guint8 *) more, sizeof more - 1, &error));
  assert_true (ingest_parser_finish (p, &error));
  ingest_store_actor_stats (store, svc, &st);
  assert_int_equal (st.mailbox_depth, 0);     /* emptied by the acks; acked twice counts once */
  assert_int_equal (st.pending, 0);
  assert_int_equal (st.delivered_unacked, 0);
  assert_int_equal (st.mailbox.count, 3);
  assert_int_equal (st.mailbox.max_ns, 28000000);
  ingest_parser_free (p);
}

/* Broker ids start at 0: a capture whose first id is 8 lost 0..7 before
 * anyone read them, which is not the same as a gap while polling. */
static void
test_lost_before_attach (void **state)
{
  (void) state;
  static const char body[] =
    "{\"events\":[" REQ (8, "1795484650.000000", 0, "A") "," DELIVER (9, "1795484650.001000", 0) "]}\n"
    "{\"events\":[" ACK (12, "1795484650.002000", 0) "]}";
  GError *error = NULL;
  g_autoptr(IngestStore) store = parse_text (body, sizeof body - 1, 0, TRUE, NULL, &error);
  assert_non_null (store);
  IngestStoreCounters *c = ingest_store_counters (store);
  assert_int_equal (c->lost_before_attach, 8);
  assert_int_equal (c->lost_events, 2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_mapping),
    cmocka_unit_test (test_duplicates_gaps_restart_every_split),
    cmocka_unit_test (test_clock_back_overlap),
    cmocka_unit_test (test_restart_clock_behind),
    cmocka_unit_test (test_id_extremes),
    cmocka_unit_test (test_malformed),
    cmocka_unit_test (test_hostile_payload),
    cmocka_unit_test (test_queue_depth_follows_acks),
    cmocka_unit_test (test_lost_before_attach),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
