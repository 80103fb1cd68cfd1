/* test-ingest-store-evict.c: a store with a memory budget answers exactly
 * as one without.
 *
 * The same generated trace goes into two stores: one without a budget, one
 * with a budget far below the trace's size, told after every batch that the
 * events up to a lagging point are durable (as `serve` does after each log
 * flush). The trace has what reaches back into evicted time: responses,
 * receives, acks and drops naming messages sent long before, events out of
 * time order, actors that come and go. Then every answer is compared:
 * events and messages field for field, actor and edge statistics (counts,
 * bytes, pending, errors, latency histograms), counters, the time index,
 * views (graph, timeline) over a window in evicted time and over
 * everything, and the native NDJSON of every event (what /events?from=0
 * and `convert` write).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-store.h"
#include "ingest-store-pager.h"
#include "ingest-view.h"
#include "ingest-native-writer.h"
#include "test-ingest-common.h"
#include "test-util.h"

#define N_MESSAGES 60000
#define BUDGET (512 * 1024)

/* Appends the same trace to every store of stores[n]; after each batch the
 * budgeted ones (every store) may evict what is older than `lag` events. */
static void
feed (IngestStore **stores, guint n)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (10);
  gint64 t = 1000000000;
  char key[32], req[32], answered[32], actor[64], peer[64], label[32];

  for (guint i = 1; i <= N_MESSAGES; i++)
    {
      guint a = g_rand_int_range (r, 0, 40), b = g_rand_int_range (r, 0, 40);
      gboolean held = i % 17 == 0;          /* a broker queue: delivery, then ACK */
      t += g_rand_int_range (r, 1000, 50000);
      g_snprintf (key, sizeof key, "m%u", i);
      g_snprintf (actor, sizeof actor, "/user/pool-%u/w%u", a % 5, a);
      g_snprintf (peer, sizeof peer, held ? "queue-%u" : "/user/pool-%u/w%u", b % 5, b);
      g_snprintf (label, sizeof label, "Job%u", i % 7);
      /* Every 50th message asks for an answer (reply_to) and answers one
       * sent 20,000 messages before (long evicted by then): its round trip
       * needs the old request, still open, so still in the key table. */
      const char *in_reply_to = NULL;
      if (i % 50 == 0 && i > 20000)
        {
          g_snprintf (answered, sizeof answered, "m%u", i - 20000);
          in_reply_to = answered;
        }
      for (guint s = 0; s < n; s++)
        {
          IngestEventInput in = { 0 };
          in.kind = INGEST_EVENT_SEND;
          in.time_ns = t;
          in.actor = INGEST_STR (actor);
          in.peer = INGEST_STR (peer);
          in.message_key = INGEST_STR (key);
          in.label = INGEST_STR (label);
          in.size = i % 100;
          in.until_ack = held;
          in.in_reply_to = in_reply_to ? INGEST_STR (in_reply_to) : INGEST_STR_NONE;
          in.reply_to = i % 50 == 0 ? INGEST_STR (actor) : INGEST_STR_NONE;
          ingest_store_append (stores[s], &in);
          if (i % 3 != 0)
            {
              test_ingest_ev (stores[s], INGEST_EVENT_RECEIVE, t + 500, peer, NULL, key, NULL, NULL, NULL);
              test_ingest_ev (stores[s], INGEST_EVENT_DONE, t + 900, peer, NULL, key, NULL, NULL, NULL);
            }
          /* Late events for messages sent 10,000 earlier: a receive (of an
           * open message, or of a complete one, which starts a new message
           * whether or not its key was retired), an ACK of a held message,
           * a drop of an open one; and a slightly out-of-order mark. */
          if (i > 10000 && i % 3 == 1)
            {
              g_snprintf (req, sizeof req, "m%u", i - 9999);
              test_ingest_ev (stores[s], INGEST_EVENT_RECEIVE, t + 100, "/user/late", NULL, req, NULL,
                              NULL, NULL);
            }
          if (i > 10000 && (i - 10000) % 17 == 0)
            {
              g_snprintf (req, sizeof req, "m%u", i - 10000);
              test_ingest_ev (stores[s], INGEST_EVENT_ACK, t + 200, peer, NULL, req, NULL, NULL, NULL);
            }
          if (i > 10000 && i % 101 == 0)
            {
              g_snprintf (req, sizeof req, "m%u", (i - 10003) / 3 * 3); /* never received */
              test_ingest_ev (stores[s], INGEST_EVENT_DROP, t + 300, peer, NULL, req, NULL, "expired", NULL);
            }
          if (i % 997 == 0)
            test_ingest_ev (stores[s], INGEST_EVENT_MARK, t - 700000, actor, NULL, NULL, NULL,
                            "error: late mark", NULL);
          if (i % 5003 == 0)
            test_ingest_ev (stores[s], INGEST_EVENT_EXIT, t + 1000, actor, NULL, NULL, NULL, "boom", NULL);
          guint64 ne = ingest_store_n_events (stores[s]);
          if (i % 100 == 0 && ne > 3000)
            ingest_store_set_evictable (stores[s], ne - 3000);
        }
    }
}

