/* test-ingest-graph-window.c: the sliding-window graph equals the batch
 * graph (ingest_graph_build) of the same window, filters and groups, on
 * random streams (pending, received, dropped, answered messages, crashes,
 * error marks, a few out-of-order timestamps) while the window slides; and
 * histogram removal keeps counts and quantiles. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "ingest-graph-window.h"
#include "ingest-latency.h"
#include "test-ingest-common.h"

#define MS (G_GINT64_CONSTANT (1000000))

static void
assert_close (gint64 a, gint64 b)
{
  gint64 tol = (gint64) (0.041 * (double) MAX (ABS (a), ABS (b))) + 1;
  if (ABS (a - b) > tol)
    fail_msg ("%" G_GINT64_FORMAT " vs %" G_GINT64_FORMAT, a, b);
}

static void
assert_latency (const IngestLatency *x, const IngestLatency *y)
{
  assert_int_equal (x->count, y->count);
  assert_close (x->min_ns, y->min_ns);
  assert_close (x->max_ns, y->max_ns);
  assert_close (x->p50_ns, y->p50_ns);
  assert_close (x->p99_ns, y->p99_ns);
  assert_close (x->mean_ns, y->mean_ns);
}

static void
assert_graphs_equal (const IngestGraph *batch, const IngestGraph *win)
{
  assert_int_equal (batch->from_ns, win->from_ns);
  assert_int_equal (batch->to_ns, win->to_ns);
  assert_int_equal (batch->nodes->len, win->nodes->len);
  for (guint i = 0; i < batch->nodes->len; i++)
    {
      const IngestViewNode *x = &g_array_index (batch->nodes, IngestViewNode, i);
      const IngestViewNode *y = &g_array_index (win->nodes, IngestViewNode, i);
      assert_string_equal (x->name, y->name);
      assert_int_equal (x->is_group, y->is_group);
      assert_int_equal (x->n_members, y->n_members);
      assert_int_equal (x->sent, y->sent);
      assert_int_equal (x->received, y->received);
      assert_int_equal (x->errors, y->errors);
      assert_int_equal (x->crashes, y->crashes);
      assert_int_equal (x->dropped, y->dropped);
      assert_int_equal (x->alive, y->alive);
      /* Documented: a group's depth sums its members' last known depths. */
      if (!x->is_group)
        {
          assert_int_equal (x->actor, y->actor);
          assert_int_equal (x->mailbox_depth_max, y->mailbox_depth_max);
        }
      assert_latency (&x->mailbox, &y->mailbox);
      assert_latency (&x->processing, &y->processing);
    }
  assert_int_equal (batch->edges->len, win->edges->len);
  for (guint i = 0; i < batch->edges->len; i++)
    {
      const IngestViewEdge *x = &g_array_index (batch->edges, IngestViewEdge, i);
      const IngestViewEdge *y = &g_array_index (win->edges, IngestViewEdge, i);
      assert_int_equal (x->from, y->from);
      assert_int_equal (x->to, y->to);
      assert_int_equal (x->count, y->count);
      assert_int_equal (x->received, y->received);
      assert_int_equal (x->dropped, y->dropped);
      assert_int_equal (x->bytes, y->bytes);
      assert_int_equal (x->pending, y->pending);
      assert_true (x->rate_per_s == y->rate_per_s);
      /* One label per sender here, so Misra-Gries is exact on edges from
       * single actors; from a group, labels may tie (documented). */
      if (!g_array_index (batch->nodes, IngestViewNode, x->from).is_group)
        assert_int_equal (x->top_label, y->top_label);
      assert_latency (&x->mailbox, &y->mailbox);
      assert_latency (&x->round_trip, &y->round_trip);
    }
}

static void
run_random_rounds (const IngestViewSpec *filters, guint32 seed, guint rounds)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (TestIngestInFlight));
  GRand *rand = g_rand_new_with_seed (seed);
  TestIngestStream g = { store, rand, flight, 1000 * MS, 0, TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestGraphWindow) w = ingest_graph_window_new (store, filters, &error);
  g_assert_no_error (error);

  gint64 window = 300 * MS;
  guint compared = 0;
  guint step = rounds / 40;
  for (guint round = 0; round < rounds; round++)
    {
      test_ingest_stream_append (&g, g_rand_int_range (rand, 0, 150));
      /* Now and then the window grows back (a reset) or stays put. */
      if (round == 60)
        window = 500 * MS;
      gint64 hi = 0, lo = 0;
      ingest_store_time_range (store, &lo, &hi);
      gint64 from = hi - window;
      ingest_graph_window_advance (w, from);
      if (round % step != 0 && round != rounds - 1)
        continue;
      IngestViewSpec spec = *filters;
      spec.from_ns = from;
      spec.to_ns = INGEST_TIME_MAX;
      g_autoptr(IngestGraph) batch = ingest_graph_build (store, &spec, &error);
      g_assert_no_error (error);
      g_autoptr(IngestGraph) win = ingest_graph_window_dup_graph (w);
      assert_graphs_equal (batch, win);
      compared++;
    }
  assert_true (compared > 30);
  assert_true (ingest_store_n_events (store) > 3000);
  g_rand_free (rand);
}

