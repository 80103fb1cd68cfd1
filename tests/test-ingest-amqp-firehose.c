/* test-ingest-amqp-firehose.c: the RabbitMQ firehose mapping on records
 * built here (the real broker and clients are in test-amqp-firehose.mjs):
 * publish/deliver through an exchange and a queue, FIFO among identical
 * messages, RPC pairing by correlation_id, unroutable publishes, deliveries
 * whose publish was never seen; the URL password check. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "ingest-amqp-firehose.h"
#include "ingest-source-amqp.h"

static IngestFirehoseRecord *
record (gint64 t, gboolean deliver, const char *name, const char *exchange, const char *rk,
        const char *routed, const char *conn, const char *body)
{
  IngestFirehoseRecord *r = ingest_firehose_record_new ();
  r->time_ns = t;
  r->deliver = deliver;
  r->name = g_strdup (name);
  r->exchange = g_strdup (exchange);
  r->routing_keys = g_strdup (rk);
  if (routed != NULL)
    {
      g_auto(GStrv) qs = g_strsplit (routed, ",", -1);
      r->routed_queues = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; qs[i] != NULL && qs[i][0] != '\0'; i++)
        g_ptr_array_add (r->routed_queues, g_strdup (qs[i]));
    }
  r->connection = g_strdup (conn);
  r->body_size = strlen (body);
  r->body = g_bytes_new (body, strlen (body));
  return r;
}

static void
feed (IngestFirehoseMapper *m, IngestFirehoseRecord *r)
{
  ingest_firehose_mapper_feed (m, r);
  ingest_firehose_record_free (r);
}

#define PUB "10.0.0.1:1000 -> 10.0.0.9:5672"
#define CON "10.0.0.2:2000 -> 10.0.0.9:5672"

static void
test_publish_deliver (void **state)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  g_autoptr(IngestFirehoseMapper) m = ingest_firehose_mapper_new (s, "t");
  IngestFirehoseStats st;
  IngestActorStats q;
  IngestActorId queue;

  /* Two identical messages and a different one; delivered in order. */
  feed (m, record (100, FALSE, "orders", "orders", "new", "work", PUB, "a"));
  feed (m, record (110, FALSE, "orders", "orders", "new", "work", PUB, "a"));
  feed (m, record (120, FALSE, "orders", "orders", "new", "work", PUB, "b"));
  feed (m, record (300, TRUE, "work", "orders", "new", NULL, CON, "b"));
  feed (m, record (400, TRUE, "work", "orders", "new", NULL, CON, "a"));
  feed (m, record (500, TRUE, "work", "orders", "new", NULL, CON, "a"));
  feed (m, record (600, FALSE, "nowhere", "nowhere", "x", "", PUB, "lost"));
  feed (m, record (700, TRUE, "work", "orders", "new", NULL, CON, "never published"));

  ingest_firehose_mapper_get_stats (m, &st);
  assert_int_equal (st.publishes, 4);
  assert_int_equal (st.deliveries, 4);
  assert_int_equal (st.unroutable, 1);
  assert_int_equal (st.unmatched, 1);

  queue = ingest_store_find_actor (s, "queue:work");
  assert_true (queue != 0);
  assert_int_equal (ingest_store_actor (s, queue)->kind, INGEST_ACTOR_QUEUE);
  assert_int_equal (ingest_store_actor (s, ingest_store_find_actor (s, "conn:10.0.0.1:1000"))->kind,
                    INGEST_ACTOR_CLIENT);
  ingest_store_actor_stats (s, queue, &q);
  /* Time in queue: b 120 -> 300, first a 100 -> 400, second a 110 -> 500. */
  assert_int_equal (q.mailbox.count, 3);
  assert_int_equal (q.mailbox.min_ns, 180);
  assert_int_equal (q.mailbox.max_ns, 390);
  assert_int_equal (q.pending, 0);
  {
    IngestActorStats x;
    ingest_store_actor_stats (s, ingest_store_find_actor (s, "exchange:nowhere"), &x);
    assert_int_equal (x.dropped, 1);
  }
}

static void
test_rpc (void **state)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  g_autoptr(IngestFirehoseMapper) m = ingest_firehose_mapper_new (s, "t");
  IngestFirehoseRecord *r;
  IngestActorStats client;
  IngestFirehoseStats st;

  /* Client (PUB) asks via the default exchange, reply queue amq.gen-1. */
  r = record (1000, FALSE, "", "", "rpc", "rpc", PUB, "req");
  r->reply_to = g_strdup ("amq.gen-1");
  r->correlation_id = g_strdup ("c1");
  feed (m, r);
  r = record (1100, TRUE, "rpc", "", "rpc", NULL, CON, "req");
  r->reply_to = g_strdup ("amq.gen-1");
  r->correlation_id = g_strdup ("c1");
  feed (m, r);
  /* The server (CON) answers to the reply queue with the correlation id. */
  r = record (1200, FALSE, "", "", "amq.gen-1", "amq.gen-1", CON, "ans");
  r->correlation_id = g_strdup ("c1");
  feed (m, r);
  r = record (1500, TRUE, "amq.gen-1", "", "amq.gen-1", NULL, PUB, "ans");
  r->correlation_id = g_strdup ("c1");
  feed (m, r);

  ingest_firehose_mapper_get_stats (m, &st);
  assert_int_equal (st.responses, 1);
  assert_true (ingest_store_find_actor (s, "exchange:(default)") != 0);
  ingest_store_actor_stats (s, ingest_store_find_actor (s, "conn:10.0.0.1:1000"), &client);
  assert_int_equal (client.round_trip.count, 1);
  assert_int_equal (client.round_trip.min_ns, 500);
  assert_int_equal (client.unanswered, 0);
}

static void
test_names_and_urls (void **state)
{
  g_autofree char *a = ingest_firehose_connection_actor ("127.0.0.1:5 -> 127.0.0.1:5672");
  g_autofree char *b = ingest_firehose_connection_actor ("<rabbit@host.1.2.0>");
  g_autofree char *c = ingest_firehose_connection_actor (NULL);
  assert_string_equal (a, "conn:127.0.0.1:5");
  assert_string_equal (b, "conn:<rabbit@host.1.2.0>");
  assert_string_equal (c, "conn:(unknown)");
  assert_true (ingest_amqp_url_has_password ("amqp://u:p@h:5672/%2f"));
  assert_false (ingest_amqp_url_has_password ("amqp://u@h:5672/%2f"));
  assert_false (ingest_amqp_url_has_password ("amqp://h:5672/a:b@c"));
  assert_false (ingest_amqp_url_has_password ("amqp://h"));
}

static void
test_bad_url (void **state)
{
  g_autoptr(IngestStore) s = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  IngestAmqpSource *src = ingest_amqp_source_new (s, "http://nope", NULL, NULL, &error);
  assert_null (src);
  assert_non_null (error);
  assert_non_null (strstr (error->message, "amqp://"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_publish_deliver),
    cmocka_unit_test (test_rpc),
    cmocka_unit_test (test_names_and_urls),
    cmocka_unit_test (test_bad_url),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