static void
assert_latency_equal (const IngestLatency *a, const IngestLatency *b)
{
  assert_int_equal (a->count, b->count);
  assert_int_equal (a->min_ns, b->min_ns);
  assert_int_equal (a->max_ns, b->max_ns);
  assert_int_equal (a->mean_ns, b->mean_ns);
  assert_int_equal (a->p50_ns, b->p50_ns);
  assert_int_equal (a->p99_ns, b->p99_ns);
}

static void
assert_graphs_equal (IngestStore *plain, IngestStore *budgeted, const IngestViewSpec *spec)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestGraph) a = ingest_graph_build (plain, spec, &error);
  g_autoptr(IngestGraph) b = ingest_graph_build (budgeted, spec, &error);
  assert_non_null (a);
  assert_non_null (b);
  assert_int_equal (a->from_ns, b->from_ns);
  assert_int_equal (a->to_ns, b->to_ns);
  assert_int_equal (a->nodes->len, b->nodes->len);
  assert_int_equal (a->edges->len, b->edges->len);
  assert_true (a->edges->len > 0);
  for (guint i = 0; i < a->nodes->len; i++)
    {
      const IngestViewNode *x = &g_array_index (a->nodes, IngestViewNode, i);
      const IngestViewNode *y = &g_array_index (b->nodes, IngestViewNode, i);
      assert_string_equal (x->name, y->name);
      assert_int_equal (x->sent, y->sent);
      assert_int_equal (x->received, y->received);
      assert_int_equal (x->errors, y->errors);
      assert_int_equal (x->dropped, y->dropped);
      assert_int_equal (x->mailbox_depth_max, y->mailbox_depth_max);
      assert_latency_equal (&x->mailbox, &y->mailbox);
      assert_latency_equal (&x->processing, &y->processing);
    }
  for (guint i = 0; i < a->edges->len; i++)
    {
      const IngestViewEdge *x = &g_array_index (a->edges, IngestViewEdge, i);
      const IngestViewEdge *y = &g_array_index (b->edges, IngestViewEdge, i);
      assert_int_equal (x->from, y->from);
      assert_int_equal (x->to, y->to);
      assert_int_equal (x->count, y->count);
      assert_int_equal (x->received, y->received);
      assert_int_equal (x->dropped, y->dropped);
      assert_int_equal (x->bytes, y->bytes);
      assert_int_equal (x->pending, y->pending);
      assert_int_equal (x->top_label, y->top_label);
      assert_latency_equal (&x->mailbox, &y->mailbox);
      assert_latency_equal (&x->round_trip, &y->round_trip);
    }
}

static void
assert_timelines_equal (IngestStore *plain, IngestStore *budgeted, const IngestViewSpec *spec)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestTimeline) a = ingest_timeline_build (plain, spec, &error);
  g_autoptr(IngestTimeline) b = ingest_timeline_build (budgeted, spec, &error);
  assert_non_null (a);
  assert_non_null (b);
  assert_int_equal (a->n_messages_total, b->n_messages_total);
  assert_true (a->n_messages_total > 0);
  assert_int_equal (a->aggregated, b->aggregated);
  assert_int_equal (a->lanes->len, b->lanes->len);
  assert_int_equal (a->messages->len, b->messages->len);
  assert_int_equal (a->spans->len, b->spans->len);
  assert_int_equal (a->marks->len, b->marks->len);
  assert_int_equal (a->bins->len, b->bins->len);
  assert_int_equal (a->depth->len, b->depth->len);
  /* field by field: the arrays' padding bytes are whatever malloc left */
  for (guint i = 0; i < a->messages->len; i++)
    {
      const IngestTimelineMessage *x = &g_array_index (a->messages, IngestTimelineMessage, i);
      const IngestTimelineMessage *y = &g_array_index (b->messages, IngestTimelineMessage, i);
      assert_int_equal (x->message, y->message);
      assert_int_equal (x->from_lane, y->from_lane);
      assert_int_equal (x->to_lane, y->to_lane);
      assert_int_equal (x->send_ns, y->send_ns);
      assert_int_equal (x->receive_ns, y->receive_ns);
      assert_int_equal (x->label, y->label);
      assert_int_equal (x->is_response, y->is_response);
      assert_int_equal (x->dropped, y->dropped);
    }
  for (guint i = 0; i < a->spans->len; i++)
    {
      const IngestTimelineSpan *x = &g_array_index (a->spans, IngestTimelineSpan, i);
      const IngestTimelineSpan *y = &g_array_index (b->spans, IngestTimelineSpan, i);
      assert_int_equal (x->lane, y->lane);
      assert_int_equal (x->message, y->message);
      assert_int_equal (x->start_ns, y->start_ns);
      assert_int_equal (x->end_ns, y->end_ns);
      assert_int_equal (x->label, y->label);
    }
  for (guint i = 0; i < a->marks->len; i++)
    {
      const IngestTimelineMark *x = &g_array_index (a->marks, IngestTimelineMark, i);
      const IngestTimelineMark *y = &g_array_index (b->marks, IngestTimelineMark, i);
      assert_int_equal (x->lane, y->lane);
      assert_int_equal (x->time_ns, y->time_ns);
      assert_int_equal (x->kind, y->kind);
      assert_int_equal (x->exit_status, y->exit_status);
      assert_int_equal (x->text, y->text);
    }
  for (guint i = 0; i < a->bins->len; i++)
    {
      const IngestDensityBin *x = &g_array_index (a->bins, IngestDensityBin, i);
      const IngestDensityBin *y = &g_array_index (b->bins, IngestDensityBin, i);
      assert_int_equal (x->from_lane, y->from_lane);
      assert_int_equal (x->to_lane, y->to_lane);
      assert_int_equal (x->start_ns, y->start_ns);
      assert_int_equal (x->end_ns, y->end_ns);
      assert_int_equal (x->count, y->count);
      assert_int_equal (x->spans, y->spans);
    }
  for (guint i = 0; i < a->depth->len; i++)
    {
      const IngestDepthSample *x = &g_array_index (a->depth, IngestDepthSample, i);
      const IngestDepthSample *y = &g_array_index (b->depth, IngestDepthSample, i);
      assert_int_equal (x->lane, y->lane);
      assert_int_equal (x->time_ns, y->time_ns);
      assert_int_equal (x->depth, y->depth);
    }
}