/* Retention under a sliding window: the store forgets its oldest chunks
 * (ingest_store_retain_before()) while the window reaches back before them;
 * the window then equals the batch graph of what is held. */
static void
test_retention (void **state)
{
  (void) state;
  g_autofree char *dir = g_dir_make_tmp ("graph-window-retain-XXXXXX", NULL);
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GArray) flight = g_array_new (FALSE, FALSE, sizeof (TestIngestInFlight));
  GRand *rand = g_rand_new_with_seed (77);
  TestIngestStream g = { store, rand, flight, 1000 * MS, 0, TRUE };
  g_autoptr(GError) error = NULL;

  assert_non_null (dir);
  assert_true (ingest_store_set_memory_budget (store, 64 * 1024, dir, &error));
  g_autoptr(IngestGraphWindow) w = ingest_graph_window_new (store, NULL, &error);
  g_assert_no_error (error);
  guint compared = 0;
  for (guint round = 0; round < 800; round++)
    {
      test_ingest_stream_append (&g, g_rand_int_range (rand, 0, 150));
      guint64 n = ingest_store_n_events (store);
      ingest_store_set_evictable (store, n > 500 ? n - 500 : 0);
      ingest_store_evict (store);
      if (round % 25 == 0 && n > 8000)
        ingest_store_retain_before (store, n - 8000, NULL);
      gint64 hi = 0, lo = 0;
      ingest_store_time_range (store, &lo, &hi);
      /* reaches well before the first event held */
      gint64 from = hi - 20000 * MS;
      ingest_graph_window_advance (w, from);
      if (round % 20 != 0 && round != 799)
        continue;
      IngestViewSpec spec = { 0 };
      spec.from_ns = from;
      spec.to_ns = INGEST_TIME_MAX;
      g_autoptr(IngestGraph) batch = ingest_graph_build (store, &spec, &error);
      g_assert_no_error (error);
      g_autoptr(IngestGraph) win = ingest_graph_window_dup_graph (w);
      assert_graphs_equal (batch, win);
      compared++;
    }
  assert_true (ingest_store_first_seq (store) > 20000);
  assert_true (compared > 30);
  g_rand_free (rand);
  ingest_store_free (g_steal_pointer (&store));
  g_rmdir (dir);
}

static void
run_random (const IngestViewSpec *filters, guint32 seed)
{
  run_random_rounds (filters, seed, 120);
}

static void
test_random_plain (void **state)
{
  (void) state;
  IngestViewSpec spec = { 0 };
  for (guint32 seed = 1; seed <= 4; seed++)
    run_random (&spec, seed);
}

/* Long enough that the window's per-message flags drop the messages it
 * left behind (ingest-message-flags.c), some kept below its base. */
static void
test_random_long (void **state)
{
  (void) state;
  IngestViewSpec spec = { 0 };
  run_random_rounds (&spec, 40, 1600);
  IngestViewSpec spec2 = { .actor_filter = "/a/*", .groups = (const char *const[]) { "/b/*", NULL } };
  run_random_rounds (&spec2, 41, 1600);
}

static void
test_random_groups (void **state)
{
  (void) state;
  static const char *const groups[] = { "/b/*", "/a/x3", NULL };
  IngestViewSpec spec = { .groups = groups };
  for (guint32 seed = 10; seed <= 12; seed++)
    run_random (&spec, seed);
}

static void
test_random_filters (void **state)
{
  (void) state;
  IngestViewSpec spec = { .actor_filter = "/a/*", .label_filter = "/^(Job|Ask)$/" };
  for (guint32 seed = 20; seed <= 22; seed++)
    run_random (&spec, seed);
  IngestViewSpec spec2 = { .actor_filter = "/c", .groups = (const char *const[]) { "/a/*", NULL } };
  run_random (&spec2, 30);
}

static void
test_bad_regex (void **state)
{
  (void) state;
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  IngestViewSpec spec = { .actor_filter = "/(/" };
  IngestGraphWindow *w = ingest_graph_window_new (store, &spec, &error);
  assert_null (w);
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FILTER));
}