static char *
native_text (IngestStore *store)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  assert_true (ingest_native_write (store, 0, out, &error));
  assert_true (g_output_stream_close (out, NULL, NULL));
  gsize n = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  char *text = g_malloc (n + 1);
  memcpy (text, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), n);
  text[n] = '\0';
  return text;
}

static void
test_budget_keeps_every_answer (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-evict-XXXXXX");
  g_autoptr(IngestStore) plain = ingest_store_new ();
  g_autoptr(IngestStore) budgeted = ingest_store_new ();
  g_autoptr(GError) error = NULL;

  assert_true (ingest_store_set_memory_budget (budgeted, BUDGET, dir, &error));
  feed ((IngestStore *[]) { plain, budgeted }, 2);

  /* It did evict, most of the trace, and stays near its budget (the key
   * table and the strings are what stays in RAM). */
  guint64 n = ingest_store_n_events (plain);
  assert_int_equal (ingest_store_n_events (budgeted), n);
  assert_true (ingest_store_n_evicted_events (budgeted) > n / 2);
  printf ("%" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " evicted; store bytes %" G_GSIZE_FORMAT
          " without a budget, %" G_GSIZE_FORMAT " with\n", n, ingest_store_n_evicted_events (budgeted),
          ingest_store_memory_bytes (plain), ingest_store_memory_bytes (budgeted));
  assert_true (ingest_store_memory_bytes (budgeted) < ingest_store_memory_bytes (plain));
  /* The answers, reaching into evicted time, read back pages. */
  guint64 reads_before = ingest_store_n_page_reads (budgeted);
  assert_true (reads_before > 0); /* late receives, acks, drops, responses */

  assert_int_equal (ingest_store_n_messages (budgeted), ingest_store_n_messages (plain));
  assert_int_equal (ingest_store_n_actors (budgeted), ingest_store_n_actors (plain));
  for (IngestSeq s = 0; s < n; s++)
    assert_memory_equal (ingest_store_event (plain, s), ingest_store_event (budgeted, s),
                         sizeof (IngestEvent));
  for (IngestMessageId m = 1; m <= ingest_store_n_messages (plain); m++)
    {
      /* A late RECEIVE of a retired key stores the key again: same text,
       * another handle. */
      IngestMessage x = *ingest_store_message (plain, m), y = *ingest_store_message (budgeted, m);
      assert_string_equal (ingest_store_atom (plain, x.key), ingest_store_atom (budgeted, y.key));
      x.key = y.key = 0;
      assert_memory_equal (&x, &y, sizeof (IngestMessage));
      assert_int_equal (ingest_store_message_dropped (plain, m),
                        ingest_store_message_dropped (budgeted, m));
    }
  assert_true (ingest_store_n_page_reads (budgeted) > reads_before);

  for (IngestActorId a = 1; a <= ingest_store_n_actors (plain); a++)
    {
      IngestActorStats x, y;
      ingest_store_actor_stats (plain, a, &x);
      ingest_store_actor_stats (budgeted, a, &y);
      assert_memory_equal (&x, &y, sizeof x);
      assert_memory_equal (ingest_store_actor (plain, a), ingest_store_actor (budgeted, a),
                           sizeof (IngestActor));
    }
  gsize ne_a, ne_b;
  g_autofree IngestEdgeStats *ea = ingest_store_dup_edges (plain, &ne_a);
  g_autofree IngestEdgeStats *eb = ingest_store_dup_edges (budgeted, &ne_b);
  assert_int_equal (ne_a, ne_b);
  assert_memory_equal (ea, eb, ne_a * sizeof *ea);
  assert_memory_equal (ingest_store_counters (plain), ingest_store_counters (budgeted),
                       sizeof (IngestStoreCounters));

  /* The time index (the marks came out of order), over evicted time. */
  gint64 t0, t1;
  assert_true (ingest_store_time_range (plain, &t0, &t1));
  for (gint64 t = t0; t < t1; t += (t1 - t0) / 97)
    {
      gsize p = ingest_store_time_lower_bound (plain, t);
      assert_int_equal (p, ingest_store_time_lower_bound (budgeted, t));
      if (p < n)
        assert_int_equal (ingest_store_time_seq (plain, p), ingest_store_time_seq (budgeted, p));
    }

  /* Views: a window in evicted time, and everything. */
  IngestViewSpec early = { .from_ns = t0 + (t1 - t0) / 10, .to_ns = t0 + (t1 - t0) / 5 };
  IngestViewSpec all = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };
  const char *const groups[] = { "/user/pool-1/*", NULL };
  IngestViewSpec grouped = early;
  grouped.groups = groups;
  grouped.label_filter = "/Job[1-3]/";
  assert_graphs_equal (plain, budgeted, &early);
  assert_graphs_equal (plain, budgeted, &all);
  assert_graphs_equal (plain, budgeted, &grouped);
  assert_timelines_equal (plain, budgeted, &early);
  assert_timelines_equal (plain, budgeted, &all);
  assert_timelines_equal (plain, budgeted, &grouped);

  /* Every event as NDJSON, from seq 0: what /events?from=0 sends. */
  g_autofree char *text_a = native_text (plain);
  g_autofree char *text_b = native_text (budgeted);
  assert_string_equal (text_a, text_b);

  test_tmpdir_clear (&dir);
}

/* Appends messages first..last (send, receive, done unless open) and lets
 * all but the last 3000 events leave RAM. */
static void
feed_messages (IngestStore *store, guint first, guint last, gboolean open)
{
  char key[32];
  for (guint i = first; i <= last; i++)
    {
      gint64 t = 1000000000 + (gint64) i * 1000;
      g_snprintf (key, sizeof key, "message-%u", i);
      test_ingest_ev (store, INGEST_EVENT_SEND, t, "/user/a", "/user/b", key, "Job", NULL, NULL);
      if (!open)
        {
          test_ingest_ev (store, INGEST_EVENT_RECEIVE, t + 100, "/user/b", NULL, key, NULL, NULL, NULL);
          test_ingest_ev (store, INGEST_EVENT_DONE, t + 200, "/user/b", NULL, key, NULL, NULL, NULL);
        }
      guint64 ne = ingest_store_n_events (store);
      if (i % 100 == 0 && ne > 3000)
        ingest_store_set_evictable (store, ne - 3000);
    }
}

/* With a budget the store's memory stays flat however many messages pass:
 * keys of complete messages leave the key table, key texts leave RAM with
 * their messages, and open keys are bounded. A late ACK naming a retired
 * key counts as unmatched (documented in ingest-store.h), never silently. */
static void
test_budget_memory_flat (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-flat-XXXXXX");
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  const gsize budget = 4 * 1024 * 1024;

  assert_true (ingest_store_set_memory_budget (store, budget, dir, &error));
  feed_messages (store, 1, 100000, FALSE);
  gsize at_100k = ingest_store_memory_bytes (store);
  for (guint k = 1; k < 8; k++)
    {
      feed_messages (store, k * 100000 + 1, (k + 1) * 100000, FALSE);
      assert_true (ingest_store_memory_bytes (store) <= budget + budget / 4);
    }
  gsize at_800k = ingest_store_memory_bytes (store);
  guint64 open = 0, retired = ingest_store_n_retired_messages (store, &open);
  printf ("complete messages: %" G_GSIZE_FORMAT " bytes after 100k, %" G_GSIZE_FORMAT
          " after 800k; %" G_GUINT64_FORMAT " keys retired\n", at_100k, at_800k, retired);
  assert_true (at_100k <= budget + budget / 4);
  assert_true (at_800k <= budget + budget / 4);
  assert_true (retired > 700000); /* all but the newest 65536 and those in RAM */
  assert_int_equal (open, 0);
  assert_int_equal (ingest_store_counters (store)->unmatched, 0);

  /* Answers stay: the first message, long evicted, reads back. */
  const IngestMessage *m = ingest_store_message (store, 1);
  assert_string_equal (ingest_store_atom (store, m->key), "message-1");
  assert_true (m->done_seq != INGEST_SEQ_NONE);

  /* A late RECEIVE of a complete message starts a new one, as without a
   * budget; a late ACK of a retired key is unmatched. */
  guint32 n_messages = ingest_store_n_messages (store);
  test_ingest_ev (store, INGEST_EVENT_ACK, 2000000000, "/user/b", NULL, "message-7", NULL, NULL, NULL);
  assert_int_equal (ingest_store_counters (store)->unmatched, 1);
  assert_int_equal (ingest_store_n_messages (store), n_messages + 1);

  /* Messages never received: the open keys are bounded too, and counted.
   * What still grows past the budget here is bounded by design: the key
   * table (up to 2 x 65536 open keys; its sixteen shards grow by 1.5x on
   * their own and the hash is seeded at random, so where it settles varies
   * by up to a megabyte from run to run) and the read caches of the three
   * page files (events, messages, keys: INGEST_STORE_PAGER_CACHE pages of
   * 64 KiB each), which fill as retiring old keys reads their pages back. */
  const gsize caches = 3 * (gsize) INGEST_STORE_PAGER_CACHE * 64 * 1024;
  feed_messages (store, 800001, 1000000, TRUE);
  gsize at_200k_open = ingest_store_memory_bytes (store);
  feed_messages (store, 1000001, 1200000, TRUE);
  gsize at_400k_open = ingest_store_memory_bytes (store);
  ingest_store_n_retired_messages (store, &open);
  printf ("open messages: %" G_GSIZE_FORMAT " bytes after 200k, %" G_GSIZE_FORMAT
          " after 400k; %" G_GUINT64_FORMAT " open keys retired\n", at_200k_open,
          at_400k_open, open);
  assert_true (open > 250000);
  assert_true (at_200k_open <= budget + budget / 2 + caches);
  assert_true (at_400k_open <= budget + budget / 2 + caches);
}