static void
test_empty_and_expired (void **state)
{
  (void) state;
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestGraphWindow) w = ingest_graph_window_new (store, NULL, NULL);
  ingest_graph_window_advance (w, INGEST_TIME_MIN);
  g_autoptr(IngestGraph) g0 = ingest_graph_window_dup_graph (w);
  assert_int_equal (g0->nodes->len, 0);
  test_ingest_ev (store, INGEST_EVENT_SEND, 10 * MS, "/a", "/b", "k1", "Job", NULL, NULL);
  test_ingest_ev (store, INGEST_EVENT_RECEIVE, 12 * MS, "/b", NULL, "k1", NULL, NULL, NULL);
  ingest_graph_window_advance (w, 0);
  g_autoptr(IngestGraph) g1 = ingest_graph_window_dup_graph (w);
  assert_int_equal (g1->nodes->len, 2);
  assert_int_equal (g1->edges->len, 1);
  assert_int_equal (g_array_index (g1->edges, IngestViewEdge, 0).received, 1);
  /* Everything leaves: no nodes, no edges. */
  test_ingest_ev (store, INGEST_EVENT_MARK, 1000 * MS, NULL, NULL, NULL, NULL, "tick", NULL);
  ingest_graph_window_advance (w, 500 * MS);
  g_autoptr(IngestGraph) g2 = ingest_graph_window_dup_graph (w);
  assert_int_equal (g2->nodes->len, 0);
  assert_int_equal (g2->edges->len, 0);
}

static void
test_latency_remove (void **state)
{
  (void) state;
  IngestLatencyHist h, ref;
  ingest_latency_hist_init (&h);
  ingest_latency_hist_init (&ref);
  for (gint64 v = 0; v < 2000; v++)
    ingest_latency_hist_record (&h, v * 1000);
  for (gint64 v = 1000; v < 2000; v++)
    ingest_latency_hist_record (&ref, v * 1000);
  for (gint64 v = 0; v < 1000; v++)
    ingest_latency_hist_remove (&h, v * 1000);
  assert_int_equal (h.count, ref.count);
  assert_int_equal (h.zero, ref.zero);
  assert_close (ingest_latency_hist_quantile (&h, 0.5), ingest_latency_hist_quantile (&ref, 0.5));
  assert_close (h.min_ns, ref.min_ns);
  assert_int_equal (h.max_ns, ref.max_ns);
  /* Emptied: all zero again. */
  for (gint64 v = 1000; v < 2000; v++)
    ingest_latency_hist_remove (&h, v * 1000);
  assert_int_equal (h.count, 0);
  assert_int_equal (ingest_latency_hist_quantile (&h, 0.5), 0);
  /* Removing from an empty histogram changes nothing. */
  ingest_latency_hist_remove (&h, 5);
  assert_int_equal (h.count, 0);
  ingest_latency_hist_clear (&h);
  ingest_latency_hist_clear (&ref);
}

/* Messages between the ends of the accepted time range, windows moved
 * across all of it: latencies, rates and expiry stay in range. */
static void
test_extreme_times (void **state)
{
  (void) state;
  const gint64 ends[] = { G_MININT64, G_MAXINT64, 0, G_MININT64 + 1, G_MAXINT64 - 1 };
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestGraphWindow) w = ingest_graph_window_new (store, NULL, NULL);

  ingest_graph_window_advance (w, INGEST_TIME_MIN);
  for (guint i = 0; i < G_N_ELEMENTS (ends); i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);
      gint64 t = ends[i], u = ends[(i + 1) % G_N_ELEMENTS (ends)];
      test_ingest_ev (store, INGEST_EVENT_SEND, t, "/a", "/b", key, "Job", NULL, NULL);
      test_ingest_ev (store, INGEST_EVENT_RECEIVE, u, "/b", NULL, key, NULL, NULL, NULL);
      test_ingest_ev (store, INGEST_EVENT_DONE, u, "/b", NULL, key, NULL, NULL, NULL);
      ingest_graph_window_advance (w, -INGEST_STORE_MAX_TIME);
      g_autoptr(IngestGraph) g = ingest_graph_window_dup_graph (w);
      assert_non_null (g);
      for (guint e = 0; e < g->edges->len; e++)
        {
          const IngestViewEdge *edge = &g_array_index (g->edges, IngestViewEdge, e);
          assert_true (edge->rate_per_s >= 0 && edge->mailbox.max_ns >= 0);
        }
    }
  ingest_graph_window_advance (w, INGEST_STORE_MAX_TIME);
  g_autoptr(IngestGraph) late = ingest_graph_window_dup_graph (w);
  g_autoptr(IngestGraph) batch = ingest_graph_build (store, NULL, NULL);
  assert_non_null (late);
  assert_non_null (batch);
  assert_true (batch->from_ns == -INGEST_STORE_MAX_TIME && batch->to_ns == INGEST_STORE_MAX_TIME);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_latency_remove),
    cmocka_unit_test (test_empty_and_expired),
    cmocka_unit_test (test_bad_regex),
    cmocka_unit_test (test_extreme_times),
    cmocka_unit_test (test_random_plain),
    cmocka_unit_test (test_random_long),
    cmocka_unit_test (test_retention),
    cmocka_unit_test (test_random_groups),
    cmocka_unit_test (test_random_filters),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