/* Nothing evicts before the owner says the log holds it. */
static void
test_budget_waits_for_durable (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-evict-XXXXXX");
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  char key[32];

  assert_true (ingest_store_set_memory_budget (store, 64 * 1024, dir, &error));
  for (guint i = 0; i < 50000; i++)
    {
      g_snprintf (key, sizeof key, "k%u", i);
      test_ingest_ev (store, INGEST_EVENT_SEND, i * 1000, "/a", "/b", key, "L", NULL, NULL);
    }
  assert_int_equal (ingest_store_n_evicted_events (store), 0);
  ingest_store_set_evictable (store, 10000);
  ingest_store_evict (store);
  /* whole chunks of 2048 events below 10000 */
  assert_int_equal (ingest_store_n_evicted_events (store), 8192);
  /* lowered (as serve does after a restore): nothing more leaves RAM */
  ingest_store_set_evictable (store, 5000);
  ingest_store_evict (store);
  assert_int_equal (ingest_store_n_evicted_events (store), 8192);
  ingest_store_set_evictable (store, 50000);
  ingest_store_evict (store);
  assert_true (ingest_store_n_evicted_events (store) >= 40000);
  assert_int_equal (ingest_store_event (store, 1)->time_ns, 1000);
  assert_int_equal (ingest_store_message (store, 2)->send_seq, 1);
  test_tmpdir_clear (&dir);
}

/* A budget set once events exist (chunks begun without one have no
 * message mark): eviction still starts at the oldest chunk, and every
 * event and message reads as in a store without a budget. */
static void
test_budget_set_late (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-late-XXXXXX");
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestStore) plain = ingest_store_new ();
  g_autoptr(GError) error = NULL;

  feed_messages (store, 1, 20000, FALSE);
  feed_messages (plain, 1, 20000, FALSE);
  assert_true (ingest_store_set_memory_budget (store, 256 * 1024, dir, &error));
  ingest_store_set_evictable (store, ingest_store_n_events (store));
  ingest_store_evict (store);
  assert_true (ingest_store_n_evicted_events (store) >= 40000);
  feed_messages (store, 20001, 60000, FALSE);
  feed_messages (plain, 20001, 60000, FALSE);
  assert_true (ingest_store_n_evicted_events (store) >= 150000);
  for (IngestSeq s = 0; s < ingest_store_n_events (plain); s += 7)
    assert_memory_equal (ingest_store_event (store, s), ingest_store_event (plain, s), sizeof (IngestEvent));
  for (IngestMessageId id = 1; id <= ingest_store_n_messages (plain); id += 13)
    {
      const IngestMessage *a = ingest_store_message (store, id), *b = ingest_store_message (plain, id);
      assert_int_equal (a->done_seq, b->done_seq);
      assert_string_equal (ingest_store_atom (store, a->key), ingest_store_atom (plain, b->key));
    }
  test_tmpdir_clear (&dir);
}

/* A page directory that cannot hold the page file: a clear error. */
static void
test_budget_bad_page_dir (void **state)
{
  (void) state;
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;

  assert_false (ingest_store_set_memory_budget (store, 1 << 20, "/nonexistent/actorscope", &error));
  assert_non_null (error);
  assert_non_null (strstr (error->message, "/nonexistent/actorscope"));
}

/* Retention on a live store: the oldest evicted chunks go for good, the
 * page files give their disk back and stay bounded however long the stream,
 * running totals stay exact, and every reader sees only what is held. */
static void
test_retain_bounds_page_file (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-retain-XXXXXX");
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestStore) plain = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  IngestStoreRetained got;
  gint64 disk_early = 0, disk_max = 0;
  guint64 dropped = 0;

  assert_true (ingest_store_set_memory_budget (store, 1024 * 1024, dir, &error));
  for (guint round = 0; round < 12; round++)
    {
      feed_messages (store, round * 50000 + 1, (round + 1) * 50000, FALSE);
      feed_messages (plain, round * 50000 + 1, (round + 1) * 50000, FALSE);
      /* keep the newest 60,000 events (serve: what the log still holds) */
      guint64 n = ingest_store_n_events (store);
      IngestSeq first = ingest_store_retain_before (store, n - 60000, &got);
      dropped += got.events;
      assert_int_equal (first, dropped);
      assert_int_equal (first % 2048, 0);
      assert_true (first <= n - 60000);
      assert_true (got.events == 0 || got.page_bytes > 0);
      gint64 disk = ingest_store_page_disk_bytes (store);
      assert_true (disk >= 0);
      if (round == 2)
        disk_early = disk;
      if (g_getenv ("RETAIN_DEBUG"))
        {
          IngestStoreRetained t;
          ingest_store_get_retained (store, &t);
          printf ("round %u: disk %" G_GINT64_FORMAT " events %" G_GUINT64_FORMAT " messages %" G_GUINT64_FORMAT " of %u\n", round, disk, t.events, t.messages, ingest_store_n_messages (store));
        }
      disk_max = MAX (disk_max, disk);
    }
  printf ("retention: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " events dropped; page files "
          "%" G_GINT64_FORMAT " bytes on disk after 3 rounds, at most %" G_GINT64_FORMAT " over 12\n",
          dropped, ingest_store_n_events (store), disk_early, disk_max);
  /* 1.8 M events passed: without retention the page files would hold them
   * all; with it, about the newest 60,000 plus a budget's worth. */
  assert_true (dropped > 1500000);
  assert_true (disk_max <= disk_early + disk_early / 2 + 65536);

  IngestSeq first = ingest_store_first_seq (store);
  assert_int_equal (first, dropped);
  /* nothing below first reads; everything from it equals the plain store */
  assert_null (ingest_store_event (store, first - 1));
  for (IngestSeq s = first; s < first + 5000; s++)
    assert_memory_equal (ingest_store_event (store, s), ingest_store_event (plain, s),
                         sizeof (IngestEvent));
  assert_int_equal (ingest_store_time_lower_bound (store, G_MININT64), first);
  assert_int_equal (ingest_store_time_seq (store, first), first);

  /* running totals: exact, as without retention */
  IngestActorStats a, b;
  IngestActorId id = ingest_store_find_actor (store, "/user/b");
  ingest_store_actor_stats (store, id, &a);
  ingest_store_actor_stats (plain, ingest_store_find_actor (plain, "/user/b"), &b);
  assert_int_equal (a.received, b.received);
  assert_int_equal (a.processed, b.processed);
  assert_int_equal (a.pending, b.pending);
  assert_latency_equal (&a.mailbox, &b.mailbox);
  assert_latency_equal (&a.processing, &b.processing);

  /* A view over everything sees what is held: the plain store's view from
   * the time of the first event held. */
  IngestViewSpec all = { 0 }, held = { 0 };
  all.from_ns = G_MININT64;
  all.to_ns = INGEST_TIME_MAX;
  held.from_ns = ingest_store_event (store, first)->time_ns;
  held.to_ns = INGEST_TIME_MAX;
  g_autoptr(IngestGraph) ga = ingest_graph_build (store, &all, &error);
  g_autoptr(IngestGraph) gb = ingest_graph_build (plain, &held, &error);
  assert_non_null (ga);
  assert_non_null (gb);
  assert_int_equal (ga->edges->len, gb->edges->len);
  assert_int_equal (g_array_index (ga->edges, IngestViewEdge, 0).count,
                    g_array_index (gb->edges, IngestViewEdge, 0).count);

  /* A late ACK naming a message retained away is unmatched, never a crash. */
  guint64 unmatched = ingest_store_counters (store)->unmatched;
  test_ingest_ev (store, INGEST_EVENT_ACK, 2000000000, "/user/b", NULL, "message-7", NULL, NULL, NULL);
  assert_int_equal (ingest_store_counters (store)->unmatched, unmatched + 1);
  test_tmpdir_clear (&dir);
}

/* The page file reads back what was written last, whether a rewrite went
 * to the end (it grew) or stayed in place (shorter than what it replaced:
 * the old frame's tail stays behind it in the file), and its slot table
 * gives back what discarding its oldest pages forgot. */
static void
test_pager_rewrite_and_discard (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-pager-XXXXXX");
  g_autoptr(GError) error = NULL;
  const gsize bytes = 64 * 1024;
  g_autoptr(IngestStorePager) pager = ingest_store_pager_new (dir, bytes, &error);
  g_autofree guint32 *page = g_new (guint32, bytes / 4);
  g_autoptr(GRand) r = g_rand_new_with_seed (3);

  assert_non_null (pager);
  for (gsize p = 0; p < 300; p++)
    {
      for (gsize i = 0; i < bytes / 4; i++)
        page[i] = (guint32) (p * 1000 + i % 7);
      assert_true (ingest_store_pager_put (pager, p, page, &error));
    }
  gsize table_300 = ingest_store_pager_table_bytes (pager);
  /* page 5: random (a long frame, moved to the end), then regular again
   * (a short one, in its place: the long one's tail follows it) */
  for (gsize i = 0; i < bytes / 4; i++)
    page[i] = g_rand_int (r);
  assert_true (ingest_store_pager_put (pager, 5, page, &error));
  assert_memory_equal (ingest_store_pager_peek (pager, 5), page, bytes);
  for (gsize i = 0; i < bytes / 4; i++)
    page[i] = (guint32) (i % 3);
  assert_true (ingest_store_pager_put (pager, 5, page, &error));
  assert_memory_equal (ingest_store_pager_get (pager, 5, FALSE), page, bytes);
  const guint32 *other = ingest_store_pager_get (pager, 299, FALSE);
  assert_int_equal (other[8], 299 * 1000 + 1);

  /* retention: the oldest 290 pages go, their slots with them */
  guint64 freed = 0;
  for (gsize p = 0; p < 290; p++)
    freed += ingest_store_pager_discard (pager, p);
  assert_true (freed >= 290 * 4096);
  assert_int_equal (ingest_store_pager_discard (pager, 3), 0); /* once */
  assert_true (ingest_store_pager_table_bytes (pager) <= table_300 / 4);
  other = ingest_store_pager_peek (pager, 295);
  assert_int_equal (other[8], 295 * 1000 + 1);
  /* a page discarded cannot be written again */
  assert_false (ingest_store_pager_put (pager, 10, page, &error));
  assert_non_null (error);
  g_clear_error (&error);
  assert_true (ingest_store_pager_put (pager, 300, page, &error));
  assert_memory_equal (ingest_store_pager_get (pager, 300, FALSE), page, bytes);
  g_clear_pointer (&pager, ingest_store_pager_free);
  test_tmpdir_clear (&dir);
}

/* Retention drops the keys of the messages it drops, never one a kept
 * message names: here keys are reused (a source's ids wrap around, some
 * soon, some long after), some messages have none (a stretch of them too,
 * so that the oldest chunk kept may begin without a key), and after every
 * retention each kept message reads the key it reads in a store that keeps
 * everything. */
static void
test_retain_keeps_reused_keys (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-keys-XXXXXX");
  g_autoptr(IngestStore) retained = ingest_store_new ();
  g_autoptr(IngestStore) whole = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  IngestStore *stores[] = { retained, whole };
  IngestStoreRetained got;
  guint64 key_page_bytes = 0;
  char key[48];

  assert_true (ingest_store_set_memory_budget (retained, 1024 * 1024, dir, &error));
  for (guint i = 1; i <= 300000; i++)
    {
      gint64 t = 1000000000 + (gint64) i * 1000;
      gboolean anonymous = i % 7 == 0 || (i > 100000 && i < 103000);
      /* ids of two widths, wrapping after 1,500 and 40,000 messages */
      if (i % 2)
        g_snprintf (key, sizeof key, "short-%u", i % 1500);
      else
        g_snprintf (key, sizeof key, "a-much-longer-message-id-%u", i % 40000);
      for (guint k = 0; k < 2; k++)
        {
          IngestStore *st = stores[k];
          test_ingest_ev (st, INGEST_EVENT_SEND, t, "/user/a", "/user/b", anonymous ? NULL : key, NULL, NULL,
                          NULL);
          if (!anonymous)
            {
              test_ingest_ev (st, INGEST_EVENT_RECEIVE, t + 100, "/user/b", NULL, key, NULL, NULL, NULL);
              test_ingest_ev (st, INGEST_EVENT_DONE, t + 200, "/user/b", NULL, key, NULL, NULL, NULL);
            }
        }
      guint64 ne = ingest_store_n_events (retained);
      if (i % 100 == 0 && ne > 3000)
        ingest_store_set_evictable (retained, ne - 3000);
      if (i % 20000 == 0)
        {
          ingest_store_retain_before (retained, ne - 60000, &got);
          ingest_store_get_retained (retained, &got);
          key_page_bytes = got.page_bytes;
          guint32 n = ingest_store_n_messages (retained);
          assert_int_equal (n, ingest_store_n_messages (whole));
          for (guint32 id = (guint32) got.messages + 1; id <= n; id++)
            {
              const IngestMessage *a = ingest_store_message (retained, id);
              const IngestMessage *b = ingest_store_message (whole, id);
              assert_int_equal (a->send_seq, b->send_seq);
              assert_string_equal (ingest_store_atom (retained, a->key), ingest_store_atom (whole, b->key));
            }
        }
    }
  IngestStoreRetained total;
  ingest_store_get_retained (retained, &total);
  printf ("reused keys: %" G_GUINT64_FORMAT " messages retained away, %" G_GUINT64_FORMAT
          " bytes of page files freed, %" G_GINT64_FORMAT " on disk\n", total.messages, key_page_bytes,
          ingest_store_page_disk_bytes (retained));
  assert_true (total.messages > 200000);
  /* The key arena's pages went too: 300,000 keys of 10-32 bytes are about
   * 100 pages of 64 KiB, 0.6 MB on disk compressed, which would double
   * what the page files take (1.1 MB; 0.55 MB with the keys dropped). */
  assert_true (ingest_store_page_disk_bytes (retained) < 850 * 1024);
  test_tmpdir_clear (&dir);
}

/* The per-chunk bookkeeping (chunk tables, page-file slots, marks) of a
 * service that runs for days: with retention it follows what is held, so
 * it stays flat however many events pass; without, it is what keeps the
 * whole history addressable, a few bytes per 2048 events. */
static void
test_retain_chunk_tables_flat (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-tables-XXXXXX");
  g_autoptr(IngestStore) retained = ingest_store_new ();
  g_autoptr(IngestStore) whole = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  const guint round = 25000; /* messages: 75,000 events */
  gsize at_n[2] = { 0 }, at_4n[2] = { 0 };
  guint64 events_n = 0, events_4n = 0;

  assert_true (ingest_store_set_memory_budget (retained, 1024 * 1024, dir, &error));
  assert_true (ingest_store_set_memory_budget (whole, 1024 * 1024, dir, &error));
  for (guint r = 0; r < 16; r++)
    {
      feed_messages (retained, r * round + 1, (r + 1) * round, FALSE);
      feed_messages (whole, r * round + 1, (r + 1) * round, FALSE);
      /* keep the newest 60,000 events (serve: what the log still holds) */
      ingest_store_retain_before (retained, ingest_store_n_events (retained) - 60000, NULL);
      if (r == 3 || r == 15)
        {
          gsize *at = r == 3 ? at_n : at_4n;
          at[0] = ingest_store_chunk_tables_bytes (retained);
          at[1] = ingest_store_chunk_tables_bytes (whole);
          *(r == 3 ? &events_n : &events_4n) = ingest_store_n_events (whole);
        }
    }
  double chunks_n = (double) events_n / 2048, chunks_4n = (double) events_4n / 2048;
  printf ("chunk tables: with retention %" G_GSIZE_FORMAT " bytes after %" G_GUINT64_FORMAT
          " events, %" G_GSIZE_FORMAT " after %" G_GUINT64_FORMAT "; without %" G_GSIZE_FORMAT
          " (%.1f bytes per 2048 events) and %" G_GSIZE_FORMAT " (%.1f)\n", at_n[0], events_n,
          at_4n[0], events_4n, at_n[1], at_n[1] / chunks_n, at_4n[1], at_4n[1] / chunks_4n);
  assert_true (ingest_store_first_seq (retained) > events_4n - 80000);
  /* flat: 900,000 more events leave nothing behind (the tables of the
   * chunks held may sit at another point of their growth: 4 KiB) */
  assert_true (at_4n[0] <= at_n[0] + 4096);
  /* Without retention: an 8-byte page slot per chunk of events, of
   * messages and of keys (this trace: 683 messages and about 10 KiB of
   * keys per 2048 events, so 14.6 bytes), and the tables' growth by half:
   * at most 22. */
  assert_true (at_4n[1] <= 22 * chunks_4n);
  assert_true (at_4n[1] >= 8 * chunks_4n);

  /* what is held still reads */
  IngestSeq first = ingest_store_first_seq (retained);
  const IngestEvent *ev = ingest_store_event (retained, first);
  assert_non_null (ev);
  assert_memory_equal (ev, ingest_store_event (whole, first), sizeof *ev);
  const IngestMessage *m = ingest_store_message (retained, ev->message);
  assert_string_equal (ingest_store_atom (retained, m->key),
                       ingest_store_atom (whole, ingest_store_message (whole, ev->message)->key));
  test_tmpdir_clear (&dir);
}

/* Out of time order: the events retained away take the first positions of
 * the time order and the rest stay sorted, as in the plain store. */
static void
test_retain_time_order (void **state)
{
  (void) state;
  g_autofree char *dir = test_tmpdir_new ("store-retain-XXXXXX");
  g_autoptr(IngestStore) budgeted = ingest_store_new ();
  g_autoptr(IngestStore) plain = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  IngestStore *stores[] = { plain, budgeted };

  assert_true (ingest_store_set_memory_budget (budgeted, BUDGET, dir, &error));
  feed (stores, 2);
  (void) ingest_store_time_lower_bound (budgeted, 0); /* order materialised before */
  IngestSeq first = ingest_store_retain_before (budgeted, ingest_store_n_events (budgeted) / 2, NULL);
  assert_true (first > 0);
  gsize n = ingest_store_n_events (plain);
  gsize pos = first;
  for (gsize i = 0; i < n; i++)
    {
      IngestSeq s = ingest_store_time_seq (plain, i);
      if (s < first)
        continue;
      assert_int_equal (ingest_store_time_seq (budgeted, pos), s);
      pos++;
    }
  assert_int_equal (pos, n);
  for (gsize i = 0; i < first; i++)
    assert_true (ingest_store_time_seq (budgeted, i) < first);
  /* later events pairing with messages retained away: no crash, counted */
  IngestStore *more[] = { budgeted };
  feed (more, 1);
  IngestStoreRetained total;
  ingest_store_get_retained (budgeted, &total);
  assert_int_equal (total.events, first);
  test_tmpdir_clear (&dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_budget_keeps_every_answer),
    cmocka_unit_test (test_budget_memory_flat),
    cmocka_unit_test (test_budget_waits_for_durable),
    cmocka_unit_test (test_budget_set_late),
    cmocka_unit_test (test_budget_bad_page_dir),
    cmocka_unit_test (test_retain_bounds_page_file),
    cmocka_unit_test (test_pager_rewrite_and_discard),
    cmocka_unit_test (test_retain_keeps_reused_keys),
    cmocka_unit_test (test_retain_chunk_tables_flat),
    cmocka_unit_test (test_retain_time_order),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
